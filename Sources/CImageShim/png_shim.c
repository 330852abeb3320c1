// PNG through libpng's classic API, with every error path turned into a return code.
//
// The simplified png_image API is not used on purpose: it composites alpha onto a background
// and applies gamma, and the hashing convention wants neither (alpha dropped, values as stored).
// libpng longjmps to png_jmpbuf on error; each entry point below sets that jump buffer itself.
#include "CImageShim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

enum { STATE_CREATED, STATE_HEADER, STATE_STARTED, STATE_FAILED };

struct bw_png_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *data;
    size_t size;
    size_t offset;
    int state;
    int code;
    int hit_end;              // the read callback ran out of data
    uint32_t width;
    uint32_t height;
    uint32_t next_row;        // non-interlaced streaming position
    int passes;
    size_t row_bytes;
    char message[BW_MESSAGE_CAPACITY];
};

static void set_message(bw_png_decoder *d, const char *text) {
    snprintf(d->message, sizeof d->message, "%s", text);
}

static int classify(const bw_png_decoder *d) {
    // A zlib stream that ends before the last row is cut image data, whatever follows it.
    if (d->hit_end || strstr(d->message, "Not enough image data") != NULL) return BW_ERR_TRUNCATED;
    if (strstr(d->message, "memory") != NULL) return BW_ERR_NO_MEMORY;
    if (strstr(d->message, "user limit") != NULL || strstr(d->message, "too large") != NULL) return BW_ERR_LIMIT;
    return BW_ERR_CORRUPT;
}

static _Noreturn void on_error(png_structp png, png_const_charp text) {
    bw_png_decoder *d = (bw_png_decoder *)png_get_error_ptr(png);
    if (d != NULL) {
        // The read callback already recorded "unexpected end"; keep that message.
        if (!d->hit_end) set_message(d, text != NULL ? text : "libpng error");
        d->code = classify(d);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;  // never print
}

static void on_read(png_structp png, png_bytep out, size_t length) {
    bw_png_decoder *d = (bw_png_decoder *)png_get_io_ptr(png);
    if (length > d->size - d->offset) {
        d->hit_end = 1;
        set_message(d, "unexpected end of PNG data");
        png_error(png, "unexpected end of PNG data");
    }
    memcpy(out, d->data + d->offset, length);
    d->offset += length;
}

static int usage(bw_png_decoder *d, const char *text) {
    set_message(d, text);
    d->code = BW_ERR_USAGE;
    return BW_ERR_USAGE;
}

bw_png_decoder *bw_png_create(const uint8_t *data, size_t size) {
    bw_png_decoder *d = calloc(1, sizeof *d);
    if (d == NULL) return NULL;
    d->data = data;
    d->size = data == NULL ? 0 : size;
    d->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, d, on_error, on_warning);
    if (d->png == NULL) {
        free(d);
        return NULL;
    }
    d->info = png_create_info_struct(d->png);
    if (d->info == NULL) {
        png_destroy_read_struct(&d->png, NULL, NULL);
        free(d);
        return NULL;
    }
    d->state = STATE_CREATED;
    return d;
}

void bw_png_destroy(bw_png_decoder *d) {
    if (d == NULL) return;
    png_destroy_read_struct(&d->png, &d->info, NULL);
    free(d);
}

const char *bw_png_message(const bw_png_decoder *d) {
    return d == NULL ? "" : d->message;
}

/// Known ancillary chunks that libpng would otherwise parse (and, for text and ICC profiles,
/// inflate). None of them changes the pixels under our convention.
static const png_byte ignored_chunks[] = {
    'b', 'K', 'G', 'D', '\0',  'c', 'H', 'R', 'M', '\0',  'e', 'X', 'I', 'f', '\0',
    'g', 'A', 'M', 'A', '\0',  'h', 'I', 'S', 'T', '\0',  'i', 'C', 'C', 'P', '\0',
    'i', 'T', 'X', 't', '\0',  'o', 'F', 'F', 's', '\0',  'p', 'C', 'A', 'L', '\0',
    'p', 'H', 'Y', 's', '\0',  's', 'B', 'I', 'T', '\0',  's', 'C', 'A', 'L', '\0',
    's', 'P', 'L', 'T', '\0',  's', 'R', 'G', 'B', '\0',  't', 'E', 'X', 't', '\0',
    't', 'I', 'M', 'E', '\0',  't', 'R', 'N', 'S', '\0',  'z', 'T', 'X', 't', '\0',
};

int bw_png_read_header(bw_png_decoder *d, uint32_t max_dimension, bw_png_header *header) {
    if (d == NULL || header == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_CREATED) return usage(d, "bw_png_read_header called twice or after a failure");
    // Clamp before setjmp: nothing local may change between setjmp and a longjmp.
    const png_uint_32 limit = max_dimension == 0 ? 1u : (max_dimension > 0x7fffffffu ? 0x7fffffffu : max_dimension);
    d->message[0] = 0;
    if (setjmp(png_jmpbuf(d->png))) {
        d->state = STATE_FAILED;
        return d->code;
    }
    png_set_read_fn(d->png, d, on_read);
    png_set_user_limits(d->png, limit, limit);
    png_set_chunk_cache_max(d->png, 128);
    png_set_chunk_malloc_max(d->png, 8u << 20);
    png_set_keep_unknown_chunks(d->png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(d->png, PNG_HANDLE_CHUNK_NEVER, ignored_chunks,
                                (int)(sizeof ignored_chunks / 5));
    png_read_info(d->png, d->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(d->png, d->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    d->width = width;
    d->height = height;
    header->width = width;
    header->height = height;
    header->bit_depth = bit_depth;
    header->color_type = color_type;
    header->interlaced = interlace != PNG_INTERLACE_NONE ? 1 : 0;
    d->state = STATE_HEADER;
    return BW_OK;
}

int bw_png_start(bw_png_decoder *d, bw_png_output *output) {
    if (d == NULL || output == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_HEADER) return usage(d, "bw_png_start needs a successful bw_png_read_header first");
    d->message[0] = 0;
    if (setjmp(png_jmpbuf(d->png))) {
        d->state = STATE_FAILED;
        return d->code;
    }
    int color_type = png_get_color_type(d->png, d->info);
    int bit_depth = png_get_bit_depth(d->png, d->info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(d->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(d->png);
    if (bit_depth == 16) png_set_strip_16(d->png);  // high byte, like Pillow's ";16B" unpackers
    if ((color_type & PNG_COLOR_MASK_ALPHA) != 0) png_set_strip_alpha(d->png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(d->png);
    d->passes = png_set_interlace_handling(d->png);
    png_read_update_info(d->png, d->info);

    if (png_get_channels(d->png, d->info) != 3 || png_get_bit_depth(d->png, d->info) != 8) {
        set_message(d, "PNG did not convert to 8-bit RGB");
        d->state = STATE_FAILED;
        return d->code = BW_ERR_UNSUPPORTED;
    }
    d->row_bytes = png_get_rowbytes(d->png, d->info);
    if (d->row_bytes != (size_t)d->width * 3u) {
        set_message(d, "unexpected PNG row size");
        d->state = STATE_FAILED;
        return d->code = BW_ERR_UNSUPPORTED;
    }
    output->row_bytes = d->row_bytes;
    output->passes = d->passes;
    d->next_row = 0;
    d->state = STATE_STARTED;
    return BW_OK;
}

int bw_png_read_rows(bw_png_decoder *d, uint8_t *buffer, size_t row_bytes, uint32_t rows) {
    if (d == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_STARTED) return usage(d, "bw_png_read_rows needs a successful bw_png_start first");
    if (d->passes != 1) return usage(d, "interlaced PNGs must be read with bw_png_read_image");
    if (buffer == NULL || row_bytes < d->row_bytes) return usage(d, "row buffer too small");
    if (rows > BW_MAX_BATCH_ROWS || rows > d->height - d->next_row) return usage(d, "too many rows requested");
    d->message[0] = 0;
    if (setjmp(png_jmpbuf(d->png))) {
        d->state = STATE_FAILED;
        return d->code;
    }
    for (uint32_t i = 0; i < rows; i++) {
        png_read_row(d->png, buffer + (size_t)i * row_bytes, NULL);
        d->next_row++;
    }
    return BW_OK;
}

int bw_png_read_image(bw_png_decoder *d, uint8_t *image, size_t row_bytes) {
    if (d == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_STARTED || d->next_row != 0)
        return usage(d, "bw_png_read_image needs a freshly started decoder");
    if (image == NULL || row_bytes < d->row_bytes) return usage(d, "image buffer too small");
    d->message[0] = 0;
    if (setjmp(png_jmpbuf(d->png))) {
        d->state = STATE_FAILED;
        return d->code;
    }
    // With interlace handling, libpng wants passes * height calls, each merging into the row.
    for (int pass = 0; pass < d->passes; pass++) {
        for (uint32_t y = 0; y < d->height; y++) {
            png_read_row(d->png, image + (size_t)y * row_bytes, NULL);
        }
    }
    d->next_row = d->height;
    return BW_OK;
}
