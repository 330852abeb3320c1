import AccountGraph
import AccountGraphEval
import AccountRegistry
import ArgumentParser
import Foundation
import Signals
import Storage

struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Link accounts to the actors behind them and catch ban evasion.",
        subcommands: [AccountsReplayCommand.self, AccountsEvalCommand.self]
    )
}

/// `--db`: an SQLite file or a postgres:// URL, where a replay keeps the account log.
func openAccountStore(_ spec: String) async throws -> any BulwarkStore {
    spec.hasPrefix("postgres://") || spec.hasPrefix("postgresql://")
        ? try await openStore(postgresURL: spec) : try await openStore(sqlitePath: spec)
}

extension Duration {
    /// The duration in seconds (at least a nanosecond, so rates never divide by zero).
    var seconds: Double { max(1e-9, Double(components.seconds) + Double(components.attoseconds) / 1e18) }
}

struct AccountsReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay account history (JSON lines on standard input, in time order) and screen every signup and edit.",
        discussion: """
            Input, one JSON object per line:
              {"event":"account","id","at","handle","displayName","bio","avatarPdq","signals":{"email","phone","devices":[…],"ips":[…],"payments":[…]}}
              {"event":"ban","id","at","reason"}
            and, for appeals, {"event":"unban","id","at"}, {"event":"unlink","id","other","at"}, {"event":"detach","id","at"}.
            A repeated id is a profile edit; every field but "event" and "id" may be missing. "at" is \
            an ISO 8601 time or seconds since 1970.

            Output: for every account event, one line
              {"id","at","risk","decision","bannedMatch","bannedActor","actor","signup","evidence":[{"kind","value","account","weight","detail"}]}
            with "at" as the input wrote it, decision allow | review | block, and bannedMatch the banned \
            account the screened one most likely belongs to (or null).

            A malformed line is reported on standard error with its line number and skipped; the \
            replay goes on (exit status 0, or 1 with --strict). Without --db the graph lives in memory \
            only; with it, events are also written to that database's account log, so `bulwark \
            serve` on the same database starts from the replayed history (and a second replay \
            continues it).

            Examples:
              bulwark accounts replay < history.jsonl > screens.jsonl
              bulwark accounts replay --db bulwark-data/bulwark.sqlite --lists hotline=handles.txt < history.jsonl
            """
    )

    @Option(help: ArgumentHelp("An SQLite file or a postgres:// URL to keep the account log in (default: memory only).", valueName: "path-or-url"))
    var db: String?

    @OptionGroup var text: TextSignalOptions

    @Option(help: "Events written to the database per transaction.")
    var batch = 1_000

    @Flag(help: "Exit with status 1 when any line was malformed.")
    var strict = false

    @Option(help: "Lines longer than this many bytes are reported and skipped.")
    var maxLineBytes = EventDecoder.maximumBytes

    func run() async throws {
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 100000.") }
        let scanner = try text.makeScanner()
        var store: (any BulwarkStore)? = nil
        if let db { store = try await openAccountStore(db) }
        let registry = AccountRegistry(graph: AccountGraph(scanner: scanner), store: store)
        if store != nil {
            let report = try await registry.load()
            if report.events > 0 {
                printError("continuing a log of \(report.events) events (\(report.accounts) accounts), read in \(String(format: "%.1f", report.seconds)) s")
            }
        }

        let out = BufferedOutput()
        var reader = LineReader(fileDescriptor: 0, maxLineLength: maxLineBytes)
        var decoder = EventDecoder()
        var pending: [(line: Int, decoded: DecodedEvent)] = []
        var counts = (events: 0, accounts: 0, malformed: 0, unknown: 0)
        let started = ContinuousClock.now

        func flush() async throws {
            guard !pending.isEmpty else { return }
            let outcomes: [AccountGraph.Outcome]
            do {
                outcomes = try await registry.record(pending.map(\.decoded.event))
            } catch {
                throw ValidationError("cannot write to the account log: \(error) (events up to line \(pending.first!.line - 1) were recorded)")
            }
            for (entry, outcome) in zip(pending, outcomes) {
                switch outcome {
                case .screened(let screening):
                    out.write(screening.json(atJSON: entry.decoded.atJSON))
                case .unknownAccount(let id):
                    counts.unknown += 1
                    printError("line \(entry.line): \(Self.kindName(entry.decoded.event)) for an account never seen (\(JSONString.quote(id))); ignored")
                case .applied:
                    break
                }
            }
            pending.removeAll(keepingCapacity: true)
        }

        while let line = reader.next() {
            switch line {
            case .oversized(let number, let length):
                counts.malformed += 1
                printError("line \(number): \(length) bytes; the limit is \(maxLineBytes) (--max-line-bytes); skipped")
            case .text(let number, let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                switch decoder.decode(bytes) {
                case .failure(let problem):
                    counts.malformed += 1
                    printError("line \(number): \(problem.message); skipped")
                case .success(let decoded):
                    counts.events += 1
                    if case .account = decoded.event { counts.accounts += 1 }
                    pending.append((number, decoded))
                    // In memory there is nothing to batch; with a database, one transaction per batch.
                    if store == nil || pending.count >= batch { try await flush() }
                }
            }
        }
        try await flush()
        out.flush()
        let seconds = (ContinuousClock.now - started).seconds
        let stats = await registry.statistics
        printError("replayed \(counts.events) events (\(counts.accounts) signups and edits) in \(String(format: "%.2f", seconds)) s, "
            + "\(Int(Double(counts.events) / seconds)) events/s; \(stats.accounts) accounts, \(stats.actors) actors, \(stats.banned) banned; "
            + "\(counts.malformed) malformed line(s), \(counts.unknown) event(s) for unknown accounts")
        await store?.shutdown()
        if strict && counts.malformed > 0 { throw ExitCode(1) }
    }

    static func kindName(_ event: AccountEvent) -> String {
        switch event {
        case .account: "account"
        case .ban: "ban"
        case .unban: "unban"
        case .unlink: "unlink"
        case .detach: "detach"
        }
    }
}

struct AccountsEvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Simulate a platform with ordinary users and returning traders; print how many re-created accounts are caught.",
        discussion: """
            The simulator: ordinary users (carrier-NAT IP ranges, default avatars, popular pictures, \
            shared kiosk devices, households, their own Telegram channels, gyms with "VIP packages" \
            in their bios, clear and hashed e-mails) and trader actors who open account after account, \
            each time keeping only some of their signals (sometimes one, sometimes disguised, sometimes \
            added only in the first profile edit), and are banned each time. Every event goes through \
            the same screen as `bulwark accounts replay` and the API.

            Printed: the share of re-created trader accounts that get review or block at signup or at \
            their first profile edit (target >= 90%), the share of ordinary users' events that get \
            anything but allow (target <= 0.5%), the time from re-creation to catch, and a table per \
            kind of signal carried over. --write DIR saves events.jsonl (the replay input), \
            labels.jsonl and screens.jsonl, to rerun with `bulwark accounts replay`.
            """
    )

    @Option(help: "Random seed (the same seed gives the same platform).")
    var seed: UInt64 = 1
    @Option(help: "Ordinary users.")
    var users = 20_000
    @Option(help: "Trader actors.")
    var traders = 150
    @Option(help: "Days of platform history.")
    var days = 60
    @Option(help: "Run the events through the account log in this database (an SQLite file or a postgres:// URL) instead of memory only.")
    var db: String?
    @Option(help: "Write the events, labels and screens to this directory.")
    var write: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Flag(help: "Exit with status 1 when a target is missed.")
    var check = false

    func validate() throws {
        guard (0...10_000_000).contains(users) else { throw ValidationError("--users must be 0…10000000.") }
        guard (0...100_000).contains(traders) else { throw ValidationError("--traders must be 0…100000.") }
        guard (1...3_650).contains(days) else { throw ValidationError("--days must be 1…3650.") }
    }

    func run() async throws {
        let simulation = Simulation.generate(SimulationConfig(seed: seed, ordinaryUsers: users, traders: traders, days: days))
        var screenings: [Screening?] = []
        screenings.reserveCapacity(simulation.events.count)
        let started = ContinuousClock.now
        if let db {
            let store = try await openAccountStore(db)
            let registry = AccountRegistry(store: store)
            _ = try await registry.load()
            var start = 0
            while start < simulation.events.count {
                let batch = Array(simulation.events[start..<min(start + 1_000, simulation.events.count)])
                for outcome in try await registry.record(batch) {
                    if case .screened(let screening) = outcome { screenings.append(screening) } else { screenings.append(nil) }
                }
                start += batch.count
            }
            await store.shutdown()
        } else {
            var graph = AccountGraph(expectedAccounts: users + traders * 8)
            for event in simulation.events {
                if case .screened(let screening) = graph.apply(event) { screenings.append(screening) } else { screenings.append(nil) }
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let report = EvalReport(simulation: simulation, screenings: screenings)
        if json {
            print(report.json)
        } else {
            print(report.text, terminator: report.text.hasSuffix("\n") ? "" : "\n")
            print("\(simulation.events.count) events screened in \(String(format: "%.2f", seconds)) s (\(Int(Double(simulation.events.count) / seconds)) events/s)")
        }
        if let write {
            try FileManager.default.createDirectory(atPath: write, withIntermediateDirectories: true)
            let events = simulation.events.map(\.json).joined(separator: "\n") + "\n"
            try events.write(toFile: write + "/events.jsonl", atomically: true, encoding: .utf8)
            let labels = simulation.labels.keys.sorted().map { id -> String in
                let label = simulation.labels[id]!
                let role: String
                switch label.role {
                case .ordinary: role = "\"ordinary\""
                case .trader(let actor): role = "\"trader\",\"actor\":\(actor)"
                }
                return "{\"id\":\(JSONString.quote(id)),\"role\":\(role),\"incarnation\":\(label.incarnation),\"recreated\":\(label.recreated),"
                    + "\"carried\":[\(label.carried.map(JSONString.quote).joined(separator: ","))],\"carriedFromEdit\":\(label.carriedFromEdit)}"
            }
            try (labels.joined(separator: "\n") + "\n").write(toFile: write + "/labels.jsonl", atomically: true, encoding: .utf8)
            let screens = screenings.compactMap { $0?.json() }.joined(separator: "\n") + "\n"
            try screens.write(toFile: write + "/screens.jsonl", atomically: true, encoding: .utf8)
            if !json { print("written to \(write)/ (events.jsonl, labels.jsonl, screens.jsonl)") }
        }
        if check && !report.passes { throw ExitCode(1) }
    }
}
