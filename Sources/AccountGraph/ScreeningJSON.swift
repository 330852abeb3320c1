import Signals

extension Screening {
    /// The replay contract's output line: `{"id","at","risk","decision","bannedMatch","evidence":[…]}`
    /// plus `bannedActor` and `actor`. `atJSON` is the event's `at` exactly as it was written
    /// (a number or a string), so output lines join back to input lines; when nil, `at` is written
    /// as milliseconds since 1970.
    public func json(atJSON: String? = nil) -> String {
        var out = "{\"id\":" + JSONString.quote(accountID)
        out += ",\"at\":" + (atJSON ?? String(at))
        out += ",\"risk\":" + Self.number(risk)
        out += ",\"decision\":\"" + decision.rawValue + "\""
        out += ",\"bannedMatch\":" + (bannedMatch.map(JSONString.quote) ?? "null")
        out += ",\"bannedActor\":" + (bannedActor.map(JSONString.quote) ?? "null")
        out += ",\"actor\":" + (actor.map(JSONString.quote) ?? "null")
        out += ",\"signup\":" + (isSignup ? "true" : "false")
        out += ",\"evidence\":["
        for (n, item) in evidence.enumerated() {
            if n > 0 { out += "," }
            out += item.json
        }
        return out + "]}"
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let thousandths = Int((value * 1_000).rounded())
        let whole = thousandths / 1_000, fraction = thousandths % 1_000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}

extension Evidence {
    /// `{"kind","value","account","weight","detail"}`; every string escaped (values come from
    /// hostile profiles and end up in a reviewer's browser).
    public var json: String {
        "{\"kind\":" + JSONString.quote(kind) + ",\"value\":" + JSONString.quote(value)
            + ",\"account\":" + (account.map(JSONString.quote) ?? "null")
            + ",\"weight\":" + Screening.number(weight) + ",\"detail\":" + JSONString.quote(detail) + "}"
    }
}
