import Foundation

/// Input checks done in Swift before any SQL runs, so a bad value is reported precisely (which
/// field, what is wrong) and never reaches the database half-applied.
enum Validate {
    static let bankNameLengths = 1...100
    static let shortTextLimit = 1_000
    static let noteLimit = 10_000
    static let checkpointKeyLimit = 200
    static let keyPrefixLengths = 1...16

    static func bankName(_ name: String) throws(StoreError) -> String {
        let scalars = name.unicodeScalars
        guard bankNameLengths.contains(scalars.count) else {
            throw .invalidBankName(scalars.isEmpty ? "the name is empty" : "the name has \(scalars.count) characters")
        }
        for scalar in scalars where !isBankNameScalar(scalar) {
            throw .invalidBankName("character \(scalar.value < 0x20 || scalar.value == 0x7F ? "U+\(String(scalar.value, radix: 16, uppercase: true))" : "'\(scalar)'") is not allowed")
        }
        return name
    }

    private static func isBankNameScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true   // 0-9 A-Z a-z
        case 0x5F, 0x2D, 0x2E: true                          // _ - .
        default: false
        }
    }

    static func threshold(_ value: Int) throws(StoreError) -> Int {
        guard (0...Bank.maximumPDQThreshold).contains(value) else { throw .invalidThreshold(value) }
        return value
    }

    /// Optional free text: at most `limit` characters, no NUL (PostgreSQL cannot store it) and no
    /// other control characters except tab and newline (which notes may contain).
    static func text(_ value: String?, field: String, limit: Int = shortTextLimit, allowEmpty: Bool = true)
        throws(StoreError) -> String?
    {
        guard let value else { return nil }
        if !allowEmpty && value.isEmpty { throw .invalidField(field: field, reason: "it is empty") }
        let count = value.unicodeScalars.count
        guard count <= limit else {
            throw .invalidField(field: field, reason: "it has \(count) characters; the limit is \(limit)")
        }
        for scalar in value.unicodeScalars {
            let v = scalar.value
            if (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F {
                throw .invalidField(field: field, reason: "it contains the control character U+\(String(v, radix: 16, uppercase: true))")
            }
        }
        return value
    }

    static func requiredText(_ value: String, field: String, limit: Int = shortTextLimit) throws(StoreError) -> String {
        // Force-unwrap is safe: `text` returns its non-nil input.
        try text(value, field: field, limit: limit, allowEmpty: false)!
    }

    static func limit(_ value: Int, name: String, allowed: ClosedRange<Int>) throws(StoreError) -> Int {
        guard allowed.contains(value) else { throw .invalidLimit(name: name, value: value, allowed: allowed) }
        return value
    }

    /// A SHA-256 of an API key secret: 64 hex characters, stored lowercase.
    static func keyHash(_ value: String) throws(StoreError) -> String {
        guard value.utf8.count == 64, value.utf8.allSatisfy({ Hex.nibble($0) != nil }) else {
            throw .invalidField(field: "key hash", reason: "expected the SHA-256 of the secret as 64 hex characters")
        }
        return value.lowercased()
    }

    /// The longest list value, in UTF-8 bytes: longer than any real URL a hotline lists (browsers
    /// and crawlers give up near 2,000), short enough for a unique index on both databases.
    static let listValueBytes = 1...2_048

    /// A list entry's value as stored: trimmed of surrounding whitespace, 1–2048 UTF-8 bytes, no
    /// control characters (a tab or line break inside a URL or handle is a copying error, and NUL
    /// cannot be stored by PostgreSQL); `url-md5`/`url-sha256` must be hex of their length and
    /// are lowercased; a handle must be `platform:name` with both parts present. Messages say
    /// where the problem is but never repeat the value.
    static func listValue(_ raw: String, type: ListSignalType) throws(StoreError) -> String {
        let scalars = raw.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, scalars[start].properties.isWhitespace { start = scalars.index(after: start) }
        while end > start, scalars[scalars.index(before: end)].properties.isWhitespace { end = scalars.index(before: end) }
        let value = String(scalars[start..<end])
        let bytes = value.utf8.count
        guard bytes > 0 else {
            throw .invalidListValue(signalType: type, reason: raw.isEmpty ? "it is empty" : "it is only whitespace")
        }
        guard listValueBytes.contains(bytes) else {
            throw .invalidListValue(signalType: type, reason: "it has \(bytes) bytes in UTF-8; the limit is \(listValueBytes.upperBound)")
        }
        for (position, scalar) in value.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control {
            throw .invalidListValue(signalType: type, reason: "character \(position + 1) is the control character "
                + "U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))")
        }
        switch type {
        case .urlMD5, .urlSHA256:
            let expected = type.hexLength ?? 0
            let count = value.unicodeScalars.count
            guard count == expected else {
                throw .invalidListValue(signalType: type, reason: "it has \(count) characters")
            }
            for (position, scalar) in value.unicodeScalars.enumerated() where !scalar.isASCII || Hex.nibble(UInt8(scalar.value)) == nil {
                throw .invalidListValue(signalType: type, reason: "character \(position + 1) is not a hex digit")
            }
            return value.lowercased()
        case .handle:
            // Bytes, not Characters: a ':' followed by a combining mark is one Character.
            let utf8 = Array(value.utf8)
            guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")) else {
                throw .invalidListValue(signalType: type, reason: "it has no ':' between the platform and the name")
            }
            guard colon > 0 else {
                throw .invalidListValue(signalType: type, reason: "the platform before the ':' is empty")
            }
            guard colon + 1 < utf8.count else {
                throw .invalidListValue(signalType: type, reason: "the name after the ':' is empty")
            }
            return value
        case .url, .domain, .wallet, .keyword:
            return value
        }
    }

    /// A hash value's binary form, from hex in either case.
    static func hashBytes(_ value: String, signalType: SignalType) throws(StoreError) -> [UInt8] {
        let utf8 = value.utf8
        guard utf8.count == signalType.hexLength else {
            throw .invalidHashValue(signalType: signalType, reason: "it has \(value.count) characters")
        }
        var bytes = [UInt8](repeating: 0, count: signalType.byteCount)
        var index = 0
        var high: UInt8 = 0
        for (position, char) in utf8.enumerated() {
            guard let nibble = Hex.nibble(char) else {
                throw .invalidHashValue(signalType: signalType, reason: "character \(position + 1) is not a hex digit")
            }
            if position & 1 == 0 {
                high = nibble
            } else {
                bytes[index] = high << 4 | nibble
                index += 1
            }
        }
        return bytes
    }
}

/// Lowercase hex, the canonical text form of every hash Bulwark stores.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c &- 0x30
        case 0x61...0x66: c &- 0x61 &+ 10
        case 0x41...0x46: c &- 0x41 &+ 10
        default: nil
        }
    }

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var i = 0
            for byte in bytes {
                buffer[i] = digits[Int(byte >> 4)]
                buffer[i + 1] = digits[Int(byte & 0x0F)]
                i += 2
            }
            return i
        }
    }
}

extension String {
    /// The string with leading zeros up to `width` characters (for `U+000A`).
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

// MARK: - Identifiers and JSON text

extension Validate {
    /// The platform's identifiers (accounts, content, decisions, idempotency keys, audit actors
    /// and subjects, cursor names…) are opaque to Bulwark; the bound keeps their indexes small and
    /// well under PostgreSQL's index row limit.
    static let identifierBytes = 1...256
    /// The largest JSON text (event payloads, responses, action payloads, audit details), in
    /// UTF-8 bytes: far more than any of them needs, and no reader ever holds one absurd row.
    static let jsonTextBytes = 1 << 20

    /// An identifier: 1–256 bytes of UTF-8 and no control characters (a line break or NUL in an
    /// id is a caller's bug, and PostgreSQL cannot store NUL). Messages say where the problem is
    /// but never repeat the value: ids are the platform's, and may identify people.
    static func identifier(_ value: String, field: String) throws(StoreError) -> String {
        let bytes = value.utf8.count
        guard bytes > 0 else { throw .invalidField(field: field, reason: "it is empty") }
        guard identifierBytes.contains(bytes) else {
            throw .invalidField(field: field, reason: "it has \(bytes) bytes in UTF-8; the limit is \(identifierBytes.upperBound)")
        }
        // Most ids are printable ASCII, which has no control characters: one pass over the bytes
        // instead of a Unicode property lookup per character (this runs per appended event).
        if isPrintableASCII(value) { return value }
        for (position, scalar) in value.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control {
            throw .invalidField(field: field, reason: "character \(position + 1) is the control character "
                + "U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))")
        }
        return value
    }

    /// An optional identifier: nil stays nil, anything else must be a valid identifier.
    static func optionalIdentifier(_ value: String?, field: String) throws(StoreError) -> String? {
        guard let value else { return nil }
        return try identifier(value, field: field)
    }

    /// Opaque JSON text of at most 1 MiB of UTF-8. Only NUL is refused, which valid JSON never
    /// contains unescaped and PostgreSQL cannot store in TEXT (SQLite could, so the backends would
    /// otherwise disagree). The text is never quoted in messages.
    static func jsonText(_ value: String, field: String) throws(StoreError) -> String {
        let bytes = value.utf8.count
        guard bytes <= jsonTextBytes else {
            throw .invalidField(field: field, reason: "it has \(bytes) bytes in UTF-8; the limit is \(jsonTextBytes)")
        }
        if containsNUL(value) {
            throw .invalidField(field: field, reason: "it contains the control character U+0000")
        }
        return value
    }

    /// A digest as hex text of exactly `length` characters, in either case; returns it lowercase,
    /// the one form the store keeps, so lookups compare equal text.
    static func hexDigest(_ value: String, length: Int, field: String) throws(StoreError) -> String {
        let count = value.utf8.count
        guard count == length else {
            throw .invalidField(field: field, reason: "it has \(count) bytes; expected \(length) hex characters")
        }
        for (position, byte) in value.utf8.enumerated() where Hex.nibble(byte) == nil {
            throw .invalidField(field: field, reason: "character \(position + 1) is not a hex digit")
        }
        return value.lowercased()
    }

    /// Whether every byte is printable ASCII (U+0020...U+007E).
    static func isPrintableASCII(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F { return false }
            return true
        }
    }

    /// Whether the text has a NUL byte. `memchr` over the string's UTF-8 storage: a replay
    /// appends payloads by the million, and a byte-at-a-time scan through the generic
    /// collection API took a quarter of an append's time in a debug build.
    static func containsNUL(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        }
    }
}
