/// A hash value in binary, up to 32 bytes held inline: no allocation per value, which matters when
/// a process loads ten million entries at startup. `hex` gives the canonical text form.
public struct HashDigest: Sendable, Hashable, CustomStringConvertible {
    // Bytes 0–7, 8–15, 16–23, 24–31 as big-endian words; unused bytes are zero.
    private let word0, word1, word2, word3: UInt64
    /// 16 for MD5, 32 for PDQ and SHA-256.
    public let byteCount: Int

    /// The digest of these bytes (1 to 32 of them), or nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard (1...32).contains(bytes.count) else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (index, byte) in bytes.enumerated() {
            let value = UInt64(byte) << UInt64(56 - 8 * (index & 7))
            switch index >> 3 {
            case 0: words.0 |= value
            case 1: words.1 |= value
            case 2: words.2 |= value
            default: words.3 |= value
            }
        }
        (word0, word1, word2, word3) = words
        byteCount = bytes.count
    }

    /// Parses hex digits (either case); nil unless it is an even number (2 to 64) of hex digits.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = Hex.nibble(utf8[index]), let low = Hex.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes: bytes)
    }

    /// The big-endian 64-bit word made of bytes `8 * index ..< 8 * index + 8` (0...3), the first
    /// byte most significant. For a PDQ hash, word 0 holds the first 16 hex digits.
    public func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: word0
        case 1: word1
        case 2: word2
        case 3: word3
        default: preconditionFailure("HashDigest.word(\(index)): the index must be 0...3")
        }
    }

    /// The bytes, first to last.
    public var bytes: [UInt8] {
        (0..<byteCount).map { index in UInt8(truncatingIfNeeded: word(index >> 3) >> UInt64(56 - 8 * (index & 7))) }
    }

    /// Lowercase hex, the canonical text form.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }
}
