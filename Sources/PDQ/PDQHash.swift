/// A 256-bit PDQ hash.
///
/// The value is the 256-bit number whose bit *k* is set when DCT coefficient *k* (row-major over
/// the 16x16 low-frequency block) is above the median. Its text form is the one every hash
/// exchange uses (NCMEC, StopNCII, ThreatExchange, HMA): 64 lowercase hex digits, most significant
/// nibble first. Keeping the bits in four machine words lets distance be four XORs and four
/// population counts, which is what makes matching millions of hashes per second possible.
public struct PDQHash: Hashable, Sendable, Comparable, CustomStringConvertible, LosslessStringConvertible {
    /// Bits 0–63 (least significant), 64–127, 128–191 and 192–255 (most significant).
    public var w0: UInt64
    public var w1: UInt64
    public var w2: UInt64
    public var w3: UInt64

    /// Builds a hash from its four 64-bit words, least significant first.
    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The all-zero hash: what PDQ returns for images too small to hash (quality 0).
    public static let zero = PDQHash(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Parses 64 hex digits (either case, no prefix, no separators).
    ///
    /// Returns `nil` for anything else, so a malformed list entry can be reported instead of
    /// silently becoming a different hash. Use ``init(validating:)`` for an error that says why.
    public init?(_ description: String) {
        guard let parsed = try? PDQHash(validating: description) else { return nil }
        self = parsed
    }

    /// Parses 64 hex digits, throwing an error that says what is wrong with the text.
    public init(validating text: some StringProtocol) throws(PDQHashParseError) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 64 else { throw .wrongLength(utf8.count) }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (index, byte) in utf8.enumerated() {
            let nibble: UInt64
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt64(byte &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt64(byte &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt64(byte &- UInt8(ascii: "A") &+ 10)
            default: throw .invalidCharacter(position: index)
            }
            // Digit 0 is the most significant nibble of w3.
            switch index / 16 {
            case 0: words.3 = words.3 << 4 | nibble
            case 1: words.2 = words.2 << 4 | nibble
            case 2: words.1 = words.1 << 4 | nibble
            default: words.0 = words.0 << 4 | nibble
            }
        }
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// 64 lowercase hex digits, most significant nibble first: the exchanges' format.
    public var description: String { hex }

    /// 64 lowercase hex digits, most significant nibble first: the exchanges' format.
    public var hex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 64) { buffer in
            var position = 0
            for word in [w3, w2, w1, w0] {
                var shift = 60
                while shift >= 0 {
                    buffer[position] = digits[Int((word >> UInt64(shift)) & 0xF)]
                    position += 1
                    shift -= 4
                }
            }
            return 64
        }
    }

    /// Reads bit `index` (0 = least significant, 255 = most significant).
    @inlinable
    public subscript(bit index: Int) -> Bool {
        get {
            precondition((0..<256).contains(index), "PDQ bit index out of range")
            let word: UInt64
            switch index >> 6 {
            case 0: word = w0
            case 1: word = w1
            case 2: word = w2
            default: word = w3
            }
            return (word >> UInt64(index & 63)) & 1 == 1
        }
        set {
            precondition((0..<256).contains(index), "PDQ bit index out of range")
            let mask: UInt64 = 1 << UInt64(index & 63)
            switch index >> 6 {
            case 0: w0 = newValue ? w0 | mask : w0 & ~mask
            case 1: w1 = newValue ? w1 | mask : w1 & ~mask
            case 2: w2 = newValue ? w2 | mask : w2 & ~mask
            default: w3 = newValue ? w3 | mask : w3 & ~mask
            }
        }
    }

    /// Number of differing bits. Two hashes of the same picture after re-encoding, resizing or
    /// light edits usually differ by under 31 bits (the exchanges' default match threshold);
    /// unrelated pictures differ by about 128.
    @inlinable
    public func distance(to other: PDQHash) -> Int {
        (w0 ^ other.w0).nonzeroBitCount + (w1 ^ other.w1).nonzeroBitCount
            + (w2 ^ other.w2).nonzeroBitCount + (w3 ^ other.w3).nonzeroBitCount
    }

    /// Number of set bits.
    @inlinable
    public var popcount: Int {
        w0.nonzeroBitCount + w1.nonzeroBitCount + w2.nonzeroBitCount + w3.nonzeroBitCount
    }

    /// Orders hashes as 256-bit unsigned numbers (the order of their hex text).
    @inlinable
    public static func < (lhs: PDQHash, rhs: PDQHash) -> Bool {
        (lhs.w3, lhs.w2, lhs.w1, lhs.w0) < (rhs.w3, rhs.w2, rhs.w1, rhs.w0)
    }

    /// The 32 bytes of the hash, most significant first (the hex text's byte order), for compact
    /// storage and wire formats.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [w3, w2, w1, w0] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }

    /// Rebuilds a hash from the 32 bytes of ``bytes``; `nil` if there are not exactly 32.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            words[index / 8] = words[index / 8] << 8 | UInt64(byte)
        }
        self.init(w0: words[3], w1: words[2], w2: words[1], w3: words[0])
    }
}

/// Why a text is not a PDQ hash.
public enum PDQHashParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text does not have 64 characters.
    case wrongLength(Int)
    /// A character that is not a hex digit, at a zero-based position.
    case invalidCharacter(position: Int)

    public var description: String {
        switch self {
        case .wrongLength(let count):
            return "a PDQ hash is 64 hex digits, got \(count) characters"
        case .invalidCharacter(let position):
            return "a PDQ hash is 64 hex digits, found a non-hex character at position \(position + 1)"
        }
    }
}
