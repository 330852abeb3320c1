import CImageShim

/// PNG through libpng's classic API (via CImageShim).
enum PNGCodec {
    static let batchRows = 16

    /// Signature and IHDR, read directly: cheap, and it lets the limits be checked before libpng
    /// sees the image (libpng's own user limits would only give an opaque error).
    static func probe(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(DecodeError) -> ImageInfo {
        // 8 signature + 4 length + 4 type + 13 IHDR data.
        guard bytes.count >= 8 + 8 + 13 else { throw .truncated(.png) }
        guard Exif.read32(bytes, 8, false) == 13, bytes[12] == 0x49, bytes[13] == 0x48, bytes[14] == 0x44,
              bytes[15] == 0x52 else { throw .corrupt(.png, reason: "the first chunk is not a valid IHDR") }
        let width = Int(Exif.read32(bytes, 16, false) ?? 0)
        let height = Int(Exif.read32(bytes, 20, false) ?? 0)
        guard (1...0x7FFF_FFFF).contains(width), (1...0x7FFF_FFFF).contains(height) else {
            throw .corrupt(.png, reason: "IHDR gives an invalid size \(width)x\(height)")
        }
        try limits.check(width: width, height: height)
        return ImageInfo(format: .png, width: width, height: height, orientation: Exif.pngOrientation(bytes))
    }

    static func decode<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions,
                                        into sink: inout S) throws -> ImageInfo {
        let info = try probe(bytes, limits: options.limits)
        guard let decoder = bw_png_create(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) else {
            throw DecodeError.unsupported(.png, reason: "out of memory")
        }
        defer { bw_png_destroy(decoder) }
        var header = bw_png_header()
        let maxSide = UInt32(clamping: options.limits.maxDimension)
        try check(bw_png_read_header(decoder, maxSide, &header), decoder)
        // libpng validated IHDR; re-check its values in case they differ from our quick read.
        let width = Int(header.width), height = Int(header.height)
        try options.limits.check(width: width, height: height)
        var output = bw_png_output()
        try check(bw_png_start(decoder, &output), decoder)
        let rowBytes = output.row_bytes
        guard rowBytes == width * 3 else { throw DecodeError.corrupt(.png, reason: "unexpected row size") }

        try sink.begin(width: width, height: height, layout: .rgb8)
        if output.passes == 1 {
            let batch = min(batchRows, height)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * batch, alignment: 64)
            defer { buffer.deallocate() }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var y = 0
            while y < height {
                let rows = min(batch, height - y)
                try check(bw_png_read_rows(decoder, base, rowBytes, UInt32(rows)), decoder)
                try sink.consume(rows: UnsafeRawBufferPointer(rebasing: buffer[0..<(rows * rowBytes)]),
                                 rowCount: rows, rowBytes: rowBytes)
                y += rows
            }
        } else {
            // Adam7 fills every row in seven passes, so the whole image has to exist first. It is
            // not cleared: the passes write every byte before any row is handed out, and leaving
            // the pages untouched means a tiny file that lies about its size never commits them.
            let image = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * height, alignment: 64)
            defer { image.deallocate() }
            try check(bw_png_read_image(decoder, image.baseAddress!.assumingMemoryBound(to: UInt8.self), rowBytes),
                      decoder)
            try RowEmitter.emit(UnsafeRawBufferPointer(image), height: height, rowBytes: rowBytes,
                                batchRows: batchRows, into: &sink)
        }
        return info
    }

    private static func check(_ code: Int32, _ decoder: OpaquePointer) throws(DecodeError) {
        guard code != Int32(BW_OK) else { return }
        throw ShimError.map(code: code, message: String(cString: bw_png_message(decoder)), format: .png)
    }
}

/// Hands a whole decoded image to a sink in batches, without copying.
enum RowEmitter {
    static func emit<S: ScanlineSink>(_ image: UnsafeRawBufferPointer, height: Int, rowBytes: Int,
                                      batchRows: Int, into sink: inout S) throws {
        var y = 0
        while y < height {
            let rows = min(batchRows, height - y)
            try sink.consume(rows: UnsafeRawBufferPointer(rebasing: image[(y * rowBytes)..<((y + rows) * rowBytes)]),
                             rowCount: rows, rowBytes: rowBytes)
            y += rows
        }
    }
}
