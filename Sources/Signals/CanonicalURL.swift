import DomainNames

/// A URL reduced to one canonical form, so that the same page written two ways (scheme or none,
/// `WWW.Example.COM.`, `:443`, `?utm_source=…`, a trailing slash, `t.me` or `telegram.dog`) is
/// one value, and so that list entries written by hand compare equal to what posts contain.
///
/// Rules: scheme lower case (`https` when none was written); host lower case, IDNA (punycode),
/// trailing dot removed; default port removed; path with percent-escapes normalised (unreserved
/// characters decoded, others upper-case hex), dot segments resolved, trailing slash removed
/// (the root stays `/`); tracking parameters (`utm_*`, `fbclid`, `gclid`, …) removed from the
/// query; fragment removed. Services with their own identity rules are rewritten to one host:
/// Telegram names (case-insensitive) and invites (case-sensitive) to `https://t.me/…`, Discord
/// invites to `https://discord.gg/…`, WhatsApp numbers to `https://wa.me/…`.
public struct CanonicalURL: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String
    /// Lower-case ASCII host (punycode for international names).
    public var host: String
    public var port: Int?
    /// "/" for the root, else "/a/b" without a trailing slash.
    public var path: String
    /// Without the "?"; nil when empty after tracking parameters are removed.
    public var query: String?
    /// Kept only where a service puts the identity in it (signal.me, matrix.to).
    public var fragment: String?
    /// A service-level identity: `telegram:name`, `whatsapp:15551234567` (a handle, for lists of handles).
    public var handle: String?
    /// True for invite links (Telegram, Discord, WhatsApp groups, Signal groups).
    public var isInvite: Bool = false
    /// The host is a link shortener: the destination is unknown and is never fetched.
    public var isShortener: Bool = false
    /// The host is a known off-platform service (messenger, file host, link hub) or shortener.
    public var isOffPlatform: Bool = false
    /// The registrable domain of the host (Public Suffix List), when it has one.
    public var registrableDomain: String?

    public var description: String { string }

    /// The canonical text.
    public var string: String { scheme + "://" + withoutScheme }

    /// Host, port, path, query (and kept fragment): the form list lookups use, since a listed
    /// page is the same page over http and https.
    public var withoutScheme: String {
        var s = host
        if let port { s += ":\(port)" }
        s += path
        if let query { s += "?" + query }
        if let fragment { s += "#" + fragment }
        return s
    }

    /// Parses one URL as written in a list entry or API call (scheme optional). De-fanged forms
    /// (`hxxps://bad[.]example`) are accepted too.
    public static func parse(_ text: String) -> CanonicalURL? {
        let view = Normalizer.defang(Normalizer.unicode(text.trimmingASCIIWhitespace()))
        var bytes = view.bytes
        // A list line is one URL: stop at the first space.
        if let space = bytes.firstIndex(of: 0x20) { bytes.removeSubrange(space...) }
        guard let candidate = URLSyntax.scan(bytes, at: 0, requireKnownTLD: false), candidate.end == bytes.count else {
            return nil
        }
        return canonicalize(candidate, bytes)
    }

    // MARK: - Canonicalisation

    static let trackingParameters: Set<String> = [
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "igsh", "mc_cid", "mc_eid",
        "_ga", "_gl", "si", "ref_src", "ref_url", "s_cid", "mkt_tok", "vero_id", "twclid", "ttclid", "li_fat_id",
        "epik", "_hsenc", "_hsmi", "oly_anon_id", "oly_enc_id", "rb_clickid", "spm", "share_id",
    ]

    /// Builds the canonical form of a candidate found by ``URLSyntax``; nil when the host is not
    /// a valid name.
    static func canonicalize(_ c: URLSyntax.Candidate, _ b: [UInt8]) -> CanonicalURL? {
        let scheme = c.scheme.map { ASCII.lowercased(b[$0]) } ?? "https"
        var hostText = String(decoding: b[c.host], as: UTF8.self)
        if hostText.utf8.contains(where: { $0 >= 0x80 }) { hostText = hostText.lowercased() }
        guard var host = IDNA.toASCII(Substring(hostText)) else { return nil }
        while host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return nil }
        var port = c.port.flatMap { Int(String(decoding: b[$0], as: UTF8.self)) }
        if port == 80 && scheme == "http" || port == 443 && scheme == "https" { port = nil }
        if let p = port, !(1...65535).contains(p) { return nil }

        var rawPath = c.path.map { Array(b[$0]) } ?? []
        var rawQuery: [UInt8]? = nil
        var rawFragment: [UInt8]? = nil
        if let hash = rawPath.firstIndex(of: 0x23) {
            rawFragment = Array(rawPath[(hash + 1)...])
            rawPath.removeSubrange(hash...)
        }
        if let question = rawPath.firstIndex(of: 0x3F) {
            rawQuery = Array(rawPath[(question + 1)...])
            rawPath.removeSubrange(question...)
        }
        let path = normalizePath(rawPath)
        let query = rawQuery.flatMap(normalizeQuery)

        let registrable = PublicSuffixList.shared.registrableDomain(of: Substring(host)).map(String.init)
        var url = CanonicalURL(scheme: scheme, host: host, port: port, path: path, query: query, fragment: nil,
                               handle: nil, registrableDomain: registrable)
        url.isShortener = Services.shorteners.contains(host) || registrable.map(Services.shorteners.contains) == true
        url.isOffPlatform = Services.isKnown(host: host, registrable: registrable)
        applyServiceRules(&url, fragment: rawFragment.map { String(decoding: $0, as: UTF8.self) })
        return url
    }

    /// Percent-escapes normalised, dot segments resolved, trailing slash removed.
    static func normalizePath(_ raw: [UInt8]) -> String {
        let decoded = normalizeEscapes(raw)
        var segments: [Substring] = []
        for segment in decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if segment == "." { continue }
            if segment == ".." { if !segments.isEmpty { segments.removeLast() }; continue }
            segments.append(segment)
        }
        while let last = segments.last, last.isEmpty { segments.removeLast() }
        return segments.isEmpty ? "/" : "/" + segments.joined(separator: "/")
    }

    /// Decodes escapes of unreserved characters, upper-cases the hex of the others, escapes bytes
    /// that may not appear in a URL (non-ASCII, spaces, quotes).
    static func normalizeEscapes(_ raw: [UInt8]) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let byte = raw[i]
            if byte == 0x25, i + 2 < raw.count, Hex.isHex(raw[i + 1]), Hex.isHex(raw[i + 2]) {
                let value = hexValue(raw[i + 1]) << 4 | hexValue(raw[i + 2])
                if ASCII.isAlnum(value) || value == 0x2D || value == 0x2E || value == 0x5F || value == 0x7E {
                    out.append(value)
                } else {
                    out.append(0x25)
                    out.append(ASCII.lower(raw[i + 1]) >= 0x61 ? raw[i + 1] & ~0x20 : raw[i + 1])
                    out.append(ASCII.lower(raw[i + 2]) >= 0x61 ? raw[i + 2] & ~0x20 : raw[i + 2])
                }
                i += 3
                continue
            }
            if byte >= 0x80 || byte <= 0x20 || byte == 0x22 || byte == 0x3C || byte == 0x3E || byte == 0x60 || byte == 0x25 {
                out.append(0x25)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 15)])
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) private static func hexValue(_ b: UInt8) -> UInt8 {
        ASCII.isDigit(b) ? b - 0x30 : (b | 0x20) - 0x61 + 10
    }

    static func normalizeQuery(_ raw: [UInt8]) -> String? {
        let text = normalizeEscapes(raw)
        let kept = text.split(separator: "&").filter { pair in
            let key = pair.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            return !key.isEmpty && !key.hasPrefix("utm_") && !trackingParameters.contains(key)
        }
        return kept.isEmpty ? nil : kept.joined(separator: "&")
    }

    // MARK: - Services

    private static func applyServiceRules(_ url: inout CanonicalURL, fragment: String?) {
        let segments = url.path.split(separator: "/").map(String.init)
        let host = url.host
        func set(host newHost: String, path: String, query: String? = nil) {
            url.scheme = "https"
            url.host = newHost
            url.port = nil
            url.path = path
            url.query = query
            url.registrableDomain = newHost
        }
        if url.scheme == "tg" {
            // tg://resolve?domain=name, tg://join?invite=CODE
            let params = queryParameters(url.query)
            if host == "resolve", let name = params["domain"]?.lowercased(), Services.isPlausibleName(name, platform: "telegram") {
                set(host: "t.me", path: "/" + name)
                url.handle = "telegram:" + name
            } else if host == "join", let code = params["invite"], !code.isEmpty {
                set(host: "t.me", path: "/+" + code)
                url.isInvite = true
            } else {
                return
            }
            url.isOffPlatform = true
            return
        }
        if Services.telegramHosts.contains(host) || (host.hasSuffix(".t.me") && segments.isEmpty) {
            url.isOffPlatform = true
            if host.hasSuffix(".t.me"), !Services.telegramHosts.contains(host) {
                // name.t.me
                let name = String(host.dropLast(5)).lowercased()
                guard Services.isPlausibleName(name, platform: "telegram") else { return }
                set(host: "t.me", path: "/" + name)
                url.handle = "telegram:" + name
                return
            }
            guard var first = segments.first else { set(host: "t.me", path: "/"); return }
            if first.hasPrefix("+") || first.hasPrefix("%2B") {
                let code = first.hasPrefix("+") ? String(first.dropFirst()) : String(first.dropFirst(3))
                if code.allSatisfy({ $0.isASCII && ($0.isNumber) }) && code.count >= 7 {
                    // t.me/+15551234567 is a phone number, not an invite.
                    set(host: "t.me", path: "/+" + code)
                    url.handle = "telegram:+" + code
                    return
                }
                set(host: "t.me", path: "/+" + code)
                url.isInvite = true
                return
            }
            if first.lowercased() == "joinchat", segments.count >= 2 {
                set(host: "t.me", path: "/+" + segments[1])
                url.isInvite = true
                return
            }
            var rest = Array(segments.dropFirst())
            if first.lowercased() == "s", let name = rest.first {
                first = name
                rest.removeFirst()
            }
            let name = first.lowercased()
            guard !Services.telegramReserved.contains(name), Services.isPlausibleName(name, platform: "telegram") else {
                set(host: "t.me", path: url.path, query: url.query)
                return
            }
            set(host: "t.me", path: "/" + ([name] + rest).joined(separator: "/"))
            url.handle = "telegram:" + name
            return
        }
        switch url.registrableDomain ?? host {
        case "discord.gg":
            if let code = segments.first { set(host: "discord.gg", path: "/" + code); url.isInvite = true }
        case "discord.com", "discordapp.com":
            if segments.count >= 2, segments[0].lowercased() == "invite" {
                set(host: "discord.gg", path: "/" + segments[1])
                url.isInvite = true
            }
        case "whatsapp.com":
            if host == "chat.whatsapp.com", let code = segments.last {
                set(host: "chat.whatsapp.com", path: "/" + code)
                url.isInvite = true
            } else if segments.first?.lowercased() == "send" || host == "api.whatsapp.com" {
                let phone = queryParameters(url.query)["phone"].map(digitsOnly) ?? ""
                if phone.count >= 8 { set(host: "wa.me", path: "/" + phone); url.handle = "whatsapp:" + phone }
            }
        case "wa.me":
            if let number = segments.first.map(digitsOnly), number.count >= 8 {
                set(host: "wa.me", path: "/" + number)
                url.handle = "whatsapp:" + number
            }
        case "signal.group":
            url.fragment = fragment
            url.isInvite = true
        case "signal.me", "matrix.to":
            url.fragment = fragment
        case "instagram.com":
            if let name = segments.first?.lowercased(), segments.count == 1, Services.isPlausibleName(name, platform: "instagram"),
               !["p", "reel", "explore", "stories", "accounts"].contains(name) {
                set(host: "instagram.com", path: "/" + name)
                url.handle = "instagram:" + name
            }
        case "snapchat.com":
            if segments.count >= 2, segments[0].lowercased() == "add" {
                let name = segments[1].lowercased()
                set(host: "snapchat.com", path: "/add/" + name)
                url.handle = "snapchat:" + name
            }
        case "kik.me":
            if let name = segments.first?.lowercased() { set(host: "kik.me", path: "/" + name); url.handle = "kik:" + name }
        case "tiktok.com":
            if let first = segments.first, first.hasPrefix("@"), segments.count == 1 {
                let name = String(first.dropFirst()).lowercased()
                set(host: "tiktok.com", path: "/@" + name)
                url.handle = "tiktok:" + name
            }
        default:
            break
        }
    }

    static func queryParameters(_ query: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { result[parts[0].lowercased()] = String(parts[1]) }
        }
        return result
    }

    static func digitsOnly(_ text: String) -> String { String(text.filter { $0.isASCII && $0.isNumber }) }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let utf8 = Array(self.utf8)
        var start = 0, end = utf8.count
        while start < end, ASCII.isSpace(utf8[start]) { start += 1 }
        while end > start, ASCII.isSpace(utf8[end - 1]) { end -= 1 }
        return start == 0 && end == utf8.count ? self : String(decoding: utf8[start..<end], as: UTF8.self)
    }
}
