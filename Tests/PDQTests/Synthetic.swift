import PDQ

/// Deterministic benign test patterns, generated identically by `scripts/pdq-oracle.py` so
/// that the reference (`pdqhash`) can be run on the same pixels.
enum Synthetic {
    static func rgb(width w: Int, height h: Int, seed: Int) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var v = (x * (7 + seed) + y * (13 + 2 * c) + c * 50 + ((x * y + seed * 31) % (29 + c))) * (3 + seed % 5)
                    v += ((x / (1 + seed % 9)) ^ (y / 3)) * 17
                    pixels[(y * w + x) * 3 + c] = UInt8(truncatingIfNeeded: v & 255)
                }
            }
        }
        return pixels
    }

    /// A pseudo-random generator (SplitMix64) so failures reproduce from the seed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.count))
        }
    }

    /// Smooth shapes plus noise: images whose hash has full quality, so a wrong bit shows.
    static func natural(width w: Int, height h: Int, seed: UInt64) -> [UInt8] {
        var random = Random(state: seed)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        let cx = Double(random.int(0...max(w - 1, 0))), cy = Double(random.int(0...max(h - 1, 0)))
        let radius = Double(random.int(1...max(min(w, h), 1)))
        let base = (random.int(0...255), random.int(0...255), random.int(0...255))
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let inside = dx * dx + dy * dy < radius * radius
                let noise = Int(random.next() % 24)
                let gx = x * 255 / max(w - 1, 1), gy = y * 255 / max(h - 1, 1)
                let i = (y * w + x) * 3
                pixels[i] = UInt8(truncatingIfNeeded: (inside ? base.0 : gx) + noise)
                pixels[i + 1] = UInt8(truncatingIfNeeded: (inside ? base.1 : gy) + noise)
                pixels[i + 2] = UInt8(truncatingIfNeeded: (inside ? base.2 : (gx + gy) / 2) + noise)
            }
        }
        return pixels
    }
}
