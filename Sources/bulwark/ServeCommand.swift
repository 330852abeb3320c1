import AccountGraph
import AccountRegistry
import ArgumentParser
import BulwarkServer
import Foundation
import Hummingbird
import Logging
import Matching
import MediaDecode
import Metrics
import Prometheus
import Signals
import Storage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the match service (HTTP API, HMA-compatible routes, /metrics).",
        discussion: """
            Binds 127.0.0.1 unless --host says otherwise: the service holds sensitive hash lists \
            and must not be exposed by accident. Every /v1 and HMA route needs an API key \
            ('bulwark keys create --role admin --name NAME' makes the first one).
            """)

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup(title: "Review console, evidence vault and reports") var consoleOptions: ConsoleOptions

    @Option(help: "Address to bind (use 0.0.0.0 only behind a firewall or proxy).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "Largest media upload, in bytes.")
    var maxUploadBytes = 64 << 20

    @Option(help: "Refuse images with more pixels than this.")
    var maxPixels = 100_000_000

    @Option(help: "Quarantine an entry after it matches this many distinct items within --flood-window.")
    var floodMaxItems = 1_000

    @Option(help: "Flood window in seconds.")
    var floodWindow = 3_600

    @Option(help: "Change-feed poll interval in milliseconds (how fast other processes' changes arrive).")
    var pollMilliseconds = 200

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(name: .customLong("lexicon"), help: ArgumentHelp(
        "A lexicon file for /v1/text/scan, added to the built-in commerce and off-platform lexicon. Repeatable.", valueName: "file"))
    var lexicons: [String] = []

    @Option(help: ArgumentHelp("The policy (YAML) that turns signals into decisions; the built-in default when left out. "
        + "Check it with 'bulwark policy check'; reload it without a restart with SIGHUP or POST /v1/policy/reload.",
        valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("The platform's endpoint for actions (signed webhooks). Without it, actions wait in the outbox.",
                               valueName: "url"))
    var webhookURL: String?

    @Option(help: ArgumentHelp("A file holding the webhook HMAC secret (at least 32 bytes). The environment variable "
        + "BULWARK_WEBHOOK_SECRET is used when this is left out. Never pass the secret itself on the command line.",
        valueName: "file"))
    var webhookSecretFile: String?

    @Option(help: "Delivery attempts before an action is dead-lettered (and an alert logged).")
    var webhookMaxAttempts = 12

    @Option(help: "Days the hashes of submitted media are kept to match against bank entries added later.")
    var retroactiveDays = 90

    @Option(help: "Seconds between canary checks (a benign image in the canary bank sent through the intake); 0 turns it off.")
    var canarySeconds = 60

    func webhookSettings() throws -> WebhookSettings? {
        guard let webhookURL else { return nil }
        guard let url = URL(string: webhookURL), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              url.host != nil else {
            throw ValidationError("--webhook-url must be an http:// or https:// URL.")
        }
        var secret: [UInt8]
        if let webhookSecretFile {
            guard let data = FileManager.default.contents(atPath: webhookSecretFile) else {
                throw ValidationError("cannot read the webhook secret file \(webhookSecretFile).")
            }
            secret = Array(data)
            // A trailing newline from `echo` or an editor is not part of the secret.
            while let last = secret.last, last == 0x0A || last == 0x0D { secret.removeLast() }
        } else if let value = ProcessInfo.processInfo.environment["BULWARK_WEBHOOK_SECRET"] {
            secret = Array(value.utf8)
        } else {
            throw ValidationError("--webhook-url needs a secret: --webhook-secret-file FILE or the environment variable BULWARK_WEBHOOK_SECRET.")
        }
        guard secret.count >= 32 else {
            throw ValidationError("the webhook secret has \(secret.count) bytes; use at least 32 (for example: openssl rand -hex 32).")
        }
        return WebhookSettings(url: webhookURL, secret: secret, maxAttempts: max(1, webhookMaxAttempts))
    }

    func run() async throws {
        let lexicon = try loadLexicon(files: lexicons)
        let webhook = try webhookSettings()
        let console = try consoleOptions.settings()
        guard retroactiveDays >= 0, canarySeconds >= 0 else {
            throw ValidationError("--retroactive-days and --canary-seconds must be 0 or more.")
        }
        var logger = Logger(label: "bulwark")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let registry = PrometheusCollectorRegistry()
        var metrics = PrometheusMetricsFactory(registry: registry)
        // Deliveries that are retried arrive minutes or hours late: the default buckets end at 10 s.
        metrics.durationHistogramBuckets["bulwark_action_delivery_lag_seconds"] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
            .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3_600), .seconds(4 * 3_600),
        ]
        MetricsSystem.bootstrap(metrics)

        let store = try await storeOptions.open()
        let keys = (try? await store.listAPIKeys()) ?? []
        if !keys.contains(where: { $0.role == .admin && !$0.isRevoked }) {
            let hint = "No admin API key exists yet. Create one with: bulwark keys create --role admin --name <who> "
                + (storeOptions.databaseURL == nil ? "--data-dir \(storeOptions.dataDir)" : "--database-url <url>")
            logger.notice("\(hint)")
            FileHandle.standardError.write(Data((hint + "\n").utf8))
        }
        let engine = MatchEngine(store: store, flood: FloodPolicy(maximumItems: floodMaxItems, window: .seconds(floodWindow)), logger: logger)
        var configuration = ServerConfiguration(
            host: host, port: port, maxMediaBytes: maxUploadBytes,
            decodeLimits: DecodeLimits(maxPixels: maxPixels, maxBytes: maxUploadBytes),
            pollInterval: .milliseconds(pollMilliseconds))
        configuration.policyPath = policy
        configuration.webhook = webhook
        configuration.retroactiveWindow = .seconds(retroactiveDays * 86_400)
        configuration.canaryInterval = canarySeconds == 0 ? nil : .seconds(canarySeconds)
        configuration.console = console
        let lists = ListFollower(store: store, lexicon: lexicon, logger: logger)

        // The account graph: rebuilt from the store's account log before the server listens (the
        // account routes would otherwise replay it on the first request). Its scanner reads names
        // and bios with the configured lexicon; the account routes keep its lists current.
        var accountLogger = logger
        accountLogger[metadataKey: "component"] = "accounts"
        let accounts = AccountRegistry(graph: AccountGraph(scanner: TextScanner(lexicon: lexicon)), store: store, logger: accountLogger)
        let report: AccountRegistry.LoadReport
        do {
            report = try await accounts.load()
        } catch {
            await store.shutdown()
            throw ValidationError("cannot read the account log: \(error)")
        }
        logger.info("account log replayed", metadata: [
            "events": "\(report.events)", "accounts": "\(report.accounts)", "unreadable": "\(report.unreadable)",
            "seconds": "\(String(format: "%.2f", report.seconds))",
        ])

        do {
            let app = try await BulwarkServer.makeApplication(configuration: configuration, store: store, engine: engine, lists: lists,
                                                              accounts: accounts, registry: registry, logger: logger)
            try await app.runService()
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }
}

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations and exit.")

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        let store = try await storeOptions.open(migrate: false)
        do {
            let applied = try await store.migrate()
            print(applied.isEmpty ? "The schema is up to date (version \(try await store.schemaVersion()))."
                                  : applied.map { "applied \($0.version): \($0.name)" }.joined(separator: "\n"))
        } catch {
            await store.shutdown()
            throw ValidationError("migration failed: \(error)")
        }
        await store.shutdown()
    }
}
