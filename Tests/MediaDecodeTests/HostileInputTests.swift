import Foundation
import Testing

import MediaDecode

/// Every input is hostile: these check that damaged, lying and malicious files end in a
/// `DecodeError` (never a crash, hang or grey-padded image), and that size bombs are refused from
/// the header alone.
@Suite struct HostileInputTests {
    @Test func emptyAndGarbage() {
        #expect(decodeError([]) == .empty)
        #expect((try? probe([])) == nil)
        #expect(decodeError(Array("hello, world".utf8)) == .unrecognizedFormat)
        #expect(decodeError(Pattern.noise(count: 4096, seed: 1)) == .unrecognizedFormat)
        // The right magic followed by noise.
        let magics: [(ImageFormat, [UInt8])] = [
            (.jpeg, [0xFF, 0xD8, 0xFF]), (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            (.gif, Array("GIF89a".utf8)), (.webp, Array("RIFF\u{10}\0\0\0WEBP".utf8)),
        ]
        for (format, magic) in magics {
            for seed in 0..<20 as Range<UInt64> {
                let bytes = magic + Pattern.noise(count: 8 + Int(seed) * 37, seed: seed)
                guard let error = decodeError(bytes) else { continue }  // noise could be a valid tiny GIF
                switch error {
                case .truncated(let f), .corrupt(let f, _), .unsupported(let f, _): #expect(f == format)
                case .tooManyPixels, .dimensionTooLarge: break
                default: Issue.record("\(format) noise gave \(error)")
                }
            }
        }
    }

    @Test func inputLargerThanTheByteLimit() {
        let bytes = Fixtures.pngGrey(bits: 8).bytes
        let limits = DecodeLimits(maxBytes: 50)
        #expect(decodeError(bytes, options: DecodeOptions(limits: limits)) == .inputTooLarge(bytes: bytes.count, limit: 50))
        #expect(throws: DecodeError.inputTooLarge(bytes: bytes.count, limit: 50)) { try probe(bytes, limits: limits) }
    }

    /// Tiny files whose headers claim 60000x60000 (3.6 GP): refused from the header, fast.
    @Test(arguments: ["jpeg", "jpeg-progressive", "png", "png-interlaced", "gif", "webp-vp8x", "webp-vp8l"])
    func decompressionBombsAreRefusedFromTheHeader(kind: String) throws {
        let (bytes, width, height) = try Bombs.make(kind)
        let start = ContinuousClock.now
        let expected = DecodeError.tooManyPixels(width: width, height: height, limit: DecodeLimits.default.maxPixels)
        #expect(decodeError(bytes) == expected, "\(kind)")
        #expect(throws: expected) { try probe(bytes) }
        #expect(ContinuousClock.now - start < .seconds(20), "\(kind) must fail without decoding the claimed size (a guard against a bomb getting through, not a speed test)")
        // With the limit raised, the streaming decoders find the data missing within the first
        // rows, without allocating for the claimed size (no grey padding of a 3.6 GP image).
        if kind == "jpeg" || kind == "png" {
            var sink = CountingSink()
            let raised = DecodeOptions(limits: DecodeLimits(maxPixels: 5_000_000_000))
            let start = ContinuousClock.now
            #expect(throws: DecodeError.truncated(kind == "png" ? .png : .jpeg)) {
                _ = try bytes.withUnsafeBytes { try MediaDecoder.decode($0, options: raised, into: &sink) }
            }
            #expect(sink.rows <= 16)
            #expect(ContinuousClock.now - start < .seconds(20))
        }
    }

    struct CountingSink: ScanlineSink {
        var rows = 0
        mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {}
        mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws { self.rows += rowCount }
    }

    @Test func oversizedSideIsRefused() throws {
        let bytes = Bombs.png(width: 70_000, height: 1, interlaced: false)
        #expect(decodeError(bytes) == .dimensionTooLarge(width: 70_000, height: 1, limit: 65_535))
        let small = DecodeLimits(maxPixels: 100, maxDimension: 10)
        let fixture = Fixtures.pngGrey(bits: 8)  // 13x11
        #expect(throws: DecodeError.dimensionTooLarge(width: 13, height: 11, limit: 10)) { try probe(fixture.bytes, limits: small) }
        let fewPixels = DecodeLimits(maxPixels: 100)
        #expect(decodeError(fixture.bytes, options: DecodeOptions(limits: fewPixels))
                    == .tooManyPixels(width: 13, height: 11, limit: 100))
    }

    /// A progressive JPEG that repeats its first scan 1,100 times: refused by the scan cap.
    @Test func progressiveScanBombIsCapped() throws {
        let bytes = Bombs.scanBomb(repeats: 1100)
        let start = ContinuousClock.now
        let error = decodeError(bytes)
        guard case .unsupported(.jpeg, let reason)? = error else {
            Issue.record("expected the scan cap, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("1000 scans"))
        #expect(ContinuousClock.now - start < .seconds(20))
        // A few repeats are tolerated (libjpeg only warns about the odd progression).
        #expect(decodeError(Bombs.scanBomb(repeats: 5)) == nil)
    }

    /// Cutting a file anywhere gives an error (or, past the last byte the first image needs, the
    /// image); a JPEG cut short is an error, never an image padded with grey.
    @Test func everyPrefixFailsCleanly() {
        var outcomes: [String: Int] = [:]
        for fixture in Fixtures.all() {
            let n = fixture.bytes.count
            let mustFailBelow: Int
            switch fixture.name.split(separator: ".").last {
            case "jpg": mustFailBelow = n - 2             // all but the EOI marker
            case "png": mustFailBelow = n - 12            // all but IEND
            case "gif": mustFailBelow = fixture.name == "offset-transparent.gif" ? n / 2 : n - 1
            default: mustFailBelow = n
            }
            let lengths = Array(0..<min(n, 80)) + Array(stride(from: 80, to: n, by: 5)) + Array(max(0, n - 16)..<n)
            for length in Set(lengths) {
                let prefix = Array(fixture.bytes.prefix(length))
                let error = decodeError(prefix)
                if length < mustFailBelow {
                    #expect(error != nil, "\(fixture.name) cut at \(length) of \(n) decoded")
                }
                switch error {
                case nil: outcomes["decoded", default: 0] += 1
                case .truncated?: outcomes["truncated", default: 0] += 1
                case .empty?, .unrecognizedFormat?: outcomes["too short to identify", default: 0] += 1
                case .corrupt?: outcomes["corrupt", default: 0] += 1
                case let other?: outcomes["\(other)", default: 0] += 1
                }
            }
        }
        #expect((outcomes["truncated"] ?? 0) > 3 * (outcomes["corrupt"] ?? 0), "\(outcomes)")
    }

    /// Random byte changes: each result is an error or an image within the limits, never a crash.
    @Test func randomByteFlipsNeverCrash() {
        var rng = SplitMix64(state: 0xB01_DFACE)
        var decoded = 0, failed = 0
        for fixture in Fixtures.all() {
            for _ in 0..<120 {
                var bytes = fixture.bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
                }
                do {
                    let image = try decodeImage(bytes)
                    #expect(image.width * image.height <= DecodeLimits.default.maxPixels)
                    #expect(image.pixels.count == image.width * image.height * image.layout.bytesPerPixel)
                    decoded += 1
                } catch is DecodeError {
                    failed += 1
                } catch {
                    Issue.record("\(fixture.name): unexpected \(error)")
                }
            }
        }
        #expect(decoded > 0 && failed > 0)
    }

    @Test func sinkErrorsPropagateUnchanged() throws {
        struct Stop: Error, Equatable { var at: String }
        struct FailingSink: ScanlineSink {
            var failInBegin: Bool
            var rows = 0
            mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {
                if failInBegin { throw Stop(at: "begin") }
            }
            mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws {
                self.rows += rowCount
                throw Stop(at: "rows")
            }
        }
        let samples = [Fixtures.jpegRGB(), Fixtures.jpegCMYK(ycck: false, adobe: true), Fixtures.pngColor(alpha: false, bits: 8),
                       Fixtures.pngGrey(bits: 2, interlaced: true), Fixtures.gifBasic(), Fixtures.webpLossless(),
                       Fixtures.webpAnimated()]
        for fixture in samples {
            for failInBegin in [true, false] {
                var sink = FailingSink(failInBegin: failInBegin)
                #expect(throws: Stop(at: failInBegin ? "begin" : "rows"), "\(fixture.name)") {
                    _ = try fixture.bytes.withUnsafeBytes { try MediaDecoder.decode($0, into: &sink) }
                }
                #expect(sink.rows == (failInBegin ? 0 : min(16, fixture.height)))
            }
        }
    }

    /// Decoders keep no shared state: concurrent decodes give the same pixels as serial ones.
    @Test func concurrentDecodesAgree() async throws {
        let inputs = Fixtures.all().map(\.bytes)
        let serial = try inputs.map { try weightedSum(decodeImage($0).pixels) }
        let parallel = try await withThrowingTaskGroup(of: (Int, UInt64).self) { group in
            for round in 0..<4 {
                for (i, bytes) in inputs.enumerated() {
                    group.addTask { (i + round * 0, try weightedSum(decodeImage(bytes).pixels)) }
                }
            }
            var results: [(Int, UInt64)] = []
            for try await r in group { results.append(r) }
            return results
        }
        for (i, sum) in parallel { #expect(sum == serial[i]) }
    }
}

/// Builders for size bombs: real small files with their size fields rewritten.
enum Bombs {
    static func make(_ kind: String) throws -> ([UInt8], Int, Int) {
        switch kind {
        case "jpeg": return (jpeg(Fixtures.jpegRGB().bytes), 60_000, 60_000)
        case "jpeg-progressive": return (jpeg(Fixtures.jpegRGB(progressive: true).bytes), 60_000, 60_000)
        case "png": return (png(width: 60_000, height: 60_000, interlaced: false), 60_000, 60_000)
        case "png-interlaced": return (png(width: 60_000, height: 60_000, interlaced: true), 60_000, 60_000)
        case "gif":
            var bytes = Fixtures.gifBasic().bytes
            bytes[6] = 0x60; bytes[7] = 0xEA; bytes[8] = 0x60; bytes[9] = 0xEA  // 60000 little-endian
            return (bytes, 60_000, 60_000)
        case "webp-vp8x":
            var bytes = Fixtures.webpAnimated().bytes
            let side = WebPFixture.le24(60_000 - 1)
            bytes.replaceSubrange(24..<30, with: side + side)  // VP8X canvas width-1, height-1
            return (bytes, 60_000, 60_000)
        case "webp-vp8l":
            var bytes = Fixtures.webpLossless().bytes
            // VP8L header after the 0x2F signature: 14 bits width-1, 14 bits height-1 (LE bits).
            bytes[21] = 0xFF; bytes[22] = 0xFF; bytes[23] = 0xFF; bytes[24] |= 0x0F
            return (bytes, 16_384, 16_384)
        default:
            throw DecodeError.unrecognizedFormat
        }
    }

    /// Rewrites the frame size in the SOFn segment.
    static func jpeg(_ file: [UInt8]) -> [UInt8] {
        var bytes = file
        var i = 2
        while i + 9 < bytes.count {
            let marker = bytes[i + 1]
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            if marker == 0xC0 || marker == 0xC1 || marker == 0xC2 {
                bytes[i + 5] = 0xEA; bytes[i + 6] = 0x60; bytes[i + 7] = 0xEA; bytes[i + 8] = 0x60  // 60000 big-endian
                return bytes
            }
            i += 2 + length
        }
        return bytes
    }

    /// A well-formed PNG (valid CRCs) with the given IHDR size and a few bytes of image data.
    static func png(width: UInt32, height: UInt32, interlaced: Bool) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return be32(UInt32(data.count)) + body + be32(crc32(body))
        }
        let ihdr = be32(width) + be32(height) + [8, 2, 0, 0, interlaced ? 1 : 0]
        let idat: [UInt8] = [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]  // zlib of one zero byte
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", idat) + chunk("IEND", [])
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// A progressive JPEG whose first scan (the DC scan) is repeated `repeats` extra times.
    static func scanBomb(repeats: Int) -> [UInt8] {
        let file = JPEGFixture.encode(width: 16, height: 16, pixels: Pattern.gradient(width: 16, height: 16),
                                      input: .rgb, progressive: true)
        // Find the first SOS segment and its entropy-coded data (up to the next real marker).
        var i = 2
        while i + 4 < file.count, file[i + 1] != 0xDA {
            i += 2 + (Int(file[i + 2]) << 8 | Int(file[i + 3]))
        }
        var end = i + 2 + (Int(file[i + 2]) << 8 | Int(file[i + 3]))
        while end + 1 < file.count, !(file[end] == 0xFF && file[end + 1] != 0 && !(0xD0...0xD7).contains(file[end + 1])) {
            end += 1
        }
        let scan = Array(file[i..<end])
        var out = Array(file[..<end])
        for _ in 0..<repeats { out += scan }
        return out + file[end...]
    }
}
