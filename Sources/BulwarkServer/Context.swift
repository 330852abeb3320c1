import Hummingbird
import Storage

/// Per-request state: who is calling (set by ``APIKeyMiddleware``).
public struct BulwarkRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated key, when the route requires one.
    public var principal: APIKey?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// JSON bodies are small; media uploads are read separately with their own limit.
    public var maxUploadSize: Int { 8 << 20 }

    /// Throws 401 when no key was presented, 403 when the key's role is not enough.
    func require(_ role: APIKeyRole) throws -> APIKey {
        guard let principal else { throw APIError.unauthenticated }
        guard principal.role.includes(role) else { throw APIError.forbidden(needed: role, have: principal.role) }
        return principal
    }
}

extension APIKeyRole {
    /// Roles nest: admin ⊃ curator ⊃ ingest.
    func includes(_ other: APIKeyRole) -> Bool {
        rank >= other.rank
    }

    private var rank: Int {
        switch self {
        case .ingest: return 0
        case .curator: return 1
        case .admin: return 2
        }
    }
}
