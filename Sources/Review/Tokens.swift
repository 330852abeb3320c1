import Crypto
import Foundation

/// Session tokens and the values derived from them.
///
/// The console gives the browser a random session token and keeps only its digest, so a leaked
/// database cannot be replayed as sessions. The CSRF token is derived from the session token with
/// a server key instead of being stored, so it needs no state and differs per session and per key.
public enum ConsoleTokens {
    /// Fewest random bytes a token may have: below 128 bits a token could be guessed.
    public static let minimumBytes = 16

    /// A new random token: `bytes` bytes (at least `minimumBytes`) from the system's
    /// cryptographically secure generator, base64url without padding (safe in cookies and URLs).
    public static func generate(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let count = max(minimumBytes, bytes)
        var data = [UInt8]()
        data.reserveCapacity(count)
        for _ in 0..<count { data.append(UInt8.random(in: .min ... .max, using: &generator)) }
        return Base64URL.encode(data)
    }

    /// The SHA-256 of the token's UTF-8, as lower-case hex: what storage keeps instead of the token.
    public static func digest(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Array(token.utf8)))
    }

    /// The CSRF token for a session: HMAC-SHA256 under `key` of `"csrf:" + sessionToken`,
    /// base64url. The prefix keeps it apart from any other MAC made with the same key.
    public static func csrf(sessionToken: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(("csrf:" + sessionToken).utf8), using: key)
        return Base64URL.encode(Array(mac))
    }

    /// Compares two secrets without returning early at the first difference, so response timing
    /// does not tell an attacker how much of a guessed token was right. (The length is not secret:
    /// every token of a kind has the same length.)
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count) | (x.count == y.count ? 0 : 1)
        let n = max(x.count, y.count)
        for i in 0..<n {
            let l = i < x.count ? x[i] : 0
            let r = i < y.count ? y[i] : 0
            difference |= l ^ r
        }
        return difference == 0
    }
}

/// A signed, short-lived permission to view one vault item once: the reveal link.
///
/// The page that shows a case never carries media; it carries reveal links. Each is bound to one
/// item, one case and one reviewer and expires quickly, so a link copied out of a browser or a log
/// is useless to anyone else and soon useless to everyone. "Once" is enforced by the server, which
/// records the nonce when the link is used.
public struct RevealGrant: Sendable, Hashable {
    /// The vault item (opaque: any characters).
    public var itemId: String
    public var caseId: Int64
    public var reviewerId: Int64
    /// When the grant stops being valid, in milliseconds since 1970.
    public var expires: Int64
    /// A random value that makes each grant unique, so the server can refuse a second use.
    public var nonce: String

    public init(itemId: String, caseId: Int64, reviewerId: Int64, expires: Int64, nonce: String) {
        self.itemId = itemId
        self.caseId = caseId
        self.reviewerId = reviewerId
        self.expires = expires
        self.nonce = nonce
    }

    /// Longest token `verify` reads; anything longer is refused before any work is done.
    public static let maximumTokenLength = 8_192

    /// Domain separation: a reveal MAC can never be confused with a CSRF token or another MAC made
    /// with the same key.
    private static let context = Array("bulwark.reveal.v1:".utf8)

    /// The link token: `base64url(payload) + "." + base64url(HMAC-SHA256)`. The payload is JSON
    /// with sorted keys, so an item id containing dots, quotes or newlines stays unambiguous.
    public func token(key: SymmetricKey) -> String {
        let payload = Payload(v: 1, item: itemId, caseId: caseId, reviewer: reviewerId, exp: expires, nonce: nonce)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding strings and integers cannot fail; an empty payload would fail verification.
        let body = Base64URL.encode(Array((try? encoder.encode(payload)) ?? Data()))
        return body + "." + Base64URL.encode(Self.mac(body, key: key))
    }

    /// Checks a token's signature and expiry and returns the grant it carries. The signature is
    /// checked before the payload is parsed, so attacker-made payloads are never decoded.
    /// `now` is passed in so the caller's clock (and tests) decide what "expired" means.
    public static func verify(_ token: String, key: SymmetricKey, now: Date) throws(RevealGrantError) -> RevealGrant {
        guard token.utf8.count <= maximumTokenLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let signature = Base64URL.decode(String(parts[1])),
              signature.count == SHA256.byteCount else { throw .malformed }
        let body = String(parts[0])
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: context + Array(body.utf8), using: key) else {
            throw .badSignature
        }
        guard let json = Base64URL.decode(body),
              let payload = try? JSONDecoder().decode(Payload.self, from: Data(json)), payload.v == 1 else {
            throw .malformed
        }
        let seconds = now.timeIntervalSince1970
        guard seconds.isFinite else { throw .expired }
        let nowMillis = seconds * 1_000
        guard Double(payload.exp) > nowMillis else { throw .expired }
        return RevealGrant(itemId: payload.item, caseId: payload.caseId, reviewerId: payload.reviewer,
                           expires: payload.exp, nonce: payload.nonce)
    }

    private static func mac(_ body: String, key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: context + Array(body.utf8), using: key))
    }

    private struct Payload: Codable {
        var v: Int
        var item: String
        var caseId: Int64
        var reviewer: Int64
        var exp: Int64
        var nonce: String
    }
}

/// Why a reveal link was refused. The descriptions say nothing about the link's contents or which
/// check came closest to passing: the person holding a bad link learns only that it is bad.
public enum RevealGrantError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not a reveal link at all (wrong shape, bad encoding, unreadable payload).
    case malformed
    /// The signature does not match: altered, or made with another key.
    case badSignature
    /// Valid, but past its expiry time.
    case expired

    public var description: String {
        switch self {
        case .malformed: "This reveal link is not valid."
        case .badSignature: "This reveal link is not valid."
        case .expired: "This reveal link has expired; open the case again to get a new one."
        }
    }
}

/// Base64url without padding (RFC 4648 §5), as tokens travel in cookies, headers and URLs.
enum Base64URL {
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var s = Data(bytes).base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }

    /// Decodes strict base64url (no padding, no other characters); nil when it is not.
    static func decode(_ s: String) -> [UInt8]? {
        guard s.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
                || $0 == 0x2D || $0 == 0x5F }), s.utf8.count % 4 != 1 else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.utf8.count % 4 != 0 { b += "=" }
        guard let data = Data(base64Encoded: b) else { return nil }
        return Array(data)
    }
}

/// Lower-case hex.
enum Hex {
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
