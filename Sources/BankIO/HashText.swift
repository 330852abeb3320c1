import Storage

/// Checks a hash's text and decides its signal type. Lists are hostile input, so this works on raw
/// bytes (no decoding surprises), and its messages name the position and kind of a problem but
/// never echo the hash.
enum HashText {
    /// A canonical hash: lowercase hex of the signal type's length.
    struct Resolved {
        var signalType: SignalType
        var value: String
        /// True when a 64-character hash was taken to be PDQ only because nothing said otherwise.
        var inferredPDQ: Bool
    }

    /// Resolves `bytes` (already trimmed) to a hash. `explicit` is the type the line itself names;
    /// `fallback` the type the caller gave for the whole list. With neither, the length decides:
    /// 32 hex is MD5, 64 hex is PDQ (SHA-256 is also 64 hex and must be asked for).
    static func resolve(_ bytes: UnsafeBufferPointer<UInt8>, explicit: SignalType?, fallback: SignalType?)
        -> Result<Resolved, HashProblem>
    {
        guard !bytes.isEmpty else { return .failure(.empty) }
        // Length first: a line of prose is better described as "not a hash" than by its first letter.
        let declared = explicit ?? fallback
        if let declared, bytes.count != declared.hexLength {
            return .failure(.wrongLength(found: bytes.count, expected: declared, fromList: explicit == nil))
        }
        if declared == nil && bytes.count != 32 && bytes.count != 64 {
            return .failure(.unknownLength(found: bytes.count))
        }
        let value = String(unsafeUninitializedCapacity: bytes.count) { out in
            for (index, byte) in bytes.enumerated() {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"):
                    out[index] = byte
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    out[index] = byte | 0x20
                default:
                    return 0
                }
            }
            return bytes.count
        }
        guard value.utf8.count == bytes.count else {
            let position = bytes.firstIndex { !isHexDigit($0) } ?? 0
            return .failure(.notHex(position: position + 1, byte: bytes[position]))
        }
        if let declared {
            return .success(Resolved(signalType: declared, value: value, inferredPDQ: false))
        }
        return .success(bytes.count == 32
            ? Resolved(signalType: .md5, value: value, inferredPDQ: false)
            : Resolved(signalType: .pdq, value: value, inferredPDQ: true))
    }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    static func isAllHex(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy(isHexDigit)
    }
}

/// Why a hash was rejected, turned into a message that says what to fix.
enum HashProblem: Error {
    case empty
    case wrongLength(found: Int, expected: SignalType, fromList: Bool)
    case unknownLength(found: Int)
    case notHex(position: Int, byte: UInt8)

    var message: String {
        switch self {
        case .empty:
            return "the hash is empty"
        case .wrongLength(let found, let expected, let fromList):
            var text = "a \(Describe.typeName(expected)) hash has \(expected.hexLength) hex characters, this one has \(found)"
            if found == 32 && expected != .md5 {
                text += " (32 is the length of an MD5)"
            } else if found == 64 && expected == .md5 {
                text += " (64 is the length of a PDQ or SHA-256 hash)"
            }
            text += fromList
                ? "; check the signal type given for the list (--signal-type), or leave it out to infer it from the length"
                : "; check the line's signal type"
            return text
        case .unknownLength(let found):
            return "expected a hash of 32 hex characters (MD5) or 64 (PDQ, or SHA-256 with --signal-type sha256), found \(found) characters"
        case .notHex(let position, let byte):
            return "character \(position) of the hash is \(Describe.byte(byte)), not a hex digit (0-9, a-f)"
        }
    }
}

/// Small helpers for messages about hostile input: a byte or a name is shown only in a safe,
/// bounded form so a message cannot carry terminal escapes or pages of junk.
enum Describe {
    static func typeName(_ type: SignalType) -> String {
        switch type {
        case .pdq: "PDQ"
        case .md5: "MD5"
        case .sha256: "SHA-256"
        }
    }

    static func byte(_ byte: UInt8) -> String {
        switch byte {
        case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
        case 0x20: "a space"
        case 0x09: "a tab"
        case 0x00: "a NUL byte (is this a binary or UTF-16 file?)"
        default: "the byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }

    /// A name from the input (a signal type, a column): quoted when short; a long value is only
    /// measured, because a hash in the wrong column must not end up in an error report.
    static func name<C: Collection<UInt8>>(_ bytes: C) -> String {
        bytes.count > 24 ? "(a value of \(bytes.count) characters; are the columns in the right order?)" : quoted(bytes)
    }

    /// Text from the input, quoted, at most 40 characters, control characters replaced.
    static func quoted<C: Collection<UInt8>>(_ bytes: C) -> String {
        var text = String(decoding: bytes.prefix(40), as: UTF8.self)
        text = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) ? "?" : $0
        }))
        return "\"\(text)\(bytes.count > 40 ? "…" : "")\""
    }
}
