/// Host names between their Unicode form (what people type and read) and the canonical ASCII
/// form (what DNS, the Public Suffix List and block lists use).
///
/// This is deliberately a small subset of UTS #46 "nontransitional" processing, the mode browsers
/// use, chosen so that a host Bulwark extracts canonicalizes to the name a browser would visit:
///
/// - The caller has already applied NFKC and case folding (the text pipeline does that once per
///   post), so no normalization tables are needed here. ASCII is lower-cased here anyway, and so
///   is any non-ASCII scalar that still changes when lower-cased (per-scalar Unicode lower-case
///   mapping, so "BÜCHER" works without the caller's help). Lower-casing rather than case
///   folding keeps "ß" and final "ς" as they are, which is what nontransitional UTS #46 does.
/// - The code points UTS #46 marks "ignored" (soft hyphen, zero-width space, word joiner,
///   variation selectors, BOM, ...) are removed, so "pay\u{AD}pal.com" is "paypal.com", as in a
///   browser's address bar. Zero-width joiner and non-joiner are kept only directly after a
///   virama (the first CONTEXTJ rule of RFC 5892); elsewhere they make the host invalid.
/// - Besides ".", the ideographic full stop U+3002 and its full-width and half-width forms
///   separate labels.
/// - Rejected: controls, format characters, private-use, unassigned and noncharacter code points,
///   surrogates, white space, U+FFFD, a label starting with a combining mark, and ASCII other than
///   letters, digits, "-" and "_". Underscores are allowed because real hosts use them
///   ("_dmarc", "my_host.example"); hyphens are not position-checked (UTS #46 CheckHyphens=false,
///   as in browsers), so "-a-.example" is accepted.
/// - Not implemented: the RFC 5893 Bidi rule, the remaining CONTEXTJ/CONTEXTO rules, and the full
///   IDNA2008 code point table (symbols and emoji are accepted, as browsers do).
///
/// Labels that already start with "xn--" must be valid A-labels: they must decode, decode to
/// something non-ASCII that passes the checks above unchanged, and re-encode to themselves.
public enum IDNA {
    /// The longest label DNS allows, in octets.
    static let maxLabelLength = 63
    /// The longest host name, in octets, without a trailing dot.
    static let maxHostLength = 253

    /// Converts a host to its canonical ASCII form: lower-case, one trailing dot removed, every
    /// non-ASCII label replaced by "xn--" + Punycode. Returns nil when the result would not be a
    /// valid host name: an empty label (leading dot, "a..b"), a label over 63 octets, a host over
    /// 253 octets, or a character that is not allowed (see the type's documentation).
    ///
    /// All-ASCII input (almost every host) takes a single pass over its bytes with one allocation
    /// for the result; input is rejected as soon as it is known to be too long, so hostile input
    /// costs time proportional to the prefix that is looked at.
    public static func toASCII(_ host: Substring) -> String? {
        let fast: FastPath
        if let result = host.utf8.withContiguousStorageIfAvailable({ asciiFastPath($0) }) {
            fast = result
        } else {
            var copy = String(host)
            fast = copy.withUTF8 { asciiFastPath($0) }
        }
        switch fast {
        case .done(let ascii): return ascii
        case .invalid: return nil
        case .hasNonASCII: return unicodeToASCII(host)
        }
    }

    /// Best-effort conversion to the Unicode form, for display: ASCII letters are lower-cased and
    /// every label that is a valid A-label (see the type's documentation) is decoded. Anything
    /// else, including invalid "xn--" labels, empty labels and non-ASCII input, is left as it is,
    /// so the result never contains a decoded label that `toASCII` would reject.
    public static func toUnicode(_ host: Substring) -> String {
        var result = ""
        result.reserveCapacity(host.utf8.count)
        var labelStart = host.startIndex
        var index = host.startIndex
        while true {
            let atEnd = index == host.endIndex
            if atEnd || host.utf8[index] == dot {
                let label = String(lowercasingASCII: host[labelStart..<index])
                if let decoded = decodeALabel(label[...]) {
                    result.unicodeScalars.append(contentsOf: decoded)
                } else {
                    result += label
                }
                if atEnd { break }
                result += "."
                index = host.utf8.index(after: index)
                labelStart = index
            } else {
                index = host.utf8.index(after: index)
            }
        }
        return result
    }

    // MARK: - ASCII fast path

    private enum FastPath {
        case done(String)
        case invalid
        case hasNonASCII
    }

    static let dot: UInt8 = 0x2E

    /// Validates and lower-cases an all-ASCII host in one pass, or reports that the host contains
    /// non-ASCII bytes. Every failure found here is final even for mixed input: ASCII characters
    /// reach the output unchanged (apart from case), so a bad ASCII character, an empty label or
    /// 64 ASCII characters in a row make any host invalid, and 255 ASCII bytes make it too long.
    private static func asciiFastPath(_ p: UnsafeBufferPointer<UInt8>) -> FastPath {
        var labelStart = 0
        var hasUpper = false
        var hasALabel = false
        for i in 0..<p.count {
            let c = p[i]
            if c >= 0x80 { return .hasNonASCII }
            if i > maxHostLength { return .invalid }
            if c == dot {
                if i == labelStart { return .invalid }
                labelStart = i + 1
                continue
            }
            if i - labelStart >= maxLabelLength { return .invalid }
            if i == labelStart && p.count - i >= 4 && hasACEPrefix(p[i], p[i + 1], p[i + 2], p[i + 3]) {
                hasALabel = true
            }
            switch asciiClass[Int(c)] {
            case .allowed: break
            case .upper: hasUpper = true
            case .disallowed: return .invalid
            }
        }
        var end = p.count
        if end > 0 && p[end - 1] == dot { end -= 1 }
        guard end > 0, end <= maxHostLength else { return .invalid }

        let ascii: String
        if hasUpper || end < p.count {
            ascii = String(unsafeUninitializedCapacity: end) { buffer in
                for i in 0..<end { buffer[i] = lowerASCII(p[i]) }
                return end
            }
        } else {
            ascii = String(decoding: p, as: UTF8.self)
        }
        if hasALabel {
            for label in ascii.utf8.split(separator: dot) {
                let label = Substring(label)
                if hasACEPrefix(label) && decodeALabel(label) == nil { return .invalid }
            }
        }
        return .done(ascii)
    }

    private enum ASCIIClass { case allowed, upper, disallowed }

    /// Letters, digits, "-" and "_" are allowed; everything else in ASCII (including ".", which
    /// callers handle first) is not.
    private static let asciiClass: [ASCIIClass] = (0..<128).map { (c: Int) -> ASCIIClass in
        switch c {
        case 0x61...0x7A, 0x30...0x39, 0x2D, 0x5F: return .allowed
        case 0x41...0x5A: return .upper
        default: return .disallowed
        }
    }

    @inline(__always)
    static func lowerASCII(_ c: UInt8) -> UInt8 {
        c &- 0x41 < 26 ? c | 0x20 : c
    }

    @inline(__always)
    private static func hasACEPrefix(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Bool {
        a | 0x20 == 0x78 && b | 0x20 == 0x6E && c == 0x2D && d == 0x2D
    }

    private static func hasACEPrefix(_ label: Substring) -> Bool {
        var it = label.utf8.makeIterator()
        guard let a = it.next(), let b = it.next(), let c = it.next(), let d = it.next() else { return false }
        return hasACEPrefix(a, b, c, d)
    }

    // MARK: - Unicode path

    /// The general path for hosts with non-ASCII scalars: map each label's scalars (lower-case,
    /// drop ignored code points), validate it, and encode it if it is not all ASCII.
    private static func unicodeToASCII(_ host: Substring) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(min(host.utf8.count, maxHostLength) + 8)
        var label: [Unicode.Scalar] = []
        label.reserveCapacity(maxLabelLength + 1)
        var labelCount = 0
        var endsWithSeparator = false

        func finishLabel() -> Bool {
            guard let bytes = asciiLabel(label) else { return false }
            if labelCount > 0 { output.append(dot) }
            output.append(contentsOf: bytes)
            labelCount += 1
            label.removeAll(keepingCapacity: true)
            return output.count <= maxHostLength
        }

        for scalar in host.unicodeScalars {
            if isLabelSeparator(scalar) {
                guard finishLabel() else { return nil }
                endsWithSeparator = true
                continue
            }
            endsWithSeparator = false
            if scalar.isASCII {
                label.append(Unicode.Scalar(lowerASCII(UInt8(truncatingIfNeeded: scalar.value))))
            } else if isIgnored(scalar) {
                continue
            } else if scalar.properties.changesWhenLowercased {
                label.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                label.append(scalar)
            }
            // Every scalar kept produces at least one output octet, so this bounds the work
            // done for hostile input before Punycode (which is not linear) ever runs.
            if label.count > maxLabelLength { return nil }
        }
        if !endsWithSeparator {
            guard finishLabel() else { return nil }
        }
        guard labelCount > 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// The ASCII form of one mapped label, or nil if the label is invalid.
    private static func asciiLabel(_ label: [Unicode.Scalar]) -> [UInt8]? {
        guard !label.isEmpty, label.count <= maxLabelLength else { return nil }
        if label.allSatisfy(\.isASCII) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(label.count)
            for scalar in label {
                let c = UInt8(truncatingIfNeeded: scalar.value)
                guard asciiClass[Int(c)] == .allowed else { return nil }
                bytes.append(c)
            }
            if bytes.count >= 4 && hasACEPrefix(bytes[0], bytes[1], bytes[2], bytes[3]) {
                guard decodeALabel(Substring(decoding: bytes, as: UTF8.self)) != nil else { return nil }
            }
            return bytes
        }
        guard isValidUnicodeLabel(label) else { return nil }
        // A label that looks like an A-label but is not ASCII is malformed.
        if label.count >= 4 && label[2] == "-" && label[3] == "-" && label[0] == "x" && label[1] == "n" {
            return nil
        }
        var bytes = Array("xn--".utf8)
        guard Punycode.encode(label, into: &bytes), bytes.count <= maxLabelLength else { return nil }
        return bytes
    }

    /// Checks a mapped label that contains non-ASCII scalars.
    private static func isValidUnicodeLabel(_ label: [Unicode.Scalar]) -> Bool {
        guard let first = label.first else { return false }
        switch first.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return false
        default: break
        }
        var previous: Unicode.Scalar?
        for scalar in label {
            if scalar.isASCII {
                guard asciiClass[Int(scalar.value)] == .allowed else { return false }
            } else if !isAllowedNonASCII(scalar, after: previous) {
                return false
            }
            previous = scalar
        }
        return true
    }

    private static func isAllowedNonASCII(_ scalar: Unicode.Scalar, after previous: Unicode.Scalar?) -> Bool {
        switch scalar.value {
        case 0x200C, 0x200D:  // ZWNJ, ZWJ: only after a virama (RFC 5892 Appendix A.1/A.2, first rule)
            return previous?.properties.canonicalCombiningClass == .virama
        case 0xFFFD:  // what invalid UTF-8 became; never part of a real host
            return false
        default:
            break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return false
        default:
            return true
        }
    }

    /// "." and the dots UTS #46 maps to it (ideographic, full-width, half-width ideographic).
    @inline(__always)
    private static func isLabelSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2E, 0x3002, 0xFF0E, 0xFF61: return true
        default: return false
        }
    }

    /// Code points with status "ignored" in the UTS #46 mapping table: invisible characters a
    /// browser deletes from a host name.
    private static func isIgnored(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00AD, 0x034F, 0x180B...0x180D, 0x180F, 0x200B, 0x2060, 0x2064,
             0xFE00...0xFE0F, 0xFEFF, 0x1BCA0...0x1BCA3, 0xE0100...0xE01EF:
            return true
        default:
            return false
        }
    }

    // MARK: - A-labels

    /// The Unicode scalars of a valid A-label, or nil if the label is not one. `label` must be
    /// lower-case. Valid: "xn--" + Punycode that decodes to at least one non-ASCII scalar, whose
    /// decoding passes the Unicode label checks with nothing left to map, and that re-encodes to
    /// exactly the same text (so each Unicode label has exactly one accepted ASCII spelling).
    static func decodeALabel(_ label: Substring) -> [Unicode.Scalar]? {
        guard label.utf8.count <= maxLabelLength, hasACEPrefix(label) else { return nil }
        let encoded = label.utf8.dropFirst(4)
        guard let scalars = Punycode.decodeScalars(encoded),
              scalars.contains(where: { !$0.isASCII }) else { return nil }
        let needsMapping = scalars.contains {
            isLabelSeparator($0) || isIgnored($0) || $0.properties.changesWhenLowercased
        }
        guard !needsMapping else { return nil }
        var again: [UInt8] = []
        guard isValidUnicodeLabel(scalars), Punycode.encode(scalars, into: &again),
              again.elementsEqual(encoded) else { return nil }
        return scalars
    }
}

extension String {
    /// A copy with ASCII letters lower-cased and everything else unchanged.
    init(lowercasingASCII text: Substring) {
        var bytes = Array(text.utf8)
        for i in bytes.indices { bytes[i] = IDNA.lowerASCII(bytes[i]) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
