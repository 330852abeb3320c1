import AccountGraph
import Foundation
import PDQ
import Signals

/// Why one line (or request body) is not an account event. The message names the field and what
/// was expected, never the value (a bio is attacker-controlled and an e-mail is personal data).
public struct EventProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An event as decoded, with its `at` exactly as written so an output line can echo it.
public struct DecodedEvent: Sendable, Hashable {
    public var event: AccountEvent
    /// The `at` token as it appeared (`1767225600`, `"2026-01-01T00:00:00Z"`), or the
    /// milliseconds used when it was missing.
    public var atJSON: String
}

/// Reads the replay contract's JSON objects (one per line, or one per API request):
///
/// ```json
/// {"event":"account","id":"a1","at":"2026-01-01T10:00:00Z","handle":"…","displayName":"…","bio":"…",
///  "avatarPdq":"<64 hex>","signals":{"email":"…","phone":"…","devices":["…"],"ips":["…"],"payments":["…"]}}
/// {"event":"ban","id":"a1","at":1767261600,"reason":"solicitation"}
/// ```
///
/// `at` is an ISO 8601 time, or a number of seconds since 1970 (milliseconds when it is above
/// 10^11, which no second count reaches before the year 5138). Every field but `event` and `id`
/// may be missing; a missing `at` takes the time of the event before it. Unknown fields are
/// ignored so platforms can send more than Bulwark reads.
public struct EventDecoder: Sendable {
    /// Lines and bodies longer than this are refused before parsing.
    public static let maximumBytes = 1 << 20
    public static let maximumIDBytes = 256
    public static let maximumTextBytes = 64 * 1024

    /// The time given to an event without `at`: the previous event's.
    public var lastAt: Milliseconds = 0

    public init() {}

    public mutating func decode(_ bytes: some Collection<UInt8>, defaultEvent: String? = nil) -> Result<DecodedEvent, EventProblem> {
        guard bytes.count <= Self.maximumBytes else { return .failure(EventProblem("longer than \(Self.maximumBytes) bytes")) }
        let data = Data(bytes)
        guard String(data: data, encoding: .utf8) != nil else { return .failure(EventProblem("not valid UTF-8")) }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            return .failure(EventProblem("not valid JSON"))
        }
        guard let fields = object as? [String: Any] else { return .failure(EventProblem("expected a JSON object")) }
        do {
            return .success(try decode(fields: fields, defaultEvent: defaultEvent))
        } catch let problem as EventProblem {
            return .failure(problem)
        } catch {
            return .failure(EventProblem("unreadable event"))
        }
    }

    mutating func decode(fields: [String: Any], defaultEvent: String?) throws -> DecodedEvent {
        let kind: String
        switch fields["event"] {
        case let value as String: kind = value
        case nil where defaultEvent != nil: kind = defaultEvent!
        case nil: throw EventProblem("\"event\" is missing (account, ban, unban, unlink or detach)")
        default: throw EventProblem("\"event\" must be a string")
        }
        let id = try Self.identifier(fields["id"], name: "id")
        let (at, atJSON) = try time(fields["at"])

        switch kind {
        case "account":
            var profile = AccountProfile(id: id, at: at)
            profile.handle = try Self.text(fields["handle"], name: "handle")
            profile.displayName = try Self.text(fields["displayName"], name: "displayName")
            profile.bio = try Self.text(fields["bio"], name: "bio")
            if let avatar = try Self.text(fields["avatarPdq"], name: "avatarPdq") {
                guard avatar.utf8.count == 64, let hash = PDQHash(avatar.lowercased()) else {
                    throw EventProblem("\"avatarPdq\" must be a PDQ hash: 64 hex digits")
                }
                profile.avatarPDQ = hash
            }
            switch fields["signals"] {
            case nil, is NSNull: break
            case let signals as [String: Any]:
                profile.signals.email = try Self.text(signals["email"], name: "signals.email")
                profile.signals.phone = try Self.text(signals["phone"], name: "signals.phone")
                profile.signals.devices = try Self.list(signals["devices"], name: "signals.devices")
                profile.signals.ips = try Self.list(signals["ips"], name: "signals.ips")
                profile.signals.payments = try Self.list(signals["payments"], name: "signals.payments")
            default: throw EventProblem("\"signals\" must be an object")
            }
            return DecodedEvent(event: .account(profile), atJSON: atJSON)
        case "ban":
            return DecodedEvent(event: .ban(id: id, at: at, reason: try Self.text(fields["reason"], name: "reason")), atJSON: atJSON)
        case "unban":
            return DecodedEvent(event: .unban(id: id, at: at), atJSON: atJSON)
        case "unlink":
            let other = try Self.identifier(fields["other"], name: "other")
            return DecodedEvent(event: .unlink(id: id, other: other, at: at), atJSON: atJSON)
        case "detach":
            return DecodedEvent(event: .detach(id: id, at: at), atJSON: atJSON)
        default:
            throw EventProblem("\"event\" must be account, ban, unban, unlink or detach")
        }
    }

    static func identifier(_ value: Any?, name: String) throws -> String {
        let id: String
        switch value {
        case let text as String: id = text
        case let number as NSNumber where !Self.isBoolean(number) && number.doubleValue == number.doubleValue.rounded():
            id = number.stringValue
        case nil, is NSNull: throw EventProblem("\"\(name)\" is missing")
        default: throw EventProblem("\"\(name)\" must be a string")
        }
        guard !id.isEmpty, id.utf8.count <= maximumIDBytes else {
            throw EventProblem("\"\(name)\" must be 1 to \(maximumIDBytes) bytes")
        }
        guard !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw EventProblem("\"\(name)\" must not contain control characters")
        }
        return id
    }

    static func text(_ value: Any?, name: String) throws -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String:
            guard text.utf8.count <= maximumTextBytes else { throw EventProblem("\"\(name)\" is longer than \(maximumTextBytes) bytes") }
            return text
        default: throw EventProblem("\"\(name)\" must be a string")
        }
    }

    static func list(_ value: Any?, name: String) throws -> [String] {
        switch value {
        case nil, is NSNull: return []
        case let text as String: return [try Self.text(text, name: name)!]
        case let items as [Any]:
            guard items.count <= 256 else { throw EventProblem("\"\(name)\" has more than 256 values") }
            return try items.map { item in
                guard let text = item as? String else { throw EventProblem("\"\(name)\" must be an array of strings") }
                return try Self.text(text, name: name)!
            }
        default: throw EventProblem("\"\(name)\" must be an array of strings")
        }
    }

    mutating func time(_ value: Any?) throws -> (Milliseconds, String) {
        switch value {
        case nil, is NSNull:
            return (lastAt, String(lastAt))
        case let number as NSNumber where !Self.isBoolean(number):
            let seconds = number.doubleValue
            guard seconds.isFinite, abs(seconds) < 1e15 else { throw EventProblem("\"at\" is out of range") }
            let ms = seconds >= 1e11 ? Milliseconds(seconds.rounded()) : Milliseconds((seconds * 1_000).rounded())
            lastAt = ms
            let token = number.stringValue
            return (ms, token)
        case let text as String:
            guard let ms = Self.iso8601(text) else {
                throw EventProblem("\"at\" must be an ISO 8601 time (2026-01-01T10:00:00Z) or seconds since 1970")
            }
            lastAt = ms
            return (ms, JSONString.quote(text))
        default:
            throw EventProblem("\"at\" must be an ISO 8601 time or a number")
        }
    }

    /// `2026-01-01T10:00:00Z`: date, `T` (or a space), time, optional fractional seconds, and `Z`
    /// or a `±hh:mm` offset. Hand-written because it runs once per replayed event.
    public static func iso8601(_ text: String) -> Milliseconds? {
        let b = Array(text.utf8)
        guard b.count >= 20, b.count <= 40 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int? {
            var value = 0
            for i in start..<(start + length) {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                value = value * 10 + Int(b[i] - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == 0x2D, let month = number(5, 2), b[7] == 0x2D, let day = number(8, 2),
              b[10] == 0x54 || b[10] == 0x74 || b[10] == 0x20,
              let hour = number(11, 2), b[13] == 0x3A, let minute = number(14, 2), b[16] == 0x3A, let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var millis = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<3 where digits < 3 { millis *= 10 }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D, let oh = number(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = number(i + 4, 2) {
            offset = (oh * 60 + om) * (b[i] == 0x2B ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        // Days since 1970-01-01 in the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset * 60
        return Milliseconds(seconds) * 1_000 + Milliseconds(millis)
    }

    /// JSONSerialization gives booleans as NSNumber too; their type code is "c".
    public static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }
}
