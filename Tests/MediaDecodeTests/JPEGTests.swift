import Testing

import MediaDecode

@Suite struct JPEGTests {
    @Test func rgbDecodesNearTheSource() throws {
        let fixture = Fixtures.jpegRGB()
        let image = try decodeImage(fixture.bytes)
        #expect(image.width == fixture.width && image.height == fixture.height)
        #expect(image.layout == .rgb8)
        #expect(image.info == ImageInfo(format: .jpeg, width: fixture.width, height: fixture.height, orientation: .up))
        let source = Pattern.gradient(width: fixture.width, height: fixture.height)
        #expect(maxDifference(image.pixels, source) <= 12)
    }

    @Test func progressiveDecodesLikeBaseline() throws {
        // Full successive approximation ends with the same coefficients, so the pixels are equal.
        let baseline = try decodeImage(Fixtures.jpegRGB().bytes)
        let progressive = try decodeImage(Fixtures.jpegRGB(progressive: true).bytes)
        #expect(progressive.pixels == baseline.pixels)
    }

    @Test func greyIsReplicatedToRGB() throws {
        let fixture = Fixtures.jpegGrey()
        let image = try decodeImage(fixture.bytes)
        #expect(image.layout == .rgb8)
        for p in 0..<(image.width * image.height) {
            let r = image.pixels[3 * p], g = image.pixels[3 * p + 1], b = image.pixels[3 * p + 2]
            #expect(r == g && g == b)
            let source = (p % fixture.width) * 255 / (fixture.width - 1)
            #expect(abs(Int(r) - source) <= 4)
        }
    }

    /// Pillow reads every four-component JPEG as inverted (Adobe) CMYK, marker or not, and
    /// converts with its integer formula; YCCK arrives as CMYK from libjpeg first.
    @Test(arguments: [(false, true), (false, false), (true, true)])
    func cmykFollowsPillow(ycck: Bool, adobe: Bool) throws {
        let fixture = Fixtures.jpegCMYK(ycck: ycck, adobe: adobe)
        let image = try decodeImage(fixture.bytes)
        #expect(image.layout == .rgb8 && image.width == 32 && image.height == 16)
        for (block, stored) in Fixtures.cmykBlocks.enumerated() {
            // Block k fills x in 8k..<8k+8 of the top 8 rows; sample its centre.
            let o = (4 * image.width + block * 8 + 4) * 3
            let expected = Fixtures.pillowRGB(storedCMYK: stored)
            #expect(maxDifference(Array(image.pixels[o..<(o + 3)]), expected) <= 3,
                    "block \(block): \(Array(image.pixels[o..<(o + 3)])) vs \(expected)")
        }
    }

    @Test func cmykMarkerDoesNotChangeTheResult() throws {
        let plain = try decodeImage(Fixtures.jpegCMYK(ycck: false, adobe: false).bytes)
        let adobe = try decodeImage(Fixtures.jpegCMYK(ycck: false, adobe: true).bytes)
        #expect(plain.pixels == adobe.pixels)
    }

    /// Exact pixels, checked against Pillow 13 on these libjpeg-generated files.
    @Test func cmykMatchesPillowExactly() throws {
        #expect(weightedSum(try decodeImage(Fixtures.jpegCMYK(ycck: false, adobe: true).bytes).pixels)
                    == 0x0000_e3da_a875_1000)
        #expect(weightedSum(try decodeImage(Fixtures.jpegCMYK(ycck: true, adobe: true).bytes).pixels)
                    == 0x0000_e209_0598_262b)
    }

    @Test func preferLumaDeliversTheYChannel() throws {
        let fixture = Fixtures.jpegRGB()
        let rgb = try decodeImage(fixture.bytes)
        let luma = try decodeImage(fixture.bytes, options: DecodeOptions(preferLuma: true))
        #expect(luma.layout == .grey8 && luma.width == fixture.width && luma.height == fixture.height)
        #expect(luma.pixels.count == fixture.width * fixture.height)
        for p in 0..<(fixture.width * fixture.height) {
            let r = Double(rgb.pixels[3 * p]), g = Double(rgb.pixels[3 * p + 1]), b = Double(rgb.pixels[3 * p + 2])
            let y = 0.299 * r + 0.587 * g + 0.114 * b
            #expect(abs(Double(luma.pixels[p]) - y) <= 3)
        }
        // Grey files give the same values as their replicated RGB.
        let grey = Fixtures.jpegGrey()
        let greyLuma = try decodeImage(grey.bytes, options: DecodeOptions(preferLuma: true))
        let greyRGB = try decodeImage(grey.bytes)
        #expect(greyLuma.pixels == stride(from: 0, to: greyRGB.pixels.count, by: 3).map { greyRGB.pixels[$0] })
    }

    @Test func preferLumaOnCMYKFallsBackToRGB() throws {
        let image = try decodeImage(Fixtures.jpegCMYK(ycck: false, adobe: true).bytes,
                                    options: DecodeOptions(preferLuma: true))
        #expect(image.layout == .rgb8)
    }

    /// libjpeg's scaled size is ceil(side / denominator); the strongest reduction keeping both
    /// sides at or above the minimum is chosen.
    @Test(arguments: [
        (nil, 67, 45), (1, 9, 6), (6, 9, 6), (7, 17, 12), (12, 17, 12), (13, 34, 23), (23, 34, 23), (24, 67, 45),
        (1000, 67, 45),
    ] as [(Int?, Int, Int)])
    func scaledOutputSize(minimumSide: Int?, width: Int, height: Int) throws {
        let bytes = Fixtures.jpegRGB().bytes
        for luma in [false, true] {
            var sink = RecordingSink()
            let info = try bytes.withUnsafeBytes {
                try MediaDecoder.decode($0, options: DecodeOptions(jpegMinimumScaledSide: minimumSide, preferLuma: luma),
                                       into: &sink)
            }
            #expect(info.width == 67 && info.height == 45, "the returned info is the stored size")
            #expect(sink.begins.count == 1)
            #expect(sink.begins[0].0 == width && sink.begins[0].1 == height)
            #expect(sink.begins[0].2 == (luma ? .grey8 : .rgb8))
            #expect(sink.batches.reduce(0, +) == height)
        }
    }

    @Test func scaledReferenceImage() throws {
        let bytes = try TestData.image("bridge-mods__aaa-orig.jpg")  // 1600x1004
        let image = try decodeImage(bytes, options: DecodeOptions(jpegMinimumScaledSide: 64, preferLuma: true))
        #expect(image.width == 200 && image.height == 126 && image.layout == .grey8)
        let half = try decodeImage(bytes, options: DecodeOptions(jpegMinimumScaledSide: 500))
        #expect(half.width == 800 && half.height == 502 && half.layout == .rgb8)
    }

    @Test func fastDCTStaysClose() throws {
        let fixture = Fixtures.jpegRGB()
        let exact = try decodeImage(fixture.bytes)
        let fast = try decodeImage(fixture.bytes, options: DecodeOptions(fastDCT: true))
        #expect(fast.width == exact.width && fast.height == exact.height)
        #expect(maxDifference(fast.pixels, exact.pixels) <= 8)
    }

    @Test func rowsArriveInBatchesFromOneBuffer() throws {
        let bytes = try TestData.image("bridge-mods__square-512x512.jpg")
        var sink = RecordingSink()
        _ = try bytes.withUnsafeBytes { try MediaDecoder.decode($0, into: &sink) }
        #expect(sink.batches.count == 512 / 16 && sink.batches.allSatisfy { $0 == 16 })
        #expect(sink.rowBytesSeen == [512 * 3])
        #expect(sink.pixels == (try decodeImage(bytes)).pixels)
    }

    @Test(arguments: [
        (exifTIFF(orientation: 6), ExifOrientation.right),
        (exifTIFF(orientation: 8, bigEndian: true), .left),
        (exifTIFF(orientation: 3, type: 4), .down),
        (exifTIFF(orientation: 9), .up),
        (exifTIFF(orientation: 0), .up),
        ([0x49, 0x49, 0x2A, 0x00, 0xFF, 0xFF, 0xFF, 0x7F], .up),  // IFD offset past the end
        (Array(exifTIFF(orientation: 5).prefix(15)), .up),  // entry cut short
    ])
    func exifOrientationFromAPP1(tiff: [UInt8], orientation: ExifOrientation) throws {
        let rgb = Pattern.gradient(width: 16, height: 8)
        let bytes = JPEGFixture.encode(width: 16, height: 8, pixels: rgb, input: .rgb,
                                       app1: Array("Exif".utf8) + [0, 0] + tiff)
        #expect(try probe(bytes).orientation == orientation)
        #expect(try decodeImage(bytes).info.orientation == orientation)
    }
}
