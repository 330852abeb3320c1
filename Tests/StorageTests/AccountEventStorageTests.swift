import Foundation
import Testing
@testable import Storage

/// Every record of the account event log after `sequence`, fetched in pages of `pageSize`.
func drainAccountEvents(_ store: some BulwarkStore, after sequence: Int64 = 0, pageSize: Int = 1_000)
    async throws -> [AccountEventRecord]
{
    var all: [AccountEventRecord] = []
    var cursor = sequence
    while true {
        let page = try await store.accountEvents(after: cursor, limit: pageSize)
        guard let last = page.last else { return all }
        all.append(contentsOf: page)
        cursor = last.sequence
    }
}

/// A deterministic event for tests: account `account % accounts`, a kind by turn, a distinct time
/// and a JSON payload of roughly `payloadBytes` bytes.
func accountEvent(_ n: Int, accounts: Int = 3, payloadBytes: Int = 40) -> NewAccountEvent {
    let kinds = AccountEventKind.allCases
    let filler = String(repeating: "x", count: max(0, payloadBytes - 30))
    return NewAccountEvent(accountId: "acct-\(n % accounts)", kind: kinds[n % kinds.count],
                           at: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)),
                           payload: #"{"n":\#(n),"pad":"\#(filler)"}"#)
}

/// The account event log contract: every test runs against each backend in `TestBackend.available`.
@Suite("Storage: account events")
struct AccountEventStorageTests {
    // MARK: Appending and reading

    @Test(arguments: TestBackend.available)
    func roundTripKeepsEveryField(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            // Composed and decomposed é compare equal as Swift Strings but are different bytes,
            // so the payload check below compares UTF-8.
            let payloads = [
                #"{"name":"Zoë \u00e9","bio":"line\u2028sep"}"#,
                "{\"name\":\"caf\u{E9} \u{1F600} \u{2028}\u{2029} 名前\",\"tab\":\"\t\"}",
                "{\"name\":\"cafe\u{301}\"}",
                "",
                "{\"reason\":\"spam\"}\n",
            ]
            let ats = [
                Date(timeIntervalSince1970: 1_700_000_000.123),
                Date(timeIntervalSince1970: -86_400.5),       // before 1970
                Date(timeIntervalSince1970: 1_700_000_000.1234), // sub-millisecond: rounded
                Date(timeIntervalSince1970: 0),
                Date(timeIntervalSince1970: 4_102_444_800.999),
            ]
            let kinds: [AccountEventKind] = [.account, .account, .ban, .unban, .unlink]
            let ids = ["user:1", "ユーザー\u{2028}2", "user:1", String(repeating: "é", count: 128), "x"]
            let events = (0..<5).map { NewAccountEvent(accountId: ids[$0], kind: kinds[$0], at: ats[$0], payload: payloads[$0]) }

            let before = try await store.currentSequence()
            let earliest = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            let sequences = try await store.appendAccountEvents(events)
            let latest = Date().addingTimeInterval(0.001)
            #expect(sequences == Array(before + 1...before + 5))
            #expect(try await store.currentSequence() == before + 5)

            let records = try await store.accountEvents(after: before, limit: 100)
            #expect(records.map(\.sequence) == sequences)
            for (record, event) in zip(records, events) {
                #expect(record.accountId == event.accountId && Array(record.accountId.utf8) == Array(event.accountId.utf8))
                #expect(record.kind == event.kind)
                #expect(Array(record.payload.utf8) == Array(event.payload.utf8), "payload byte for byte")
                #expect(record.at == Millis.date(Millis.from(event.at)))
                #expect(record.recordedAt >= earliest && record.recordedAt <= latest)
                #expect(record.recordedAt == records[0].recordedAt, "one recording time per append")
            }
            #expect(records[0].at.timeIntervalSince1970 == 1_700_000_000.123)
            #expect(records[1].at.timeIntervalSince1970 == -86_400.5)
            #expect(Millis.from(records[2].at) == 1_700_000_000_123, "stored to the millisecond")
            #expect(Millis.from(records[4].at) == 4_102_444_800_999)
            #expect(records[1].payload.unicodeScalars.contains("\u{2028}"))
            #expect(records[2].payload.utf8.count == "{\"name\":\"cafe\u{301}\"}".utf8.count)
            #expect(records[2].payload.utf8.count != "{\"name\":\"caf\u{E9}\"}".utf8.count)
            #expect(records[3].accountId.utf8.count == 256)
            #expect(Set(AccountEventKind.allCases.map(\.rawValue)) == ["account", "ban", "unban", "unlink", "detach"])

            // The one kind not used above, for the CHECK constraint's sake.
            let detach = try await store.appendAccountEvents([NewAccountEvent(accountId: "x", kind: .detach, at: ats[0], payload: "{}")])
            #expect(try await store.accountEvents(after: sequences[4], limit: 10).map(\.kind) == [.detach])
            #expect(detach == [before + 6])
        }
    }

    @Test(arguments: TestBackend.available)
    func sequencesFollowTheCounterAndInterleaveWithBankWrites(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "b"))
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: bank.id)
            let counter = try await store.currentSequence()
            #expect(counter == 2)

            let first = try await store.appendAccountEvents((0..<3).map { accountEvent($0) })
            #expect(first == [counter + 1, counter + 2, counter + 3])
            let renamed = try await store.renameBank(id: bank.id, to: "renamed")
            let afterRename = try await store.currentSequence()
            #expect(afterRename == counter + 4, "the bank write took the next number")
            let second = try await store.appendAccountEvents((3..<5).map { accountEvent($0) })
            #expect(second == [afterRename + 1, afterRename + 2])
            #expect(try await store.currentSequence() == afterRename + 2)
            let listed = try await store.addListEntries([NewListEntry(signalType: .domain, value: "example.org")], toBank: bank.id)
            let third = try await store.appendAccountEvents([accountEvent(5)])
            #expect(try await store.currentSequence() == third[0])

            let all = (first + second + third)
            #expect(all == all.sorted() && Set(all).count == all.count)
            #expect(try await drainAccountEvents(store).map(\.sequence) == all)
            #expect(third[0] == afterRename + 4, "the list entry took the number between")
            #expect(listed.insertedCount == 1)

            // The feeds skip the log's numbers: the rename is the only hash-feed record after the
            // first events, and the log holds nothing from the feeds.
            let changes = try await store.changes(after: counter, limit: 100)
            #expect(changes.map(\.sequence) == [afterRename])
            if case .bank(let state)? = changes.first { #expect(state.name == renamed.name) } else {
                Issue.record("expected the bank's rename, got \(changes)")
            }
            #expect(try await store.listChanges(after: afterRename, limit: 100).map(\.sequence) == [afterRename + 3])
        }
    }

    @Test(arguments: TestBackend.available)
    func pagingReturnsEverythingOnce(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            // Batches of several sizes, one larger than an INSERT statement's row count.
            var appended: [Int64] = []
            var n = 0
            for size in [1, 7, 1_203, 64] {
                appended += try await store.appendAccountEvents((n..<n + size).map { accountEvent($0, accounts: 5) })
                n += size
            }
            #expect(appended.count == 1_275)
            #expect(appended == Array(1...1_275))

            for pageSize in [1_000, 97, 1_275, 100_000] {
                let records = try await drainAccountEvents(store, pageSize: pageSize)
                #expect(records.map(\.sequence) == appended, "page size \(pageSize)")
                #expect(records.map(\.payload) == (0..<n).map { accountEvent($0, accounts: 5).payload })
            }
            let page = try await store.accountEvents(after: 10, limit: 5)
            #expect(page.map(\.sequence) == [11, 12, 13, 14, 15])
            #expect(try await store.accountEvents(after: 1_275, limit: 10).isEmpty)
            #expect(try await store.accountEvents(after: -5, limit: 2).map(\.sequence) == [1, 2])
            #expect(try await store.accountEvents(after: Int64.max, limit: 10).isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func perAccountTimeline(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let sequences = try await store.appendAccountEvents((0..<40).map { accountEvent($0, accounts: 4) })
            // An account whose id differs only in case or by a prefix must not be mixed in.
            _ = try await store.appendAccountEvents([
                NewAccountEvent(accountId: "ACCT-1", kind: .ban, at: Date(), payload: "{}"),
                NewAccountEvent(accountId: "acct-10", kind: .ban, at: Date(), payload: "{}"),
            ])
            let expected = sequences.enumerated().filter { $0.offset % 4 == 1 }.map(\.element)

            var seen: [AccountEventRecord] = []
            var cursor: Int64 = 0
            while true {
                let page = try await store.accountEvents(forAccount: "acct-1", after: cursor, limit: 3)
                guard let last = page.last else { break }
                #expect(page.count <= 3)
                seen += page
                cursor = last.sequence
            }
            #expect(seen.map(\.sequence) == expected)
            #expect(seen.allSatisfy { $0.accountId == "acct-1" })
            #expect(seen.map(\.kind) == (0..<40).filter { $0 % 4 == 1 }.map { accountEvent($0, accounts: 4).kind })

            #expect(try await store.accountEvents(forAccount: "acct-1", after: expected[4], limit: 2).map(\.sequence)
                    == Array(expected[5...6]))
            #expect(try await store.accountEvents(forAccount: "nobody", after: 0, limit: 10).isEmpty)
            #expect(try await store.accountEvents(forAccount: "ACCT-1", after: 0, limit: 10).count == 1)
            await expectError(.invalidField(field: "account id", reason: "it is empty")) {
                try await store.accountEvents(forAccount: "", after: 0, limit: 10)
            }
        }
    }

    // MARK: Validation

    @Test(arguments: TestBackend.available)
    func invalidEventsRejectTheWholeBatch(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.createBank(NewBank(name: "b"))
            let counter = try await store.currentSequence()
            let valid = (0..<4).map { accountEvent($0) }
            func batch(_ bad: NewAccountEvent, at index: Int = 2) -> [NewAccountEvent] {
                var events = valid
                events.insert(bad, at: index)
                return events
            }
            let when = Date(timeIntervalSince1970: 1_700_000_000)
            let secretId = "secret-account-\u{7}-id"
            let cases: [(events: [NewAccountEvent], error: StoreError)] = [
                (batch(NewAccountEvent(accountId: "", kind: .ban, at: when, payload: "{}")),
                 .invalidField(field: "account id of event 2", reason: "it is empty")),
                (batch(NewAccountEvent(accountId: String(repeating: "a", count: 257), kind: .ban, at: when, payload: "{}")),
                 .invalidField(field: "account id of event 2", reason: "it has 257 bytes in UTF-8; the limit is 256")),
                // 129 two-byte characters: within 256 characters but over 256 bytes.
                (batch(NewAccountEvent(accountId: String(repeating: "é", count: 129), kind: .ban, at: when, payload: "{}"), at: 0),
                 .invalidField(field: "account id of event 0", reason: "it has 258 bytes in UTF-8; the limit is 256")),
                (batch(NewAccountEvent(accountId: secretId, kind: .ban, at: when, payload: "{}"), at: 4),
                 .invalidField(field: "account id of event 4", reason: "character 16 is the control character U+0007")),
                (batch(NewAccountEvent(accountId: "a\nb", kind: .ban, at: when, payload: "{}")),
                 .invalidField(field: "account id of event 2", reason: "character 2 is the control character U+000A")),
                (batch(NewAccountEvent(accountId: "a\u{85}", kind: .ban, at: when, payload: "{}")),
                 .invalidField(field: "account id of event 2", reason: "character 2 is the control character U+0085")),
                (batch(NewAccountEvent(accountId: "a", kind: .ban, at: when, payload: String(repeating: "é", count: 524_289))),
                 .invalidField(field: "payload of event 2", reason: "it has 1048578 bytes in UTF-8; the limit is 1048576")),
                (batch(NewAccountEvent(accountId: "a", kind: .ban, at: when, payload: "{\"a\":\"\u{0}\"}"), at: 1),
                 .invalidField(field: "payload of event 1", reason: "it contains the control character U+0000")),
                (batch(NewAccountEvent(accountId: "a", kind: .ban, at: .distantFuture.addingTimeInterval(1e300), payload: "{}")),
                 .invalidField(field: "time of event 2", reason: "it is outside the years the store can represent")),
            ]
            for (events, error) in cases {
                await expectError(error) { try await store.appendAccountEvents(events) }
                #expect(!error.description.contains("secret"), "the id is never repeated")
            }
            #expect(try await store.accountEvents(after: 0, limit: 100).isEmpty, "nothing was written")
            #expect(try await store.currentSequence() == counter)

            // The limits themselves are accepted: 256 bytes of id, 1 MiB of payload.
            let largest = NewAccountEvent(accountId: String(repeating: "é", count: 128), kind: .account, at: when,
                                          payload: "\"" + String(repeating: "a", count: (1 << 20) - 2) + "\"")
            #expect(largest.payload.utf8.count == 1 << 20)
            let written = try await store.appendAccountEvents([largest, valid[0]])
            #expect(written == [counter + 1, counter + 2])
            let back = try await store.accountEvents(after: counter, limit: 10)
            #expect(back.count == 2 && back[0].payload == largest.payload && back[0].accountId == largest.accountId)
        }
    }

    /// Payloads large enough that one INSERT would be huge are split by size, and every byte
    /// still comes back.
    @Test(arguments: TestBackend.available)
    func largePayloadsAreSplitAcrossStatements(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let events = (0..<11).map { i in
                NewAccountEvent(accountId: "big", kind: .account, at: Date(timeIntervalSince1970: Double(i)),
                                payload: "\"\(i)" + String(repeating: "\u{2028}", count: 349_000) + "\"")
            }
            let sequences = try await store.appendAccountEvents(events)
            #expect(sequences == Array(1...11))
            let records = try await store.accountEvents(forAccount: "big", after: 0, limit: 100)
            #expect(records.count == 11)
            for (record, event) in zip(records, events) {
                #expect(record.payload.utf8.count == event.payload.utf8.count && record.payload == event.payload)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func invalidLimitsAndEmptyAppend(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.appendAccountEvents([accountEvent(0)])
            for limit in [0, -1, 100_001] {
                let error = StoreError.invalidLimit(name: "limit", value: limit, allowed: 1...100_000)
                await expectError(error) { try await store.accountEvents(after: 0, limit: limit) }
                await expectError(error) { try await store.accountEvents(forAccount: "acct-0", after: 0, limit: limit) }
            }
            #expect(try await store.accountEvents(after: 0, limit: 100_000).count == 1)
            #expect(try await store.accountEvents(forAccount: "acct-0", after: 0, limit: 1).count == 1)

            let counter = try await store.currentSequence()
            #expect(try await store.appendAccountEvents([]) == [])
            #expect(try await store.currentSequence() == counter)
            #expect(try await store.accountEvents(after: 0, limit: 10).count == 1)
        }
    }

    // MARK: Concurrency

    /// Several writers appending at once while bank writes take numbers too (on PostgreSQL
    /// through two stores, as two processes would): a reader that keeps advancing to the last
    /// event it read sees every event exactly once, in increasing order.
    @Test(arguments: TestBackend.available)
    func concurrentAppendersAndAFollower(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            // See `hashAndListWriters`: on SQLite a second store in one process only follows.
            let second: SQLStore = backend == .postgres ? try await database.openAnother() : store
            do {
                try await Self.appendersAndFollower(store, second)
            } catch {
                if backend == .postgres { await second.shutdown() }
                throw error
            }
            if backend == .postgres { await second.shutdown() }
        }
    }

    static func appendersAndFollower(_ store: SQLStore, _ second: SQLStore) async throws {
        let bank = try await store.createBank(NewBank(name: "busy"))
        let start = try await store.currentSequence()
        let writers = 4, perWriter = 12, batch = 9
        let done = LockedValue(false)
        defer { done.withLock { $0 = true } }
        let follower = Task { () throws -> [AccountEventRecord] in
            var seen: [AccountEventRecord] = [], cursor = start
            while true {
                let finished = done.withLock { $0 }
                let page = try await store.accountEvents(after: cursor, limit: 7)
                if let last = page.last { seen += page; cursor = last.sequence } else if finished { return seen } else {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
        }
        let appended = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<writers {
                let target = w.isMultiple(of: 2) ? store : second
                group.addTask {
                    var mine: [Int64] = []
                    for i in 0..<perWriter {
                        let events = (0..<batch).map { accountEvent(w * 10_000 + i * 100 + $0, accounts: 7) }
                        mine += try await target.appendAccountEvents(events)
                        if i.isMultiple(of: 3) {
                            _ = try await target.addEntry(NewEntry(signalType: .pdq, value: hex(w * 1_000 + i)), toBank: bank.id)
                        }
                    }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await mine in group {
                #expect(mine == mine.sorted(), "one writer's events are in its order")
                all += mine
            }
            return all
        }
        done.withLock { $0 = true }
        let seen = try await follower.value.map(\.sequence)

        #expect(appended.count == writers * perWriter * batch)
        #expect(Set(appended).count == appended.count, "no number used twice")
        #expect(seen == appended.sorted(), "the follower saw every event once, in order")
        let entries = Int64(try await store.entryCounts(bankId: bank.id).reduce(0) { $0 + $1.total })
        #expect(try await store.currentSequence() == start + Int64(appended.count) + entries)
    }

    // MARK: Migration

    /// A database as the previous Bulwark left it (schema version 2) gains the log and keeps its
    /// data; the log continues the counter's numbers.
    @Test(arguments: TestBackend.available)
    func migrationFromVersionTwo(_ backend: TestBackend) async throws {
        try await withStore(backend, migrate: false) { store, database in
            #expect(try await store.migrate(through: 2).map(\.version) == [1, 2])
            #expect(try await store.schemaVersion() == 2)
            let bank = try await store.createBank(NewBank(name: "old"))
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: bank.id)
            _ = try await store.addListEntries([NewListEntry(signalType: .url, value: url(1))], toBank: bank.id)
            let before = try await store.currentSequence()
            let feed = try await store.changes(after: 0, limit: 100)
            let lists = try await store.listChanges(after: 0, limit: 100)
            await expectError(.schemaNotMigrated) { try await store.accountEvents(after: 0, limit: 10) }
            await expectError(.schemaNotMigrated) { try await store.appendAccountEvents([accountEvent(0)]) }
            #expect(try await store.currentSequence() == before, "the failed append was rolled back")

            let upgrader: SQLStore = backend.isShareable ? try await database.openAnother() : store
            #expect(try await upgrader.migrate().map(\.version) == Array(3...Migrations.latestVersion))
            #expect(try await upgrader.schemaVersion() == Migrations.latestVersion)
            if backend.isShareable { await upgrader.shutdown() }

            #expect(try await store.currentSequence() == before)
            #expect(try await store.changes(after: 0, limit: 100) == feed)
            #expect(try await store.listChanges(after: 0, limit: 100) == lists)
            #expect(try await store.accountEvents(after: 0, limit: 10).isEmpty)
            #expect(try await store.appendAccountEvents([accountEvent(0), accountEvent(1)]) == [before + 1, before + 2])
            #expect(try await store.changes(after: before, limit: 10).isEmpty)
            #expect(try await store.migrate().isEmpty)
        }
    }
}
