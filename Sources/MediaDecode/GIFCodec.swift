import CGIF

/// GIF through giflib's low-level API: only the first image is read, so an animation of
/// thousands of frames costs no more than its first frame (DGifSlurp would read them all).
enum GIFCodec {
    static let batchRows = 16

    /// The logical screen size from the 13-byte header.
    static func probe(_ bytes: UnsafeRawBufferPointer, limits: DecodeLimits) throws(DecodeError) -> ImageInfo {
        guard bytes.count >= 13 else { throw .truncated(.gif) }
        let width = Int(bytes[6]) | Int(bytes[7]) << 8
        let height = Int(bytes[8]) | Int(bytes[9]) << 8
        guard width > 0, height > 0 else {
            throw .corrupt(.gif, reason: "the logical screen is \(width)x\(height) pixels")
        }
        try limits.check(width: width, height: height)
        return ImageInfo(format: .gif, width: width, height: height, orientation: .up)
    }

    /// giflib pulls its input through this; the cursor lives in the caller's frame for the
    /// duration of the decode.
    private struct Cursor {
        var base: UnsafePointer<UInt8>
        var count: Int
        var offset: Int
    }

    private static let read: InputFunc = { gif, out, length in
        guard let gif, let out, length > 0, let user = gif.pointee.UserData else { return 0 }
        let cursor = user.assumingMemoryBound(to: Cursor.self)
        let n = min(Int(length), cursor.pointee.count - cursor.pointee.offset)
        guard n > 0 else { return 0 }
        out.update(from: cursor.pointee.base + cursor.pointee.offset, count: n)
        cursor.pointee.offset += n
        return Int32(n)
    }

    static func decode<S: ScanlineSink>(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions,
                                        into sink: inout S) throws -> ImageInfo {
        let info = try probe(bytes, limits: options.limits)
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { throw DecodeError.empty }
        let cursor = UnsafeMutablePointer<Cursor>.allocate(capacity: 1)
        cursor.initialize(to: Cursor(base: base, count: bytes.count, offset: 0))
        defer { cursor.deallocate() }

        var openError: Int32 = 0
        guard let gif = DGifOpen(cursor, read, &openError) else { throw error(code: openError) }
        defer {
            var closeError: Int32 = 0
            _ = DGifCloseFile(gif, &closeError)
        }
        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        guard width == info.width, height == info.height else {
            throw DecodeError.corrupt(.gif, reason: "inconsistent logical screen size")
        }

        // Find the first image, remembering the transparency of the last graphic control block.
        var transparentIndex: Int? = nil
        findImage: while true {
            var record = UNDEFINED_RECORD_TYPE
            guard DGifGetRecordType(gif, &record) == GIF_OK else { throw error(gif) }
            switch record {
            case IMAGE_DESC_RECORD_TYPE:
                guard DGifGetImageDesc(gif) == GIF_OK else { throw error(gif) }
                break findImage
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>? = nil
                guard DGifGetExtension(gif, &code, &block) == GIF_OK else { throw error(gif) }
                if code == GRAPHICS_EXT_FUNC_CODE, let gce = block, gce[0] >= 4 {
                    transparentIndex = gce[1] & 1 != 0 ? Int(gce[4]) : nil
                }
                while block != nil {
                    guard DGifGetExtensionNext(gif, &block) == GIF_OK else { throw error(gif) }
                }
            case TERMINATE_RECORD_TYPE:
                throw DecodeError.corrupt(.gif, reason: "the file contains no image")
            default:
                throw DecodeError.corrupt(.gif, reason: "unexpected record")
            }
        }

        let frame = gif.pointee.Image
        let left = Int(frame.Left), top = Int(frame.Top)
        let frameWidth = Int(frame.Width), frameHeight = Int(frame.Height)
        // Every pixel of an interlaced frame must be decoded even if it falls outside the screen.
        try options.limits.check(width: frameWidth, height: frameHeight)

        try sink.begin(width: width, height: height, layout: .rgb8)
        let rowBytes = width * 3
        let canvas = UnsafeMutableRawBufferPointer.allocate(byteCount: rowBytes * height, alignment: 64)
        defer { canvas.deallocate() }

        // The palette: the frame's local map, else the global one, else a grey ramp.
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        let map = frame.ColorMap ?? gif.pointee.SColorMap
        if let map, let colors = map.pointee.Colors {
            for i in 0..<min(256, max(0, Int(map.pointee.ColorCount))) {
                palette[3 * i] = colors[i].Red
                palette[3 * i + 1] = colors[i].Green
                palette[3 * i + 2] = colors[i].Blue
            }
        } else {
            for i in 0..<256 { palette[3 * i] = UInt8(i); palette[3 * i + 1] = UInt8(i); palette[3 * i + 2] = UInt8(i) }
        }

        // Background: the global map's background entry, else black.
        var background: (UInt8, UInt8, UInt8) = (0, 0, 0)
        if let global = gif.pointee.SColorMap, let colors = global.pointee.Colors {
            let index = Int(gif.pointee.SBackGroundColor)
            if index >= 0, index < Int(global.pointee.ColorCount) {
                background = (colors[index].Red, colors[index].Green, colors[index].Blue)
            }
        }
        let pixels = canvas.bindMemory(to: UInt8.self)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.0
            pixels[3 * i + 1] = background.1
            pixels[3 * i + 2] = background.2
        }

        if frameWidth > 0, frameHeight > 0, left < width, top < height {
            var line = [GifPixelType](repeating: 0, count: frameWidth)
            let visibleWidth = min(frameWidth, width - left)
            let transparent = transparentIndex ?? -1
            func draw(frameRow: Int) {
                let y = top + frameRow
                guard y < height else { return }
                let rowStart = y * rowBytes + left * 3
                palette.withUnsafeBufferPointer { p in
                    for x in 0..<visibleWidth {
                        let index = Int(line[x])
                        if index == transparent { continue }
                        let o = rowStart + 3 * x
                        pixels[o] = p[3 * index]
                        pixels[o + 1] = p[3 * index + 1]
                        pixels[o + 2] = p[3 * index + 2]
                    }
                }
            }
            if frame.Interlace {
                for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] {
                    for row in stride(from: start, to: frameHeight, by: step) {
                        guard DGifGetLine(gif, &line, Int32(frameWidth)) == GIF_OK else { throw error(gif) }
                        draw(frameRow: row)
                    }
                }
            } else {
                // Rows below the screen are never shown: stop decoding there.
                for row in 0..<min(frameHeight, height - top) {
                    guard DGifGetLine(gif, &line, Int32(frameWidth)) == GIF_OK else { throw error(gif) }
                    draw(frameRow: row)
                }
            }
        }

        try RowEmitter.emit(UnsafeRawBufferPointer(canvas), height: height, rowBytes: rowBytes,
                            batchRows: batchRows, into: &sink)
        return info
    }

    private static func error(_ gif: UnsafeMutablePointer<GifFileType>) -> DecodeError {
        error(code: gif.pointee.Error)
    }

    private static func error(code: Int32) -> DecodeError {
        switch code {
        case D_GIF_ERR_READ_FAILED, D_GIF_ERR_EOF_TOO_SOON:
            return .truncated(.gif)
        case D_GIF_ERR_NOT_ENOUGH_MEM:
            return .unsupported(.gif, reason: "out of memory")
        default:
            let message = GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
            return .corruptFromLibrary(.gif, message)
        }
    }
}
