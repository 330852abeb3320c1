/// Benign images generated from a seed: geometric patterns with plenty of structure for PDQ (high
/// quality), distinct hashes for distinct seeds, and nothing that resembles a photograph. The
/// canary, the demo's bank of "known" images and the tests use them; no real picture is needed.
public enum SyntheticImage {
    /// Concentric rings over diagonal stripes, in colour. Seed 0 is the pipeline canary's image;
    /// other seeds move the centre, change the ring and stripe widths and the palette.
    public static func rings(width: Int, height: Int, seed: Int) -> [UInt8] {
        let s = abs(seed)
        let cx = width / 2 + (s * 37) % max(width / 3, 1) - (s == 0 ? 0 : width / 6)
        let cy = height / 3 + (s * 53) % max(height / 3, 1) - (s == 0 ? 0 : height / 6)
        let ringWidth = 12 + (s * 7) % 11
        let stripeWidth = 20 + (s * 5) % 17
        let palette = Self.palette(s)
        return PNGWriter.encode(width: width, height: height, channels: 3) { x, y in
            let dx = Double(x - cx), dy = Double(y - cy)
            let ring = (Int((dx * dx + dy * dy).squareRoot()) / ringWidth) % 2 == 0
            let stripe = ((x + (2 + s % 3) * y) / stripeWidth) % 3
            let gradient = UInt8((x * 255) / max(width - 1, 1))
            if s == 0 {
                return [ring ? 230 : 30, UInt8(60 + stripe * 70), gradient]
            }
            let base = ring ? palette.0 : palette.1
            return [base[0] &+ UInt8(stripe * 25), base[1] &+ UInt8(stripe * 20), base[2] ^ (gradient / 4)]
        }
    }

    /// Tiles of colour in a grid whose layout follows the seed: a second family, for "ordinary"
    /// pictures that should not match the rings.
    public static func tiles(width: Int, height: Int, seed: Int) -> [UInt8] {
        var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        let columns = 4 + Int(next() % 5), rows = 3 + Int(next() % 5)
        let colours: [[UInt8]] = (0..<(columns * rows)).map { _ in
            let v = next()
            return [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff)]
        }
        return PNGWriter.encode(width: width, height: height, channels: 3) { x, y in
            let column = min(x * columns / width, columns - 1), row = min(y * rows / height, rows - 1)
            return colours[row * columns + column]
        }
    }

    static func palette(_ seed: Int) -> ([UInt8], [UInt8]) {
        let hues: [[UInt8]] = [[220, 60, 40], [40, 120, 220], [40, 180, 90], [230, 180, 30], [150, 60, 200], [20, 170, 170]]
        return (hues[seed % hues.count], hues[(seed / hues.count + seed + 2) % hues.count].map { $0 / 3 })
    }
}
