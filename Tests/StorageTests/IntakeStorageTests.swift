import AuditChain
import Foundation
import Testing
@testable import Storage

// MARK: - Fixtures shared by the intake, outbox, audit and recent-media tests

/// A fixed platform time, so stored times can be compared exactly.
let intakeEpoch = Date(timeIntervalSince1970: 1_700_000_000)

/// Content `n` with a response that names it.
func content(_ n: Int, id: String? = nil, decision: String? = nil, account: String? = "acct-1") -> NewContent {
    NewContent(contentId: id ?? "post-\(n)", decisionId: decision ?? "dec-\(n)", kind: "post", accountId: account,
               at: intakeEpoch.addingTimeInterval(Double(n)), verdict: n.isMultiple(of: 2) ? "allow" : "remove",
               requestDigest: hex(n, .sha256), response: #"{"decision":"dec-\#(n)","n":\#(n)}"#)
}

/// An action of decision `decision`, keyed deterministically.
func action(_ key: String, decision: String, content: String? = nil, kind: String = "remove") -> NewAction {
    NewAction(idempotencyKey: key, decisionId: decision, contentId: content, action: kind, targetAccount: "acct-1",
              payload: #"{"key":"\#(key)","action":"\#(kind)"}"#)
}

/// An audit event about `subject`.
func auditEvent(_ kind: String, subject: String, detail: String = "{}", actor: String = "api-key:test",
                at: Date = intakeEpoch) -> NewAuditEvent {
    NewAuditEvent(at: at, kind: kind, actor: actor, subject: subject, detail: detail)
}

/// The hashes of media item `index` of content `n`.
func media(_ n: Int, index: Int = 0, id: String? = nil, at: Date? = nil, pdq: Bool = true) -> RecentMedia {
    let seed = n * 16 + index
    return RecentMedia(contentId: id ?? "post-\(n)", decisionId: "dec-\(n)", mediaIndex: index,
                       at: at ?? intakeEpoch.addingTimeInterval(Double(n)),
                       pdq: pdq ? Array(digest(hex(seed)).bytes) : nil, md5: hex(seed, .md5), sha256: hex(seed, .sha256))
}

/// The full intake of content `n`: `actions` actions, one decision audit event, `mediaCount` items.
func intake(_ n: Int, id: String? = nil, decision: String? = nil, actions count: Int = 2, audit: Int = 1,
            mediaCount: Int = 1) -> IntakeRecord {
    let content = content(n, id: id, decision: decision)
    return IntakeRecord(
        content: content,
        actions: (0..<count).map { action("\(content.decisionId):a\($0)", decision: content.decisionId, content: content.contentId) },
        audit: (0..<audit).map { auditEvent("decision", subject: content.decisionId, detail: #"{"n":\#(n),"e":\#($0)}"#) },
        media: (0..<mediaCount).map { media(n, index: $0, id: content.contentId) })
}

/// Walks the whole audit log with `AuditChain.Verifier` and compares its end with the head.
/// Returns the first problem (nil for a sound chain) and how many records were checked.
func verifyAuditLog(_ store: some BulwarkStore, pageSize: Int = 1_000) async throws -> (problem: AuditChain.Problem?, checked: Int64) {
    var verifier = AuditChain.Verifier()
    var cursor: Int64 = 0
    while true {
        let page = try await store.auditRecords(after: cursor, limit: pageSize)
        guard let last = page.last else { break }
        for record in page {
            if let problem = verifier.check(record) { return (problem, verifier.checked) }
        }
        cursor = last.sequence
    }
    let head = try await store.auditHead()
    return (verifier.finish(head: (head.sequence, head.hash)), verifier.checked)
}

/// Every audit record, in order.
func allAuditRecords(_ store: some BulwarkStore) async throws -> [AuditRecord] {
    var all: [AuditRecord] = []
    var cursor: Int64 = 0
    while true {
        let page = try await store.auditRecords(after: cursor, limit: 1_000)
        guard let last = page.last else { return all }
        all += page
        cursor = last.sequence
    }
}

/// Every action in the outbox, in id order.
func allActions(_ store: some BulwarkStore, status: ActionStatus? = nil) async throws -> [ActionRecord] {
    var all: [ActionRecord] = []
    var cursor: Int64 = 0
    while true {
        let page = try await store.actions(status: status, after: cursor, limit: 1_000)
        guard let last = page.last else { return all }
        all += page
        cursor = last.id
    }
}

/// How many rows `table` has.
func rowCount(_ store: SQLStore, _ table: String) async throws -> Int64 {
    try await store.rowCountForTesting(table)
}

/// The content intake contract: every test runs against each backend in `TestBackend.available`.
@Suite("Storage: content intake")
struct IntakeStorageTests {
    @Test(arguments: TestBackend.available)
    func recordsEverythingAndReplaysAsExisting(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let records = (0..<3).map { intake($0, actions: 2, audit: 2, mediaCount: 2) }
            let earliest = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
            let outcomes = try await store.recordIntake(records)
            let latest = Date().addingTimeInterval(0.001)
            #expect(outcomes.count == 3)
            var chained: [AuditRecord] = []
            for (outcome, record) in zip(outcomes, records) {
                guard case .recorded(let audit) = outcome else {
                    Issue.record("expected .recorded, got \(outcome)")
                    continue
                }
                #expect(audit.map(\.detail) == record.audit.map(\.detail))
                #expect(audit.allSatisfy { $0.subject == record.content.decisionId && $0.kind == "decision" })
                chained += audit
            }
            #expect(chained.map(\.sequence) == Array(1...6), "one chain, in record order")
            #expect(try await allAuditRecords(store) == chained, "the returned records are what is stored")

            // The content row, field by field.
            for record in records {
                let stored = try #require(try await store.content(id: record.content.contentId))
                let c = record.content
                #expect(stored.contentId == c.contentId && stored.decisionId == c.decisionId && stored.kind == c.kind)
                #expect(stored.accountId == c.accountId && stored.at == c.at && stored.verdict == c.verdict)
                #expect(stored.requestDigest == c.requestDigest && stored.response == c.response)
                #expect(stored.recordedAt >= earliest && stored.recordedAt <= latest)
                let actions = try await store.actions(decisionId: c.decisionId)
                #expect(actions.map(\.idempotencyKey) == record.actions.map(\.idempotencyKey))
                #expect(actions.allSatisfy { $0.status == .pending && $0.attempts == 0 && $0.contentId == c.contentId })
                #expect(actions.map(\.payload) == record.actions.map(\.payload))
                #expect(actions.allSatisfy { $0.createdAt == stored.recordedAt && $0.nextAttemptAt == stored.recordedAt })
            }
            let media = try await store.recentMedia(md5: records[1].media[1].md5!.uppercased(), since: .distantPast)
            #expect(media.map(\.media) == [records[1].media[1]])
            #expect(try await rowCount(store, "bulwark_recent_media") == 6)

            // A replay with another response and other actions gets the first answer back and
            // writes nothing.
            var replay = intake(1, actions: 3, audit: 1, mediaCount: 1)
            replay.content.response = #"{"decision":"other"}"#
            replay.content.decisionId = "dec-other"
            replay.actions = [action("replay-key", decision: "dec-other")]
            let head = try await store.auditHead()
            let again = try await store.recordIntake([replay])
            let original = try #require(try await store.content(id: "post-1"))
            #expect(again == [.existing(original)])
            #expect(original.response == records[1].content.response && original.decisionId == "dec-1")
            #expect(try await store.auditHead() == head)
            #expect(try await allActions(store).count == 6)
            #expect(try await store.actions(decisionId: "dec-other").isEmpty)
            #expect(try await rowCount(store, "bulwark_recent_media") == 6)

            let verified = try await verifyAuditLog(store)
            #expect(verified.problem == nil && verified.checked == 6)
            #expect(try await store.content(id: "never-seen") == nil)
            #expect(try await store.recordIntake([]) == [])
            await expectError(.invalidField(field: "content id", reason: "it is empty")) { try await store.content(id: "") }
        }
    }

    @Test(arguments: TestBackend.available)
    func repeatedContentIdsInOneBatch(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.recordIntake([intake(9)])
            let stored9 = try #require(try await store.content(id: "post-9"))

            // A, B, A again (another decision), C, B again, and content recorded before.
            let a2 = intake(100, id: "post-0", decision: "dec-a2")
            let b2 = intake(101, id: "post-1", decision: "dec-b2")
            let again9 = intake(102, id: "post-9", decision: "dec-9b")
            let batch = [intake(0), intake(1), a2, intake(2), b2, again9]
            let outcomes = try await store.recordIntake(batch)
            #expect(outcomes.count == 6)
            guard case .recorded = outcomes[0], case .recorded = outcomes[1], case .recorded = outcomes[3] else {
                Issue.record("first occurrences must be recorded: \(outcomes)")
                return
            }
            let stored0 = try #require(try await store.content(id: "post-0"))
            let stored1 = try #require(try await store.content(id: "post-1"))
            #expect(outcomes[2] == .existing(stored0), "a repeat answers with the first occurrence as stored")
            #expect(outcomes[4] == .existing(stored1))
            #expect(outcomes[5] == .existing(stored9))
            #expect(stored0.decisionId == "dec-0" && stored1.decisionId == "dec-1")

            // Nothing of the repeats was written.
            #expect(try await store.actions(decisionId: "dec-a2").isEmpty)
            #expect(try await store.actions(decisionId: "dec-b2").isEmpty)
            #expect(try await store.actions(decisionId: "dec-9b").isEmpty)
            #expect(try await allAuditRecords(store).map(\.subject) == ["dec-9", "dec-0", "dec-1", "dec-2"])
            #expect(try await rowCount(store, "bulwark_recent_media") == 4)
            #expect(try await rowCount(store, "bulwark_content") == 4)
            #expect(try await verifyAuditLog(store).problem == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func duplicateActionKeysAreSkipped(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let earlier = try await store.enqueueActions([action("shared-key", decision: "dec-earlier")], audit: [])
            #expect(earlier.count == 1 && earlier[0] != nil)

            var first = intake(0, actions: 0)
            first.actions = [action("shared-key", decision: "dec-0"), action("k1", decision: "dec-0"),
                             action("k1", decision: "dec-0", kind: "suspend_actor"), action("k2", decision: "dec-0")]
            var second = intake(1, actions: 0)
            second.actions = [action("k2", decision: "dec-1"), action("k3", decision: "dec-1")]
            let outcomes = try await store.recordIntake([first, second])
            #expect(outcomes.allSatisfy { if case .recorded = $0 { true } else { false } })

            let all = try await allActions(store)
            #expect(all.map(\.idempotencyKey).sorted() == ["k1", "k2", "k3", "shared-key"])
            #expect(all.first { $0.idempotencyKey == "shared-key" }?.decisionId == "dec-earlier", "the existing action is untouched")
            #expect(all.first { $0.idempotencyKey == "k1" }?.action == "remove", "the first occurrence wins")
            #expect(all.first { $0.idempotencyKey == "k2" }?.decisionId == "dec-0")
            #expect(try await store.actions(decisionId: "dec-0").map(\.idempotencyKey) == ["k1", "k2"])
            #expect(try await store.actions(decisionId: "dec-1").map(\.idempotencyKey) == ["k3"])
        }
    }

    @Test(arguments: TestBackend.available)
    func invalidRecordsRejectTheWholeBatch(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let secret = "secret-\u{7}-value"
            func batch(_ change: (inout IntakeRecord) -> Void) -> [IntakeRecord] {
                var bad = intake(5)
                change(&bad)
                return [intake(0), intake(1), bad]
            }
            let oversized = "\"" + String(repeating: "é", count: 524_288) + "\""
            let cases: [(records: [IntakeRecord], error: StoreError)] = [
                (batch { $0.content.contentId = "" }, .invalidField(field: "content id of record 2", reason: "it is empty")),
                (batch { $0.content.contentId = secret },
                 .invalidField(field: "content id of record 2", reason: "character 8 is the control character U+0007")),
                (batch { $0.content.decisionId = String(repeating: "d", count: 257) },
                 .invalidField(field: "decision id of record 2", reason: "it has 257 bytes in UTF-8; the limit is 256")),
                (batch { $0.content.accountId = "a\nb" },
                 .invalidField(field: "account id of record 2", reason: "character 2 is the control character U+000A")),
                (batch { $0.content.kind = "" }, .invalidField(field: "kind of record 2", reason: "it is empty")),
                (batch { $0.content.verdict = "" }, .invalidField(field: "verdict of record 2", reason: "it is empty")),
                (batch { $0.content.requestDigest = "" }, .invalidField(field: "request digest of record 2", reason: "it is empty")),
                (batch { $0.content.at = .distantFuture.addingTimeInterval(1e300) },
                 .invalidField(field: "time of record 2", reason: "it is outside the years the store can represent")),
                (batch { $0.content.response = oversized },
                 .invalidField(field: "response of record 2", reason: "it has 1048578 bytes in UTF-8; the limit is 1048576")),
                (batch { $0.content.response = "{\"a\":\"\u{0}\"}" },
                 .invalidField(field: "response of record 2", reason: "it contains the control character U+0000")),
                (batch { $0.actions[1].idempotencyKey = "" },
                 .invalidField(field: "idempotency key of action 1 of record 2", reason: "it is empty")),
                (batch { $0.actions[0].payload = "\u{0}" },
                 .invalidField(field: "payload of action 0 of record 2", reason: "it contains the control character U+0000")),
                (batch { $0.actions[0].targetAccount = "\u{85}" },
                 .invalidField(field: "target account of action 0 of record 2", reason: "character 1 is the control character U+0085")),
                (batch { $0.audit[0].detail = "\u{0}" },
                 .invalidField(field: "detail of audit event 0 of record 2", reason: "it contains the control character U+0000")),
                (batch { $0.audit[0].actor = "" }, .invalidField(field: "actor of audit event 0 of record 2", reason: "it is empty")),
                (batch { $0.media[0].pdq = Array(repeating: 1, count: 31) },
                 .invalidField(field: "pdq of media 0 of record 2", reason: "it has 31 bytes; a PDQ hash has 32")),
                (batch { $0.media[0].md5 = "z" + String(hex(1, .md5).dropFirst()) },
                 .invalidField(field: "md5 of media 0 of record 2", reason: "character 1 is not a hex digit")),
                (batch { $0.media[0].sha256 = hex(1, .md5) },
                 .invalidField(field: "sha256 of media 0 of record 2", reason: "it has 32 bytes; expected 64 hex characters")),
                (batch { $0.media[0].mediaIndex = -1 }, .invalidField(field: "index of media 0 of record 2", reason: "it is negative")),
                // Two different pieces of content may not share a decision.
                (batch { $0.content.decisionId = "dec-0" },
                 .invalidField(field: "decision id of record 2", reason: "record 0 has the same decision id for other content")),
            ]
            for (records, error) in cases {
                await expectError(error) { try await store.recordIntake(records) }
                #expect(!error.description.contains("secret"), "values are never repeated")
            }
            #expect(try await rowCount(store, "bulwark_content") == 0, "nothing was written")
            #expect(try await rowCount(store, "bulwark_actions") == 0)
            #expect(try await rowCount(store, "bulwark_recent_media") == 0)
            #expect(try await store.auditHead() == AuditHead(sequence: 0, hash: AuditChain.genesis))

            // The limits themselves are accepted, and media without any hash is fine.
            var largest = intake(7)
            largest.content.response = "\"" + String(repeating: "a", count: (1 << 20) - 2) + "\""
            largest.content.contentId = String(repeating: "é", count: 128)
            largest.content.accountId = nil
            largest.media = [RecentMedia(contentId: largest.content.contentId, decisionId: "dec-7", mediaIndex: 3,
                                         at: intakeEpoch, pdq: nil, md5: nil, sha256: nil)]
            let outcome = try await store.recordIntake([largest])
            #expect(outcome.count == 1)
            let stored = try #require(try await store.content(id: largest.content.contentId))
            #expect(stored.response == largest.content.response && stored.accountId == nil)
        }
    }

    /// A decision id already recorded for other content is a caller's bug, not a replay: the
    /// batch is refused and none of it is written.
    @Test(arguments: TestBackend.available)
    func decisionIdOfOtherContentRejectsTheBatch(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.recordIntake([intake(0)])
            let head = try await store.auditHead()
            let clash = intake(1, decision: "dec-0")
            await expectError(.constraintViolated("the decision id of record 1 is already recorded for other content")) {
                try await store.recordIntake([intake(2), clash])
            }
            #expect(try await store.content(id: "post-2") == nil, "the rest of the batch was rolled back")
            #expect(try await store.content(id: "post-1") == nil)
            #expect(try await store.auditHead() == head)
            #expect(try await allActions(store).count == 2)
        }
    }

    /// Batches larger than one statement, and responses large enough that statements are split
    /// by size: every row is written once and the audit chain stays dense.
    @Test(arguments: TestBackend.available)
    func largeBatchesSpanSeveralStatements(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let records = (0..<1_203).map { intake($0, actions: 2, audit: 1, mediaCount: 1) }
            let outcomes = try await store.recordIntake(records)
            let audit = outcomes.flatMap { outcome -> [AuditRecord] in
                if case .recorded(let audit) = outcome { audit } else { [] }
            }
            #expect(audit.map(\.sequence) == Array(1...1_203))
            #expect(try await rowCount(store, "bulwark_content") == 1_203)
            #expect(try await allActions(store).count == 2_406)
            #expect(try await rowCount(store, "bulwark_recent_media") == 1_203)

            var big = (0..<6).map { intake(5_000 + $0) }
            for i in big.indices {
                big[i].content.response = "\"\(i)" + String(repeating: "\u{2028}", count: 300_000) + "\""
                big[i].actions[0].payload = "\"\(i)" + String(repeating: "x", count: 900_000) + "\""
                big[i].audit[0].detail = "\"\(i)" + String(repeating: "y", count: 900_000) + "\""
            }
            let bigOutcomes = try await store.recordIntake(big)
            #expect(bigOutcomes.allSatisfy { if case .recorded(let a) = $0 { a.count == 1 } else { false } })
            for record in big {
                let stored = try #require(try await store.content(id: record.content.contentId))
                #expect(stored.response == record.content.response)
                #expect(try await store.actions(decisionId: record.content.decisionId).map(\.payload)
                        == record.actions.map(\.payload))
            }
            let verified = try await verifyAuditLog(store)
            #expect(verified.problem == nil && verified.checked == 1_209)
        }
    }

    /// Two processes recording the same content at the same moment (PostgreSQL: two stores on one
    /// database): exactly one records it, the other gets `.existing` with the winner's record, and
    /// overlapping batches in opposite orders neither deadlock nor fail.
    @Test(arguments: TestBackend.available)
    func concurrentIntakesOfTheSameContent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            // As in `concurrentAppendersAndAFollower`: SQLite gives no fairness between two
            // connections' writers, so there the writers share one store.
            let second: SQLStore = backend == .postgres ? try await database.openAnother() : store
            do {
                try await Self.race(store, second)
            } catch {
                if backend == .postgres { await second.shutdown() }
                throw error
            }
            if backend == .postgres { await second.shutdown() }
        }
    }

    static func race(_ store: SQLStore, _ second: SQLStore) async throws {
        for round in 0..<20 {
            let id = "race-\(round)"
            // Each side decides on its own, so the decision ids differ, as they would.
            // Odd rounds have no audit events, so on PostgreSQL nothing but the content row's
            // unique key orders the two transactions.
            let audit = round % 2
            async let left = store.recordIntake([intake(round, id: id, decision: "\(id)-left", audit: audit)])
            async let right = second.recordIntake([intake(round, id: id, decision: "\(id)-right", audit: audit)])
            let outcomes = try await [left, right].flatMap { $0 }
            let recorded = outcomes.filter { if case .recorded = $0 { true } else { false } }
            #expect(recorded.count == 1, "round \(round): exactly one side records the content")
            let stored = try #require(try await store.content(id: id))
            #expect(outcomes.contains(.existing(stored)))
            #expect(try await store.actions(decisionId: stored.decisionId).count == 2)
            let loser = stored.decisionId.hasSuffix("left") ? "\(id)-right" : "\(id)-left"
            #expect(try await store.actions(decisionId: loser).isEmpty, "the loser wrote nothing")
        }

        // Overlapping batches in opposite orders, with and without audit events.
        for audit in [1, 0] {
            let ids = (0..<30).map { "overlap-\(audit)-\($0)" }
            func batch(_ order: [String], side: String) -> [IntakeRecord] {
                order.map { intake(0, id: $0, decision: "\($0)-\(side)", audit: audit) }
            }
            async let left = store.recordIntake(batch(ids, side: "left"))
            async let right = second.recordIntake(batch(ids.reversed(), side: "right"))
            let (l, r) = try await (left, right)
            for (index, id) in ids.enumerated() {
                let pair = [l[index], r[ids.count - 1 - index]]
                #expect(pair.count { if case .recorded = $0 { true } else { false } } == 1, "\(id) recorded once")
                #expect(try await store.content(id: id) != nil)
            }
        }
        #expect(try await verifyAuditLog(store).problem == nil)
    }
}
