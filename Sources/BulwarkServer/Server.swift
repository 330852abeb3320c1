import AccountRegistry
import Delivery
import Dispatch
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
    /// The policy file (YAML) decisions follow; nil for the built-in default policy.
    public var policyPath: String?
    /// Where actions are delivered; nil keeps them in the outbox until a webhook is configured.
    public var webhook: WebhookSettings?
    /// How long the hashes of submitted media are kept for retroactive matching.
    public var retroactiveWindow: Duration = .seconds(90 * 86_400)
    /// How often the canary goes through the intake; nil turns it off.
    public var canaryInterval: Duration? = .seconds(60)
    /// The review console, the evidence vault and CyberTipline reports.
    public var console = ConsoleSettings()

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

/// Where and how actions are delivered to the platform.
public struct WebhookSettings: Sendable {
    /// The platform's endpoint (configured by the operator; never taken from content).
    public var url: String
    /// The HMAC secret shared with the platform (at least 32 bytes).
    public var secret: [UInt8]
    /// Attempts before an action is dead-lettered.
    public var maxAttempts: Int
    /// Deliveries in flight at once.
    public var concurrency: Int

    public init(url: String, secret: [UInt8], maxAttempts: Int = 12, concurrency: Int = 8) {
        self.url = url
        self.secret = secret
        self.maxAttempts = maxAttempts
        self.concurrency = concurrency
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
    ) async throws -> some ApplicationProtocol {
        let lists = lists ?? ListFollower(store: store, logger: logger)
        let accounts = accounts ?? AccountRegistry(store: store)
        let policy = PolicyHolder(try PolicyHolder.load(path: configuration.policyPath))
        try? await PolicyReloader.audit(policy.current, previous: nil, store: store, actor: "system:start", logger: logger)
        logger.info("policy in force", metadata: ["policy": "\(policy.current.label)", "digest": "\(policy.current.digest)"])

        var worker: OutboxWorker?
        var transport: HTTPClientTransport?
        if let webhook = configuration.webhook {
            let signer = try WebhookSigner(secret: webhook.secret)
            var delivery = DeliveryConfiguration(url: webhook.url, signer: signer)
            delivery.maxAttempts = webhook.maxAttempts
            delivery.concurrency = webhook.concurrency
            try delivery.validate()
            let http = HTTPClientTransport()
            transport = http
            var deliveryLogger = logger
            deliveryLogger[metadataKey: "component"] = "delivery"
            worker = OutboxWorker(queue: StoreActionQueue(store: store), transport: http, configuration: delivery, logger: deliveryLogger)
        } else {
            logger.warning("no webhook is configured (serve --webhook-url): actions are kept in the outbox and not delivered")
        }
        let wake: @Sendable () -> Void = { [worker] in worker?.wake() }
        let intake = IntakeParts(policy: policy, writer: IntakeWriter(store: store), onActions: wake,
                                 evidence: configuration.console.evidence)
        if configuration.console.evidence == nil {
            logger.warning("no vault key is configured (serve --vault-key-file or BULWARK_VAULT_KEY): evidence of cases is not preserved")
        }
        let router = buildRouter(configuration: configuration, store: store, engine: engine, lists: lists, accounts: accounts,
                                 registry: registry, intake: intake, logger: logger)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "bulwark"),
            logger: logger)
        app.addServices(IndexService(engine: engine, interval: configuration.pollInterval, logger: logger))
        app.addServices(ListService(lists: lists, interval: configuration.pollInterval, logger: logger))
        if let worker {
            app.addServices(DeliveryService(worker: worker, transport: transport))
        }
        var retroLogger = logger
        retroLogger[metadataKey: "component"] = "retroactive"
        let retro = RetroactiveMatcher(store: store, accounts: accounts, policy: policy, window: configuration.retroactiveWindow,
                                       logger: retroLogger, onActions: wake)
        app.addServices(RetroactiveService(matcher: retro, interval: .seconds(1)))
        if let interval = configuration.canaryInterval {
            var canaryLogger = logger
            canaryLogger[metadataKey: "component"] = "canary"
            let canary = Canary(pipeline: intake.pipeline(configuration: configuration, store: store, engine: engine, lists: lists,
                                                          accounts: accounts, followsLists: true),
                                store: store, logger: canaryLogger)
            app.addServices(CanaryService(canary: canary, interval: interval))
        }
        app.addServices(PolicySignalService(policy: policy, store: store, logger: logger))
        var vaultLogger = logger
        vaultLogger[metadataKey: "component"] = "vault"
        app.addServices(VaultSweepService(sweeper: VaultSweeper(store: store, logger: vaultLogger),
                                          interval: configuration.console.sweepInterval))
        return app
    }

    /// The router alone (tests drive it without a socket). Without `accounts`, the account routes
    /// use a registry over `store` that catches up with the store's account log on first use.
    public static func buildRouter(
        configuration: ServerConfiguration, store: any BulwarkStore, engine: MatchEngine,
        lists: ListFollower? = nil, accounts: AccountRegistry? = nil, registry: PrometheusCollectorRegistry? = nil,
        intake: IntakeParts? = nil, logger: Logger = Logger(label: "bulwark")
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
        let v1 = router.group("v1").add(middleware: APIKeyMiddleware(store: store, cache: cache)).add(middleware: AuditMiddleware(store: store))
        V1Routes(store: store, engine: engine, configuration: configuration).register(on: v1)
        ImportExportRoutes(store: store, maxImportBytes: configuration.maxImportBytes).register(on: v1)
        TextRoutes(lists: lists).register(on: v1)
        AccountRoutes(accounts: accounts, engine: engine, lists: lists, loadsListsOnDemand: !followsLists,
                      configuration: configuration).register(on: v1)
        // Without parts from the application (tests), the built-in or configured policy and no delivery.
        let intake = intake ?? IntakeParts(policy: PolicyHolder((try? PolicyHolder.load(path: configuration.policyPath))
                                                                  ?? PolicyHolder.Loaded(policy: .default, digest: "", path: nil)),
                                           writer: IntakeWriter(store: store), onActions: {},
                                           evidence: configuration.console.evidence)
        ContentRoutes(pipeline: intake.pipeline(configuration: configuration, store: store, engine: engine, lists: lists,
                                                accounts: accounts, followsLists: followsLists),
                      store: store, policy: intake.policy, onActions: intake.onActions).register(on: v1)
        HMARoutes(store: store, engine: engine, configuration: configuration).register(on: router, auth: APIKeyMiddleware(store: store, cache: cache),
                                                                                        audit: AuditMiddleware(store: store))
        ConsoleRoutes(store: store, accounts: accounts, settings: configuration.console, decodeLimits: configuration.decodeLimits,
                      logger: logger).register(on: router)
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

/// What the intake shares between the routes and the background services.
public struct IntakeParts: Sendable {
    let policy: PolicyHolder
    let writer: IntakeWriter
    let onActions: @Sendable () -> Void
    var evidence: EvidenceKeeper? = nil

    func pipeline(configuration: ServerConfiguration, store: any BulwarkStore, engine: MatchEngine, lists: ListFollower,
                  accounts: AccountRegistry, followsLists: Bool) -> IntakePipeline {
        IntakePipeline(store: store, engine: engine, lists: lists, accounts: accounts,
                       accountRoutes: AccountRoutes(accounts: accounts, engine: engine, lists: lists, loadsListsOnDemand: !followsLists,
                                                    configuration: configuration),
                       policy: policy, writer: writer, configuration: configuration, onActions: onActions, evidence: evidence)
    }
}

/// Delivers the outbox until shutdown, then closes the HTTP client.
struct DeliveryService: Service {
    let worker: OutboxWorker
    let transport: HTTPClientTransport?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await worker.run()
        }
        await transport?.shutdown()
    }
}

/// Reloads the policy file on SIGHUP, the Unix convention for "re-read your configuration".
struct PolicySignalService: Service {
    let policy: PolicyHolder
    let store: any BulwarkStore
    let logger: Logger

    func run() async throws {
        let signals = DispatchSource.makeSignalSource(signal: SIGHUP)
        signal(SIGHUP, SIG_IGN)
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        signals.setEventHandler { continuation.yield() }
        signals.resume()
        await cancelWhenGracefulShutdown {
            for await _ in stream {
                do {
                    _ = try await PolicyReloader.reload(policy, store: store, actor: "system:sighup", logger: logger)
                } catch {
                    logger.error("the policy file was not reloaded; the current policy stays in force", metadata: ["error": "\(error)"])
                }
            }
        }
        signals.cancel()
        continuation.finish()
    }
}
