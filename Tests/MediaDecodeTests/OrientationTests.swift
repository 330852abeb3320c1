import Foundation
import Testing

import MediaDecode

@Suite struct OrientationTests {
    /// A 3x2 image whose pixels are all different:
    ///     a b c
    ///     d e f
    static let stored = DecodedImage(width: 3, height: 2, layout: .grey8, pixels: Array("abcdef".utf8),
                                     info: ImageInfo(format: .png, width: 3, height: 2, orientation: .right))

    /// The displayed image for each EXIF orientation, written out by hand (rows joined by "|").
    @Test(arguments: [
        (ExifOrientation.up, "abc|def"),
        (.upMirrored, "cba|fed"),      // 2: mirror left-right
        (.down, "fed|cba"),            // 3: rotate 180
        (.downMirrored, "def|abc"),    // 4: mirror top-bottom
        (.leftMirrored, "ad|be|cf"),   // 5: transpose
        (.right, "da|eb|fc"),          // 6: rotate 90 clockwise
        (.rightMirrored, "fc|eb|da"),  // 7: transverse
        (.left, "cf|be|ad"),           // 8: rotate 90 counter-clockwise
    ])
    func applyingEachOrientation(orientation: ExifOrientation, displayed: String) {
        let rows = displayed.split(separator: "|")
        let result = Self.stored.applying(orientation)
        #expect(result.width == rows[0].count && result.height == rows.count)
        #expect(result.pixels == Array(rows.joined().utf8), "\(orientation)")
        #expect(result.info.orientation == .up)
        #expect(result.layout == .grey8)
        #expect(orientation.swapsDimensions == (orientation.rawValue >= 5))
    }

    @Test func rgbPixelsMoveAsWholes() {
        let rgb = DecodedImage(width: 2, height: 1, layout: .rgb8, pixels: [1, 2, 3, 4, 5, 6],
                               info: ImageInfo(format: .jpeg, width: 2, height: 1))
        #expect(rgb.applying(.right).pixels == [1, 2, 3, 4, 5, 6])
        #expect(rgb.applying(.right).width == 1 && rgb.applying(.right).height == 2)
        #expect(rgb.applying(.upMirrored).pixels == [4, 5, 6, 1, 2, 3])
        #expect(rgb.applying(.left).pixels == [4, 5, 6, 1, 2, 3])
    }

    @Test func rotationsComposeToIdentity() {
        let once = Self.stored.applying(.right)
        let back = once.applying(.left)
        #expect(back.pixels == Self.stored.pixels && back.width == 3)
        let four = Self.stored.applying(.right).applying(.right).applying(.right).applying(.right)
        #expect(four.pixels == Self.stored.pixels)
        for mirror in [ExifOrientation.upMirrored, .downMirrored, .leftMirrored, .rightMirrored, .down] {
            #expect(Self.stored.applying(mirror).applying(mirror).pixels == Self.stored.pixels, "\(mirror)")
        }
    }

    /// The reference photo stored sideways with orientation 6 displays like the stored-upright
    /// one rotated: check through the decoder on a small synthetic JPEG-free case (PNG, exact).
    @Test func decodedImageWithEXIFDisplaysUpright() throws {
        let rows: [[UInt8]] = [[1, 1, 1, 2, 2, 2, 3, 3, 3], [4, 4, 4, 5, 5, 5, 6, 6, 6]]
        let bytes = PNGFixture.encode(width: 3, height: 2, colorType: 2, bitDepth: 8, rows: rows,
                                      exif: exifTIFF(orientation: 6))
        let image = try decodeImage(bytes)
        let upright = image.applying(image.info.orientation)
        #expect(upright.width == 2 && upright.height == 3)
        #expect(stride(from: 0, to: upright.pixels.count, by: 3).map { upright.pixels[$0] } == [4, 1, 5, 2, 6, 3])
    }
}

@Suite struct DetectionTests {
    @Test func everyFixtureIsRecognisedByContent() {
        for fixture in Fixtures.all() {
            let ext = fixture.name.split(separator: ".").last.map(String.init)
            let expected: ImageFormat? = switch ext {
            case "jpg": .jpeg
            case "png": .png
            case "gif": .gif
            case "webp": .webp
            default: nil
            }
            #expect(fixture.bytes.withUnsafeBytes { MediaDecoder.detectFormat($0) } == expected, "\(fixture.name)")
        }
    }

    /// A file's name says nothing: a PNG uploaded as "photo.jpg" is decoded as the PNG it is, and
    /// a JPEG named ".png" as a JPEG.
    @Test func fileNamesAreIgnored() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mediadecode-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = [("photo.jpg", Fixtures.pngColor(alpha: false, bits: 8), ImageFormat.png),
                     ("image.png", Fixtures.jpegGrey(), .jpeg), ("anim.gif", Fixtures.webpAnimated(), .webp),
                     ("noextension", Fixtures.gifBasic(), .gif)]
        for (name, fixture, format) in cases {
            let url = directory.appendingPathComponent(name)
            try Data(fixture.bytes).write(to: url)
            let bytes = [UInt8](try Data(contentsOf: url))
            #expect(bytes.withUnsafeBytes { MediaDecoder.detectFormat($0) } == format, "\(name)")
            #expect(try decodeImage(bytes).info.format == format, "\(name)")
        }
    }

    @Test func shortAndForeignInputsAreNotRecognised() {
        let cases: [[UInt8]] = [
            [], [0xFF, 0xD8], [0x89, 0x50, 0x4E, 0x47], Array("GIF88a".utf8), Array("RIFF\0\0\0\0WAVE".utf8),
            Array("BM".utf8) + [UInt8](repeating: 0, count: 64), Array("<svg xmlns=".utf8),
            [0x00, 0x00, 0x00, 0x1C, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63],  // HEIC
        ]
        for bytes in cases {
            #expect(bytes.withUnsafeBytes { MediaDecoder.detectFormat($0) } == nil)
        }
    }

    @Test func probeReportsFormatAndSizeWithoutDecoding() throws {
        for fixture in Fixtures.all() {
            let info = try probe(fixture.bytes)
            #expect(info.width == fixture.width && info.height == fixture.height, "\(fixture.name)")
        }
    }

    @Test func errorsExplainThemselves() {
        let bomb = DecodeError.tooManyPixels(width: 60000, height: 60000, limit: 100_000_000)
        #expect(bomb.description.contains("60000x60000") && bomb.description.contains("--max-pixels"))
        #expect(DecodeError.unrecognizedFormat.description.contains("JPEG, PNG, WebP or GIF"))
        #expect(DecodeError.truncated(.png).description.contains("PNG"))
        let noisy = DecodeError.corrupt(.jpeg, reason: "bad\u{1B}[31m marker \u{7F}" + String(repeating: "x", count: 500))
        #expect(noisy.description.utf8.allSatisfy { (0x20...0x7E).contains($0) })
        #expect(noisy.description.count < 300)
    }
}
