import CWebP

/// WebP through libwebp: stills with WebPDecode (RGB, alpha ignored), animations with
/// WebPAnimDecoder for the first frame only (the frame composited onto a transparent-black canvas,
/// as Pillow's WebP plugin does, then alpha dropped).
enum WebPCodec {
    static let batchRows = 16

    static func probe(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(DecodeError) -> ImageInfo {
        try header(bytes, limits: limits).info
    }

    /// WebPGetFeatures reads only the RIFF/VP8X/VP8/VP8L headers; for animations it gives the canvas.
    private static func header(_ bytes: UnsafeRawBufferPointer,
                               limits: DecodeLimits) throws(DecodeError) -> (info: ImageInfo, animated: Bool) {
        var features = WebPBitstreamFeatures()
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        try check(WebPGetFeatures(base, bytes.count, &features), "unreadable WebP header")
        let info = ImageInfo(format: .webp, width: Int(features.width), height: Int(features.height),
                             orientation: Exif.webpOrientation(bytes))
        guard info.width > 0, info.height > 0 else {
            throw .corrupt(.webp, reason: "header gives an invalid size \(info.width)x\(info.height)")
        }
        try limits.check(width: info.width, height: info.height)
        return (info, features.has_animation != 0)
    }

    static func decode<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions,
                                        into sink: inout S) throws -> ImageInfo {
        let (info, animated) = try header(bytes, limits: options.limits)
        if animated {
            try decodeFirstFrame(bytes, info: info, into: &sink)
        } else {
            try decodeStill(bytes, info: info, into: &sink)
        }
        return info
    }

    private static func decodeStill<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, info: ImageInfo,
                                                     into sink: inout S) throws {
        let width = info.width, height = info.height, rowBytes = width * 3
        var config = WebPDecoderConfig()
        guard WebPInitDecoderConfig(&config) != 0 else {
            throw DecodeError.unsupported(.webp, reason: "libwebp version mismatch")
        }
        try sink.begin(width: width, height: height, layout: .rgb8)
        // libwebp has no row callback: it decodes the whole frame into the buffer we give it.
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * height, alignment: 64)
        defer { image.deallocate() }
        config.options.use_threads = 0
        config.output.colorspace = MODE_RGB
        config.output.is_external_memory = 1
        config.output.u.RGBA.rgba = image.baseAddress!.assumingMemoryBound(to: UInt8.self)
        config.output.u.RGBA.stride = Int32(rowBytes)
        config.output.u.RGBA.size = image.count
        let status = WebPDecode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &config)
        WebPFreeDecBuffer(&config.output)
        try check(status, "the image data could not be decoded")
        guard config.output.width == Int32(width), config.output.height == Int32(height) else {
            throw DecodeError.corrupt(.webp, reason: "decoded size differs from the header")
        }
        try RowEmitter.emit(UnsafeRawBufferPointer(image), height: height, rowBytes: rowBytes,
                            batchRows: batchRows, into: &sink)
    }

    private static func decodeFirstFrame<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, info: ImageInfo,
                                                          into sink: inout S) throws {
        var data = WebPData(bytes: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        var animOptions = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&animOptions) != 0 else {
            throw DecodeError.unsupported(.webp, reason: "libwebpdemux version mismatch")
        }
        animOptions.color_mode = MODE_RGBA
        animOptions.use_threads = 0
        guard let decoder = WebPAnimDecoderNew(&data, &animOptions) else { throw containerError(&data) }
        defer { WebPAnimDecoderDelete(decoder) }
        var animInfo = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &animInfo) != 0 else { throw containerError(&data) }
        let width = Int(animInfo.canvas_width), height = Int(animInfo.canvas_height)
        guard width == info.width, height == info.height else {
            throw DecodeError.corrupt(.webp, reason: "inconsistent canvas size")
        }
        try sink.begin(width: width, height: height, layout: .rgb8)
        var canvasPointer: UnsafeMutablePointer<UInt8>? = nil
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &canvasPointer, &timestamp) != 0, let canvasPointer else {
            throw DecodeError.corrupt(.webp, reason: "the first animation frame could not be decoded")
        }
        // RGBA canvas -> RGB, one batch at a time through a small reusable buffer.
        let rowBytes = width * 3
        let batch = min(batchRows, height)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * batch, alignment: 64)
        defer { buffer.deallocate() }
        let out = buffer.bindMemory(to: UInt8.self)
        var y = 0
        while y < height {
            let rows = min(batch, height - y)
            for r in 0..<rows {
                let src = canvasPointer + (y + r) * width * 4
                let dst = r * rowBytes
                for x in 0..<width {
                    out[dst + 3 * x] = src[4 * x]
                    out[dst + 3 * x + 1] = src[4 * x + 1]
                    out[dst + 3 * x + 2] = src[4 * x + 2]
                }
            }
            try sink.consume(rows: UnsafeRawBufferPointer(rebasing: buffer[0..<(rows * rowBytes)]),
                             rowCount: rows, rowBytes: rowBytes)
            y += rows
        }
    }

    /// WebPAnimDecoderNew only says "no"; a partial demux tells truncation from corruption.
    private static func containerError(_ data: inout WebPData) -> DecodeError {
        var state = WEBP_DEMUX_PARSE_ERROR
        if let demux = WebPDemuxPartial(&data, &state) { WebPDemuxDelete(demux) }
        if state == WEBP_DEMUX_PARSING_HEADER || state == WEBP_DEMUX_PARSED_HEADER { return .truncated(.webp) }
        return .corrupt(.webp, reason: "invalid animation container")
    }

    private static func check(_ status: VP8StatusCode, _ context: String) throws(DecodeError) {
        switch status {
        case VP8_STATUS_OK: return
        case VP8_STATUS_NOT_ENOUGH_DATA, VP8_STATUS_SUSPENDED: throw .truncated(.webp)
        case VP8_STATUS_UNSUPPORTED_FEATURE: throw .unsupported(.webp, reason: "uses a feature libwebp does not support")
        case VP8_STATUS_OUT_OF_MEMORY: throw .unsupported(.webp, reason: "out of memory")
        case VP8_STATUS_INVALID_PARAM: throw .corrupt(.webp, reason: "\(context) (invalid parameter)")
        default: throw .corrupt(.webp, reason: "\(context) (bitstream error)")
        }
    }
}
