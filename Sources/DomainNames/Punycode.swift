/// RFC 3492 Punycode: the "bootstring" encoding that lets IDNA carry a Unicode label in letters,
/// digits and hyphens (the part of an A-label after "xn--").
///
/// Arithmetic is done in `UInt32` and checked against the RFC's 32-bit `maxint` exactly as its
/// sample implementation does (RFC 3492 §6.4), so this code agrees with other implementations on
/// which inputs overflow; overflow and malformed input yield nil rather than a trap, because both
/// directions see untrusted text.
///
/// Cost: encoding is O(n·m) for n scalars of which m are distinct non-ASCII values, and decoding
/// is O(n²) because each decoded scalar is inserted into the output. DNS labels are at most 63
/// octets and `IDNA` never passes longer input; other callers holding untrusted text should bound
/// its length the same way.
public enum Punycode {
    // Bootstring parameters for Punycode (RFC 3492 §5).
    private static let base: UInt32 = 36
    private static let tMin: UInt32 = 1
    private static let tMax: UInt32 = 26
    private static let skew: UInt32 = 38
    private static let damp: UInt32 = 700
    private static let initialBias: UInt32 = 72
    private static let initialN: UInt32 = 0x80
    private static let delimiter: UInt8 = 0x2D  // "-"

    /// Encodes a sequence of scalars (one label, without "xn--") as Punycode.
    ///
    /// Basic (ASCII) code points are copied in order and keep their case, followed by "-" if
    /// there were any, then the encoded non-ASCII scalars in lower case. An all-ASCII input
    /// therefore encodes to itself plus "-" (as the RFC specifies); IDNA never encodes such labels.
    /// Returns nil only when the RFC's 32-bit arithmetic would overflow (very long input with
    /// large code points).
    public static func encode(_ scalars: some Collection<Unicode.Scalar>) -> String? {
        var output: [UInt8] = []
        guard encode(Array(scalars), into: &output) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Punycode (one label, without "xn--") to Unicode.
    ///
    /// Digits are accepted in either case; basic code points before the last "-" are copied as
    /// they are. Returns nil for anything a conforming decoder must reject: a non-ASCII byte, an
    /// invalid digit, a truncated integer, 32-bit overflow, or a result that is not a Unicode
    /// scalar (a surrogate or a value above U+10FFFF).
    public static func decode(_ ascii: Substring) -> String? {
        guard let scalars = decodeScalars(ascii.utf8) else { return nil }
        var result = String()
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }

    /// `encode` appending its output to `output`; false on overflow (with `output` then
    /// holding a partial encoding).
    static func encode(_ input: [Unicode.Scalar], into output: inout [UInt8]) -> Bool {
        guard input.count < Int(UInt32.max) else { return false }
        output.reserveCapacity(output.count + input.count + 8)
        for c in input where c.isASCII { output.append(UInt8(truncatingIfNeeded: c.value)) }
        let basicCount = UInt32(input.lazy.filter(\.isASCII).count)
        if basicCount > 0 { output.append(delimiter) }

        let length = UInt32(input.count)
        var handled = basicCount
        var n = initialN
        var delta: UInt32 = 0
        var bias = initialBias
        while handled < length {
            // The smallest code point not yet handled; one exists because handled < length.
            var m = UInt32.max
            for scalar in input where scalar.value >= n && scalar.value < m { m = scalar.value }
            guard m - n <= (UInt32.max - delta) / (handled + 1) else { return false }
            delta += (m - n) * (handled + 1)
            n = m
            for scalar in input {
                let c = scalar.value
                if c < n {
                    guard delta < UInt32.max else { return false }
                    delta += 1
                } else if c == n {
                    // Emit delta as a generalized variable-length integer.
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, firstTime: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            guard delta < UInt32.max else { return false }
            delta += 1
            n += 1
        }
        return true
    }

    /// `decode` returning scalars.
    static func decodeScalars(_ bytes: some Collection<UInt8>) -> [Unicode.Scalar]? {
        let bytes = ContiguousArray(bytes)
        guard bytes.count < Int(UInt32.max) else { return nil }

        // Everything before the last delimiter is literal; with no delimiter, nothing is.
        let literalCount = bytes.lastIndex(of: delimiter) ?? 0
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(bytes.count)
        for byte in bytes[..<literalCount] {
            guard byte < 0x80 else { return nil }
            output.append(Unicode.Scalar(byte))
        }

        var n = initialN
        var i: UInt32 = 0
        var bias = initialBias
        var position = literalCount > 0 ? literalCount + 1 : 0
        while position < bytes.count {
            let oldI = i
            var w: UInt32 = 1
            var k = base
            while true {
                guard position < bytes.count else { return nil }
                let d = digitValue(bytes[position])
                position += 1
                guard d < base, d <= (UInt32.max - i) / w else { return nil }
                i += d * w
                let t = threshold(k, bias)
                if d < t { break }
                guard w <= UInt32.max / (base - t) else { return nil }
                w *= base - t
                k += base
            }
            let outCount = UInt32(output.count) + 1
            bias = adapt(i - oldI, outCount, firstTime: oldI == 0)
            guard i / outCount <= UInt32.max - n else { return nil }
            n += i / outCount
            i %= outCount
            // n only grows from 0x80, so it is never basic; it may still be a surrogate or too large.
            guard let scalar = Unicode.Scalar(n) else { return nil }
            output.insert(scalar, at: Int(i))
            i += 1
        }
        return output
    }

    @inline(__always)
    private static func threshold(_ k: UInt32, _ bias: UInt32) -> UInt32 {
        k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
    }

    /// Bias adaptation (RFC 3492 §6.1).
    private static func adapt(_ delta: UInt32, _ numPoints: UInt32, firstTime: Bool) -> UInt32 {
        var delta = firstTime ? delta / damp : delta / 2
        delta += delta / numPoints
        var k: UInt32 = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// 0–25 → "a"–"z", 26–35 → "0"–"9".
    @inline(__always)
    private static func digit(_ d: UInt32) -> UInt8 {
        d < 26 ? UInt8(truncatingIfNeeded: d) + 0x61 : UInt8(truncatingIfNeeded: d) - 26 + 0x30
    }

    /// The value of a Punycode digit, or `base` (invalid) for anything else.
    @inline(__always)
    private static func digitValue(_ byte: UInt8) -> UInt32 {
        switch byte {
        case 0x30...0x39: return UInt32(byte) - 0x30 + 26
        case 0x41...0x5A: return UInt32(byte) - 0x41
        case 0x61...0x7A: return UInt32(byte) - 0x61
        default: return base
        }
    }
}
