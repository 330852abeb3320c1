import AccountGraph
import Foundation
import Logging
import Testing
@testable import AccountRegistry
@testable import Storage

/// SQLite files always; PostgreSQL (a private schema) when `BULWARK_TEST_POSTGRES_URL` is set.
enum Backend: String, CaseIterable, Sendable {
    case sqlite, postgres

    static let available: [Backend] =
        (ProcessInfo.processInfo.environment["BULWARK_TEST_POSTGRES_URL"] ?? "").isEmpty ? [.sqlite] : allCases
    static let quiet = Logger(label: "bulwark.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Opens `count` stores on one fresh database (as `count` processes would), runs `body`, cleans up.
    func withStores(_ count: Int = 1, _ body: ([SQLStore]) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-accounts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            var stores: [SQLStore] = []
            for _ in 0..<count {
                stores.append(try await SQLStore.sqlite(path: directory.appendingPathComponent("b.sqlite").path,
                                                        options: SQLiteOptions(logger: Self.quiet)))
            }
            _ = try await stores[0].migrate()
            do { try await body(stores) } catch { for store in stores { await store.shutdown() }; throw error }
            for store in stores { await store.shutdown() }
        case .postgres:
            let url = ProcessInfo.processInfo.environment["BULWARK_TEST_POSTGRES_URL"]!
            let schema = "acct_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try await SQLStore.postgres(url: url, options: PostgresOptions(maxConnections: 1, logger: Self.quiet))
            try await admin.executeForTesting("CREATE SCHEMA \(schema)")
            var stores: [SQLStore] = []
            for _ in 0..<count {
                stores.append(try await SQLStore.postgres(url: url, options: PostgresOptions(maxConnections: 2, schema: schema, logger: Self.quiet)))
            }
            _ = try await stores[0].migrate()
            var failure: (any Error)?
            do { try await body(stores) } catch { failure = error }
            for store in stores { await store.shutdown() }
            try await admin.executeForTesting("DROP SCHEMA \(schema) CASCADE")
            await admin.shutdown()
            if let failure { throw failure }
        }
    }
}

let t0: Milliseconds = 1_767_225_600_000
let hour: Milliseconds = 3_600_000

func screening(_ outcome: AccountGraph.Outcome) -> Screening? {
    if case .screened(let screening) = outcome { return screening }
    return nil
}

/// A small history: a trader banned twice, an ordinary user, a family sharing a device.
let history: [AccountEvent] = [
    .account(AccountProfile(id: "s1", at: t0, handle: "vip_shop1", bio: "full menu, prices in DM: t.me/vipshop_x",
                            signals: PrivateSignals(devices: ["dev-s"], ips: ["198.51.100.0/24"]))),
    .account(AccountProfile(id: "o1", at: t0 + 1, handle: "anna_runs", bio: "marathons and coffee",
                            signals: PrivateSignals(email: "anna@example.org", devices: ["dev-o"]))),
    .ban(id: "s1", at: t0 + hour, reason: "solicitation"),
    .account(AccountProfile(id: "s2", at: t0 + 2 * hour, handle: "vip.shop2", bio: "new page",
                            signals: PrivateSignals(devices: ["dev-s"]))),
    .account(AccountProfile(id: "s2", at: t0 + 3 * hour, bio: "menu: tg - vipshop_x")),
    .ban(id: "s2", at: t0 + 4 * hour, reason: "evasion"),
]

@Suite("AccountRegistry: the account log")
struct AccountRegistryTests {
    @Test(arguments: Backend.available)
    func restartRebuildsTheSameGraph(_ backend: Backend) async throws {
        try await backend.withStores { stores in
            let first = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let outcomes = try await first.record(history)
            #expect(screening(outcomes[3])?.decision == .block)    // the device, the handle pattern, soon after the ban
            #expect(screening(outcomes[4])?.decision == .block)    // then the handle, in the first edit
            #expect(screening(outcomes[4])?.bannedMatch == "s1")
            let probe = AccountProfile(id: "s3", at: t0 + 5 * hour, bio: "✈️ vipshop_x")
            let before = try await first.screen(probe)

            // A new process on the same database starts from the log.
            let second = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let report = try await second.load()
            #expect(report.events == history.count)
            #expect(report.accounts == 3)
            #expect(report.unreadable == 0)
            let after = try await second.screen(probe)
            #expect(after == before)
            #expect(after.decision == .block)
            #expect(await second.actor(of: "s1")?.accounts.map(\.id) == ["s1", "s2"])
            #expect(await second.statistics.banned == 2)
            let timeline = try await second.timeline(ofActor: "s2")
            #expect(timeline.map(\.kind) == [.account, .ban, .account, .account, .ban])
        }
    }

    @Test(arguments: Backend.available)
    func processesSharingADatabaseStayInStep(_ backend: Backend) async throws {
        try await backend.withStores(2) { stores in
            let a = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let b = AccountRegistry(store: stores[1], logger: Backend.quiet)
            _ = try await a.record(history[0])
            _ = try await a.record(history[2])
            // b has applied nothing yet; recording catches it up first.
            let back = try #require(screening(try await b.record(.account(AccountProfile(id: "s9", at: t0 + 9 * hour, bio: "t.me/vipshop_x")))))
            #expect(back.decision == .block)
            #expect(back.bannedMatch == "s1")
            // And a sees b's event before its next answer.
            #expect(await a.summary(of: "s9") == nil)
            _ = try await a.record(.account(AccountProfile(id: "o5", at: t0 + 10 * hour)))
            #expect(await a.summary(of: "s9") != nil)
            #expect(await a.actorID(of: "s9") == "s1")
        }
    }

    @Test(arguments: Backend.available)
    func eventsForUnknownAccountsAreNotLogged(_ backend: Backend) async throws {
        try await backend.withStores { stores in
            let registry = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let outcomes = try await registry.record([
                .ban(id: "ghost", at: t0, reason: nil),
                .account(AccountProfile(id: "x", at: t0)),
                .ban(id: "x", at: t0 + 1, reason: nil),
                .unlink(id: "x", other: "ghost2", at: t0 + 2),
            ])
            #expect(outcomes[0] == .unknownAccount("ghost"))
            #expect(outcomes[2] == .applied)
            #expect(outcomes[3] == .unknownAccount("ghost2"))
            let logged = try await stores[0].accountEvents(after: 0, limit: 100)
            #expect(logged.map(\.accountId) == ["x", "x"])
            #expect(logged.map(\.kind) == [.account, .ban])
        }
    }

    @Test(arguments: Backend.available)
    func unreadableLogRecordsAreSkippedAndCounted(_ backend: Backend) async throws {
        try await backend.withStores { stores in
            _ = try await stores[0].appendAccountEvents([
                NewAccountEvent(accountId: "a", kind: .account, at: Date(timeIntervalSince1970: 1), payload: "{\"event\":\"account\",\"id\":\"a\",\"at\":1000}"),
                NewAccountEvent(accountId: "b", kind: .account, at: Date(timeIntervalSince1970: 2), payload: "not json"),
                NewAccountEvent(accountId: "a", kind: .ban, at: Date(timeIntervalSince1970: 3), payload: "{\"event\":\"ban\",\"id\":\"a\",\"at\":3000}"),
            ])
            let registry = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let report = try await registry.load()
            #expect(report.events == 3)
            #expect(report.unreadable == 1)
            #expect(report.accounts == 1)
            #expect(await registry.statistics.banned == 1)
        }
    }
}

@Suite("AccountRegistry: reading events")
struct EventDecoderTests {
    func decode(_ line: String, _ decoder: inout EventDecoder) -> Result<DecodedEvent, EventProblem> {
        decoder.decode(Array(line.utf8))
    }

    @Test func readsTheReplayContract() throws {
        var decoder = EventDecoder()
        let line = """
            {"event":"account","id":"a1","at":"2026-01-01T10:00:00.5+01:00","handle":"h","displayName":"D","bio":"b",\
            "avatarPdq":"\(String(repeating: "F0", count: 32))","signals":{"email":"e","phone":"p","devices":["d1","d2"],"ips":["i"],"payments":[]},"extra":1}
            """
        let decoded = try decode(line, &decoder).get()
        guard case .account(let profile) = decoded.event else { Issue.record("not an account"); return }
        #expect(profile.id == "a1")
        #expect(profile.at == 1_767_258_000_500)
        #expect(decoded.atJSON == "\"2026-01-01T10:00:00.5+01:00\"")
        #expect(profile.avatarPDQ?.hex == String(repeating: "f0", count: 32))
        #expect(profile.signals == PrivateSignals(email: "e", phone: "p", devices: ["d1", "d2"], ips: ["i"]))
        #expect(profile.bio == "b" && profile.handle == "h" && profile.displayName == "D")

        // Seconds, milliseconds, and a missing time (the previous event's).
        let ban = try decode(#"{"event":"ban","id":"a1","at":1767261600,"reason":"r"}"#, &decoder).get()
        #expect(ban.event == .ban(id: "a1", at: 1_767_261_600_000, reason: "r"))
        #expect(ban.atJSON == "1767261600")
        let ms = try decode(#"{"event":"unban","id":"a1","at":1767261600123}"#, &decoder).get()
        #expect(ms.event.at == 1_767_261_600_123)
        let missing = try decode(#"{"event":"detach","id":"a1"}"#, &decoder).get()
        #expect(missing.event.at == 1_767_261_600_123)
        let unlink = try decode(#"{"event":"unlink","id":"a1","other":7,"at":1}"#, &decoder).get()
        #expect(unlink.event == .unlink(id: "a1", other: "7", at: 1_000))
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1]", "expected a JSON object"),
        (#"{"id":"a"}"#, "\"event\" is missing"),
        (#"{"event":"follow","id":"a"}"#, "\"event\" must be account, ban"),
        (#"{"event":"account"}"#, "\"id\" is missing"),
        (#"{"event":"account","id":""}"#, "\"id\" must be 1 to 256 bytes"),
        (#"{"event":"account","id":true}"#, "\"id\" must be a string"),
        (#"{"event":"account","id":"a","at":"yesterday"}"#, "\"at\" must be an ISO 8601 time"),
        (#"{"event":"account","id":"a","at":false}"#, "\"at\" must be an ISO 8601 time or a number"),
        (#"{"event":"account","id":"a","avatarPdq":"abc"}"#, "\"avatarPdq\" must be a PDQ hash"),
        (#"{"event":"account","id":"a","bio":5}"#, "\"bio\" must be a string"),
        (#"{"event":"account","id":"a","signals":[]}"#, "\"signals\" must be an object"),
        (#"{"event":"account","id":"a","signals":{"devices":[1]}}"#, "\"signals.devices\" must be an array of strings"),
        (#"{"event":"unlink","id":"a"}"#, "\"other\" is missing"),
    ])
    func reportsWhatIsWrong(_ line: String, _ expected: String) {
        var decoder = EventDecoder()
        switch decode(line, &decoder) {
        case .success: Issue.record("accepted \(line)")
        case .failure(let problem): #expect(problem.message.hasPrefix(expected), "\(problem.message)")
        }
    }

    @Test func problemsNeverRepeatTheValue() {
        var decoder = EventDecoder()
        let secret = "secret-bio-text-\u{2028}"
        guard case .failure(let problem) = decode(#"{"event":"account","id":"a","avatarPdq":"\#(secret)"}"#, &decoder) else {
            Issue.record("accepted"); return
        }
        #expect(!problem.message.contains("secret"))
        guard case .failure = decoder.decode([0xFF, 0xFE]) else { Issue.record("accepted invalid UTF-8"); return }
    }

    @Test func iso8601Times() {
        #expect(EventDecoder.iso8601("1970-01-01T00:00:00Z") == 0)
        #expect(EventDecoder.iso8601("2026-01-01T00:00:00Z") == 1_767_225_600_000)
        #expect(EventDecoder.iso8601("2024-02-29T12:30:15.25Z") == 1_709_209_815_250)
        #expect(EventDecoder.iso8601("2026-01-01T00:00:00-05:30") == Milliseconds(1_767_245_400_000))
        #expect(EventDecoder.iso8601("2026-13-01T00:00:00Z") == nil)
        #expect(EventDecoder.iso8601("2026-01-01T00:00:00") == nil)
        #expect(EventDecoder.iso8601("2026-01-01T00:00:00Zjunk") == nil)
    }
}

@Suite("AccountRegistry: concurrency")
struct AccountRegistryConcurrencyTests {
    @Test(arguments: Backend.available)
    func concurrentRecordsApplyEveryEventOnce(_ backend: Backend) async throws {
        try await backend.withStores { stores in
            let registry = AccountRegistry(store: stores[0], logger: Backend.quiet)
            let outcomes = try await withThrowingTaskGroup(of: AccountGraph.Outcome.self) { group in
                for n in 0..<60 {
                    group.addTask {
                        try await registry.record(.account(AccountProfile(id: "c\(n % 20)", at: t0 + Milliseconds(n), bio: "hello \(n)")))
                    }
                    if n % 7 == 0 { group.addTask { .screened(try await registry.screen(AccountProfile(id: "probe", at: t0))) } }
                }
                var all: [AccountGraph.Outcome] = []
                for try await outcome in group { all.append(outcome) }
                return all
            }
            // Every account event was answered by its own screen, never applied by someone else's catch-up.
            #expect(outcomes.count == 69)
            #expect(outcomes.allSatisfy { if case .screened = $0 { true } else { false } })
            let logged = try await stores[0].accountEvents(after: 0, limit: 1_000)
            #expect(logged.count == 60)
            let statistics = await registry.statistics
            #expect(statistics.accounts == 20)
            #expect(statistics.logSequence == logged.last?.sequence)
            // A fresh process agrees.
            let fresh = AccountRegistry(store: stores[0], logger: Backend.quiet)
            #expect(try await fresh.load().events == 60)
            #expect(await fresh.statistics.accounts == 20)
        }
    }
}
