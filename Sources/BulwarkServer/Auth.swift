import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Storage
import Synchronization

/// API keys: random secrets shown once, stored only as SHA-256 hashes.
public enum APIKeys {
    /// A new secret: `bwk_` and 40 base-32 characters (200 bits of randomness).
    public static func generate() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var generator = SystemRandomNumberGenerator()
        return "bwk_" + String((0..<40).map { _ in alphabet[Int(generator.next() % 32)] })
    }

    /// The stored form of a secret.
    public static func hash(_ secret: String) -> String {
        // Runs on every request (the key cache is keyed by it): a table lookup per nibble, not
        // String(format:) per byte, which showed in profiles of the intake.
        hex(Array(SHA256.hash(data: Data(secret.utf8))))
    }

    /// Lowercase hex of bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// What may be shown and logged: the first characters.
    public static func prefix(_ secret: String) -> String { String(secret.prefix(8)) }
}

/// Authenticates requests by API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`).
///
/// Lookups are cached briefly (a revoked key stops working within `cacheSeconds`) so the hot
/// match path does not query the database per request. Routes decide the role they need.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = BulwarkRequestContext
    let store: any BulwarkStore
    let cache: KeyCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret = Self.secret(from: request) else { throw APIError.unauthenticated }
        let digest = APIKeys.hash(secret)
        var context = context
        if let cached = cache.get(digest) {
            context.principal = cached
        } else {
            let key: APIKey?
            do { key = try await store.apiKey(hash: digest) } catch { throw APIError.from(error) }
            guard let key, key.revokedAt == nil else { throw APIError.invalidKey }
            cache.put(digest, key)
            context.principal = key
            // Last use is informational; never fail a request over it.
            if (try? await store.touchAPIKey(id: key.id)) == true {
                // At most once a minute per key: enough to say which keys were in use when, without
                // an audit record per request.
                _ = try? await store.appendAudit([NewAuditEvent(at: Date(), kind: "key.used", actor: "api-key:\(key.prefix)",
                                                                subject: "api-key:\(key.id)", detail: "{\"role\":\"\(key.role.rawValue)\"}")])
            }
        }
        return try await next(request, context)
    }

    static func secret(from request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { return String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if let name = HTTPField.Name("X-API-Key"), let key = request.headers[name] { return key }
        return nil
    }
}

/// A small time-bounded cache of key lookups.
final class KeyCache: Sendable {
    private let entries = Mutex<[String: (key: APIKey, expires: ContinuousClock.Instant)]>([:])
    let lifetime: Duration

    init(lifetime: Duration = .seconds(10)) {
        self.lifetime = lifetime
    }

    func get(_ digest: String) -> APIKey? {
        entries.withLock { entries in
            guard let entry = entries[digest] else { return nil }
            if entry.expires < .now { entries[digest] = nil; return nil }
            return entry.key
        }
    }

    func put(_ digest: String, _ key: APIKey) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[digest] = (key, .now + lifetime)
        }
    }
}
