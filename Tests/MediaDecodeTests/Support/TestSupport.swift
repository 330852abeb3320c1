import Foundation
import Testing

import MediaDecode

/// Locates shared/testdata beside the repository clone (the layout both locally and in CI).
enum TestData {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "Reference test data not found at \(path). The repository expects shared/testdata beside the clone "
                + "(../shared/testdata relative to the repo root)."
        }
    }

    static func pdqDirectory() throws -> URL {
        // Resolve symlinks so a checkout reached through a link still finds its sibling.
        let file = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let repo = file.deletingLastPathComponent()  // Support
            .deletingLastPathComponent()  // MediaDecodeTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo root
        let dir = repo.deletingLastPathComponent().appendingPathComponent("shared/testdata/pdq")
        guard FileManager.default.fileExists(atPath: dir.appendingPathComponent("expected.csv").path) else {
            throw Missing(path: dir.path)
        }
        return dir
    }

    struct Expected {
        var file: String
        var width: Int
        var height: Int
    }

    static func expected() throws -> [Expected] {
        let text = try String(contentsOf: pdqDirectory().appendingPathComponent("expected.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: ",")
            guard f.count >= 3, let w = Int(f[1]), let h = Int(f[2]) else { return nil }
            return Expected(file: String(f[0]), width: w, height: h)
        }
    }

    static func image(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: pdqDirectory().appendingPathComponent("images").appendingPathComponent(name)))
    }
}

/// Convenience wrappers taking arrays.
func decodeImage(_ bytes: [UInt8], options: DecodeOptions = .init()) throws -> DecodedImage {
    try bytes.withUnsafeBytes { try MediaDecoder.decodeImage($0, options: options) }
}

func probe(_ bytes: [UInt8], limits: DecodeLimits = .default) throws(DecodeError) -> ImageInfo {
    do {
        return try bytes.withUnsafeBytes { try MediaDecoder.probe($0, limits: limits) }
    } catch let error as DecodeError {
        throw error
    } catch {
        preconditionFailure("probe throws only DecodeError")
    }
}

/// Decodes and returns the DecodeError, or nil when the image decoded.
func decodeError(_ bytes: [UInt8], options: DecodeOptions = .init()) -> DecodeError? {
    do {
        _ = try decodeImage(bytes, options: options)
        return nil
    } catch let error as DecodeError {
        return error
    } catch {
        Issue.record("unexpected error type \(type(of: error)): \(error)")
        return nil
    }
}

/// Records how rows arrived, to check the sink contract.
struct RecordingSink: ScanlineSink {
    var begins: [(Int, Int, PixelLayout)] = []
    var batches: [Int] = []
    var rowBytesSeen: Set<Int> = []
    var pixels: [UInt8] = []

    mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {
        begins.append((width, height, layout))
    }

    mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws {
        #expect(rows.count >= rowCount * rowBytes)
        batches.append(rowCount)
        rowBytesSeen.insert(rowBytes)
        guard let (width, _, layout) = begins.last else { return }
        for r in 0..<rowCount {
            pixels += rows[(r * rowBytes)..<(r * rowBytes + width * layout.bytesPerPixel)]
        }
    }
}

/// Synthetic pictures.
enum Pattern {
    /// A smooth RGB gradient (JPEG-friendly).
    static func gradient(width: Int, height: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                out.append(UInt8(x * 255 / max(1, width - 1)))
                out.append(UInt8(y * 255 / max(1, height - 1)))
                out.append(UInt8((x + y) * 255 / max(1, width + height - 2)))
            }
        }
        return out
    }

    /// Pseudo-random bytes from a fixed seed, for exact lossless round trips.
    static func noise(count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(state: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }
}

/// Deterministic pseudo-random generator for the hostile-input tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A minimal TIFF/EXIF block holding only an orientation entry.
func exifTIFF(orientation: UInt16, bigEndian: Bool = false, type: UInt16 = 3) -> [UInt8] {
    func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func u32(_ v: UInt32) -> [UInt8] {
        let b = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        return bigEndian ? b : b.reversed()
    }
    var out: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
    out += u16(42) + u32(8)                     // IFD0 right after the header
    out += u16(1)                               // one entry
    out += u16(0x0112) + u16(type) + u32(1)     // orientation, SHORT (or given type), count 1
    out += type == 3 ? u16(orientation) + [0, 0] : u32(UInt32(orientation))
    out += u32(0)                               // no next IFD
    return out
}

/// Position-weighted byte sum (mod 2^64): a cheap checksum that numpy computes identically, used
/// to pin decoded pixels to Pillow's output without storing the pixels.
func weightedSum(_ bytes: [UInt8]) -> UInt64 {
    bytes.withUnsafeBufferPointer { b in
        var h: UInt64 = 0
        for i in 0..<b.count {
            let w = (UInt64(i) &* 0x9E37_79B1 &+ 0x7F4A_7C15) & 0xFFFF_FFFF
            h = h &+ UInt64(b[i]) &* w
        }
        return h
    }
}

/// Largest absolute difference between two equally long byte arrays.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs(Int($1.0) - Int($1.1))) }
}
