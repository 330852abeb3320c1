import Testing
@testable import PDQ

/// The streaming hasher against the direct statement of the algorithm, float for float.
@Suite("Streaming filter equals the reference")
struct StreamingTests {
    /// Sizes around every boundary of the filter: windows of 1 and 2 (under 129 and 257
    /// pixels), a window equal to the length, odd and even windows, batch remainders.
    static let sizes: [(Int, Int)] = [
        (5, 5), (6, 5), (5, 64), (9, 8), (16, 17), (63, 63), (64, 63), (65, 65), (100, 3000),
        (128, 129), (129, 128), (130, 255), (256, 257), (257, 258), (383, 385), (511, 97),
        (640, 480), (1024, 768), (1500, 7), (7, 1500), (2001, 1333), (3000, 100),
    ]

    @Test("downsample is identical", arguments: sizes.indices)
    func downsampleMatches(_ index: Int) throws {
        let (w, h) = Self.sizes[index]
        let pixels = Synthetic.natural(width: w, height: h, seed: UInt64(index) &* 7919)
        var luma = [Float](repeating: 0, count: w * h)
        pixels.withUnsafeBufferPointer { p in
            luma.withUnsafeMutableBufferPointer { PDQLuma.convert(interleaved: p.baseAddress!, bytesPerPixel: 3, count: w * h, into: $0.baseAddress!) }
        }
        var work = luma
        let expected = PDQReference.downsample(&work, width: w, height: h)

        // Feed rows in irregular batches, as a decoder would.
        var random = Synthetic.Random(state: UInt64(index))
        let hasher = try PDQHasher(width: w, height: h, dihedral: true)
        var row = 0
        while row < h {
            let count = min(random.int(1...19), h - row)
            pixels.withUnsafeBufferPointer { hasher.append(rgb: $0.baseAddress! + row * w * 3, rowBytes: w * 3, rows: count) }
            row += count
        }
        let actual = try hasher.downsample()
        let firstDifference = zip(actual, expected).enumerated().first { $0.element.0.bitPattern != $0.element.1.bitPattern }
        #expect(firstDifference == nil, "\(w)x\(h): first difference at \(firstDifference.map { "\($0.offset / 64),\($0.offset % 64)" } ?? "")")

        let reference = PDQReference.hash(luma: luma, width: w, height: h, dihedral: true)
        let result = try hasher.finishDihedral()
        #expect(result.hashes == reference.hashes)
        #expect(result.quality == reference.quality)
    }

    @Test func entryPointsAgree() throws {
        let (w, h) = (300, 200)
        let rgb = Synthetic.natural(width: w, height: h, seed: 42)
        var rgba = [UInt8]()
        var grey = [UInt8]()
        var rgbFromGrey = [UInt8]()
        for i in 0..<(w * h) {
            rgba += [rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2], UInt8(i % 256)]
            grey.append(rgb[3 * i])
            rgbFromGrey += [rgb[3 * i], rgb[3 * i], rgb[3 * i]]
        }
        let a = try PDQ.hash(pixels: rgb, format: .rgb8, width: w, height: h)
        let b = try PDQ.hash(pixels: rgba, format: .rgba8, width: w, height: h)
        #expect(a == b, "alpha must be ignored")
        let c = try PDQ.hash(pixels: grey, format: .grey8, width: w, height: h)
        let d = try PDQ.hash(pixels: rgbFromGrey, format: .rgb8, width: w, height: h)
        #expect(c == d, "grey hashes as equal RGB channels")
        #expect(a.quality > 50)
    }

    @Test func paddedRowsAreSkipped() throws {
        let (w, h) = (97, 61)
        let packed = Synthetic.natural(width: w, height: h, seed: 3)
        let stride = w * 3 + 13
        var padded = [UInt8](repeating: 0xAB, count: stride * h)
        for y in 0..<h { padded.replaceSubrange(y * stride..<(y * stride + w * 3), with: packed[(y * w * 3)..<((y + 1) * w * 3)]) }
        let a = try PDQ.hash(pixels: packed, format: .rgb8, width: w, height: h)
        let b = try padded.withUnsafeBytes { try PDQ.hash(pixels: $0, format: .rgb8, width: w, height: h, rowBytes: stride) }
        #expect(a == b)
    }

    @Test func misuseIsReported() throws {
        #expect(throws: PDQError.invalidSize(width: 0, height: 10)) { try PDQHasher(width: 0, height: 10) }
        let hasher = try PDQHasher(width: 10, height: 10)
        let row = [UInt8](repeating: 9, count: 30)
        row.withUnsafeBufferPointer { hasher.append(rgb: $0.baseAddress!, rowBytes: 30, rows: 1) }
        #expect(throws: PDQError.incomplete(received: 1, expected: 10)) { try hasher.finish() }
        #expect(throws: PDQError.bufferTooSmall(needed: 300, actual: 299)) {
            try PDQ.hash(pixels: [UInt8](repeating: 0, count: 299), format: .rgb8, width: 10, height: 10)
        }
    }

    @Test func flatImageHasZeroQuality() throws {
        let result = try PDQ.hash(pixels: [UInt8](repeating: 128, count: 200 * 100 * 3), format: .rgb8, width: 200, height: 100)
        #expect(result.quality == 0)
    }
}

@Suite("Approximate hashing from a scaled-down image")
struct ApproximateTests {
    /// Box-averages an RGB image by an integer factor (what DCT-domain scaling approximates).
    static func shrink(_ pixels: [UInt8], width: Int, height: Int, by factor: Int) -> (pixels: [UInt8], width: Int, height: Int) {
        let w = (width + factor - 1) / factor, h = (height + factor - 1) / factor
        var out = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var sum = 0, count = 0
                    for yy in (y * factor)..<min((y + 1) * factor, height) {
                        for xx in (x * factor)..<min((x + 1) * factor, width) {
                            sum += Int(pixels[(yy * width + xx) * 3 + c]); count += 1
                        }
                    }
                    out[(y * w + x) * 3 + c] = UInt8((sum + count / 2) / count)
                }
            }
        }
        return (out, w, h)
    }

    @Test(arguments: [(1603, 1201, 2), (2048, 1536, 4), (1000, 3000, 2), (4100, 2100, 8)])
    func staysCloseToTheExactHash(_ size: (Int, Int, Int)) throws {
        let (w, h, factor) = size
        let pixels = Synthetic.natural(width: w, height: h, seed: UInt64(w * h))
        let exact = try PDQ.hash(pixels: pixels, format: .rgb8, width: w, height: h)
        let small = Self.shrink(pixels, width: w, height: h, by: factor)
        let hasher = try PDQHasher(width: small.width, height: small.height, approximatingOriginalWidth: w, originalHeight: h)
        small.pixels.withUnsafeBufferPointer { hasher.append(rgb: $0.baseAddress!, rowBytes: small.width * 3, rows: small.height) }
        let approximate = try hasher.finish()
        #expect(exact.quality >= 50)
        #expect(approximate.hash.distance(to: exact.hash) <= 16, "\(w)x\(h) / \(factor): \(approximate.hash.distance(to: exact.hash)) bits")
    }

    @Test func sameSizeIsExact() throws {
        let pixels = Synthetic.natural(width: 300, height: 200, seed: 5)
        let exact = try PDQ.hash(pixels: pixels, format: .rgb8, width: 300, height: 200)
        let hasher = try PDQHasher(width: 300, height: 200, approximatingOriginalWidth: 300, originalHeight: 200)
        pixels.withUnsafeBufferPointer { hasher.append(rgb: $0.baseAddress!, rowBytes: 900, rows: 200) }
        #expect(try hasher.finish() == exact)
    }
}
