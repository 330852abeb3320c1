/// Text after a normalisation pass, as UTF-8 bytes, with the position in the original text of
/// every byte, so that whatever is found in the normalised text can be shown to a reviewer where
/// the author wrote it.
public struct TextView: Sendable {
    /// The normalised text, UTF-8.
    public internal(set) var bytes: [UInt8]
    /// For each byte of `bytes`, the UTF-8 offset in the original text of the character it came from.
    var origin: [Int32]
    /// The UTF-8 length of the original text.
    public let originalLength: Int

    init(bytes: [UInt8], origin: [Int32], originalLength: Int) {
        self.bytes = bytes
        self.origin = origin
        self.originalLength = originalLength
    }

    init(reservingCapacity capacity: Int, originalLength: Int) {
        bytes = []
        origin = []
        bytes.reserveCapacity(capacity)
        origin.reserveCapacity(capacity)
        self.originalLength = originalLength
    }

    @inline(__always) mutating func append(_ byte: UInt8, from offset: Int32) {
        bytes.append(byte)
        origin.append(offset)
    }

    mutating func append(_ scalar: Unicode.Scalar, from offset: Int32) {
        let value = scalar.value
        if value < 0x80 {
            append(UInt8(value), from: offset)
        } else if value < 0x800 {
            append(UInt8(0xC0 | (value >> 6)), from: offset)
            append(UInt8(0x80 | (value & 0x3F)), from: offset)
        } else if value < 0x10000 {
            append(UInt8(0xE0 | (value >> 12)), from: offset)
            append(UInt8(0x80 | ((value >> 6) & 0x3F)), from: offset)
            append(UInt8(0x80 | (value & 0x3F)), from: offset)
        } else {
            append(UInt8(0xF0 | (value >> 18)), from: offset)
            append(UInt8(0x80 | ((value >> 12) & 0x3F)), from: offset)
            append(UInt8(0x80 | ((value >> 6) & 0x3F)), from: offset)
            append(UInt8(0x80 | (value & 0x3F)), from: offset)
        }
    }

    /// Drops trailing bytes that are spaces (used when a separator absorbs the spaces around it).
    mutating func dropTrailingSpaces() {
        while let last = bytes.last, last == 0x20 {
            bytes.removeLast()
            origin.removeLast()
        }
    }

    /// The range of the original text (UTF-8 offsets) that produced `range` of this view.
    public func originalRange(of range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty, range.lowerBound < origin.count else { return originalLength..<originalLength }
        let start = Int(origin[range.lowerBound])
        let last = origin[min(range.upperBound, origin.count) - 1]
        var next = range.upperBound
        while next < origin.count && origin[next] <= last { next += 1 }
        let end = next < origin.count ? Int(origin[next]) : originalLength
        return start..<max(end, start)
    }

    /// The bytes of `range` as a string (the view is valid UTF-8 by construction).
    func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }
}

/// ASCII helpers for the byte scanners. Every comparison in the scanners is ASCII
/// case-insensitive; non-ASCII bytes never equal an ASCII byte.
enum ASCII {
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { let l = b | 0x20; return l >= 0x61 && l <= 0x7A }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    /// A letter, digit or any byte of a non-ASCII scalar (the scanners treat those as word characters).
    @inline(__always) static func isWord(_ b: UInt8) -> Bool { isAlnum(b) || b >= 0x80 || b == 0x5F }

    /// Whether `bytes[at...]` starts with `word` (given in lower case), ignoring ASCII case.
    static func hasPrefix(_ bytes: [UInt8], at index: Int, _ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index >= 0, index + count <= bytes.count else { return false }
        return word.withUTF8Buffer { w in
            for k in 0..<count where lower(bytes[index + k]) != w[k] { return false }
            return true
        }
    }

    static func lowercased(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: bytes.map(lower), as: UTF8.self)
    }
}
