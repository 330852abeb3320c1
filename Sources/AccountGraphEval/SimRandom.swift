import PDQ

/// The simulator's random numbers: xoshiro256** seeded through SplitMix64.
///
/// Every draw goes through this type's own arithmetic (never `Int.random(in:using:)` or
/// `shuffle(using:)`, whose algorithms the standard library may change), so a seed gives the same
/// platform history on every toolchain and machine.
struct SimRandom: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator for `seed`; `stream` selects an independent sequence of the same seed (the
    /// simulator draws the shared world, the ids, the ordinary users and the traders from
    /// separate streams).
    init(seed: UInt64, stream: UInt64 = 0) {
        var sm = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (Lemire's multiply-and-reject), `n > 0`.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(0)")
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.upperBound - range.lowerBound + 1) }

    mutating func int64(_ range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        if width == 0 { return Int64(bitPattern: next()) }
        var product = next().multipliedFullWidth(by: width)
        if product.low < width {
            let threshold = (0 &- width) % width
            while product.low < threshold { product = next().multipliedFullWidth(by: width) }
        }
        return range.lowerBound + Int64(product.high)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// An index drawn with the given weights (not necessarily normalised; at least one positive).
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (k, w) in weights.enumerated() where w > 0 {
            if x < w { return k }
            x -= w
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// Fisher–Yates with this generator's own draws.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { items.swapAt(i, j) }
        }
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            var word = next()
            for _ in 0..<8 where out.count < count {
                out.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return out
    }

    /// 256 fresh random bits as 64 lower-case hex digits: how a platform that follows
    /// docs/accounts.md sends a private value (an HMAC-SHA256 of it). One call per distinct value.
    mutating func digest() -> String {
        Hex.string([next(), next(), next(), next()])
    }

    /// A uniformly random 256-bit PDQ hash (real PDQ hashes set about half their bits, as this does).
    mutating func pdq() -> PDQHash { PDQHash(w0: next(), w1: next(), w2: next(), w3: next()) }

    /// `hash` with `count` distinct bits flipped, so its distance to `hash` is exactly `count`.
    mutating func flipping(_ hash: PDQHash, bits count: Int) -> PDQHash {
        var words = [hash.w0, hash.w1, hash.w2, hash.w3]
        var chosen: [Int] = []
        while chosen.count < count {
            let bit = below(256)
            if !chosen.contains(bit) { chosen.append(bit) }
        }
        for bit in chosen { words[bit >> 6] ^= 1 << UInt64(bit & 63) }
        return PDQHash(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    private static let base36 = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    private static let alphanumeric = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    mutating func base36(_ count: Int) -> String {
        var s = ""
        for _ in 0..<count { s.append(Self.base36[below(36)]) }
        return s
    }

    /// Mixed-case letters and digits, as invite codes are written.
    mutating func code(_ count: Int) -> String {
        var s = ""
        for _ in 0..<count { s.append(Self.alphanumeric[below(Self.alphanumeric.count)]) }
        return s
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string(_ words: [UInt64]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(words.count * 16)
        for word in words {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int((word >> UInt64(shift)) & 0xF)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
