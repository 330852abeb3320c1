/// Named synthetic fixtures, one per decoder path, with the pixels each should decode to
/// (`expected` is nil where the codec is lossy and tests compare with a tolerance instead).
struct Fixture {
    var name: String
    var bytes: [UInt8]
    var width: Int
    var height: Int
    var expected: [UInt8]?
}

enum Fixtures {
    // MARK: JPEG

    static let jpegWidth = 67, jpegHeight = 45  // odd sizes: partial MCUs at the edges

    static func jpegRGB(progressive: Bool = false, subsample: Bool = true) -> Fixture {
        let rgb = Pattern.gradient(width: jpegWidth, height: jpegHeight)
        let bytes = JPEGFixture.encode(width: jpegWidth, height: jpegHeight, pixels: rgb, input: .rgb,
                                       progressive: progressive, subsample: subsample)
        return Fixture(name: progressive ? "rgb-progressive.jpg" : "rgb.jpg", bytes: bytes,
                       width: jpegWidth, height: jpegHeight, expected: nil)
    }

    static func jpegGrey() -> Fixture {
        let grey = (0..<(jpegWidth * jpegHeight)).map { UInt8(($0 % jpegWidth) * 255 / (jpegWidth - 1)) }
        let bytes = JPEGFixture.encode(width: jpegWidth, height: jpegHeight, pixels: grey, input: .grey)
        return Fixture(name: "grey.jpg", bytes: bytes, width: jpegWidth, height: jpegHeight, expected: nil)
    }

    /// Flat 8x8-aligned blocks of CMYK, so the lossy round trip is within a unit or two.
    static let cmykBlocks: [[UInt8]] = [[200, 50, 0, 30], [0, 0, 0, 0], [255, 255, 255, 255], [10, 120, 240, 90]]

    static func jpegCMYK(ycck: Bool, adobe: Bool) -> Fixture {
        let width = 32, height = 16
        var cmyk = [UInt8]()
        for y in 0..<height {
            for x in 0..<width { cmyk += cmykBlocks[(x / 8 + y / 8 * 2) % cmykBlocks.count] }
        }
        let bytes = JPEGFixture.encode(width: width, height: height, pixels: cmyk,
                                       input: .cmyk(storeAsYCCK: ycck, adobeMarker: adobe), quality: 100)
        let name = (ycck ? "ycck" : "cmyk") + (adobe ? "-adobe" : "-plain") + ".jpg"
        return Fixture(name: name, bytes: bytes, width: width, height: height, expected: nil)
    }

    /// Pillow's conversion of stored CMYK values (always read as Adobe-inverted) to RGB.
    static func pillowRGB(storedCMYK v: [UInt8]) -> [UInt8] {
        func muldiv255(_ a: Int, _ b: Int) -> Int { let t = a * b + 128; return ((t >> 8) + t) >> 8 }
        let c = 255 - Int(v[0]), m = 255 - Int(v[1]), y = 255 - Int(v[2]), k = 255 - Int(v[3])
        let nk = 255 - k
        return [nk - muldiv255(c, nk), nk - muldiv255(m, nk), nk - muldiv255(y, nk)].map { UInt8(clamping: $0) }
    }

    // MARK: PNG

    static let pngWidth = 13, pngHeight = 11

    /// Grey at `bits` per sample, every value of the range used; decodes to the value scaled to 8 bits.
    static func pngGrey(bits: Int32, interlaced: Bool = false) -> Fixture {
        let w = pngWidth, h = pngHeight, maxValue = (1 << Int(bits)) - 1
        let values = (0..<(w * h)).map { ($0 * 7 + $0 / w) * (bits == 16 ? 397 : 1) % (maxValue + 1) }
        var rows = [[UInt8]]()
        for y in 0..<h { rows.append(pack(Array(values[(y * w)..<((y + 1) * w)]), bits: Int(bits))) }
        let expected = values.flatMap { v -> [UInt8] in
            let g = bits == 16 ? UInt8(v >> 8) : UInt8(v * 255 / maxValue)
            return [g, g, g]
        }
        let bytes = PNGFixture.encode(width: w, height: h, colorType: 0, bitDepth: bits, rows: rows, interlaced: interlaced)
        return Fixture(name: "grey\(bits)\(interlaced ? "-interlaced" : "").png", bytes: bytes, width: w, height: h,
                       expected: expected)
    }

    static func pngGreyAlpha(bits: Int32) -> Fixture {
        let w = pngWidth, h = pngHeight, bytesPerSample = Int(bits) / 8
        let samples = Pattern.noise(count: w * h * 2 * bytesPerSample, seed: 7)
        let rows = (0..<h).map { Array(samples[($0 * w * 2 * bytesPerSample)..<(($0 + 1) * w * 2 * bytesPerSample)]) }
        var expected = [UInt8]()
        for p in 0..<(w * h) {
            let g = samples[p * 2 * bytesPerSample]  // first (high) byte of the grey sample
            expected += [g, g, g]
        }
        let bytes = PNGFixture.encode(width: w, height: h, colorType: 4, bitDepth: bits, rows: rows)
        return Fixture(name: "grey-alpha\(bits).png", bytes: bytes, width: w, height: h, expected: expected)
    }

    static func pngColor(alpha: Bool, bits: Int32, interlaced: Bool = false) -> Fixture {
        let w = pngWidth, h = pngHeight, channels = alpha ? 4 : 3, bytesPerSample = Int(bits) / 8
        let rowBytes = w * channels * bytesPerSample
        let samples = Pattern.noise(count: rowBytes * h, seed: UInt64(bits) * 10 + (alpha ? 1 : 0))
        let rows = (0..<h).map { Array(samples[($0 * rowBytes)..<(($0 + 1) * rowBytes)]) }
        var expected = [UInt8]()
        for p in 0..<(w * h) {
            for c in 0..<3 { expected.append(samples[(p * channels + c) * bytesPerSample]) }
        }
        let bytes = PNGFixture.encode(width: w, height: h, colorType: alpha ? 6 : 2, bitDepth: bits, rows: rows,
                                      interlaced: interlaced)
        let name = (alpha ? "rgba" : "rgb") + "\(bits)" + (interlaced ? "-interlaced" : "") + ".png"
        return Fixture(name: name, bytes: bytes, width: w, height: h, expected: expected)
    }

    /// Palette image with a tRNS chunk that must be ignored (colours as in the palette).
    static func pngPalette(bits: Int32) -> Fixture {
        let w = pngWidth, h = pngHeight, count = 1 << Int(bits)
        let palette = (0..<count).map { (i: Int) -> (UInt8, UInt8, UInt8) in
            let r = UInt8((i * 37) & 0xFF), g = UInt8((255 - i * 11) & 0xFF), b = UInt8((i * 3) & 0xFF)
            return (r, g, b)
        }
        let indices = (0..<(w * h)).map { ($0 * 5 + $0 / w) % count }
        let rows = (0..<h).map { pack(Array(indices[($0 * w)..<(($0 + 1) * w)]), bits: Int(bits)) }
        let expected = indices.flatMap { [palette[$0].0, palette[$0].1, palette[$0].2] }
        let bytes = PNGFixture.encode(width: w, height: h, colorType: 3, bitDepth: bits, rows: rows, palette: palette,
                                      transparency: [0, 128])
        return Fixture(name: "palette\(bits).png", bytes: bytes, width: w, height: h, expected: expected)
    }

    /// Packs samples MSB-first at 1/2/4 bits, one byte at 8, big-endian at 16.
    static func pack(_ values: [Int], bits: Int) -> [UInt8] {
        if bits == 16 { return values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        if bits == 8 { return values.map { UInt8($0) } }
        var out = [UInt8](repeating: 0, count: (values.count * bits + 7) / 8)
        for (i, v) in values.enumerated() {
            let bit = i * bits
            out[bit / 8] |= UInt8(v << (8 - bits - bit % 8))
        }
        return out
    }

    // MARK: GIF

    static let gifPalette: [(UInt8, UInt8, UInt8)] = [(10, 20, 30), (200, 0, 0), (0, 200, 0), (0, 0, 200)]

    /// A full-screen frame using the global palette.
    static func gifBasic(interlaced: Bool = false) -> Fixture {
        let w = 9, h = 19  // taller than 8 so every interlace pass has rows
        let indices = (0..<(w * h)).map { UInt8(($0 + $0 / w) % 4) }
        let bytes = GIFFixture.encode(screenWidth: w, screenHeight: h, globalMap: gifPalette,
                                      frames: [.init(width: w, height: h, indices: indices, interlaced: interlaced)])
        let expected = indices.flatMap { [gifPalette[Int($0)].0, gifPalette[Int($0)].1, gifPalette[Int($0)].2] }
        return Fixture(name: interlaced ? "interlaced.gif" : "basic.gif", bytes: bytes, width: w, height: h,
                       expected: expected)
    }

    /// A 4x3 frame at (3, 2) on a 10x8 screen with background index 1, transparency index 0 and a
    /// local palette; a second frame that must be ignored.
    static func gifOffsetTransparent() -> Fixture {
        let sw = 10, sh = 8, fx = 3, fy = 2, fw = 4, fh = 3
        let local: [(UInt8, UInt8, UInt8)] = [(1, 1, 1), (50, 60, 70), (80, 90, 100), (110, 120, 130)]
        let indices: [UInt8] = [0, 1, 2, 3, 3, 2, 1, 0, 1, 0, 3, 2]
        let first = GIFFixture.Frame(left: fx, top: fy, width: fw, height: fh, indices: indices, localMap: local,
                                     transparentIndex: 0)
        let second = GIFFixture.Frame(width: sw, height: sh, indices: [UInt8](repeating: 2, count: sw * sh))
        let bytes = GIFFixture.encode(screenWidth: sw, screenHeight: sh, globalMap: gifPalette, background: 1,
                                      frames: [first, second])
        var expected = [UInt8]()
        for y in 0..<sh {
            for x in 0..<sw {
                var c = gifPalette[1]
                if (fx..<(fx + fw)).contains(x), (fy..<(fy + fh)).contains(y) {
                    let i = Int(indices[(y - fy) * fw + (x - fx)])
                    if i != 0 { c = local[i] }
                }
                expected += [c.0, c.1, c.2]
            }
        }
        return Fixture(name: "offset-transparent.gif", bytes: bytes, width: sw, height: sh, expected: expected)
    }

    // MARK: WebP

    static let webpWidth = 23, webpHeight = 17

    static func webpLossless() -> Fixture {
        let rgb = Pattern.noise(count: webpWidth * webpHeight * 3, seed: 99)
        return Fixture(name: "lossless.webp", bytes: WebPFixture.lossless(width: webpWidth, height: webpHeight, rgb: rgb),
                       width: webpWidth, height: webpHeight, expected: rgb)
    }

    static func webpLosslessAlpha() -> Fixture {
        var rgba = Pattern.noise(count: webpWidth * webpHeight * 4, seed: 98)
        for i in stride(from: 3, to: rgba.count, by: 4) { rgba[i] = rgba[i] | 1 }  // no fully transparent pixel
        var rgb = [UInt8]()
        for i in stride(from: 0, to: rgba.count, by: 4) { rgb += rgba[i..<(i + 3)] }
        let bytes = WebPFixture.losslessRGBA(width: webpWidth, height: webpHeight, rgba: rgba)
        return Fixture(name: "lossless-alpha.webp", bytes: bytes, width: webpWidth, height: webpHeight, expected: rgb)
    }

    static func webpLossy() -> Fixture {
        let rgb = Pattern.gradient(width: webpWidth, height: webpHeight)
        return Fixture(name: "lossy.webp", bytes: WebPFixture.lossy(width: webpWidth, height: webpHeight, rgb: rgb),
                       width: webpWidth, height: webpHeight, expected: nil)
    }

    /// Two lossless frames on a 20x14 canvas; the first is 8x6 at (4, 2). Outside it the first
    /// displayed frame is transparent black, which decodes to RGB 0,0,0.
    static func webpAnimated() -> Fixture {
        let cw = 20, ch = 14, fx = 4, fy = 2, fw = 8, fh = 6
        let frame1 = Pattern.noise(count: fw * fh * 3, seed: 5)
        let frame2 = [UInt8](repeating: 77, count: cw * ch * 3)
        let bytes = WebPFixture.animated(canvasWidth: cw, canvasHeight: ch, frames: [
            (fx, fy, fw, fh, WebPFixture.lossless(width: fw, height: fh, rgb: frame1)),
            (0, 0, cw, ch, WebPFixture.lossless(width: cw, height: ch, rgb: frame2)),
        ])
        var expected = [UInt8](repeating: 0, count: cw * ch * 3)
        for y in 0..<fh {
            for x in 0..<fw {
                for c in 0..<3 { expected[((fy + y) * cw + fx + x) * 3 + c] = frame1[(y * fw + x) * 3 + c] }
            }
        }
        return Fixture(name: "animated.webp", bytes: bytes, width: cw, height: ch, expected: expected)
    }

    /// One small valid file per format and decoder path (for hostile-input tests and fuzz seeds).
    static func all() -> [Fixture] {
        [
            jpegRGB(), jpegRGB(progressive: true), jpegGrey(), jpegCMYK(ycck: false, adobe: true),
            jpegCMYK(ycck: false, adobe: false), jpegCMYK(ycck: true, adobe: true),
            pngGrey(bits: 1), pngGrey(bits: 2), pngGrey(bits: 4), pngGrey(bits: 8), pngGrey(bits: 16),
            pngGrey(bits: 2, interlaced: true), pngGreyAlpha(bits: 8), pngGreyAlpha(bits: 16),
            pngColor(alpha: false, bits: 8), pngColor(alpha: true, bits: 8), pngColor(alpha: false, bits: 16),
            pngColor(alpha: true, bits: 16), pngColor(alpha: false, bits: 8, interlaced: true),
            pngPalette(bits: 8), pngPalette(bits: 4), pngPalette(bits: 1),
            gifBasic(), gifBasic(interlaced: true), gifOffsetTransparent(),
            webpLossless(), webpLosslessAlpha(), webpLossy(), webpAnimated(),
        ]
    }
}
