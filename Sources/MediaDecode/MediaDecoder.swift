/// Entry points: bytes in, rows (or a whole image) out. Each call is independent and keeps no
/// state between calls, so any number may run concurrently on different threads.
///
/// Every input is treated as hostile: the format comes from magic bytes, sizes are checked
/// against ``DecodeLimits`` from the header before any large allocation, and every library error
/// becomes a ``DecodeError`` (never a crash or a message on stderr).
public enum MediaDecoder {
    /// The format named by the input's first bytes, or nil when it is none of the supported ones.
    public static func detectFormat(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        ImageFormat.detect(bytes)
    }

    /// Header-only: format, size, orientation. Cheap; enforces limits.
    public static func probe(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits = .default) throws(DecodeError) -> ImageInfo {
        switch try identify(bytes, limits: limits) {
        case .jpeg: return try JPEGCodec.probe(bytes, limits: limits)
        case .png: return try PNGCodec.probe(bytes, limits: limits)
        case .webp: return try WebPCodec.probe(bytes, limits: limits)
        case .gif: return try GIFCodec.probe(bytes, limits: limits)
        }
    }

    /// Streams rows into the sink (use batches of e.g. 8–32 rows so the consumer can work on blocks). Returns the header info.
    ///
    /// Throws ``DecodeError`` for problems with the input, or whatever the sink throws, unchanged.
    /// JPEG and non-interlaced PNG rows come from one small reusable buffer; the other formats
    /// decode into one image buffer first and hand out rows from it.
    public static func decode<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = .init(),
                                               into sink: inout S) throws -> ImageInfo {
        switch try identify(bytes, limits: options.limits) {
        case .jpeg: return try JPEGCodec.decode(bytes, options: options, into: &sink)
        case .png: return try PNGCodec.decode(bytes, options: options, into: &sink)
        case .webp: return try WebPCodec.decode(bytes, options: options, into: &sink)
        case .gif: return try GIFCodec.decode(bytes, options: options, into: &sink)
        }
    }

    /// Convenience: the whole image in one buffer (used for --apply-exif and tests).
    public static func decodeImage(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions = .init()) throws -> DecodedImage {
        var sink = CollectingSink()
        let info = try decode(bytes, options: options, into: &sink)
        return DecodedImage(width: sink.width, height: sink.height, layout: sink.layout, pixels: sink.pixels, info: info)
    }

    private static func identify(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(DecodeError) -> ImageFormat {
        guard bytes.count > 0, bytes.baseAddress != nil else { throw .empty }
        try limits.checkInput(byteCount: bytes.count)
        guard let format = ImageFormat.detect(bytes) else { throw .unrecognizedFormat }
        return format
    }
}
