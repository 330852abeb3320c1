import AuditChain
import Foundation
import Testing
@testable import Storage

/// The audit log contract: one hash chain whatever path appends to it, dense under concurrency,
/// and tampering with the stored rows is found by `AuditChain.Verifier`.
@Suite("Storage: audit log")
struct AuditStorageTests {
    @Test(arguments: TestBackend.available)
    func emptyLogAndRoundTrip(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            #expect(try await store.auditHead() == AuditHead(sequence: 0, hash: AuditChain.genesis))
            #expect(try await store.auditRecords(after: 0, limit: 10).isEmpty)
            #expect(try await verifyAuditLog(store).problem == nil)
            #expect(try await store.appendAudit([]) == [])

            let detail = "{\"name\":\"caf\u{E9} \u{1F600} \u{2028}\",\"tab\":\"\t\"}"
            let events = [
                NewAuditEvent(at: Date(timeIntervalSince1970: 1_700_000_000.1234), kind: "bank.created",
                              actor: "reviewer:zoë", subject: "TEST_BANK", detail: detail),
                NewAuditEvent(at: Date(timeIntervalSince1970: -86_400.5), kind: "policy.loaded", actor: "system",
                              subject: "default@3", detail: ""),
            ]
            let records = try await store.appendAudit(events)
            #expect(records.map(\.sequence) == [1, 2])
            #expect(records[0].at == 1_700_000_000_123 && records[1].at == -86_400_500, "milliseconds, rounded")
            #expect(records[0].previousHash == AuditChain.genesis && records[1].previousHash == records[0].hash)
            #expect(records.allSatisfy { $0.hashIsValid })
            #expect(records[0].kind == "bank.created" && records[0].actor == "reviewer:zoë" && records[0].subject == "TEST_BANK")
            #expect(Array(records[0].detail.utf8) == Array(detail.utf8))

            let stored = try await store.auditRecords(after: 0, limit: 10)
            #expect(stored == records)
            #expect(try await store.auditHead() == AuditHead(sequence: 2, hash: records[1].hash))
            #expect(try await store.auditRecords(after: 1, limit: 10) == [records[1]])
            #expect(try await store.auditRecords(after: 0, limit: 1) == [records[0]])
            for limit in [0, 100_001] {
                await expectError(.invalidLimit(name: "limit", value: limit, allowed: 1...100_000)) {
                    try await store.auditRecords(after: 0, limit: limit)
                }
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func invalidEventsWriteNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let good = auditEvent("k", subject: "s")
            let cases: [(NewAuditEvent, StoreError)] = [
                (auditEvent("", subject: "s"), .invalidField(field: "kind of audit event 1", reason: "it is empty")),
                (auditEvent("k", subject: "", actor: "a"), .invalidField(field: "subject of audit event 1", reason: "it is empty")),
                (auditEvent("k", subject: "s", actor: "a\u{1B}"),
                 .invalidField(field: "actor of audit event 1", reason: "character 2 is the control character U+001B")),
                (auditEvent("k", subject: "s", detail: "\u{0}"),
                 .invalidField(field: "detail of audit event 1", reason: "it contains the control character U+0000")),
                (auditEvent("k", subject: "s", detail: String(repeating: "d", count: (1 << 20) + 1)),
                 .invalidField(field: "detail of audit event 1", reason: "it has 1048577 bytes in UTF-8; the limit is 1048576")),
                (auditEvent("k", subject: "s", at: .distantPast.addingTimeInterval(-1e300)),
                 .invalidField(field: "time of audit event 1", reason: "it is outside the years the store can represent")),
            ]
            for (bad, error) in cases {
                await expectError(error) { try await store.appendAudit([good, bad, good]) }
            }
            let head = try await store.auditHead()
            #expect(head.sequence == 0)
            #expect(try await rowCount(store, "bulwark_audit_log") == 0)
        }
    }

    /// Every path that appends (plain appends, intake, enqueue, complete, fail, retry) extends one
    /// chain, and each returns exactly the records it stored.
    @Test(arguments: TestBackend.available)
    func appendsFromEveryPathFormOneChain(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var returned = try await store.appendAudit([auditEvent("policy.loaded", subject: "default@1")])
            for outcome in try await store.recordIntake([intake(0, audit: 2), intake(1, audit: 0), intake(2, audit: 1)]) {
                if case .recorded(let audit) = outcome { returned += audit }
            }
            let ids = try await store.enqueueActions([action("manual-1", decision: "dec-m"), action("manual-2", decision: "dec-m")],
                                                     audit: [auditEvent("action.enqueued", subject: "dec-m")])
            #expect(ids.allSatisfy { $0 != nil })
            returned += try await store.auditRecords(after: returned.last?.sequence ?? 0, limit: 10)

            let now = Date().addingTimeInterval(1)
            let claimed = try await store.claimActions(owner: "w1", limit: 100, now: now, lease: .seconds(60))
            #expect(claimed.count == 8, "two per recorded content, and the two enqueued")
            #expect(try await store.completeAction(id: claimed[0].id, owner: "w1", at: now,
                                                   audit: auditEvent("action.delivered", subject: claimed[0].idempotencyKey)))
            _ = try await store.failAction(id: claimed[1].id, owner: "w1", error: "HTTP 500", retryAt: nil,
                                           audit: auditEvent("action.dead", subject: claimed[1].idempotencyKey))
            _ = try await store.retryAction(id: claimed[1].id, at: now,
                                            audit: auditEvent("action.retried", subject: claimed[1].idempotencyKey))
            returned += try await store.auditRecords(after: returned.last?.sequence ?? 0, limit: 10)
            returned += try await store.appendAudit([auditEvent("bank.created", subject: "b"), auditEvent("bank.deleted", subject: "b")])

            let all = try await allAuditRecords(store)
            #expect(all == returned)
            #expect(all.map(\.sequence) == Array(1...Int64(all.count)))
            #expect(all.map(\.kind) == ["policy.loaded", "decision", "decision", "decision", "action.enqueued",
                                         "action.delivered", "action.dead", "action.retried", "bank.created", "bank.deleted"])
            let verified = try await verifyAuditLog(store)
            #expect(verified.problem == nil && verified.checked == 10)
            #expect(try await store.auditHead() == AuditHead(sequence: 10, hash: all[9].hash))
        }
    }

    /// Many appenders at once (on PostgreSQL through two stores, as two processes): the chain is
    /// dense, sound, and each append got its own numbers.
    @Test(arguments: TestBackend.available)
    func concurrentAppendsKeepTheChainDense(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            // As in `concurrentAppendersAndAFollower`: SQLite gives no fairness between two
            // connections' writers, so there the writers share one store.
            let second: SQLStore = backend == .postgres ? try await database.openAnother() : store
            do {
                try await Self.appendConcurrently(store, second)
            } catch {
                if backend == .postgres { await second.shutdown() }
                throw error
            }
            if backend == .postgres { await second.shutdown() }
        }
    }

    static func appendConcurrently(_ store: SQLStore, _ second: SQLStore) async throws {
        let tasks = 8, appends = 50
        let sequences = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for t in 0..<tasks {
                let target = t.isMultiple(of: 2) ? store : second
                group.addTask {
                    var mine: [Int64] = []
                    for i in 0..<appends {
                        // Every third append is two events, to mix batch sizes.
                        let count = i % 3 == 0 ? 2 : 1
                        let events = (0..<count).map { auditEvent("test", subject: "task-\(t)", detail: #"{"i":\#(i),"e":\#($0)}"#) }
                        let records = try await target.appendAudit(events)
                        #expect(records.count == count && records.map(\.sequence) == Array(records[0].sequence...records[0].sequence + Int64(count - 1)))
                        mine += records.map(\.sequence)
                    }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await mine in group {
                #expect(mine == mine.sorted(), "one task's records are in its order")
                all += mine
            }
            return all
        }
        let expected = tasks * (appends + (appends + 2) / 3)
        #expect(sequences.count == expected)
        #expect(sequences.sorted() == Array(1...Int64(expected)), "dense: every number once")
        let verified = try await verifyAuditLog(store)
        #expect(verified.problem == nil && verified.checked == Int64(expected))
        #expect(try await store.auditHead().sequence == Int64(expected))
    }

    /// What the verifier reports for each kind of tampering with the stored log.
    @Test(arguments: TestBackend.available)
    func tamperingIsFound(_ backend: TestBackend) async throws {
        let forgedDetail = #"{"n":"forged"}"#
        let cases: [(name: String, sql: ([AuditRecord]) -> [String], expected: AuditChain.Problem)] = [
            ("a detail edited", { _ in [#"UPDATE bulwark_audit_log SET detail = '{"n":"forged"}' WHERE seq = 5"#] },
             .edited(sequence: 5)),
            ("a time edited", { _ in ["UPDATE bulwark_audit_log SET at = at + 1 WHERE seq = 3"] }, .edited(sequence: 3)),
            ("a record removed", { _ in ["DELETE FROM bulwark_audit_log WHERE seq = 7"] }, .missing(after: 6, found: 8)),
            ("a record rewritten with a valid hash of its own", { records in
                // Someone who knows the hash recipe rewrites record 5 consistently; record 6 no
                // longer follows it.
                let r = records[4]
                let forged = AuditChain.hash(sequence: 5, at: r.at, kind: r.kind, actor: r.actor, subject: r.subject,
                                             detail: forgedDetail, previousHash: r.previousHash)
                return ["UPDATE bulwark_audit_log SET detail = '\(forgedDetail)', hash = '\(forged)' WHERE seq = 5"]
            }, .brokenLink(sequence: 6)),
            ("the last records removed", { _ in ["DELETE FROM bulwark_audit_log WHERE seq >= 9"] },
             .truncated(last: 8, head: 10)),
            ("the head rewritten", { _ in ["UPDATE bulwark_audit_head SET hash = '\(String(repeating: "f", count: 64))'"] },
             .headMismatch(sequence: 10)),
            ("a record slipped in behind the head's back", { records in
                // A well-formed record 11 that did not go through the store: the head still says 10.
                let forged = AuditRecord.chained(after: (10, records[9].hash), at: 0, kind: "test", actor: "a", subject: "s",
                                                 detail: "{}")
                return ["INSERT INTO bulwark_audit_log (seq, at, kind, actor, subject, detail, prev_hash, hash) "
                    + "VALUES (11, 0, 'test', 'a', 's', '{}', '\(forged.previousHash)', '\(forged.hash)')"]
            }, .outOfOrder(after: 10, found: 11)),
        ]
        for (name, sql, expected) in cases {
            try await withStore(backend) { store, _ in
                let records = try await store.appendAudit((0..<10).map { auditEvent("test", subject: "s", detail: #"{"n":\#($0)}"#) })
                #expect(try await verifyAuditLog(store).problem == nil)
                for statement in sql(records) { try await store.executeForTesting(statement) }
                let found = try await verifyAuditLog(store).problem
                #expect(found == expected, "\(name)")
            }
        }
    }
}
