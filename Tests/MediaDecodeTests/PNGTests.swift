import Testing

import MediaDecode

@Suite struct PNGTests {
    /// Every colour type and bit depth decodes to 8-bit RGB: palette colours (tRNS ignored), grey
    /// scaled to 8 bits and replicated, 16-bit by high byte, alpha dropped, no gamma.
    @Test(arguments: [
        Fixtures.pngGrey(bits: 1), Fixtures.pngGrey(bits: 2), Fixtures.pngGrey(bits: 4), Fixtures.pngGrey(bits: 8),
        Fixtures.pngGrey(bits: 16), Fixtures.pngGreyAlpha(bits: 8), Fixtures.pngGreyAlpha(bits: 16),
        Fixtures.pngColor(alpha: false, bits: 8), Fixtures.pngColor(alpha: true, bits: 8),
        Fixtures.pngColor(alpha: false, bits: 16), Fixtures.pngColor(alpha: true, bits: 16),
        Fixtures.pngPalette(bits: 1), Fixtures.pngPalette(bits: 4), Fixtures.pngPalette(bits: 8),
        Fixtures.pngGrey(bits: 2, interlaced: true), Fixtures.pngColor(alpha: false, bits: 8, interlaced: true),
    ])
    func decodesExactly(_ fixture: Fixture) throws {
        let image = try decodeImage(fixture.bytes)
        #expect(image.width == fixture.width && image.height == fixture.height && image.layout == .rgb8)
        #expect(image.pixels == fixture.expected, "\(fixture.name)")
        #expect(image.info.format == .png)
    }

    @Test func interlacedRowsStreamInBatches() throws {
        let fixture = Fixtures.pngColor(alpha: false, bits: 8, interlaced: true)
        var sink = RecordingSink()
        _ = try fixture.bytes.withUnsafeBytes { try MediaDecoder.decode($0, into: &sink) }
        #expect(sink.begins.count == 1 && sink.batches.reduce(0, +) == fixture.height)
        #expect(sink.pixels == fixture.expected)
    }

    @Test func fastPathOptionsAreIgnored() throws {
        let fixture = Fixtures.pngColor(alpha: true, bits: 8)
        let image = try decodeImage(fixture.bytes,
                                    options: DecodeOptions(jpegMinimumScaledSide: 1, preferLuma: true, fastDCT: true))
        #expect(image.layout == .rgb8 && image.width == fixture.width && image.pixels == fixture.expected)
    }

    @Test(arguments: [
        (exifTIFF(orientation: 6), ExifOrientation.right),
        (Array("Exif".utf8) + [0, 0] + exifTIFF(orientation: 7, bigEndian: true), .rightMirrored),
        ([0x4D, 0x4D, 0x00], .up),
    ])
    func exifOrientationFromEXIfChunk(exif: [UInt8], orientation: ExifOrientation) throws {
        let rows = [[UInt8]](repeating: [1, 2, 3, 4, 5, 6], count: 2)
        let bytes = PNGFixture.encode(width: 2, height: 2, colorType: 2, bitDepth: 8, rows: rows, exif: exif)
        #expect(try probe(bytes).orientation == orientation)
        let image = try decodeImage(bytes)
        #expect(image.info.orientation == orientation && image.pixels == [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
    }
}

@Suite struct GIFTests {
    @Test(arguments: [Fixtures.gifBasic(), Fixtures.gifBasic(interlaced: true), Fixtures.gifOffsetTransparent()])
    func decodesExactly(_ fixture: Fixture) throws {
        let image = try decodeImage(fixture.bytes)
        #expect(image.width == fixture.width && image.height == fixture.height && image.layout == .rgb8)
        #expect(image.pixels == fixture.expected, "\(fixture.name)")
        #expect(image.info == ImageInfo(format: .gif, width: fixture.width, height: fixture.height))
    }

    /// A frame reaching past the screen is clipped to it; a screen with no global palette has a
    /// black background.
    @Test func frameIsClippedToTheScreen() throws {
        let local: [(UInt8, UInt8, UInt8)] = [(9, 9, 9), (100, 110, 120)]
        let frame = GIFFixture.Frame(left: 2, top: 1, width: 5, height: 4, indices: [UInt8](repeating: 1, count: 20),
                                     localMap: local)
        let bytes = GIFFixture.encode(screenWidth: 4, screenHeight: 3, globalMap: nil, frames: [frame])
        let image = try decodeImage(bytes)
        #expect(image.width == 4 && image.height == 3)
        var expected = [UInt8]()
        for y in 0..<3 {
            for x in 0..<4 { expected += (x >= 2 && y >= 1) ? [100, 110, 120] : [0, 0, 0] }
        }
        #expect(image.pixels == expected)
    }
}

@Suite struct WebPTests {
    @Test(arguments: [Fixtures.webpLossless(), Fixtures.webpLosslessAlpha(), Fixtures.webpAnimated()])
    func decodesExactly(_ fixture: Fixture) throws {
        let image = try decodeImage(fixture.bytes)
        #expect(image.width == fixture.width && image.height == fixture.height && image.layout == .rgb8)
        #expect(image.pixels == fixture.expected, "\(fixture.name)")
        #expect(image.info.format == .webp)
    }

    @Test func lossyDecodesNearTheSource() throws {
        let fixture = Fixtures.webpLossy()
        let image = try decodeImage(fixture.bytes)
        #expect(image.width == fixture.width && image.height == fixture.height)
        #expect(maxDifference(image.pixels, Pattern.gradient(width: fixture.width, height: fixture.height)) <= 24)
    }

    @Test func exifOrientationFromEXIFChunk() throws {
        let rgb = Pattern.noise(count: 4 * 3 * 3, seed: 3)
        let still = WebPFixture.lossless(width: 4, height: 3, rgb: rgb)
        for (tiff, orientation) in [(exifTIFF(orientation: 8), ExifOrientation.left),
                                    (Array("Exif".utf8) + [0, 0] + exifTIFF(orientation: 2), .upMirrored)] {
            let bytes = WebPFixture.withEXIF(still, width: 4, height: 3, exif: tiff)
            #expect(try probe(bytes).orientation == orientation)
            let image = try decodeImage(bytes)
            #expect(image.info.orientation == orientation && image.pixels == rgb)
        }
    }
}
