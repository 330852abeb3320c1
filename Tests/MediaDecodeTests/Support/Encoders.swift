// Test fixtures are generated here with the system libraries' own encoders, so every test image
// is synthetic (gradients, flat blocks, small patterns) and its exact pixels are known.
import CGIF
import CJPEG
import CPNG
import CWebP
import Foundation

/// Growable byte sink shared with C write callbacks through an opaque pointer.
final class ByteBox {
    var bytes: [UInt8] = []
}

// MARK: - JPEG

enum JPEGFixture {
    enum Input {
        case rgb
        case grey
        /// Four components; values as given are what the file stores.
        case cmyk(storeAsYCCK: Bool, adobeMarker: Bool)
    }

    /// Encodes `pixels` (3, 1 or 4 bytes per pixel per `input`) with libjpeg.
    static func encode(width: Int, height: Int, pixels: [UInt8], input: Input, quality: Int32 = 95,
                       progressive: Bool = false, subsample: Bool = true, app1: [UInt8]? = nil) -> [UInt8] {
        let cinfo = UnsafeMutablePointer<jpeg_compress_struct>.allocate(capacity: 1)
        let jerr = UnsafeMutablePointer<jpeg_error_mgr>.allocate(capacity: 1)
        let outBuffer = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: 1)
        let outSize = UnsafeMutablePointer<UInt>.allocate(capacity: 1)
        defer {
            cinfo.deallocate(); jerr.deallocate(); outBuffer.deallocate(); outSize.deallocate()
        }
        cinfo.initialize(to: jpeg_compress_struct())
        jerr.initialize(to: jpeg_error_mgr())
        outBuffer.initialize(to: nil)
        outSize.initialize(to: 0)

        cinfo.pointee.err = jpeg_std_error(jerr)
        jpeg_CreateCompress(cinfo, JPEG_LIB_VERSION, MemoryLayout<jpeg_compress_struct>.size)
        jpeg_mem_dest(cinfo, outBuffer, outSize)
        cinfo.pointee.image_width = JDIMENSION(width)
        cinfo.pointee.image_height = JDIMENSION(height)
        let components: Int
        switch input {
        case .rgb: components = 3; cinfo.pointee.in_color_space = JCS_RGB
        case .grey: components = 1; cinfo.pointee.in_color_space = JCS_GRAYSCALE
        case .cmyk: components = 4; cinfo.pointee.in_color_space = JCS_CMYK
        }
        cinfo.pointee.input_components = Int32(components)
        jpeg_set_defaults(cinfo)
        jpeg_set_quality(cinfo, quality, 1)
        if case let .cmyk(ycck, adobe) = input {
            jpeg_set_colorspace(cinfo, ycck ? JCS_YCCK : JCS_CMYK)
            cinfo.pointee.write_Adobe_marker = adobe ? 1 : 0
        }
        if !subsample {
            for i in 0..<Int(cinfo.pointee.num_components) {
                cinfo.pointee.comp_info[i].h_samp_factor = 1
                cinfo.pointee.comp_info[i].v_samp_factor = 1
            }
        }
        if progressive { jpeg_simple_progression(cinfo) }
        jpeg_start_compress(cinfo, 1)
        if let app1 {
            app1.withUnsafeBufferPointer { jpeg_write_marker(cinfo, Int32(JPEG_APP0 + 1), $0.baseAddress, UInt32($0.count)) }
        }
        pixels.withUnsafeBufferPointer { src in
            var row: JSAMPROW? = nil
            while cinfo.pointee.next_scanline < cinfo.pointee.image_height {
                let y = Int(cinfo.pointee.next_scanline)
                row = UnsafeMutablePointer(mutating: src.baseAddress! + y * width * components)
                _ = jpeg_write_scanlines(cinfo, &row, 1)
            }
        }
        jpeg_finish_compress(cinfo)
        let result = Array(UnsafeBufferPointer(start: outBuffer.pointee, count: Int(outSize.pointee)))
        free(outBuffer.pointee)
        jpeg_destroy_compress(cinfo)
        return result
    }
}

// MARK: - PNG

enum PNGFixture {
    /// Writes a PNG from rows already in PNG sample layout (packed below 8 bits, big-endian 16-bit).
    static func encode(width: Int, height: Int, colorType: Int32, bitDepth: Int32, rows: [[UInt8]],
                       palette: [(UInt8, UInt8, UInt8)] = [], transparency: [UInt8] = [],
                       interlaced: Bool = false, exif: [UInt8]? = nil) -> [UInt8] {
        let box = ByteBox()
        let boxPointer = Unmanaged.passUnretained(box).toOpaque()
        var png: png_structp? = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil)
        var info: png_infop? = png_create_info_struct(png)
        png_set_write_fn(png, boxPointer, { png, data, length in
            let box = Unmanaged<ByteBox>.fromOpaque(png_get_io_ptr(png)!).takeUnretainedValue()
            box.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
        }, { _ in })
        png_set_IHDR(png, info, png_uint_32(width), png_uint_32(height), bitDepth, colorType,
                     interlaced ? 1 : 0, 0, 0)
        if !palette.isEmpty {
            let colors = palette.map { png_color(red: $0.0, green: $0.1, blue: $0.2) }
            png_set_PLTE(png, info, colors, Int32(colors.count))
        }
        if !transparency.isEmpty {
            png_set_tRNS(png, info, transparency, Int32(transparency.count), nil)
        }
        if let exif {
            var copy = exif
            png_set_eXIf_1(png, info, png_uint_32(copy.count), &copy)
        }
        png_write_info(png, info)
        let passes = interlaced ? png_set_interlace_handling(png) : 1
        for _ in 0..<passes {
            for row in rows {
                var copy = row
                png_write_row(png, &copy)
            }
        }
        png_write_end(png, nil)
        png_destroy_write_struct(&png, &info)
        return box.bytes
    }
}

// MARK: - GIF

enum GIFFixture {
    struct Frame {
        var left = 0, top = 0, width: Int, height: Int
        var indices: [UInt8]
        var localMap: [(UInt8, UInt8, UInt8)]? = nil
        var interlaced = false
        var transparentIndex: Int? = nil
    }

    static func encode(screenWidth: Int, screenHeight: Int, globalMap: [(UInt8, UInt8, UInt8)]?,
                       background: Int = 0, frames: [Frame]) -> [UInt8] {
        let box = ByteBox()
        var error: Int32 = 0
        let gif = EGifOpen(Unmanaged.passUnretained(box).toOpaque(), { gif, data, length in
            let box = Unmanaged<ByteBox>.fromOpaque(gif!.pointee.UserData).takeUnretainedValue()
            box.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return length
        }, &error)!
        EGifSetGifVersion(gif, true)
        let global = globalMap.map(makeMap)
        EGifPutScreenDesc(gif, Int32(screenWidth), Int32(screenHeight), 8, Int32(background), global)
        for frame in frames {
            if let t = frame.transparentIndex {
                let gce: [UInt8] = [0x01, 0, 0, UInt8(t)]
                EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, gce)
            }
            let local = frame.localMap.map(makeMap)
            EGifPutImageDesc(gif, Int32(frame.left), Int32(frame.top), Int32(frame.width), Int32(frame.height),
                             frame.interlaced, local)
            // giflib writes lines in the order given: interlaced frames need pass order.
            let order = frame.interlaced ? interlacedOrder(frame.height) : Array(0..<frame.height)
            for y in order {
                var line = Array(frame.indices[(y * frame.width)..<((y + 1) * frame.width)])
                EGifPutLine(gif, &line, Int32(frame.width))
            }
            if let local { GifFreeMapObject(local) }
            // giflib 5.2 keeps its own copy of a local map and loses it when the next frame has
            // none; free it here so leak checkers stay quiet about the fixture builder.
            if let copy = gif.pointee.Image.ColorMap {
                GifFreeMapObject(copy)
                gif.pointee.Image.ColorMap = nil
            }
        }
        EGifCloseFile(gif, &error)
        if let global { GifFreeMapObject(global) }
        return box.bytes
    }

    static func interlacedOrder(_ height: Int) -> [Int] {
        [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { stride(from: $0.0, to: height, by: $0.1) }
    }

    private static func makeMap(_ colors: [(UInt8, UInt8, UInt8)]) -> UnsafeMutablePointer<ColorMapObject> {
        var size = 2
        while size < colors.count { size *= 2 }
        var padded = colors.map { GifColorType(Red: $0.0, Green: $0.1, Blue: $0.2) }
        padded += Array(repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: size - colors.count)
        return GifMakeMapObject(Int32(size), padded)!
    }
}

// MARK: - WebP

enum WebPFixture {
    static func lossless(width: Int, height: Int, rgb: [UInt8]) -> [UInt8] {
        take { WebPEncodeLosslessRGB(rgb, Int32(width), Int32(height), Int32(width * 3), &$0) }
    }

    static func losslessRGBA(width: Int, height: Int, rgba: [UInt8]) -> [UInt8] {
        take { WebPEncodeLosslessRGBA(rgba, Int32(width), Int32(height), Int32(width * 4), &$0) }
    }

    static func lossy(width: Int, height: Int, rgb: [UInt8], quality: Float = 95) -> [UInt8] {
        take { WebPEncodeRGB(rgb, Int32(width), Int32(height), Int32(width * 3), quality, &$0) }
    }

    private static func take(_ encode: (inout UnsafeMutablePointer<UInt8>?) -> Int) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>? = nil
        let size = encode(&output)
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// The bitstream chunk ("VP8 " or "VP8L" with header and padding) of a simple-format file.
    static func bitstreamChunk(of file: [UInt8]) -> [UInt8] {
        Array(file[12...])
    }

    /// An animated WebP (VP8X + ANIM + one ANMF per frame) assembled from simple files' chunks.
    static func animated(canvasWidth: Int, canvasHeight: Int,
                         frames: [(x: Int, y: Int, width: Int, height: Int, file: [UInt8])]) -> [UInt8] {
        var body: [UInt8] = Array("WEBP".utf8)
        var vp8x: [UInt8] = [0x02, 0, 0, 0]  // animation flag
        vp8x += le24(canvasWidth - 1) + le24(canvasHeight - 1)
        body += chunk("VP8X", vp8x)
        body += chunk("ANIM", [0xFF, 0xFF, 0xFF, 0xFF, 0, 0])  // white background (decoders ignore it), loop forever
        for frame in frames {
            var anmf = le24(frame.x / 2) + le24(frame.y / 2) + le24(frame.width - 1) + le24(frame.height - 1)
            anmf += le24(100) + [0x02]  // 100 ms, no blending, no disposal
            anmf += bitstreamChunk(of: frame.file)
            body += chunk("ANMF", anmf)
        }
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    /// A still in the extended format with an EXIF chunk.
    static func withEXIF(_ file: [UInt8], width: Int, height: Int, exif: [UInt8]) -> [UInt8] {
        var body: [UInt8] = Array("WEBP".utf8)
        body += chunk("VP8X", [0x08, 0, 0, 0] + le24(width - 1) + le24(height - 1))  // EXIF flag
        body += bitstreamChunk(of: file)
        body += chunk("EXIF", exif)
        return Array("RIFF".utf8) + le32(body.count) + body
    }

    static func chunk(_ fourCC: String, _ payload: [UInt8]) -> [UInt8] {
        var out = Array(fourCC.utf8) + le32(payload.count) + payload
        if payload.count % 2 == 1 { out.append(0) }
        return out
    }

    static func le24(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le24(v) + [UInt8(v >> 24 & 0xFF)] }
}
