import CImageShim

/// JPEG through libjpeg-turbo (via CImageShim, which turns its longjmp errors into codes).
enum JPEGCodec {
    /// Progressive files with more scans than this are refused: each scan walks the whole
    /// coefficient buffer, and real encoders use about ten.
    static let maxScans: Int32 = 1000
    /// Rows per libjpeg call and per sink batch: one 4:2:0 MCU row.
    static let batchRows = 16

    /// Pillow reads every four-component JPEG as Adobe-inverted CMYK (rawmode "CMYK;I"), whether
    /// or not an Adobe APP14 marker is present; the exchanges' hashes come from Pillow, so the
    /// stored values are always inverted before its CMYK -> RGB formula.
    static let invertCMYK = true

    static func probe(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(DecodeError) -> ImageInfo {
        let decoder = try create()
        defer { bw_jpeg_destroy(decoder) }
        let header = try readHeader(decoder, bytes)
        let info = ImageInfo(format: .jpeg, width: Int(header.width), height: Int(header.height),
                             orientation: Exif.jpegOrientation(bytes))
        try limits.check(width: info.width, height: info.height)
        return info
    }

    static func decode<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions,
                                        into sink: inout S) throws -> ImageInfo {
        let decoder = try create()
        defer { bw_jpeg_destroy(decoder) }
        let header = try readHeader(decoder, bytes)
        let info = ImageInfo(format: .jpeg, width: Int(header.width), height: Int(header.height),
                             orientation: Exif.jpegOrientation(bytes))
        try options.limits.check(width: info.width, height: info.height)

        var settings = bw_jpeg_options()
        settings.scale_denom = Int32(scaleDenominator(width: info.width, height: info.height,
                                                      minimumSide: options.jpegMinimumScaledSide))
        settings.grayscale = options.preferLuma ? 1 : 0
        settings.fast_dct = options.fastDCT ? 1 : 0
        settings.invert_cmyk = invertCMYK ? 1 : 0
        settings.max_scans = maxScans
        settings.max_pixels = UInt64(max(0, options.limits.maxPixels))
        settings.max_memory = memoryBudget(maxPixels: options.limits.maxPixels)
        var output = bw_jpeg_output()
        try check(bw_jpeg_start(decoder, &settings, &output), decoder)

        let width = Int(output.width), height = Int(output.height)
        let layout: PixelLayout = output.components == 1 ? .grey8 : .rgb8
        try sink.begin(width: width, height: height, layout: layout)

        let rowBytes = width * Int(output.work_components)
        let batch = min(batchRows, height)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * batch, alignment: 64)
        defer { buffer.deallocate() }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var y = 0
        while y < height {
            var got: UInt32 = 0
            try check(bw_jpeg_read_rows(decoder, base, rowBytes, UInt32(min(batch, height - y)), &got), decoder)
            let rows = Int(got)
            guard rows > 0 else { throw DecodeError.corrupt(.jpeg, reason: "decoder stopped early") }
            try sink.consume(rows: UnsafeRawBufferPointer(rebasing: buffer[0..<(rows * rowBytes)]),
                             rowCount: rows, rowBytes: rowBytes)
            y += rows
        }
        return info
    }

    /// The strongest of 1/8, 1/4, 1/2 that keeps both scaled sides (ceil(side/denominator), as
    /// libjpeg computes them) at least `minimumSide`; 1 when none does or no minimum is given.
    static func scaleDenominator(width: Int, height: Int, minimumSide: Int?) -> Int {
        guard let minimumSide else { return 1 }
        for d in [8, 4, 2] where (width + d - 1) / d >= minimumSide && (height + d - 1) / d >= minimumSide {
            return d
        }
        return 1
    }

    /// libjpeg's cap for its whole-image coefficient buffer (progressive and multi-scan files):
    /// up to four components of 2-byte coefficients per pixel at the pixel limit, plus slack.
    static func memoryBudget(maxPixels: Int) -> UInt64 {
        let pixels = UInt64(max(0, maxPixels))
        let (bytes, overflow) = pixels.multipliedReportingOverflow(by: 8)
        return overflow ? UInt64(Int.max) : min(UInt64(Int.max), bytes + (64 << 20))
    }

    private static func create() throws(DecodeError) -> OpaquePointer {
        guard let decoder = bw_jpeg_create() else { throw .unsupported(.jpeg, reason: "out of memory") }
        return decoder
    }

    private static func readHeader(_ decoder: OpaquePointer,
                                   _ bytes: UnsafeRawBufferPointer) throws(DecodeError) -> bw_jpeg_header {
        var header = bw_jpeg_header()
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        try check(bw_jpeg_read_header(decoder, base, bytes.count, &header), decoder)
        return header
    }

    private static func check(_ code: Int32, _ decoder: OpaquePointer) throws(DecodeError) {
        guard code != Int32(BW_OK) else { return }
        throw ShimError.map(code: code, message: String(cString: bw_jpeg_message(decoder)), format: .jpeg)
    }
}

/// Maps CImageShim result codes to ``DecodeError``.
enum ShimError {
    static func map(code: Int32, message: String, format: ImageFormat) -> DecodeError {
        switch Int(code) {
        case Int(BW_ERR_TRUNCATED): return .truncated(format)
        case Int(BW_ERR_UNSUPPORTED): return .unsupportedFromLibrary(format, message)
        case Int(BW_ERR_LIMIT): return .unsupportedFromLibrary(format, "exceeds a safety limit: " + message)
        case Int(BW_ERR_NO_MEMORY): return .unsupported(format, reason: "out of memory")
        case Int(BW_ERR_USAGE): return .corruptFromLibrary(format, "internal decoder error: " + message)
        default: return .corruptFromLibrary(format, message)
        }
    }
}
