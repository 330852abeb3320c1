import AccountRegistry
import Foundation
import PDQ
import Policy

/// One item of content as the platform submits it to `POST /v1/content`: a post, a profile edit,
/// a signup or a message, with its author, text, links, media and the platform's own ids.
///
/// Everything in it is hostile: it is read with explicit limits, and error messages name the
/// field, never its value (which may be anything, and ends up in logs).
struct ContentRequest: Sendable {
    /// A media item: the file's bytes (hashed here, then dropped) or hashes the platform computed.
    struct Media: Sendable {
        var id: String?
        var bytes: [UInt8]?
        var pdq: PDQHash?
        var md5: String?
        var sha256: String?
    }

    /// The platform's id for this content; resubmitting it returns the first decision.
    var contentId: String
    var kind: PolicyInput.ContentKind
    /// The author's account id (the platform's).
    var account: String
    /// When it happened, in milliseconds since 1970.
    var at: Int64
    var text: String
    var links: [String]
    var media: [Media]
    /// For profiles and signups: the account event the account graph screens, as JSON bytes in
    /// the form `POST /v1/accounts/screen` takes (with `id` and `at` filled in).
    var profileEvent: [UInt8]?
    /// The profile's name and bio, scanned for links and solicitation like a post's text.
    var profileText: String
    /// The platform's own ids and references (post URL, thread id…), passed back in webhooks.
    var platform: [(key: String, value: String)]

    static let maximumMedia = 16
    static let maximumLinks = 100
    static let maximumLinkBytes = 4_096
    static let maximumTextBytes = 1 << 20
    static let maximumPlatformFields = 32
    static let maximumPlatformKeyBytes = 64
    static let maximumPlatformValueBytes = 1_024
    /// 9999-12-31T23:59:59.999Z: RFC 3339 has four-digit years.
    static let maximumMillis: Int64 = 253_402_300_799_999

    enum Problem: Error, Sendable {
        case invalid(String)
        case tooLarge(String)
    }

    /// Parses a request body. `maxMediaBytes` bounds each media item after base64 decoding.
    static func parse(_ body: [UInt8], maxMediaBytes: Int, now: Int64) throws(Problem) -> ContentRequest {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw .invalid("The body must be a JSON object describing one item of content.")
        }
        let known: Set<String> = ["contentId", "kind", "account", "at", "text", "links", "media", "profile", "platform"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid("Unknown field \"\(Self.printable(unknown))\"; the fields are: \(known.sorted().joined(separator: ", ")).")
        }
        let contentId = try identifier(object["contentId"], field: "contentId")
        let account = try identifier(object["account"], field: "account")
        guard let kindText = object["kind"] as? String else {
            throw .invalid("\"kind\" is required: one of post, profile, signup, message.")
        }
        guard let kind = PolicyInput.ContentKind(rawValue: kindText) else {
            throw .invalid("\"kind\" must be one of post, profile, signup, message.")
        }
        let at = try time(object["at"], now: now)
        guard (0...maximumMillis).contains(at) else {
            throw .invalid("\"at\" must be between 1970 and the year 9999.")
        }
        var text = ""
        switch object["text"] {
        case nil, is NSNull: break
        case let value as String:
            guard value.utf8.count <= maximumTextBytes else {
                throw .tooLarge("\"text\" has \(value.utf8.count) bytes; the limit is \(maximumTextBytes).")
            }
            text = value
        default: throw .invalid("\"text\" must be a string.")
        }
        var links: [String] = []
        switch object["links"] {
        case nil, is NSNull: break
        case let values as [Any]:
            guard values.count <= maximumLinks else { throw .invalid("\"links\" has \(values.count) items; the limit is \(maximumLinks).") }
            for (index, value) in values.enumerated() {
                guard let link = value as? String else { throw .invalid("\"links[\(index)]\" must be a string.") }
                guard link.utf8.count <= maximumLinkBytes else {
                    throw .invalid("\"links[\(index)]\" has \(link.utf8.count) bytes; the limit is \(maximumLinkBytes).")
                }
                links.append(link)
            }
        default: throw .invalid("\"links\" must be an array of strings.")
        }
        let media = try parseMedia(object["media"], maxMediaBytes: maxMediaBytes)
        var profileEvent: [UInt8]?
        var profileText = ""
        switch object["profile"] {
        case nil, is NSNull:
            if kind == .profile || kind == .signup {
                throw .invalid("\"profile\" is required for a \(kind.rawValue): the account's fields as POST /v1/accounts/screen takes them.")
            }
        case var fields as [String: Any]:
            guard kind == .profile || kind == .signup else {
                throw .invalid("\"profile\" is only for kind profile or signup; a \(kind.rawValue) carries \"text\" and \"media\".")
            }
            // A misplaced private signal (`"email"` beside `"bio"` instead of inside `"signals"`)
            // would otherwise be dropped without a word, and ban evasion missed.
            let profileFields: Set<String> = ["handle", "displayName", "bio", "avatarPdq", "avatarImage", "signals"]
            if let unknown = fields.keys.sorted().first(where: { !profileFields.contains($0) && !["id", "at", "event"].contains($0) }) {
                let hint = ["email", "phone", "devices", "ips", "payments"].contains(unknown)
                    ? " Private signals go inside \"profile.signals\"." : ""
                throw .invalid("Unknown field \"profile.\(printable(unknown))\"; a profile has \(profileFields.sorted().joined(separator: ", ")).\(hint)")
            }
            if let signals = fields["signals"] as? [String: Any],
               let unknown = signals.keys.sorted().first(where: { !["email", "phone", "devices", "ips", "payments"].contains($0) }) {
                throw .invalid("Unknown field \"profile.signals.\(printable(unknown))\"; the signals are email, phone, devices, ips, payments.")
            }
            for key in ["id", "at", "event"] where fields[key] != nil {
                throw .invalid("\"profile.\(key)\" is taken from the content (\"account\", \"at\"); leave it out.")
            }
            profileText = [fields["displayName"], fields["name"], fields["handle"], fields["bio"]]
                .compactMap { $0 as? String }.joined(separator: "\n")
            fields["id"] = account
            // As RFC 3339 text: a number below 1e11 would be read as seconds by the account decoder.
            fields["at"] = AccountRoutes.time(at)
            fields["event"] = "account"
            guard let data = try? JSONSerialization.data(withJSONObject: fields) else {
                throw .invalid("\"profile\" could not be read as an account event.")
            }
            profileEvent = Array(data)
        default:
            throw .invalid("\"profile\" must be an object.")
        }
        let platform = try parsePlatform(object["platform"])
        return ContentRequest(contentId: contentId, kind: kind, account: account, at: at, text: text, links: links,
                              media: media, profileEvent: profileEvent, profileText: profileText, platform: platform)
    }

    /// An id of the platform's: 1–256 bytes of UTF-8 without control characters.
    static func identifier(_ value: Any?, field: String) throws(Problem) -> String {
        guard let text = value as? String else { throw .invalid("\"\(field)\" is required and must be a string.") }
        let bytes = text.utf8.count
        guard (1...256).contains(bytes) else { throw .invalid("\"\(field)\" must have 1 to 256 bytes of UTF-8; it has \(bytes).") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalid("\"\(field)\" contains a control character.")
        }
        return text
    }

    /// `at`: seconds or milliseconds since 1970 (as account events take it) or an RFC 3339 time;
    /// now when absent.
    static func time(_ value: Any?, now: Int64) throws(Problem) -> Int64 {
        switch value {
        case nil, is NSNull:
            return now
        case let text as String:
            // The account events' parser: one reading of times across the API.
            guard let millis = EventDecoder.iso8601(text) else {
                throw .invalid("\"at\" must be seconds or milliseconds since 1970 or an RFC 3339 time such as 2026-11-22T10:00:00Z.")
            }
            return millis
        case let number as NSNumber where !EventDecoder.isBoolean(number):
            // As in account events: seconds since 1970, or milliseconds when above 1e11 (1973).
            let number = number.doubleValue
            guard number.isFinite, abs(number) < 1e15 else { throw .invalid("\"at\" is outside the representable years.") }
            return number >= 1e11 ? Int64(number.rounded()) : Int64((number * 1_000).rounded())
        default:
            throw .invalid("\"at\" must be a number of seconds (or milliseconds) since 1970 or an RFC 3339 time.")
        }
    }

    static func parseMedia(_ value: Any?, maxMediaBytes: Int) throws(Problem) -> [Media] {
        switch value {
        case nil, is NSNull: return []
        case let items as [Any]:
            guard items.count <= maximumMedia else { throw .invalid("\"media\" has \(items.count) items; the limit is \(maximumMedia).") }
            var media: [Media] = []
            for (index, item) in items.enumerated() {
                let field = "media[\(index)]"
                guard let fields = item as? [String: Any] else { throw .invalid("\"\(field)\" must be an object.") }
                let known: Set<String> = ["id", "bytes", "pdq", "md5", "sha256"]
                if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                    throw .invalid("Unknown field \"\(field).\(printable(unknown))\"; a media item has id, bytes, pdq, md5, sha256.")
                }
                var entry = Media()
                if let id = fields["id"], !(id is NSNull) { entry.id = try identifier(id, field: "\(field).id") }
                if let bytes = fields["bytes"] as? String {
                    let given = ["pdq", "md5", "sha256"].filter { key in fields[key] != nil && !(fields[key] is NSNull) }
                    guard given.isEmpty else {
                        throw .invalid("\"\(field)\" gives both bytes and hashes; send one or the other.")
                    }
                    guard bytes.utf8.count / 4 * 3 <= maxMediaBytes + 3 else {
                        throw .tooLarge("\"\(field).bytes\" holds more than \(maxMediaBytes) bytes (serve --max-upload-bytes).")
                    }
                    guard let data = Data(base64Encoded: bytes), !data.isEmpty else {
                        throw .invalid("\"\(field).bytes\" must be the file's bytes in standard base64 (RFC 4648, padded, no line breaks).")
                    }
                    guard data.count <= maxMediaBytes else {
                        throw .tooLarge("\"\(field).bytes\" holds more than \(maxMediaBytes) bytes (serve --max-upload-bytes).")
                    }
                    entry.bytes = Array(data)
                } else if fields["bytes"] != nil, !(fields["bytes"] is NSNull) {
                    throw .invalid("\"\(field).bytes\" must be a base64 string.")
                } else {
                    if let pdq = fields["pdq"] as? String {
                        do { entry.pdq = try PDQHash(validating: pdq) } catch {
                            throw .invalid("\"\(field).pdq\" must be 64 hex digits.")
                        }
                    }
                    entry.md5 = try digest(fields["md5"], digits: 32, field: "\(field).md5")
                    entry.sha256 = try digest(fields["sha256"], digits: 64, field: "\(field).sha256")
                    guard entry.pdq != nil || entry.md5 != nil || entry.sha256 != nil else {
                        throw .invalid("\"\(field)\" needs \"bytes\" (base64) or at least one of pdq, md5, sha256.")
                    }
                }
                media.append(entry)
            }
            return media
        default:
            throw .invalid("\"media\" must be an array of objects.")
        }
    }

    static func digest(_ value: Any?, digits: Int, field: String) throws(Problem) -> String? {
        switch value {
        case nil, is NSNull: return nil
        case let text as String:
            guard text.utf8.count == digits, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else {
                throw .invalid("\"\(field)\" must be \(digits) hex digits.")
            }
            return text.lowercased()
        default:
            throw .invalid("\"\(field)\" must be a string of \(digits) hex digits.")
        }
    }

    static func parsePlatform(_ value: Any?) throws(Problem) -> [(key: String, value: String)] {
        switch value {
        case nil, is NSNull: return []
        case let fields as [String: Any]:
            guard fields.count <= maximumPlatformFields else {
                throw .invalid("\"platform\" has \(fields.count) fields; the limit is \(maximumPlatformFields).")
            }
            var out: [(key: String, value: String)] = []
            for key in fields.keys.sorted() {
                guard (1...maximumPlatformKeyBytes).contains(key.utf8.count) else {
                    throw .invalid("A \"platform\" field name has \(key.utf8.count) bytes; names have 1 to \(maximumPlatformKeyBytes).")
                }
                let text: String
                switch fields[key] {
                case let string as String: text = string
                case let number as NSNumber where !EventDecoder.isBoolean(number): text = number.stringValue
                default: throw .invalid("\"platform.\(printable(key))\" must be a string or a number.")
                }
                guard text.utf8.count <= maximumPlatformValueBytes else {
                    throw .invalid("\"platform.\(printable(key))\" has \(text.utf8.count) bytes; the limit is \(maximumPlatformValueBytes).")
                }
                out.append((key, text))
            }
            return out
        default:
            throw .invalid("\"platform\" must be an object of strings.")
        }
    }

    /// A field name from the request, safe to repeat in a message: at most 40 printable ASCII
    /// characters, anything else replaced.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.prefix(40).map { (0x21...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" ? $0 : "?" }))
    }
}
