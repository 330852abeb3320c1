import AuditChain
import Foundation
import Testing
@testable import Storage

/// The actions outbox contract: idempotent enqueueing, leases that keep workers apart, retries,
/// dead letters and an operator's retry.
@Suite("Storage: actions outbox")
struct OutboxStorageTests {
    /// A time safely after anything enqueued so far (actions are due from their enqueue time).
    static func later(_ seconds: Double = 1) -> Date { Date().addingTimeInterval(seconds) }

    @Test(arguments: TestBackend.available)
    func enqueueIsIdempotent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let before = Millis.date(Millis.now())
            let ids = try await store.enqueueActions(
                [action("k1", decision: "d1", content: "post-1"), action("k2", decision: "d1"), action("k1", decision: "d1")],
                audit: [auditEvent("action.enqueued", subject: "d1")])
            #expect(ids.count == 3 && ids[0] != nil && ids[1] != nil && ids[2] == nil, "a repeated key gets nil")
            #expect(ids[0] != ids[1])
            let first = try await store.action(id: try #require(ids[0]))
            #expect(first.idempotencyKey == "k1" && first.decisionId == "d1" && first.contentId == "post-1")
            #expect(first.action == "remove" && first.targetAccount == "acct-1" && first.payload == action("k1", decision: "d1").payload)
            #expect(first.status == .pending && first.attempts == 0 && first.deliveredAt == nil && first.lastError == nil)
            #expect(first.createdAt >= before && first.nextAttemptAt == first.createdAt)
            #expect(try await store.auditHead().sequence == 1)

            // Known keys again: nothing new, and no audit of an enqueue that did not happen.
            let again = try await store.enqueueActions([action("k2", decision: "d9"), action("k3", decision: "d1")],
                                                       audit: [auditEvent("action.enqueued", subject: "d1")])
            #expect(again[0] == nil && again[1] != nil)
            #expect(try await store.auditHead().sequence == 2)
            let none = try await store.enqueueActions([action("k1", decision: "d1")], audit: [auditEvent("action.enqueued", subject: "d1")])
            #expect(none == [nil])
            #expect(try await store.auditHead().sequence == 2)
            #expect(try await store.enqueueActions([], audit: []) == [])

            #expect(try await store.actions(decisionId: "d1").map(\.idempotencyKey) == ["k1", "k2", "k3"])
            #expect(try await store.actions(decisionId: "d9").isEmpty)
            await expectError(.actionNotFound(424_242)) { try await store.action(id: 424_242) }
            #expect(StoreError.actionNotFound(424_242).description.contains("no action with id 424242"))
            await expectError(.invalidField(field: "payload of action 1", reason: "it contains the control character U+0000")) {
                try await store.enqueueActions([action("k8", decision: "d"), NewAction(idempotencyKey: "k9", decisionId: "d",
                    contentId: nil, action: "remove", targetAccount: nil, payload: "\u{0}")], audit: [])
            }
            await expectError(.invalidField(field: "detail of audit event 0", reason: "it contains the control character U+0000")) {
                try await store.enqueueActions([action("k8", decision: "d")], audit: [auditEvent("k", subject: "s", detail: "\u{0}")])
            }
            #expect(try await allActions(store).count == 3, "rejected batches wrote nothing")
        }
    }

    @Test(arguments: TestBackend.available)
    func claimLeasesAndComplete(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let ids = try await store.enqueueActions((0..<5).map { action("k\($0)", decision: "d") }, audit: []).compactMap { $0 }
            let now = Self.later()
            #expect(try await store.claimActions(owner: "w1", limit: 5, now: Date(timeIntervalSince1970: 0), lease: .seconds(30)).isEmpty,
                    "nothing is due before it was enqueued")

            let first = try await store.claimActions(owner: "w1", limit: 3, now: now, lease: .seconds(30))
            #expect(first.map(\.id) == Array(ids.prefix(3)), "oldest first, in id order")
            let rest = try await store.claimActions(owner: "w2", limit: 10, now: now, lease: .seconds(30))
            #expect(rest.map(\.id) == Array(ids.suffix(2)))
            #expect(try await store.claimActions(owner: "w3", limit: 10, now: now.addingTimeInterval(29), lease: .seconds(30)).isEmpty,
                    "leased actions are not claimed again while the lease runs")

            // w1 delivers two of its three.
            #expect(try await store.completeAction(id: first[0].id, owner: "w1", at: now, audit: nil))
            #expect(try await store.completeAction(id: first[1].id, owner: "w1", at: now.addingTimeInterval(1),
                                                   audit: auditEvent("action.delivered", subject: "k1")))
            let delivered = try await store.action(id: first[0].id)
            #expect(delivered.status == .delivered && delivered.attempts == 1 && delivered.deliveredAt == Millis.date(Millis.from(now)))
            #expect(try await store.auditHead().sequence == 1)
            // Completing again, or by someone else, writes nothing.
            #expect(try await !store.completeAction(id: first[0].id, owner: "w1", at: now, audit: auditEvent("x", subject: "y")))
            #expect(try await !store.completeAction(id: rest[0].id, owner: "w1", at: now, audit: auditEvent("x", subject: "y")))
            #expect(try await store.auditHead().sequence == 1, "no audit for a completion that did not happen")
            #expect(try await store.action(id: rest[0].id).status == .pending)

            // The lease runs out: another worker takes the undelivered ones, and the first worker's
            // late completion is refused.
            let after = now.addingTimeInterval(31)
            let taken = try await store.claimActions(owner: "w3", limit: 10, now: after, lease: .seconds(30))
            #expect(taken.map(\.id) == [first[2].id] + rest.map(\.id))
            #expect(try await !store.completeAction(id: first[2].id, owner: "w1", at: after, audit: nil), "the lease was lost")
            #expect(try await store.action(id: first[2].id).status == .pending)
            #expect(try await store.completeAction(id: first[2].id, owner: "w3", at: after, audit: nil))
            #expect(try await store.claimActions(owner: "w4", limit: 10, now: after.addingTimeInterval(3_600), lease: .seconds(1))
                .map(\.id) == rest.map(\.id), "delivered actions are never claimed again")

            let stats = try await store.outboxStats()
            #expect(stats.pending == 2 && stats.delivered == 3 && stats.dead == 0)
            #expect(stats.oldestPendingCreatedAt == (try await store.action(id: rest[0].id)).createdAt)
        }
    }

    @Test(arguments: TestBackend.available)
    func batchedCompletionsWriteOnlyWhatTheirOwnersHold(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let ids = try await store.enqueueActions((0..<4).map { action("b\($0)", decision: "d") }, audit: []).compactMap { $0 }
            let now = Self.later()
            let mine = try await store.claimActions(owner: "w1", limit: 3, now: now, lease: .seconds(30))
            let theirs = try await store.claimActions(owner: "w2", limit: 1, now: now, lease: .seconds(30))
            #expect(mine.count == 3 && theirs.count == 1)
            let outcomes = try await store.completeActions([
                ActionCompletion(id: mine[0].id, owner: "w1", at: now, audit: auditEvent("action.delivered", subject: "b0")),
                ActionCompletion(id: theirs[0].id, owner: "w1", at: now, audit: auditEvent("action.delivered", subject: "b3")),
                ActionCompletion(id: mine[1].id, owner: "w1", at: now, audit: nil),
                ActionCompletion(id: mine[0].id, owner: "w1", at: now, audit: auditEvent("action.delivered", subject: "again")),
                ActionCompletion(id: mine[2].id, owner: "w1", at: now, audit: auditEvent("action.delivered", subject: "b2")),
            ])
            #expect(outcomes == [true, false, true, false, true], "another worker's lease and a second completion write nothing")
            #expect(try await store.action(id: theirs[0].id).status == .pending)
            let audit = try await store.auditRecords(after: 0, limit: 10)
            #expect(audit.map(\.subject) == ["b0", "b2"], "audit records only for the completions that happened, in order")
            #expect(try await store.outboxStats().delivered == 3)
            #expect(try await store.completeActions([]) == [])
            _ = ids
        }
    }

    @Test(arguments: TestBackend.available)
    func failRetriesThenDeadLetters(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let id = try #require(try await store.enqueueActions([action("k", decision: "d")], audit: [])[0])
            let now = Self.later()
            let claimed = try await store.claimActions(owner: "w1", limit: 1, now: now, lease: .seconds(60))
            #expect(claimed.map(\.id) == [id])

            #expect(try await store.failAction(id: id, owner: "intruder", error: "x", retryAt: now, audit: auditEvent("x", subject: "y")) == nil,
                    "only the lease's owner records a failure")
            #expect(try await store.auditHead().sequence == 0)

            let retryAt = now.addingTimeInterval(60)
            let failed = try #require(try await store.failAction(id: id, owner: "w1", error: "HTTP 503", retryAt: retryAt,
                                                                 audit: auditEvent("action.failed", subject: "k")))
            #expect(failed.status == .pending && failed.attempts == 1 && failed.lastError == "HTTP 503")
            #expect(failed.nextAttemptAt == Millis.date(Millis.from(retryAt)))
            #expect(try await store.auditHead().sequence == 1)
            #expect(try await store.failAction(id: id, owner: "w1", error: "again", retryAt: nil, audit: nil) == nil,
                    "a failure clears the lease")

            // Not due before retryAt, even though the lease is clear; due after.
            #expect(try await store.claimActions(owner: "w2", limit: 1, now: now.addingTimeInterval(59), lease: .seconds(60)).isEmpty)
            let second = try await store.claimActions(owner: "w2", limit: 1, now: retryAt, lease: .seconds(60))
            #expect(second.map(\.id) == [id] && second[0].attempts == 1)

            // Errors are kept to 1,000 characters, with NUL replaced.
            let long = "\u{0}" + String(repeating: "é", count: 1_500)
            let dead = try #require(try await store.failAction(id: id, owner: "w2", error: long, retryAt: nil, audit: nil))
            #expect(dead.status == .dead && dead.attempts == 2)
            #expect(dead.lastError?.count == 1_000 && dead.lastError?.hasPrefix("\u{FFFD}é") == true)
            #expect(try await store.action(id: id) == dead)
            #expect(try await store.claimActions(owner: "w3", limit: 10, now: now.addingTimeInterval(86_400), lease: .seconds(60)).isEmpty,
                    "dead letters are never claimed")
            let stats = try await store.outboxStats()
            #expect(stats == OutboxStats(pending: 0, dead: 1, delivered: 0, oldestPendingCreatedAt: nil))
        }
    }

    @Test(arguments: TestBackend.available)
    func operatorRetry(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let ids = try await store.enqueueActions((0..<3).map { action("k\($0)", decision: "d") }, audit: []).compactMap { $0 }
            let now = Self.later()
            _ = try await store.claimActions(owner: "w", limit: 3, now: now, lease: .seconds(3_600))
            _ = try await store.failAction(id: ids[0], owner: "w", error: "gone", retryAt: nil, audit: nil)
            _ = try await store.completeAction(id: ids[1], owner: "w", at: now, audit: nil)

            // A dead letter starts over, due when the operator says, keeping its last error.
            let at = now.addingTimeInterval(120)
            let revived = try await store.retryAction(id: ids[0], at: at, audit: auditEvent("action.retried", subject: "k0"))
            #expect(revived.status == .pending && revived.attempts == 0 && revived.lastError == "gone")
            #expect(revived.nextAttemptAt == Millis.date(Millis.from(at)))
            #expect(try await store.auditHead().sequence == 1)
            #expect(try await store.claimActions(owner: "w2", limit: 10, now: at.addingTimeInterval(-1), lease: .seconds(1)).isEmpty)
            #expect(try await store.claimActions(owner: "w2", limit: 10, now: at, lease: .seconds(1)).map(\.id) == [ids[0]])

            // A pending action (leased, here) is only moved in time: the lease and count stay.
            let moved = try await store.retryAction(id: ids[2], at: now, audit: nil)
            #expect(moved.status == .pending && moved.nextAttemptAt == Millis.date(Millis.from(now)))
            #expect(try await store.completeAction(id: ids[2], owner: "w", at: now, audit: nil), "the worker's lease survived")

            await expectError(.actionDelivered(ids[1])) {
                try await store.retryAction(id: ids[1], at: now, audit: auditEvent("action.retried", subject: "k1"))
            }
            await expectError(.actionNotFound(999_999)) { try await store.retryAction(id: 999_999, at: now, audit: nil) }
            #expect(try await store.auditHead().sequence == 1, "refused retries audit nothing")
            #expect(StoreError.actionDelivered(ids[1]).description.contains("already delivered"))
        }
    }

    @Test(arguments: TestBackend.available)
    func pagingAndStats(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            #expect(try await store.outboxStats() == OutboxStats(pending: 0, dead: 0, delivered: 0, oldestPendingCreatedAt: nil))
            let ids = try await store.enqueueActions((0..<25).map { action("k\($0)", decision: "d\($0 % 4)") }, audit: [])
                .compactMap { $0 }
            #expect(ids.count == 25 && ids == ids.sorted(), "ids follow the caller's order")
            let now = Self.later()
            let claimed = try await store.claimActions(owner: "w", limit: 10, now: now, lease: .seconds(60))
            for action in claimed.prefix(6) { _ = try await store.completeAction(id: action.id, owner: "w", at: now, audit: nil) }
            for action in claimed.suffix(4) { _ = try await store.failAction(id: action.id, owner: "w", error: "e", retryAt: nil, audit: nil) }

            #expect(try await allActions(store).map(\.id) == ids)
            #expect(try await allActions(store, status: .delivered).map(\.id) == Array(ids[0..<6]))
            #expect(try await allActions(store, status: .dead).map(\.id) == Array(ids[6..<10]))
            #expect(try await allActions(store, status: .pending).map(\.id) == Array(ids[10...]))
            #expect(try await store.actions(status: nil, after: ids[3], limit: 2).map(\.id) == [ids[4], ids[5]])
            #expect(try await store.actions(status: .pending, after: 0, limit: 1).map(\.id) == [ids[10]])
            #expect(try await store.actions(decisionId: "d1").map(\.idempotencyKey) == ["k1", "k5", "k9", "k13", "k17", "k21"])
            let stats = try await store.outboxStats()
            #expect(stats.pending == 15 && stats.delivered == 6 && stats.dead == 4)
            #expect(stats.oldestPendingCreatedAt == (try await store.action(id: ids[10])).createdAt)
            for limit in [0, 1_001] {
                await expectError(.invalidLimit(name: "limit", value: limit, allowed: 1...1_000)) {
                    try await store.actions(status: nil, after: 0, limit: limit)
                }
                await expectError(.invalidLimit(name: "claim limit", value: limit, allowed: 1...1_000)) {
                    try await store.claimActions(owner: "w", limit: limit, now: now, lease: .seconds(1))
                }
            }
            await expectError(.invalidField(field: "lease", reason: "it must be longer than zero and at most a day")) {
                try await store.claimActions(owner: "w", limit: 1, now: now, lease: .zero)
            }
            await expectError(.invalidField(field: "lease owner", reason: "it is empty")) {
                try await store.claimActions(owner: "", limit: 1, now: now, lease: .seconds(1))
            }
        }
    }

    /// Workers in two processes (on PostgreSQL: two stores) claiming at once never get the same
    /// action, and together they deliver every action exactly once.
    @Test(arguments: TestBackend.available)
    func concurrentClaimersNeverShareAnAction(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            // As in `concurrentAppendersAndAFollower`: SQLite gives no fairness between two
            // connections' writers, so there the writers share one store.
            let second: SQLStore = backend == .postgres ? try await database.openAnother() : store
            do {
                try await Self.claimConcurrently(store, second)
            } catch {
                if backend == .postgres { await second.shutdown() }
                throw error
            }
            if backend == .postgres { await second.shutdown() }
        }
    }

    static func claimConcurrently(_ store: SQLStore, _ second: SQLStore) async throws {
        let total = 300
        let ids = try await store.enqueueActions((0..<total).map { action("k\($0)", decision: "d\($0 % 10)") }, audit: [])
        #expect(ids.compactMap { $0 }.count == total)
        let now = later()
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for w in 0..<6 {
                let target = w.isMultiple(of: 2) ? store : second
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await target.claimActions(owner: "worker-\(w)", limit: 7, now: now, lease: .seconds(600))
                        if batch.isEmpty { return mine }
                        for action in batch {
                            #expect(try await target.completeAction(id: action.id, owner: "worker-\(w)", at: now,
                                                                    audit: auditEvent("action.delivered", subject: action.idempotencyKey)))
                        }
                        mine += batch.map(\.id)
                    }
                }
            }
            var all: [Int64] = []
            for try await mine in group { all += mine }
            return all
        }
        #expect(claims.count == total, "every action claimed once")
        #expect(Set(claims).count == total, "no action claimed twice")
        #expect(try await store.outboxStats().delivered == total)
        let verified = try await verifyAuditLog(store)
        #expect(verified.problem == nil && verified.checked == Int64(total))
    }
}
