// CImageShim: the one C target of MediaDecode.
//
// libjpeg and libpng report errors by longjmp from a callback, which Swift cannot survive (it
// would skip Swift frames, leaking and corrupting state). Every entry point here does its own
// setjmp and turns a library error into a return code plus a message, so Swift drives the row
// loop (header -> start -> N rows at a time -> destroy) and never sees a longjmp. No function
// here prints anything: the libraries' message handlers are replaced by quiet ones.
#ifndef BULWARK_CIMAGESHIM_H
#define BULWARK_CIMAGESHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes shared by the JPEG and PNG entry points.
enum {
    BW_OK = 0,
    /// The data ended before the image did.
    BW_ERR_TRUNCATED = 1,
    /// The library rejected the data.
    BW_ERR_CORRUPT = 2,
    /// Valid data that this build cannot decode (12-bit JPEG, unknown colour space, ...).
    BW_ERR_UNSUPPORTED = 3,
    /// A safety limit was hit (scan count, memory budget, pixel count).
    BW_ERR_LIMIT = 4,
    /// An allocation failed.
    BW_ERR_NO_MEMORY = 5,
    /// The caller broke a precondition (wrong order of calls, buffer too small).
    BW_ERR_USAGE = 6
};

/// Capacity of the message buffer, terminator included (libjpeg's JMSG_LENGTH_MAX is 200).
#define BW_MESSAGE_CAPACITY 256
/// Most rows one read call fills.
#define BW_MAX_BATCH_ROWS 64

/* ---------------------------------------------------------------- JPEG */

/// libjpeg's colour space of the stored data, reduced to what callers need to know.
enum {
    BW_JPEG_CS_UNKNOWN = 0,
    BW_JPEG_CS_GRAYSCALE = 1,
    BW_JPEG_CS_RGB = 2,
    BW_JPEG_CS_YCBCR = 3,
    BW_JPEG_CS_CMYK = 4,
    BW_JPEG_CS_YCCK = 5
};

typedef struct bw_jpeg_decoder bw_jpeg_decoder;

typedef struct {
    uint32_t width;          ///< as stored
    uint32_t height;         ///< as stored
    int32_t components;      ///< number of colour components in the file
    int32_t color_space;     ///< BW_JPEG_CS_*
    int32_t progressive;     ///< 1 for progressive (multi-scan) files
    int32_t saw_adobe_marker;
} bw_jpeg_header;

typedef struct {
    int32_t scale_denom;     ///< 1, 2, 4 or 8 (DCT-domain downscaling)
    int32_t grayscale;       ///< 1: deliver the Y channel (JCS_GRAYSCALE) when the colour space allows
    int32_t fast_dct;        ///< 1: JDCT_IFAST instead of JDCT_ISLOW
    int32_t invert_cmyk;     ///< 1: treat stored CMYK as inverted (Adobe/Photoshop convention)
    int32_t max_scans;       ///< error past this many input scans (progressive scan bombs)
    uint64_t max_pixels;     ///< error if width*height is larger (callers check first; this is defence)
    uint64_t max_memory;     ///< libjpeg's max_memory_to_use
} bw_jpeg_options;

typedef struct {
    uint32_t width;          ///< after scaling
    uint32_t height;         ///< after scaling
    int32_t components;      ///< bytes per delivered pixel: 1 (grey) or 3 (RGB)
    int32_t work_components; ///< bytes per pixel a row buffer must hold while decoding (4 for CMYK)
} bw_jpeg_output;

/// Returns NULL only if memory is exhausted.
bw_jpeg_decoder *bw_jpeg_create(void);
/// Frees everything, in any state. NULL is accepted.
void bw_jpeg_destroy(bw_jpeg_decoder *decoder);
/// Reads the markers up to the first scan. `data` must stay valid until destroy.
int bw_jpeg_read_header(bw_jpeg_decoder *decoder, const uint8_t *data, size_t size, bw_jpeg_header *header);
/// Applies options and starts decompression (a progressive file is fully read here).
int bw_jpeg_start(bw_jpeg_decoder *decoder, const bw_jpeg_options *options, bw_jpeg_output *output);
/// Decodes up to `max_rows` (at most BW_MAX_BATCH_ROWS) rows, row i at buffer + i * row_bytes;
/// row_bytes must be at least width * work_components. CMYK is converted to RGB in place.
int bw_jpeg_read_rows(bw_jpeg_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                      uint32_t max_rows, uint32_t *rows_read);
/// The last error's message (empty if none). Valid until the next call on the decoder.
const char *bw_jpeg_message(const bw_jpeg_decoder *decoder);

/* ---------------------------------------------------------------- PNG */

typedef struct bw_png_decoder bw_png_decoder;

typedef struct {
    uint32_t width;
    uint32_t height;
    int32_t bit_depth;
    int32_t color_type;      ///< PNG colour type (0, 2, 3, 4, 6)
    int32_t interlaced;      ///< 1 for Adam7
} bw_png_header;

typedef struct {
    size_t row_bytes;        ///< bytes of one RGB8 output row (width * 3)
    int32_t passes;          ///< 1, or 7 for Adam7
} bw_png_output;

/// `data` must stay valid until destroy. Returns NULL only if memory is exhausted.
bw_png_decoder *bw_png_create(const uint8_t *data, size_t size);
void bw_png_destroy(bw_png_decoder *decoder);
/// Reads the chunks before the image data. Ancillary chunks (text, ICC, gamma, tRNS, ...) are
/// discarded unread: the output convention ignores them, and skipping them avoids inflating
/// attacker-sized text. `max_dimension` feeds png_set_user_limits.
int bw_png_read_header(bw_png_decoder *decoder, uint32_t max_dimension, bw_png_header *header);
/// Sets up the RGB8 conversion (palette -> RGB, grey -> RGB, 16 -> 8 by high byte, alpha
/// dropped, no gamma) and reports the output row size.
int bw_png_start(bw_png_decoder *decoder, bw_png_output *output);
/// Non-interlaced only: decodes the next `rows` rows (at most BW_MAX_BATCH_ROWS).
int bw_png_read_rows(bw_png_decoder *decoder, uint8_t *buffer, size_t row_bytes, uint32_t rows);
/// Any image: decodes every pass into a whole-image buffer of height rows.
int bw_png_read_image(bw_png_decoder *decoder, uint8_t *image, size_t row_bytes);
const char *bw_png_message(const bw_png_decoder *decoder);

#ifdef __cplusplus
}
#endif

#endif
