import AccountRegistry
import Foundation
import Hummingbird
import Logging
import Matching
import MediaDecode
import Prometheus
import ServiceLifecycle
import Storage

/// How the server runs.
public struct ServerConfiguration: Sendable {
    /// Address to bind. 127.0.0.1 unless an operator deliberately exposes the service.
    public var host: String
    public var port: Int
    /// Largest media upload accepted, in bytes.
    public var maxMediaBytes: Int
    /// Limits for decoding uploads (pixels, side length).
    public var decodeLimits: DecodeLimits
    /// How often to poll the change feed (other processes' bank changes).
    public var pollInterval: Duration
    /// Largest hash list accepted by `POST /v1/banks/{name}/import`.
    public var maxImportBytes: Int = 1 << 30

    public init(host: String = "127.0.0.1", port: Int = 8080, maxMediaBytes: Int = 64 << 20,
                decodeLimits: DecodeLimits = DecodeLimits(maxPixels: 100_000_000, maxBytes: 64 << 20),
                pollInterval: Duration = .milliseconds(200)) {
        self.host = host
        self.port = port
        self.maxMediaBytes = maxMediaBytes
        self.decodeLimits = decodeLimits
        self.pollInterval = pollInterval
    }
}

/// Builds the Bulwark HTTP application.
public enum BulwarkServer {
    /// The application: `/healthz`, `/readyz`, `/metrics`, `/openapi.json`, the `/v1` API and the
    /// HMA-compatible routes, with the index loading and following the change feed as a service.
    /// `registry` is the Prometheus registry `/metrics` serves; `accounts` is the account graph
    /// (load it first, so the first screen does not replay the whole log).
    public static func makeApplication(
        configuration: ServerConfiguration, store: any BulwarkStore, engine: MatchEngine,
        lists: ListFollower? = nil, accounts: AccountRegistry? = nil, registry: PrometheusCollectorRegistry? = nil,
        logger: Logger
    ) -> some ApplicationProtocol {
        let lists = lists ?? ListFollower(store: store, logger: logger)
        let router = buildRouter(configuration: configuration, store: store, engine: engine, lists: lists, accounts: accounts,
                                 registry: registry)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "bulwark"),
            logger: logger)
        app.addServices(IndexService(engine: engine, interval: configuration.pollInterval, logger: logger))
        app.addServices(ListService(lists: lists, interval: configuration.pollInterval, logger: logger))
        return app
    }

    /// The router alone (tests drive it without a socket). Without `accounts`, the account routes
    /// use a registry over `store` that catches up with the store's account log on first use.
    public static func buildRouter(
        configuration: ServerConfiguration, store: any BulwarkStore, engine: MatchEngine,
        lists: ListFollower? = nil, accounts: AccountRegistry? = nil, registry: PrometheusCollectorRegistry? = nil
    ) -> Router<BulwarkRequestContext> {
        // Without a follower from the application (tests drive the router alone), lists load on
        // first use and readiness does not wait for them.
        let followsLists = lists != nil
        let lists = lists ?? ListFollower(store: store)
        let accounts = accounts ?? AccountRegistry(store: store)
        let router = Router(context: BulwarkRequestContext.self)
        router.addMiddleware {
            MetricsMiddleware()
        }
        router.get("healthz") { _, _ in HealthJSON(status: "ok") }
        router.get("readyz") { _, _ -> Response in
            let ready = engine.isReady && (!followsLists || lists.isReady)
            let body = #"{"status":"\#(ready ? "ready" : "loading")"}"#
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: .init(string: body)))
        }
        router.get("metrics") { _, _ -> Response in
            if registry != nil { AccountMetrics.publish(await accounts.statistics) }
            let text = registry?.emitToString() ?? ""
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: .init(string: text)))
        }
        router.get("openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: OpenAPIDocument.json)))
        }
        let cache = KeyCache()
        let v1 = router.group("v1").add(middleware: APIKeyMiddleware(store: store, cache: cache))
        V1Routes(store: store, engine: engine, configuration: configuration).register(on: v1)
        ImportExportRoutes(store: store, maxImportBytes: configuration.maxImportBytes).register(on: v1)
        TextRoutes(lists: lists).register(on: v1)
        AccountRoutes(accounts: accounts, engine: engine, lists: lists, loadsListsOnDemand: !followsLists,
                      configuration: configuration).register(on: v1)
        HMARoutes(store: store, engine: engine, configuration: configuration).register(on: router, auth: APIKeyMiddleware(store: store, cache: cache))
        return router
    }
}

struct HealthJSON: Codable, ResponseEncodable { var status: String }

/// Loads the index, then follows the change feed until shutdown.
struct IndexService: Service {
    let engine: MatchEngine
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await engine.load()
                break
            } catch {
                logger.error("loading the index failed; retrying in 2 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        await cancelWhenGracefulShutdown {
            await engine.follow(every: interval)
        }
    }
}

/// Loads the text lists, then follows the list change feed until shutdown.
struct ListService: Service {
    let lists: ListFollower
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled {
            do {
                try await lists.load()
                break
            } catch {
                logger.error("loading the text lists failed; retrying in 2 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(2))
            }
        }
        await cancelWhenGracefulShutdown {
            await lists.follow(every: interval)
        }
    }
}
