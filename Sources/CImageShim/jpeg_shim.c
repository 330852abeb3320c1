// JPEG through libjpeg-turbo, with every error path turned into a return code.
//
// libjpeg reports a fatal error by calling err->error_exit, which must not return. We longjmp
// back to the setjmp done at the top of whichever bw_jpeg_* function is running; after that the
// decompressor is in an undefined state, so the decoder is marked failed and only destroy is
// allowed. Nothing on these paths allocates outside libjpeg's own pools, which
// jpeg_destroy_decompress releases in every state.
#include "CImageShim.h"

#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

enum { STATE_CREATED, STATE_HEADER, STATE_STARTED, STATE_FAILED };

struct bw_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int state;
    int code;
    int cmyk;                 // decoding to JCS_CMYK, converted to RGB per row
    int invert_cmyk;
    int max_scans;
    char message[BW_MESSAGE_CAPACITY];
    JSAMPROW rows[BW_MAX_BATCH_ROWS];
};

static void set_message(bw_jpeg_decoder *d, const char *text) {
    snprintf(d->message, sizeof d->message, "%s", text);
}

/// Records the error and unwinds to the running entry point's setjmp.
static _Noreturn void fail(bw_jpeg_decoder *d, int code) {
    d->code = code;
    longjmp(d->jump, 1);
}

static int classify(int msg_code) {
    switch (msg_code) {
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY:
        return BW_ERR_TRUNCATED;
    case JERR_OUT_OF_MEMORY:
        return BW_ERR_NO_MEMORY;
    case JERR_NO_BACKING_STORE:
    case JERR_TFILE_CREATE:
    case JERR_TFILE_READ:
    case JERR_TFILE_SEEK:
    case JERR_TFILE_WRITE:
    case JERR_VIRTUAL_BUG:
        // libjpeg wanted more than max_memory_to_use for its whole-image coefficient buffer.
        return BW_ERR_LIMIT;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_NOTIMPL:
        return BW_ERR_UNSUPPORTED;
    default:
        return BW_ERR_CORRUPT;
    }
}

static _Noreturn void on_error_exit(j_common_ptr cinfo) {
    bw_jpeg_decoder *d = (bw_jpeg_decoder *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    int code = classify(cinfo->err->msg_code);
    if (code == BW_ERR_LIMIT) {
        set_message(d, "its coefficient buffer needs more memory than the pixel limit allows");
    } else {
        set_message(d, text);
    }
    fail(d, code);
}

/// Warnings are silent, except the two that mean the image data ran out. libjpeg would go on and
/// pad the rest of the image with grey, which would hash a picture that is not in the file (and
/// let a few bytes claim a 100-megapixel decode):
/// - JWRN_JPEG_EOF: the input ended (no EOI marker);
/// - JWRN_HIT_MARKER: a scan's entropy data stopped at a marker (typically a cut file with an
///   EOI appended). It is tolerated in the last iMCU row of a scan, where encoders that drop the
///   final bits cause it on otherwise complete images.
static void on_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;  // trace messages
    bw_jpeg_decoder *d = (bw_jpeg_decoder *)cinfo->client_data;
    int code = cinfo->err->msg_code;
    if (code == JWRN_JPEG_EOF) {
        set_message(d, "premature end of JPEG data");
        fail(d, BW_ERR_TRUNCATED);
    }
    if (code == JWRN_HIT_MARKER && cinfo->is_decompressor &&
        d->cinfo.input_iMCU_row + 1 < d->cinfo.total_iMCU_rows) {
        set_message(d, "the compressed data of a scan ends early (premature end of data segment)");
        fail(d, BW_ERR_TRUNCATED);
    }
    cinfo->err->num_warnings++;
}

static void on_output_message(j_common_ptr cinfo) {
    (void)cinfo;  // never print
}

/// Caps the scans of progressive files: each scan walks the whole coefficient buffer, so a
/// small file of thousands of empty scans costs minutes of CPU.
static void on_progress(j_common_ptr cinfo) {
    bw_jpeg_decoder *d = (bw_jpeg_decoder *)cinfo->client_data;
    if (d->cinfo.input_scan_number > d->max_scans) {
        snprintf(d->message, sizeof d->message,
                 "progressive JPEG has more than %d scans", d->max_scans);
        fail(d, BW_ERR_LIMIT);
    }
}

static int usage(bw_jpeg_decoder *d, const char *text) {
    set_message(d, text);
    d->code = BW_ERR_USAGE;
    return BW_ERR_USAGE;
}

bw_jpeg_decoder *bw_jpeg_create(void) {
    // volatile: read again after a longjmp into this frame.
    bw_jpeg_decoder *volatile d = calloc(1, sizeof(bw_jpeg_decoder));
    if (d == NULL) return NULL;
    d->cinfo.err = jpeg_std_error(&d->err);
    d->err.error_exit = on_error_exit;
    d->err.emit_message = on_emit_message;
    d->err.output_message = on_output_message;
    d->cinfo.client_data = d;
    if (setjmp(d->jump)) {
        // jpeg_create_decompress failed (out of memory); destroy copes with a partial object.
        jpeg_destroy_decompress(&d->cinfo);
        free(d);
        return NULL;
    }
    jpeg_create_decompress(&d->cinfo);
    // jpeg_create_decompress clears the struct apart from err; set our pointer again.
    d->cinfo.client_data = d;
    d->state = STATE_CREATED;
    return d;
}

void bw_jpeg_destroy(bw_jpeg_decoder *d) {
    if (d == NULL) return;
    jpeg_destroy_decompress(&d->cinfo);
    free(d);
}

const char *bw_jpeg_message(const bw_jpeg_decoder *d) {
    return d == NULL ? "" : d->message;
}

static int32_t color_space_code(J_COLOR_SPACE space) {
    switch (space) {
    case JCS_GRAYSCALE: return BW_JPEG_CS_GRAYSCALE;
    case JCS_RGB: return BW_JPEG_CS_RGB;
    case JCS_YCbCr: return BW_JPEG_CS_YCBCR;
    case JCS_CMYK: return BW_JPEG_CS_CMYK;
    case JCS_YCCK: return BW_JPEG_CS_YCCK;
    default: return BW_JPEG_CS_UNKNOWN;
    }
}

int bw_jpeg_read_header(bw_jpeg_decoder *d, const uint8_t *data, size_t size, bw_jpeg_header *header) {
    if (d == NULL || header == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_CREATED) return usage(d, "bw_jpeg_read_header called twice or after a failure");
    if (data == NULL || size == 0) {
        set_message(d, "empty JPEG data");
        d->state = STATE_FAILED;
        return d->code = BW_ERR_TRUNCATED;
    }
    d->message[0] = 0;
    if (setjmp(d->jump)) {
        d->state = STATE_FAILED;
        return d->code;
    }
    jpeg_mem_src(&d->cinfo, data, (unsigned long)size);
    (void)jpeg_read_header(&d->cinfo, TRUE);
    header->width = d->cinfo.image_width;
    header->height = d->cinfo.image_height;
    header->components = d->cinfo.num_components;
    header->color_space = color_space_code(d->cinfo.jpeg_color_space);
    header->progressive = d->cinfo.progressive_mode ? 1 : 0;
    header->saw_adobe_marker = d->cinfo.saw_Adobe_marker ? 1 : 0;
    d->state = STATE_HEADER;
    return BW_OK;
}

int bw_jpeg_start(bw_jpeg_decoder *d, const bw_jpeg_options *options, bw_jpeg_output *output) {
    if (d == NULL || options == NULL || output == NULL) return BW_ERR_USAGE;
    if (d->state != STATE_HEADER) return usage(d, "bw_jpeg_start needs a successful bw_jpeg_read_header first");
    int denom = options->scale_denom;
    if (denom != 1 && denom != 2 && denom != 4 && denom != 8) return usage(d, "scale_denom must be 1, 2, 4 or 8");
    d->message[0] = 0;
    if (setjmp(d->jump)) {
        d->state = STATE_FAILED;
        return d->code;
    }
    struct jpeg_decompress_struct *c = &d->cinfo;
    if ((uint64_t)c->image_width * (uint64_t)c->image_height > options->max_pixels) {
        snprintf(d->message, sizeof d->message, "%ux%u is more pixels than allowed",
                 (unsigned)c->image_width, (unsigned)c->image_height);
        fail(d, BW_ERR_LIMIT);
    }
    switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        c->out_color_space = options->grayscale ? JCS_GRAYSCALE : JCS_RGB;
        d->cmyk = 0;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        // libjpeg turns YCCK into CMYK; there is no CMYK -> grey path, so luma requests get RGB.
        c->out_color_space = JCS_CMYK;
        d->cmyk = 1;
        break;
    default:
        snprintf(d->message, sizeof d->message,
                 "JPEG with %d colour components in an unknown colour space", c->num_components);
        fail(d, BW_ERR_UNSUPPORTED);
    }
    d->invert_cmyk = options->invert_cmyk ? 1 : 0;
    c->scale_num = 1;
    c->scale_denom = (unsigned int)denom;
    c->dct_method = options->fast_dct ? JDCT_IFAST : JDCT_ISLOW;
    c->do_fancy_upsampling = TRUE;
    c->quantize_colors = FALSE;
    c->mem->max_memory_to_use = options->max_memory > (uint64_t)LONG_MAX ? LONG_MAX : (long)options->max_memory;
    d->max_scans = options->max_scans > 0 ? options->max_scans : INT_MAX;
    d->progress.progress_monitor = on_progress;
    c->progress = &d->progress;

    (void)jpeg_start_decompress(c);

    int work = c->output_components;
    if (!(work == 1 || work == 3 || (d->cmyk && work == 4))) {
        snprintf(d->message, sizeof d->message, "libjpeg produced %d components", work);
        fail(d, BW_ERR_UNSUPPORTED);
    }
    output->width = c->output_width;
    output->height = c->output_height;
    output->work_components = work;
    output->components = d->cmyk ? 3 : work;
    d->state = STATE_STARTED;
    return BW_OK;
}

/// Pillow's CMYK -> RGB: a*b/255 rounded the way ImagingConvert does it.
static inline unsigned muldiv255(unsigned a, unsigned b) {
    unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

/// Converts one row in place: pixel x's RGB (at 3x) never overwrites CMYK not yet read (at 4x+).
static void cmyk_row_to_rgb(uint8_t *row, uint32_t width, unsigned invert) {
    const uint8_t *in = row;
    uint8_t *out = row;
    for (uint32_t x = 0; x < width; x++, in += 4, out += 3) {
        unsigned c = in[0] ^ invert, m = in[1] ^ invert, y = in[2] ^ invert, k = in[3] ^ invert;
        unsigned nk = 255u - k;
        // muldiv255(v, nk) <= nk, so the differences stay in 0...255 (the CLIP8 is a no-op).
        out[0] = (uint8_t)(nk - muldiv255(c, nk));
        out[1] = (uint8_t)(nk - muldiv255(m, nk));
        out[2] = (uint8_t)(nk - muldiv255(y, nk));
    }
}

int bw_jpeg_read_rows(bw_jpeg_decoder *d, uint8_t *buffer, size_t row_bytes,
                      uint32_t max_rows, uint32_t *rows_read) {
    if (d == NULL || rows_read == NULL) return BW_ERR_USAGE;
    *rows_read = 0;
    if (d->state != STATE_STARTED) return usage(d, "bw_jpeg_read_rows needs a successful bw_jpeg_start first");
    struct jpeg_decompress_struct *c = &d->cinfo;
    if (buffer == NULL || row_bytes < (size_t)c->output_width * (size_t)c->output_components)
        return usage(d, "row buffer too small");
    uint32_t remaining = c->output_height - c->output_scanline;
    uint32_t n = max_rows;
    if (n > BW_MAX_BATCH_ROWS) n = BW_MAX_BATCH_ROWS;
    if (n > remaining) n = remaining;
    if (n == 0) return BW_OK;
    for (uint32_t i = 0; i < n; i++) d->rows[i] = buffer + (size_t)i * row_bytes;
    d->message[0] = 0;
    if (setjmp(d->jump)) {
        d->state = STATE_FAILED;
        return d->code;
    }
    uint32_t done = 0;
    while (done < n) {
        JDIMENSION got = jpeg_read_scanlines(c, d->rows + done, n - done);
        if (got == 0) {
            // Cannot happen with an in-memory source (no suspension); never spin on it.
            set_message(d, "libjpeg returned no rows");
            fail(d, BW_ERR_CORRUPT);
        }
        done += got;
    }
    if (d->cmyk) {
        unsigned invert = d->invert_cmyk ? 0xFFu : 0u;
        for (uint32_t i = 0; i < n; i++) cmyk_row_to_rgb(d->rows[i], c->output_width, invert);
    }
    *rows_read = n;
    return BW_OK;
}
