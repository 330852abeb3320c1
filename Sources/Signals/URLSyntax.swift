import DomainNames

/// Finds where a URL or bare domain starts and ends in normalised text. It decides only the
/// shape; ``CanonicalURL`` decides the meaning.
enum URLSyntax {
    struct Candidate {
        var start: Int
        var end: Int
        var scheme: Range<Int>?
        var host: Range<Int>
        var port: Range<Int>?
        /// From the first "/", "?" or "#" after the host to the end.
        var path: Range<Int>?
    }

    /// Top-level domains that are also common file extensions: a bare "notes.zip" or "setup.py"
    /// with no scheme, path or "www." is taken as a file name, not a link.
    static let fileLikeTLDs: Set<String> = ["zip", "mov", "py", "md", "sh", "pl", "rs", "ps", "cs", "so", "exe", "sql", "json", "jpg", "png", "gif", "pdf", "txt", "csv", "doc"]

    /// Longest host and URL considered; anything longer is cut off (hostile input stays bounded).
    static let maximumHostLength = 253
    static let maximumURLLength = 4096

    @inline(__always) static func isHostByte(_ b: UInt8) -> Bool {
        ASCII.isAlnum(b) || b == 0x2D || b == 0x2E || b == 0x5F || b >= 0x80
    }

    /// A byte that ends a URL's path: whitespace, quotes, angle brackets and a few others that
    /// RFC 3986 does not allow unescaped.
    @inline(__always) static func endsPath(_ b: UInt8) -> Bool {
        b <= 0x20 || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x60 || b == 0x7B || b == 0x7D || b == 0x7C
            || b == 0x5C || b == 0x5E || b == 0x7F
    }

    /// The URL starting at `i` (a word start), or nil. With `requireKnownTLD` (prose), a bare
    /// host must end in a top-level domain the Public Suffix List knows.
    static func scan(_ b: [UInt8], at i: Int, requireKnownTLD: Bool = true, emailDomain: Bool = false) -> Candidate? {
        let n = b.count
        var hostStart = i
        var scheme: Range<Int>? = nil
        // scheme://
        var j = i
        while j < n, j - i <= 10, ASCII.isAlnum(b[j]) || b[j] == 0x2B || b[j] == 0x2D || b[j] == 0x2E { j += 1 }
        if j > i, j - i >= 2, j + 2 < n, b[j] == 0x3A, b[j + 1] == 0x2F, b[j + 2] == 0x2F, ASCII.isAlpha(b[i]) {
            scheme = i..<j
            hostStart = j + 3
        }
        // host: letters, digits, "-", ".", "_", non-ASCII letters (an emoji ends it).
        var h = hostStart
        while h < n, h - hostStart < maximumHostLength, isHostByte(b[h]) {
            if b[h] >= 0x80 {
                let (scalar, width) = decodeScalar(b, at: h)
                guard let scalar, scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                        || scalar.properties.generalCategory == .nonspacingMark else { break }
                h += width
            } else {
                h += 1
            }
        }
        var hostEnd = h
        while hostEnd > hostStart, b[hostEnd - 1] == 0x2E || b[hostEnd - 1] == 0x2D { hostEnd -= 1 }
        guard hostEnd > hostStart else { return nil }
        let host = hostStart..<hostEnd
        var end = hostEnd
        // A trailing "." of the host (the root label) counts only when a port or path follows:
        // "t.me." ends a sentence, "example.com.:443/x" is a fully qualified name.
        if hostEnd < h, h < n, b[h] == 0x2F || b[h] == 0x3A, b[hostEnd..<h].allSatisfy({ $0 == 0x2E }) { end = h }
        if scheme == nil {
            // "name@host" is an e-mail address, handled elsewhere.
            if end < n, b[end] == 0x40 { return nil }
            if i > 0, b[i - 1] == 0x40, !emailDomain { return nil }
        }
        // Shape of the host: at least one dot (except tg://resolve), labels of at most 63.
        var dots = 0
        var lastDot = -1
        var labelLength = 0
        for k in host {
            if b[k] == 0x2E {
                if labelLength == 0 { return nil }
                dots += 1
                lastDot = k
                labelLength = 0
            } else {
                labelLength += 1
                if labelLength > 63 { return nil }
            }
        }
        let isTelegramScheme = scheme.map { ASCII.lowercased(b[$0]) == "tg" } ?? false
        if dots == 0 && !isTelegramScheme { return nil }
        // :port
        var port: Range<Int>? = nil
        if end + 1 < n, b[end] == 0x3A, ASCII.isDigit(b[end + 1]) {
            var p = end + 1
            while p < n, ASCII.isDigit(b[p]), p - end <= 5 { p += 1 }
            if p >= n || b[p] == 0x2F || endsPath(b[p]) || b[p] == 0x3F {
                port = (end + 1)..<p
                end = p
            }
        }
        // path, query, fragment
        var path: Range<Int>? = nil
        if end < n, b[end] == 0x2F || b[end] == 0x3F || b[end] == 0x23 {
            var p = end
            while p < n, p - i < maximumURLLength, !endsPath(b[p]) {
                if b[p] >= 0x80 {
                    let (scalar, width) = decodeScalar(b, at: p)
                    guard let scalar, scalar.properties.isAlphabetic || scalar.properties.numericType != nil else { break }
                    p += width
                } else {
                    p += 1
                }
            }
            p = trimTrailingPunctuation(b, from: end, to: p)
            if p > end + 1 || (p == end + 1 && b[end] == 0x2F) {
                path = end..<p
                end = p
            }
        }
        if !isTelegramScheme {
            let tld = ASCII.lowercased(b[(lastDot + 1)..<hostEnd])
            let hostIsIPv4 = isIPv4(b, host)
            if hostIsIPv4 {
                if scheme == nil && path == nil { return nil }
            } else if requireKnownTLD && scheme == nil {
                let tldKnown: Bool
                if tld.utf8.contains(where: { $0 >= 0x80 }) {
                    tldKnown = IDNA.toASCII(Substring(tld.lowercased())).map { PublicSuffixList.shared.hasKnownTLD(Substring($0)) } ?? false
                } else {
                    tldKnown = PublicSuffixList.shared.hasKnownTLD(Substring(tld))
                }
                guard tldKnown else { return nil }
                if path == nil, !ASCII.hasPrefix(b, at: hostStart, "www.") {
                    // "setup.py", "notes.zip": a file name. "end.Next": a missing space after a full
                    // stop (a capital after the dot in an otherwise lower-case word).
                    if fileLikeTLDs.contains(tld) { return nil }
                    let tldFirst = b[lastDot + 1]
                    if tldFirst >= 0x41 && tldFirst <= 0x5A, b[host].contains(where: { $0 >= 0x61 && $0 <= 0x7A }) { return nil }
                }
            }
        }
        return Candidate(start: i, end: end, scheme: scheme, host: host, port: port, path: path)
    }

    /// Drops sentence punctuation after a URL: "see t.me/name." and "(t.me/name)". A ")" stays
    /// when the path opened one.
    static func trimTrailingPunctuation(_ b: [UInt8], from start: Int, to end: Int) -> Int {
        var e = end
        while e > start {
            let last = b[e - 1]
            if last == 0x2E || last == 0x2C || last == 0x3B || last == 0x3A || last == 0x21 || last == 0x3F
                || last == 0x27 || last == 0x2A || last == 0x5D {
                e -= 1
            } else if last == 0x29 {
                let opens = b[start..<e].filter { $0 == 0x28 }.count
                let closes = b[start..<e].filter { $0 == 0x29 }.count
                if closes > opens { e -= 1 } else { break }
            } else {
                break
            }
        }
        return e
    }

    static func isIPv4(_ b: [UInt8], _ host: Range<Int>) -> Bool {
        var parts = 0, digits = 0, value = 0
        for k in host {
            if b[k] == 0x2E {
                guard digits > 0, value <= 255 else { return false }
                parts += 1; digits = 0; value = 0
            } else if ASCII.isDigit(b[k]) {
                digits += 1; value = value * 10 + Int(b[k] - 0x30)
                if digits > 3 { return false }
            } else {
                return false
            }
        }
        return parts == 3 && digits > 0 && value <= 255
    }

    /// Decodes the scalar whose first byte is at `i` (the view is valid UTF-8).
    static func decodeScalar(_ b: [UInt8], at i: Int) -> (Unicode.Scalar?, Int) {
        let lead = b[i]
        let width = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        guard i + width <= b.count else { return (nil, 1) }
        var value: UInt32
        switch width {
        case 1: value = UInt32(lead)
        case 2: value = UInt32(lead & 0x1F)
        case 3: value = UInt32(lead & 0x0F)
        default: value = UInt32(lead & 0x07)
        }
        for k in 1..<width { value = value << 6 | UInt32(b[i + k] & 0x3F) }
        return (Unicode.Scalar(value), width)
    }
}
