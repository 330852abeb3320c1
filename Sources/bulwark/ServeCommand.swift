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

    func run() async throws {
        let lexicon = try loadLexicon(files: lexicons)
        var logger = Logger(label: "bulwark")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        let store = try await storeOptions.open()
        let keys = (try? await store.listAPIKeys()) ?? []
        if !keys.contains(where: { $0.role == .admin && !$0.isRevoked }) {
            let hint = "No admin API key exists yet. Create one with: bulwark keys create --role admin --name <who> "
                + (storeOptions.databaseURL == nil ? "--data-dir \(storeOptions.dataDir)" : "--database-url <url>")
            logger.notice("\(hint)")
            FileHandle.standardError.write(Data((hint + "\n").utf8))
        }
        let engine = MatchEngine(store: store, flood: FloodPolicy(maximumItems: floodMaxItems, window: .seconds(floodWindow)), logger: logger)
        let configuration = ServerConfiguration(
            host: host, port: port, maxMediaBytes: maxUploadBytes,
            decodeLimits: DecodeLimits(maxPixels: maxPixels, maxBytes: maxUploadBytes),
            pollInterval: .milliseconds(pollMilliseconds))
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

        let app = BulwarkServer.makeApplication(configuration: configuration, store: store, engine: engine, lists: lists,
                                                accounts: accounts, registry: registry, logger: logger)
        do {
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
