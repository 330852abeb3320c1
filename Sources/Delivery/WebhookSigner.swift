import Crypto
import Foundation

/// Why a signing secret was refused.
public enum WebhookSignerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// HMAC-SHA256 is only as strong as its key: fewer than 32 random bytes is guessable offline
    /// from one captured request. Carries the length, never the secret.
    case secretTooShort(index: Int, length: Int)

    public var description: String {
        switch self {
        case .secretTooShort(let index, let length):
            let which = index == 0 ? "the webhook signing secret" : "previous webhook signing secret #\(index)"
            return "\(which) is \(length) bytes; at least \(WebhookSigner.minimumSecretLength) random bytes are required "
                + "(for example `openssl rand -hex 32`)"
        }
    }
}

/// The outcome of ``WebhookSigner/verify(signatureHeader:body:secret:now:tolerance:)``.
public enum SignatureCheck: Sendable, Hashable {
    /// The body was signed with the secret, recently enough.
    case valid
    /// The header is not `t=<unix seconds>,v1=<64 hex digits>[,v1=…]`.
    case malformed
    /// No `v1` entry matches: the body was changed, or it was signed with another secret.
    case wrongSignature
    /// Authentic but older than the tolerance: a replay, or a sender clock far behind.
    case tooOld
    /// Authentic but dated further ahead than the tolerance: a sender clock far ahead.
    case inTheFuture

    public var isValid: Bool { self == .valid }
}

/// Signs webhook bodies so the platform can tell they came from Bulwark and were not changed or
/// replayed, and verifies such signatures (for receivers written in Swift, and for tests).
///
/// The signature is `HMAC-SHA256(secret, "<t>." + body)` in lowercase hex, sent as
/// `Bulwark-Signature: t=<t>,v1=<hex>`, where `t` is the sending time in unix seconds. Covering
/// `t` lets receivers reject old requests without keeping every key they have ever seen.
///
/// Secret rotation: give the new secret as `secret` and the old ones as `previousSecrets`; every
/// request then carries one `v1=` entry per secret, and a receiver that knows any of them accepts
/// it. Once every receiver has the new secret, drop the old one.
///
/// The secrets never appear in `description`, `debugDescription` or `dump`.
public struct WebhookSigner: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The shortest secret accepted, in bytes (the HMAC-SHA256 output size).
    public static let minimumSecretLength = 32

    private let keys: [SymmetricKey]

    /// Fails with ``WebhookSignerError/secretTooShort(index:length:)`` when any secret is shorter
    /// than ``minimumSecretLength`` bytes, so a weak configuration stops the server at start-up
    /// instead of signing with a guessable key.
    public init(secret: [UInt8], previousSecrets: [[UInt8]] = []) throws(WebhookSignerError) {
        let all = [secret] + previousSecrets
        for (index, candidate) in all.enumerated() where candidate.count < Self.minimumSecretLength {
            throw .secretTooShort(index: index, length: candidate.count)
        }
        keys = all.map { SymmetricKey(data: $0) }
    }

    /// The `Bulwark-Signature` value for `body` sent at `timestamp` (unix seconds).
    public func signature(body: [UInt8], timestamp: Int64) -> String {
        var parts = ["t=\(timestamp)"]
        for key in keys {
            parts.append("v1=" + Hex.encode(Self.mac(body: body, timestamp: timestamp, key: key)))
        }
        return parts.joined(separator: ",")
    }

    /// Every header Bulwark sets on a webhook: the signature, the idempotency key the receiver
    /// dedupes on, the attempt number (1 for the first try), the action kind, and the body's type.
    public func headers(body: [UInt8], timestamp: Int64, idempotencyKey: String, attempt: Int,
                        action: String) -> [WebhookHeader] {
        [
            WebhookHeader(name: "Content-Type", value: "application/json"),
            WebhookHeader(name: "User-Agent", value: "bulwark-webhooks/1"),
            WebhookHeader(name: "Bulwark-Signature", value: signature(body: body, timestamp: timestamp)),
            WebhookHeader(name: "Bulwark-Idempotency-Key", value: idempotencyKey),
            WebhookHeader(name: "Bulwark-Delivery-Attempt", value: String(attempt)),
            WebhookHeader(name: "Bulwark-Action", value: action),
        ]
    }

    /// Checks a `Bulwark-Signature` header against the raw request body (the bytes received,
    /// before any JSON parsing) and `secret`, with `now` and the header's `t` in unix seconds.
    ///
    /// The signature is checked before the time, so ``SignatureCheck/tooOld`` and
    /// ``SignatureCheck/inTheFuture`` are only returned for authentic requests. Comparison takes
    /// the same time wherever the first differing byte is. Several `v1=` entries are accepted
    /// (the sender is rotating secrets); one match is enough. Unknown keys (a future `v2=`) are
    /// ignored.
    public static func verify(signatureHeader: String, body: [UInt8], secret: [UInt8], now: Int64,
                              tolerance: Int64 = 300) -> SignatureCheck {
        verify(signatureHeader: signatureHeader, body: body, secrets: [secret], now: now, tolerance: tolerance)
    }

    /// Like ``verify(signatureHeader:body:secret:now:tolerance:)``, for a receiver that accepts
    /// several secrets while it rotates its own.
    public static func verify(signatureHeader: String, body: [UInt8], secrets: [[UInt8]], now: Int64,
                              tolerance: Int64 = 300) -> SignatureCheck {
        guard let parsed = ParsedSignature(signatureHeader) else { return .malformed }
        var matched = false
        for secret in secrets {
            let expected = mac(body: body, timestamp: parsed.timestamp, key: SymmetricKey(data: secret))
            for candidate in parsed.signatures where constantTimeEqual(expected, candidate) {
                matched = true
            }
        }
        guard matched else { return .wrongSignature }
        let tolerance = max(0, tolerance)
        // Subtraction in both directions cannot overflow: the timestamp has at most 18 digits.
        if now > parsed.timestamp && now - parsed.timestamp > tolerance { return .tooOld }
        if parsed.timestamp > now && parsed.timestamp - now > tolerance { return .inTheFuture }
        return .valid
    }

    public var description: String { "WebhookSigner(secrets: \(keys.count), redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    private static func mac(body: [UInt8], timestamp: Int64, key: SymmetricKey) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array("\(timestamp).".utf8))
        hmac.update(data: body)
        return Array(hmac.finalize())
    }

    /// Equal-length comparison whose time does not depend on where the inputs differ.
    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// `t=<digits>,v1=<64 hex>[,v1=<64 hex>…]`, whitespace around entries allowed, unknown keys
/// ignored. Exactly one `t`, at least one `v1`, and every `v1` well formed.
private struct ParsedSignature {
    var timestamp: Int64
    var signatures: [[UInt8]]

    init?(_ header: String) {
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for entry in header.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else { return nil }
            let key = trimmed[..<equals]
            let value = trimmed[trimmed.index(after: equals)...]
            switch key {
            case "t":
                // Digits only: no sign, no spaces; 18 digits keep every later subtraction in range.
                guard timestamp == nil, (1...18).contains(value.utf8.count),
                      value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let parsed = Int64(value) else { return nil }
                timestamp = parsed
            case "v1":
                guard value.utf8.count == 64, let bytes = Hex.decode(value) else { return nil }
                signatures.append(bytes)
            default:
                continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { return nil }
        self.timestamp = timestamp
        self.signatures = signatures
    }
}

/// Lowercase hex, ASCII only.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Either case; nil for an odd length or any other character.
    static func decode(_ text: Substring) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
