import SyntheticMedia

/// The demo's pictures: "known" images (rings) for the bank, ordinary pictures (tiles) for the
/// users, and the re-posted copy a trader alters so that its file hash changes. All generated.
enum DemoImages {
    /// The size of every generated picture: large enough for a high-quality PDQ, small enough that
    /// the uncompressed PNG (about 200 KB) keeps request bodies modest.
    static let side = 256

    /// The seeds of the bank `demo-known-images`.
    static let bankSeeds = Array(1...6)

    static func banked(seed: Int) -> DemoImage {
        DemoImage(label: "rings-seed-\(seed)", png: SyntheticImage.rings(width: side, height: side, seed: seed))
    }

    static func ordinary(seed: Int) -> DemoImage {
        DemoImage(label: "tiles-seed-\(seed)", png: SyntheticImage.tiles(width: side, height: side, seed: seed))
    }

    /// A banked image as a re-poster alters it: colours slightly flattened (a filter) and a small
    /// stamp in a corner. The file bytes, and so MD5 and SHA-256, change; the picture as PDQ sees it
    /// barely does (2 bits from the original for seed 3, against the bank's threshold of 31), which
    /// is why exchanges share perceptual hashes and not only file digests. A larger stamp would
    /// move the hash a lot more: 20 pixels already cost 30 bits on these patterns.
    static func altered(seed: Int) -> DemoImage {
        let original = SyntheticImage.rings(width: side, height: side, seed: seed)
        guard let pixels = StoredPNG.rgbPixels(original) else {
            preconditionFailure("SyntheticImage no longer writes stored RGB PNGs; DemoImages.altered must learn to read them")
        }
        let stamp = 8, margin = 8
        let png = PNGWriter.encode(width: side, height: side, channels: 3) { x, y in
            let sx = x - (side - margin - stamp), sy = y - (side - margin - stamp)
            if (0..<stamp).contains(sx), (0..<stamp).contains(sy) { return [245, 245, 245] }
            let offset = (y * side + x) * 3
            // Contrast × 0.92, lifted by 10: stays within 0…255.
            return pixels[offset..<offset + 3].map { UInt8(Int($0) * 23 / 25 + 10) }
        }
        return DemoImage(label: "rings-seed-\(seed)-altered", png: png)
    }
}

/// Reads back the PNGs `PNGWriter` writes (8-bit RGB, stored deflate blocks, filter none) without
/// a decoder library, so an image can be altered pixel by pixel. Anything else answers nil.
enum StoredPNG {
    static func rgbPixels(_ png: [UInt8]) -> [UInt8]? {
        guard png.count > 8, Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        var offset = 8
        var width = 0, height = 0
        var zlib: [UInt8] = []
        while offset + 12 <= png.count {
            let length = Int(be32(png, offset))
            let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            let start = offset + 8
            guard start + length + 4 <= png.count else { return nil }
            switch type {
            case "IHDR":
                guard length == 13, png[start + 8] == 8, png[start + 9] == 2 else { return nil }
                width = Int(be32(png, start))
                height = Int(be32(png, start + 4))
            case "IDAT":
                zlib += png[start..<start + length]
            default:
                break
            }
            offset = start + length + 4
        }
        guard width > 0, height > 0, zlib.count > 2 else { return nil }
        // Stored blocks only: BFINAL/BTYPE byte, LEN, NLEN, then LEN literal bytes.
        var raw: [UInt8] = []
        var position = 2
        while position + 5 <= zlib.count {
            let header = zlib[position]
            guard header & 0x06 == 0 else { return nil }
            let count = Int(zlib[position + 1]) | Int(zlib[position + 2]) << 8
            position += 5
            guard position + count <= zlib.count else { return nil }
            raw += zlib[position..<position + count]
            position += count
            if header & 1 == 1 { break }
        }
        let stride = width * 3 + 1
        guard raw.count == stride * height else { return nil }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for row in 0..<height {
            guard raw[row * stride] == 0 else { return nil }
            pixels += raw[row * stride + 1..<(row + 1) * stride]
        }
        return pixels
    }

    private static func be32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
