extension TextScanner.Result {
    /// The result as one JSON object: the contract of `bulwark text scan` and `POST /v1/text/scan`.
    ///
    ///     {"id", "urls":[canonical], "handles":["platform:name"], "wallets":[…], "emails":[…],
    ///      "phones":[…], "invites":[…], "shortened":[…],
    ///      "matches":[{"type","value","bank","target","start","end"}],
    ///      "hits":[{"kind","category","weight","label","start","end"}], "score", "band"}
    ///
    /// `matches[].value` is the list entry exactly as the list wrote it; `start`/`end` are UTF-8
    /// byte offsets of the original text. `idJSON` is the caller's id, already JSON (string or
    /// number), or nil for none.
    public func json(idJSON: String?) -> String {
        var out = "{"
        if let idJSON { out += "\"id\":" + idJSON + "," }
        func list(_ name: String, _ values: [String]) {
            out += "\"" + name + "\":["
            out += values.map(JSONString.quote).joined(separator: ",")
            out += "],"
        }
        list("urls", urls)
        list("handles", handles)
        list("wallets", wallets)
        list("emails", emails)
        list("phones", phones)
        list("invites", invites)
        list("shortened", shortened)
        out += "\"matches\":["
        out += matches.map { m in
            "{\"type\":\(JSONString.quote(m.entry.type.rawValue)),\"value\":\(JSONString.quote(m.entry.value)),"
                + "\"bank\":\(JSONString.quote(m.bank.name)),\"target\":\(JSONString.quote(m.target)),"
                + "\"start\":\(m.span.lowerBound),\"end\":\(m.span.upperBound)}"
        }.joined(separator: ",")
        out += "],\"hits\":["
        out += hits.map { h in
            "{\"kind\":\(JSONString.quote(h.kind)),\"category\":\(JSONString.quote(h.category)),\"weight\":\(JSONString.number(h.weight)),"
                + "\"label\":\(JSONString.quote(h.label)),\"start\":\(h.span.lowerBound),\"end\":\(h.span.upperBound)}"
        }.joined(separator: ",")
        out += "],\"score\":\(JSONString.number(score)),\"band\":\(JSONString.quote(band.rawValue))"
        if truncated { out += ",\"truncated\":true" }
        out += "}"
        return out
    }
}

/// Minimal JSON text helpers for the hot path (no Foundation encoder per post).
public enum JSONString {
    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped, and
    /// U+2028/U+2029 too, so hostile text cannot break a line-per-record format or a script that
    /// embeds the JSON. Other characters pass through as UTF-8. Safe to embed in HTML only after
    /// HTML escaping.
    public static func quote(_ s: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        let utf8 = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 2)
        out.append(0x22)
        var i = 0
        while i < utf8.count {
            let b = utf8[i]
            i += 1
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20, 0x7F:
                out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            case 0xE2 where i + 1 < utf8.count && utf8[i] == 0x80 && (utf8[i + 1] == 0xA8 || utf8[i + 1] == 0xA9):
                // U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR.
                out += [0x5C, 0x75, 0x32, 0x30, 0x32, utf8[i + 1] == 0xA8 ? 0x38 : 0x39]
                i += 2
            default: out.append(b)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// A number with at most three decimals ("0.35", "1", "0.125").
    public static func number(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        let whole = thousandths / 1000, fraction = abs(thousandths % 1000)
        if fraction == 0 { return String(whole) }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return (thousandths < 0 && whole == 0 ? "-" : "") + "\(whole).\(digits)"
    }
}
