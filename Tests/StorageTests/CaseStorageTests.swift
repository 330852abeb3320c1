import AuditChain
import Foundation
import Testing
@testable import Storage

// MARK: - Fixtures shared by the case, reviewer, vault and report tests

/// Content `n` (at `intakeEpoch + n` seconds) decided for review: its case item names `actor`.
/// The content's account is `account`, else `acct-<actor>`.
func caseIntake(_ n: Int, actor: String, accounts: [String] = [], account: String? = nil, severity: Int = 1,
                queue: String = "general", evidence: Int = 0, audit: Int = 1) -> IntakeRecord {
    var record = intake(n, actions: 0, audit: audit, mediaCount: 0)
    record.content.accountId = account ?? "acct-\(actor)"
    record.caseItem = NewCaseItem(actorKey: actor, accounts: accounts, severity: severity, queue: queue,
                                  summary: #"{"n":\#(n)}"#)
    record.evidence = (0..<evidence).map { vaultItem(n, index: $0) }
    return record
}

/// Evidence item `index` of content `n`, retained until `retainUntil` (a day after the content by default).
func vaultItem(_ n: Int, index: Int = 0, kind: VaultItemKind = .media, retainUntil: Date? = nil) -> NewVaultItem {
    let at = intakeEpoch.addingTimeInterval(Double(n))
    return NewVaultItem(itemId: "vault-\(n)-\(index)", contentId: "post-\(n)", kind: kind,
                        mediaIndex: kind == .media ? index : nil, sealed: Array("sealed-\(n)-\(index)".utf8),
                        keyId: "key-1", contentDigest: hex(n * 16 + index, .sha256), size: 100 + index,
                        contentType: "image/jpeg", md5: hex(n * 16 + index, .md5), sha256: hex(n * 16 + index, .sha256),
                        pdq: hex(n * 16 + index), preservedAt: at, retainUntil: retainUntil ?? at.addingTimeInterval(86_400),
                        retention: #"{"policy":"default"}"#)
}

/// Records `records` and fails the test unless every one was written.
@discardableResult
func recordAll(_ store: SQLStore, _ records: [IntakeRecord]) async throws -> [IntakeOutcome] {
    let outcomes = try await store.recordIntake(records)
    for outcome in outcomes {
        guard case .recorded = outcome else {
            Issue.record("expected .recorded, got \(outcome)")
            continue
        }
    }
    return outcomes
}

/// Runs `body` with a second store on the database (as another process), shut down however `body`
/// ends. On SQLite, the same store: as the other storage tests do, racing writers are tested
/// across processes on PostgreSQL, while SQLite admits one writer at a time anyway.
func withAnotherStore(_ database: TestDatabase, _ body: (SQLStore) async throws -> Void) async throws {
    guard database.backend == .postgres else { return try await body(database.store) }
    let other = try await database.openAnother()
    do {
        try await body(other)
    } catch {
        await other.shutdown()
        throw error
    }
    await other.shutdown()
}

/// The one active case of `actor`'s item for content `n`.
func caseOf(_ store: SQLStore, content n: Int) async throws -> CaseRecord {
    let item = try #require(try await store.caseForContent(contentId: "post-\(n)"))
    return try await store.caseRecord(id: item.caseId)
}

func caseEvent(_ kind: String, at: Date = intakeEpoch, actor: String = "reviewer:alice") -> NewCaseEvent {
    NewCaseEvent(at: at, actor: actor, kind: kind, detail: #"{"kind":"\#(kind)"}"#)
}

@Suite("Storage: review cases")
struct CaseStorageTests {
    @Test(arguments: TestBackend.available)
    func itemsOfOneActorShareOneCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a", accounts: ["acct-2"], account: "acct-1", severity: 1,
                                                   queue: "general")])
            try await recordAll(store, [caseIntake(2, actor: "actor-a", accounts: ["acct-3"], account: "acct-4",
                                                   severity: 3, queue: "urgent")])
            try await recordAll(store, [caseIntake(3, actor: "actor-a", account: "acct-1", severity: 2, queue: "other")])

            let record = try await caseOf(store, content: 1)
            #expect(try await caseOf(store, content: 2).id == record.id)
            #expect(try await caseOf(store, content: 3).id == record.id)
            #expect(record.actorKey == "actor-a" && record.status == .open)
            #expect(record.itemCount == 3)
            #expect(record.severity == 3, "the highest severity of the items")
            #expect(record.queue == "urgent", "the queue of the most severe item; a less severe one does not move it")
            #expect(record.openedAt == intakeEpoch.addingTimeInterval(1))
            #expect(record.lastItemAt == intakeEpoch.addingTimeInterval(3))
            #expect(record.assignedTo == nil && record.assignedUntil == nil && record.decidedAt == nil)
            #expect(try await store.caseAccounts(caseId: record.id) == ["acct-1", "acct-2", "acct-3", "acct-4"])

            let items = try await store.caseItems(caseId: record.id)
            #expect(items.map(\.contentId) == ["post-1", "post-2", "post-3"])
            #expect(items[1].decisionId == "dec-2" && items[1].accountId == "acct-4" && items[1].kind == "post")
            #expect(items[1].severity == 3 && items[1].queue == "urgent" && items[1].summary == #"{"n":2}"#)
            #expect(items[1].at == intakeEpoch.addingTimeInterval(2))
            #expect(try await rowCount(store, "bulwark_cases") == 1)
            #expect(try await store.caseForContent(contentId: "post-9") == nil)
        }
    }

    @Test(arguments: TestBackend.available)
    func anotherActorWithASharedAccountJoinsTheCase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a", accounts: ["acct-a1", "acct-a2"], account: "acct-a1")])
            try await recordAll(store, [caseIntake(2, actor: "actor-c", accounts: ["acct-c1"], account: "acct-c1")])
            // actor-b's accounts now include one of actor-a's: linked, reviewed together.
            try await recordAll(store, [caseIntake(3, actor: "actor-b", accounts: ["acct-b1", "acct-a2"], account: "acct-b1")])

            let a = try await caseOf(store, content: 1)
            #expect(try await caseOf(store, content: 3).id == a.id)
            #expect(try await caseOf(store, content: 2).id != a.id)
            #expect(try await store.caseRecord(id: a.id).itemCount == 2)
            #expect(try await store.caseAccounts(caseId: a.id) == ["acct-a1", "acct-a2", "acct-b1"])
            #expect(try await store.cases(account: "acct-b1").map(\.id) == [a.id])
            #expect(try await rowCount(store, "bulwark_cases") == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func aDecidedCaseIsNotReused(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a", account: "acct-1")])
            let first = try await caseOf(store, content: 1)
            let decided = try await store.decideCase(id: first.id, status: .cleared, by: "reviewer:alice", reason: "benign",
                                                     event: caseEvent("decision"), actions: [], audit: [])
            #expect(decided.status == .cleared && decided.decidedBy == "reviewer:alice" && decided.reason == "benign")
            #expect(decided.decidedAt == intakeEpoch)

            try await recordAll(store, [caseIntake(2, actor: "actor-a", account: "acct-1")])
            let second = try await caseOf(store, content: 2)
            #expect(second.id != first.id && second.status == .open && second.itemCount == 1)
            #expect(try await store.caseRecord(id: first.id).itemCount == 1, "the cleared case keeps its items")
            // Prior cases of the account: every status, newest first.
            #expect(try await store.cases(account: "acct-1").map(\.id) == [second.id, first.id])
        }
    }

    @Test(arguments: TestBackend.available)
    func aRetriedIntakeAddsNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let record = caseIntake(1, actor: "actor-a", evidence: 2)
            try await recordAll(store, [record])
            let outcomes = try await store.recordIntake([record, record])
            #expect(outcomes.allSatisfy { if case .existing = $0 { true } else { false } })
            #expect(try await caseOf(store, content: 1).itemCount == 1)
            #expect(try await rowCount(store, "bulwark_case_items") == 1)
            #expect(try await rowCount(store, "bulwark_vault_items") == 2)

            // Evidence already preserved (a retry under another content id) is skipped, not an error.
            var other = caseIntake(2, actor: "actor-a")
            other.evidence = [vaultItem(1, index: 0), vaultItem(2, index: 0)]
            try await recordAll(store, [other])
            #expect(try await rowCount(store, "bulwark_vault_items") == 3)
            #expect(try await store.vaultItem(id: "vault-1-0").contentId == "post-1")
        }
    }

    @Test(arguments: TestBackend.available)
    func invalidCaseItemsWriteNothing(_ backend: TestBackend) async throws {
        try await withStore(backend) { (store: SQLStore, _: TestDatabase) async throws in
            let good = caseIntake(1, actor: "actor-a")
            await expectError(.invalidField(field: "queue of the case item of record 1", reason: "it is empty")) {
                try await store.recordIntake([good, caseIntake(2, actor: "actor-b", queue: "")])
            }
            await expectError(.invalidField(field: "severity of the case item of record 0",
                                            reason: "it is 4; use 0 (low) to 3 (critical)")) {
                try await store.recordIntake([caseIntake(2, actor: "actor-b", severity: 4)])
            }
            var badEvidence = caseIntake(3, actor: "actor-c", evidence: 1)
            badEvidence.evidence[0].contentDigest = "xyz"
            await expectError(.invalidField(field: "content digest of evidence 0 of record 0",
                                            reason: "it has 3 bytes; expected 64 hex characters")) {
                try await store.recordIntake([badEvidence])
            }
            let long = String(repeating: "q", count: 65)
            await expectError(.invalidField(field: "queue of the case item of record 0",
                                            reason: "it has 65 bytes in UTF-8; the limit is 64")) {
                try await store.recordIntake([caseIntake(4, actor: "a", queue: long)])
            }
            #expect(try await rowCount(store, "bulwark_content") == 0)
            #expect(try await rowCount(store, "bulwark_cases") == 0)
            #expect(try await rowCount(store, "bulwark_vault_items") == 0)
        }
    }

    @Test(arguments: TestBackend.available)
    func queuesListAndPageInQueueOrder(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [
                caseIntake(1, actor: "a1", severity: 1, queue: "general"),
                caseIntake(2, actor: "a2", severity: 3, queue: "general"),
                caseIntake(3, actor: "a3", severity: 3, queue: "general"),
                caseIntake(4, actor: "a4", severity: 2, queue: "spam"),
                caseIntake(5, actor: "a5", severity: 3, queue: "urgent"),
            ])
            let ids = try await (1...5).asyncMap { try await caseOf(store, content: $0).id }
            let summaries = try await store.queueSummaries()
            #expect(summaries.map(\.queue) == ["general", "urgent", "spam"], "most severe first, then the oldest")
            #expect(summaries[0] == QueueSummary(queue: "general", maxSeverity: 3, count: 3,
                                                 oldestOpenedAt: intakeEpoch.addingTimeInterval(1)))

            let general = try await store.cases(queue: "general", statuses: [], offset: 0, limit: 10)
            #expect(general.map(\.id) == [ids[1], ids[2], ids[0]])
            #expect(try await store.cases(queue: "general", statuses: [.open], offset: 1, limit: 1).map(\.id) == [ids[2]])
            #expect(try await store.cases(queue: nil, statuses: [], offset: 0, limit: 10).count == 5)

            _ = try await store.decideCase(id: ids[4], status: .escalated, by: "reviewer:alice", reason: "needs a specialist",
                                           event: caseEvent("escalation"), actions: [], audit: [])
            _ = try await store.decideCase(id: ids[3], status: .closed, by: "reviewer:alice", reason: "done",
                                           event: caseEvent("decision"), actions: [], audit: [])
            #expect(try await store.queueSummaries().map(\.queue) == ["general", "urgent"], "escalated stays active")
            #expect(try await store.cases(queue: nil, statuses: [.escalated, .closed], offset: 0, limit: 10).map(\.id)
                    == [ids[4], ids[3]])
            await expectError(.invalidLimit(name: "limit", value: 0, allowed: 1...1_000)) {
                try await store.cases(queue: nil, statuses: [], offset: 0, limit: 0)
            }
            await expectError(.caseNotFound(999)) { try await store.caseRecord(id: 999) }
            #expect(StoreError.caseNotFound(999).description.contains("no case with id 999"))
        }
    }

    @Test(arguments: TestBackend.available)
    func claimsFollowQueueOrderExclusionsAndLeases(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [
                caseIntake(1, actor: "a1", severity: 1),
                caseIntake(2, actor: "a2", severity: 3),
                caseIntake(3, actor: "a3", severity: 3),
                caseIntake(4, actor: "a4", severity: 3, queue: "other"),
            ])
            let ids = try await (1...3).asyncMap { try await caseOf(store, content: $0).id }
            let now = intakeEpoch.addingTimeInterval(100)
            let lease = Duration.seconds(600)

            let first = try #require(try await store.claimNextCase(queue: "general", reviewerId: 1, now: now, lease: lease, excluding: []))
            #expect(first.id == ids[1], "severity first, then the oldest")
            #expect(first.assignedTo == 1 && first.assignedUntil == now.addingTimeInterval(600))
            // The holder gets its own case back; another reviewer the next one.
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 1, now: now, lease: lease, excluding: [])?.id == ids[1])
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 2, now: now, lease: lease, excluding: [])?.id == ids[2])
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 3, now: now, lease: lease,
                                                  excluding: [ids[0]]) == nil, "the only free case is excluded")
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 3, now: now, lease: lease, excluding: [])?.id == ids[0])
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 4, now: now, lease: lease, excluding: []) == nil)

            // A released case is free again; a lease that ran out too.
            try await store.releaseCase(id: ids[2], reviewerId: 1)   // not the holder: nothing changes
            #expect(try await store.caseRecord(id: ids[2]).assignedTo == 2)
            try await store.releaseCase(id: ids[2], reviewerId: 2)
            #expect(try await store.caseRecord(id: ids[2]).assignedTo == nil)
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 4, now: now, lease: lease, excluding: [])?.id == ids[2])
            let later = now.addingTimeInterval(600)
            #expect(try await store.claimNextCase(queue: "general", reviewerId: 5, now: later, lease: lease, excluding: [])?.id == ids[1])
            await expectError(.invalidField(field: "lease", reason: "it must be longer than zero and at most a day")) {
                try await store.claimNextCase(queue: "general", reviewerId: 1, now: now, lease: .zero, excluding: [])
            }
            await expectError(.caseNotFound(999)) { try await store.releaseCase(id: 999, reviewerId: 1) }
        }
    }

    /// Claims racing from two processes (two stores on one database) never return one case twice.
    @Test(arguments: TestBackend.available)
    func concurrentClaimsNeverShareACase(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            try await recordAll(store, (1...8).map { caseIntake($0, actor: "actor-\($0)", severity: $0 % 4) })
            let now = intakeEpoch.addingTimeInterval(100)
            try await withAnotherStore(database) { other in
                let claimed = try await withThrowingTaskGroup(of: Int64?.self) { group in
                    for reviewer in 1...16 {
                        let target = reviewer.isMultiple(of: 2) ? store : other
                        group.addTask {
                            try await target.claimNextCase(queue: "general", reviewerId: Int64(reviewer), now: now,
                                                           lease: .seconds(600), excluding: [])?.id
                        }
                    }
                    var ids: [Int64] = []
                    for try await id in group { if let id { ids.append(id) } }
                    return ids
                }
                #expect(claimed.count == 8, "every case claimed once, the other claims found none")
                #expect(Set(claimed).count == claimed.count, "no case went to two reviewers")
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func decidingEnqueuesActionsOnceAndChainsAudit(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a")])
            let record = try await caseOf(store, content: 1)
            _ = try await store.claimNextCase(queue: "general", reviewerId: 7, now: intakeEpoch, lease: .seconds(60), excluding: [])
            let actions = [action("case-\(record.id):suspend", decision: "case-\(record.id)", kind: "suspend_actor"),
                           action("case-\(record.id):remove", decision: "case-\(record.id)", content: "post-1")]
            let decidedAt = intakeEpoch.addingTimeInterval(50)
            let decided = try await store.decideCase(
                id: record.id, status: .confirmed, by: "reviewer:alice", reason: "violates policy",
                event: caseEvent("decision", at: decidedAt), actions: actions,
                audit: [auditEvent("case.decided", subject: "case-\(record.id)", actor: "reviewer:alice")])
            #expect(decided.status == .confirmed && decided.decidedAt == decidedAt)
            #expect(decided.assignedTo == nil && decided.assignedUntil == nil, "deciding ends the assignment")
            #expect(try await allActions(store).map(\.idempotencyKey) == actions.map(\.idempotencyKey))

            // Deciding again (a retry, or a change of mind) enqueues no action twice.
            let again = try await store.decideCase(
                id: record.id, status: .reported, by: "reviewer:bob", reason: "reported",
                event: caseEvent("decision", at: decidedAt.addingTimeInterval(1), actor: "reviewer:bob"),
                actions: actions + [action("case-\(record.id):notify", decision: "case-\(record.id)", kind: "notify")],
                audit: [auditEvent("case.decided", subject: "case-\(record.id)", actor: "reviewer:bob")])
            #expect(again.status == .reported && again.decidedBy == "reviewer:bob")
            #expect(try await allActions(store).count == 3)
            #expect(try await store.caseEvents(caseId: record.id).map(\.actor) == ["reviewer:alice", "reviewer:bob"])
            #expect(try await store.queueSummaries().isEmpty, "a reported case is no longer active")

            try await store.appendCaseEvent(caseId: record.id, caseEvent("note", actor: "reviewer:carol"),
                                            audit: [auditEvent("case.note", subject: "case-\(record.id)")])
            let events = try await store.caseEvents(caseId: record.id)
            #expect(events.map(\.kind) == ["decision", "decision", "note"])
            #expect(events[2].detail == #"{"kind":"note"}"# && events[2].caseId == record.id)

            let check = try await verifyAuditLog(store)
            #expect(check.problem == nil && check.checked == 4, "the intake's record and three more, one chain")
            await expectError(.caseNotFound(999)) {
                try await store.decideCase(id: 999, status: .cleared, by: "reviewer:alice", reason: "x",
                                           event: caseEvent("decision"), actions: actions, audit: [])
            }
            await expectError(.caseNotFound(999)) {
                try await store.appendCaseEvent(caseId: 999, caseEvent("note"), audit: [])
            }
            #expect(try await allActions(store).count == 3, "a failed decision writes nothing")
            #expect(try await store.auditHead().sequence == 4)
        }
    }

    /// A database as the previous Bulwark left it (schema version 4) gains the review tables.
    @Test(arguments: TestBackend.available)
    func migrationFromVersionFour(_ backend: TestBackend) async throws {
        try await withStore(backend, migrate: false) { store, database in
            #expect(try await store.migrate(through: 4).map(\.version) == [1, 2, 3, 4])
            try await recordAll(store, [intake(1)])
            await expectError(.schemaNotMigrated) { try await store.queueSummaries() }

            let upgrader: SQLStore = backend.isShareable ? try await database.openAnother() : store
            #expect(try await upgrader.migrate().map(\.version) == [5])
            #expect(try await upgrader.schemaVersion() == 5)
            #expect(Migrations.latestVersion == 5)
            if backend.isShareable { await upgrader.shutdown() }

            #expect(try await store.content(id: "post-1") != nil)
            try await recordAll(store, [caseIntake(2, actor: "actor-a", evidence: 1)])
            #expect(try await caseOf(store, content: 2).itemCount == 1)
            #expect(try await store.auditRecords(kind: "decision", subject: "dec-1").count == 1)
            #expect(try await store.migrate().isEmpty)
        }
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
