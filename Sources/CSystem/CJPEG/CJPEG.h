// libjpeg(-turbo)'s headers use size_t and FILE without including the headers that declare them.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
