// decode.h for stills, demux.h for the first frame of animations, encode.h for test fixtures.
#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
