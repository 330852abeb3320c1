import AccountGraph
import AccountRegistry
import ArgumentParser
import AsyncHTTPClient
import BulwarkServer
import CyberTipline
import DemoScenario
import Foundation
import Hummingbird
import Logging
import Matching
import MediaDecode
import MediaHashing
import NIOCore
import Review
import ServiceLifecycle
import Signals
import Storage

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start a server seeded with a benign story, play it through the intake, and open the review console.",
        discussion: """
            Everything is synthetic and harmless: the "known images" are generated patterns, the \
            trader sells a "VIP menu" with made-up handles, and the CyberTipline endpoint is a fake \
            inside this process: nothing leaves the machine. Data goes to a new temporary \
            directory (or --data-dir), on the embedded SQLite database.
            """)

    @Option(help: "Port for the demo server (127.0.0.1 only).")
    var port = 8080

    @Option(help: "Directory for the demo's database and vault key (a new temporary directory by default).")
    var dataDir: String?

    @Flag(help: "Play the story, print the links, and exit instead of serving the console.")
    var exitAfterSeed = false

    @Option(help: "Log level of the server: trace, debug, info, notice, warning, error.")
    var logLevel = "warning"

    func run() async throws {
        let directory = try dataDir ?? Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keyFile = directory + "/vault.key"
        if !FileManager.default.fileExists(atPath: keyFile) { try VaultKeyFile.write(to: keyFile) }
        let script = DemoScript.make(start: Date())
        let lexiconFile = directory + "/demo-lexicon.txt"
        try script.lexicon.write(toFile: lexiconFile, atomically: true, encoding: .utf8)
        let lexicon = try loadLexicon(files: [lexiconFile])

        var logger = Logger(label: "bulwark.demo")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .warning
        let store = try await openStore(sqlitePath: directory + "/bulwark.sqlite")

        say("Bulwark demo · data in \(directory)")
        say("Seeding banks (synthetic images and the trader's contacts)…")
        try await seed(script, store: store)
        let apiKey = APIKeys.generate()
        _ = try await store.createAPIKey(name: "demo", role: .admin, keyHash: APIKeys.hash(apiKey), prefix: APIKeys.prefix(apiKey))

        var console = try ConsoleOptions.parse(["--vault-key-file", keyFile]).settings(environment: [:])
        console.reporter = ReporterSettings(
            espName: "Example Social (demo)", espService: "Posts",
            reportingPerson: ReporterSettings.Person(firstName: "Demo", lastName: "Reporter", email: "reports@example.com"),
            contactPerson: ReporterSettings.Person(firstName: "Safety", lastName: "Team", email: "safety@example.com"))
        console.tipline = TiplineSettings(
            endpoint: URL(string: "https://fake-cybertipline.invalid/ispws")!,
            credentials: TiplineCredentials(username: "demo", password: "demo"),
            transport: FakeTiplineServer(username: "demo", password: "demo"))
        var configuration = ServerConfiguration(host: "127.0.0.1", port: port)
        configuration.console = console
        configuration.canaryInterval = nil
        configuration.retroactiveWindow = .seconds(7 * 86_400)

        let engine = MatchEngine(store: store, logger: logger)
        let lists = ListFollower(store: store, lexicon: lexicon, logger: logger)
        let accounts = AccountRegistry(graph: AccountGraph(scanner: TextScanner(lexicon: lexicon)), store: store, logger: logger)
        _ = try await accounts.load()
        let app = try await BulwarkServer.makeApplication(configuration: configuration, store: store, engine: engine, lists: lists,
                                                          accounts: accounts, logger: logger)
        let base = "http://127.0.0.1:\(port)"
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            do {
                try await Self.waitUntilReady(base)
                say("Playing the story through POST /v1/content:")
                var surprises = 0
                for (n, step) in script.steps.enumerated() {
                    let (status, verdict) = try await Self.post(base + step.request.path, body: step.request.body, key: apiKey)
                    let got = verdict ?? (status < 300 ? "ok" : "HTTP \(status)")
                    let mark: String
                    if let expected = step.expectedVerdict, expected != got {
                        mark = "  (expected \(expected))"
                        surprises += 1
                    } else {
                        mark = ""
                    }
                    say(String(format: "%3d. ", n + 1) + step.caption + " → " + got + mark)
                }
                if surprises > 0 { say("\(surprises) step(s) did not get the verdict the story expects; see above.") }
                // The case builder works inside the intake; give the index a moment for retroactive work.
                try await Task.sleep(for: .milliseconds(300))
                let open = try await store.queueSummaries()
                say("")
                say("Cases waiting for review: " + (open.isEmpty ? "none" : open.map { "\($0.queue) (\($0.count))" }.joined(separator: ", ")))
                say("")
                say("Review console: \(base)/console")
                for (name, role) in [("demo-specialist", ReviewerRole.specialist), ("demo-reviewer", .reviewer), ("demo-admin", .admin)] {
                    var reviewer = try await store.reviewer(named: name)
                    if reviewer == nil { reviewer = try await store.createReviewer(name: name, role: role, at: Date()) }
                    guard let reviewer else { continue }
                    let link = try await ConsoleLogins.issue(store: store, reviewer: reviewer, baseURL: base, lifetime: 3_600)
                    say("One-time login (\(role.rawValue)): \(link)")
                }
                say("API key for this demo (admin): \(apiKey)")
                if exitAfterSeed {
                    await services.triggerGracefulShutdown()
                } else {
                    say("Serving until Ctrl-C.")
                }
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
            try await group.waitForAll()
        }
        await store.shutdown()
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bulwark-demo-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return path
    }

    func seed(_ script: DemoScript, store: some BulwarkStore) async throws {
        for bank in script.hashBanks {
            let created = try await store.bank(named: bank.name, orCreate: NewBank(name: bank.name, category: bank.category))
            var entries: [NewEntry] = []
            for image in bank.images {
                let hashes = try MediaHasher.hash(image.png)
                entries.append(NewEntry(signalType: .pdq, value: hashes.pdq.hex, source: "demo", note: image.label))
                entries.append(NewEntry(signalType: .md5, value: hashes.md5, source: "demo", note: image.label))
            }
            _ = try await store.addEntries(entries, toBank: created.id)
        }
        for bank in script.listBanks {
            let created = try await store.bank(named: bank.name, orCreate: NewBank(name: bank.name, category: "demo-contacts"))
            let entries = bank.entries.compactMap { entry in
                ListSignalType(rawValue: entry.type).map { NewListEntry(signalType: $0, value: entry.value, source: "demo") }
            }
            _ = try await store.addListEntries(entries, toBank: created.id)
        }
    }

    static func waitUntilReady(_ base: String) async throws {
        for _ in 0..<300 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(2)),
               response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the demo server did not become ready within 30 s.")
    }

    /// Posts one step; returns the HTTP status and the verdict, when the answer has one.
    static func post(_ url: String, body: String, key: String) async throws -> (Int, String?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: bytes)) as? [String: Any]
        return (Int(response.status.code), object?["verdict"] as? String)
    }
}

extension BulwarkStore {
    /// The bank with this name, created as `bank` describes when it does not exist yet.
    func bank(named name: String, orCreate bank: NewBank) async throws -> Bank {
        do { return try await self.bank(named: name) } catch StoreError.bankNotFound { return try await createBank(bank) }
    }
}

/// Writes a line to standard output at once (not through stdio's buffer), so a script that starts
/// the demo in the background reads the links as soon as they are printed.
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
