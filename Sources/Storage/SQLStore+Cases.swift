import AuditChain
import Foundation
import SQLKit

// Review cases: the decisions that need a person, grouped by actor (`bulwark_cases`, with their
// accounts, items and events). Intake adds items in the same transaction as the decision (see
// `addCaseItem`), so a decision is never recorded without its case item nor the reverse.
// Reviewers claim cases one at a time under a lease, as delivery workers claim actions: a case
// another reviewer holds is skipped until the holder releases or decides it, or the lease runs out.
extension SQLStore {
    static let caseColumns = """
        id, actor_key, status, severity, queue, opened_at, updated_at, last_item_at, item_count, assigned_to, \
        assigned_until, decided_at, decided_by, reason
        """
    static let caseItemColumns = "id, case_id, content_id, decision_id, account_id, kind, at, severity, queue, summary"
    static let caseEventColumns = "id, case_id, at, actor, kind, detail"

    /// The most accounts one case item may name: an actor with more is a data problem, and the
    /// lookup of its case would cost more than the item is worth.
    static let caseAccountLimit = 10_000
    static let caseSeverities = 0...3
    /// Queues are short names the server routes by.
    static let queueBytes = 1...64
    /// The most cases one page may return, and the most ids `claimNextCase` may exclude.
    static let caseLimits = 1...1_000
    /// Decision reasons are for people; a page of text is plenty.
    static let caseReasonLimit = Validate.noteLimit

    /// A case item that passed validation.
    struct ValidCaseItem: Sendable {
        let actorKey: String
        let accounts: [String]
        let severity: Int64
        let queue: String
        let summary: String

        init(_ item: NewCaseItem, suffix: String) throws(StoreError) {
            let label = "of the case item\(suffix)"
            actorKey = try Validate.identifier(item.actorKey, field: "actor key \(label)")
            guard item.accounts.count <= SQLStore.caseAccountLimit else {
                throw .invalidField(field: "accounts \(label)",
                                    reason: "there are \(item.accounts.count); the limit is \(SQLStore.caseAccountLimit)")
            }
            var accounts: [String] = []
            accounts.reserveCapacity(item.accounts.count)
            for (n, account) in item.accounts.enumerated() {
                accounts.append(try Validate.identifier(account, field: "account \(n) \(label)"))
            }
            self.accounts = accounts
            severity = Int64(try SQLStore.severity(item.severity, field: "severity \(label)"))
            queue = try SQLStore.queueName(item.queue, field: "queue \(label)")
            summary = try Validate.jsonText(item.summary, field: "summary \(label)")
        }
    }

    /// A case event that passed validation.
    struct ValidCaseEvent: Sendable {
        let at: Int64
        let actor: String
        let kind: String
        let detail: String

        init(_ event: NewCaseEvent, label: String) throws(StoreError) {
            at = try Validate.eventTime(event.at, field: "time of \(label)")
            actor = try Validate.identifier(event.actor, field: "actor of \(label)")
            kind = try Validate.identifier(event.kind, field: "kind of \(label)")
            detail = try Validate.jsonText(event.detail, field: "detail of \(label)")
        }
    }

    static func severity(_ value: Int, field: String) throws(StoreError) -> Int {
        guard caseSeverities.contains(value) else {
            throw .invalidField(field: field, reason: "it is \(value); use 0 (low) to 3 (critical)")
        }
        return value
    }

    /// A queue name: an identifier of at most 64 bytes.
    static func queueName(_ value: String, field: String) throws(StoreError) -> String {
        let queue = try Validate.identifier(value, field: field)
        guard queueBytes.contains(queue.utf8.count) else {
            throw .invalidField(field: field, reason: "it has \(queue.utf8.count) bytes in UTF-8; the limit is \(queueBytes.upperBound)")
        }
        return queue
    }

    static func decodeCase(_ row: any SQLRow) throws -> CaseRecord {
        guard let status = CaseStatus(rawValue: try row.decode(column: "status", as: String.self)) else {
            throw StoreError.databaseFailure("unknown case status in the database; was it written by a newer Bulwark?")
        }
        let assignedTo = try row.decode(column: "assigned_to", as: Int64?.self)
        return CaseRecord(id: try row.decode(column: "id", as: Int64.self),
                          actorKey: try row.decode(column: "actor_key", as: String.self),
                          status: status,
                          severity: try row.decode(column: "severity", as: Int.self),
                          queue: try row.decode(column: "queue", as: String.self),
                          openedAt: Millis.date(try row.decode(column: "opened_at", as: Int64.self)),
                          updatedAt: Millis.date(try row.decode(column: "updated_at", as: Int64.self)),
                          lastItemAt: Millis.date(try row.decode(column: "last_item_at", as: Int64.self)),
                          itemCount: try row.decode(column: "item_count", as: Int.self),
                          assignedTo: assignedTo,
                          // The lease time means nothing without a holder.
                          assignedUntil: assignedTo == nil ? nil
                              : Millis.date(try row.decode(column: "assigned_until", as: Int64.self)),
                          decidedAt: try row.decode(column: "decided_at", as: Int64?.self).map(Millis.date),
                          decidedBy: try row.decode(column: "decided_by", as: String?.self),
                          reason: try row.decode(column: "reason", as: String?.self))
    }

    static func decodeCaseItem(_ row: any SQLRow) throws -> CaseItemRecord {
        CaseItemRecord(id: try row.decode(column: "id", as: Int64.self),
                       caseId: try row.decode(column: "case_id", as: Int64.self),
                       contentId: try row.decode(column: "content_id", as: String.self),
                       decisionId: try row.decode(column: "decision_id", as: String.self),
                       accountId: try row.decode(column: "account_id", as: String?.self),
                       kind: try row.decode(column: "kind", as: String.self),
                       at: Millis.date(try row.decode(column: "at", as: Int64.self)),
                       severity: try row.decode(column: "severity", as: Int.self),
                       queue: try row.decode(column: "queue", as: String.self),
                       summary: try row.decode(column: "summary", as: String.self))
    }

    static func decodeCaseEvent(_ row: any SQLRow) throws -> CaseEventRecord {
        CaseEventRecord(id: try row.decode(column: "id", as: Int64.self),
                        caseId: try row.decode(column: "case_id", as: Int64.self),
                        at: Millis.date(try row.decode(column: "at", as: Int64.self)),
                        actor: try row.decode(column: "actor", as: String.self),
                        kind: try row.decode(column: "kind", as: String.self),
                        detail: try row.decode(column: "detail", as: String.self))
    }

    func fetchCase(_ db: any SQLDatabase, id: Int64, lock: Bool = false) async throws -> CaseRecord {
        let query: SQLQueryString = "SELECT \(unsafeRaw: Self.caseColumns) FROM bulwark_cases WHERE id = \(bind: id)"
            + (lock ? "\(unsafeRaw: dialect.lockRowSuffix)" : "")
        guard let row = try await db.raw(query).first() else { throw StoreError.caseNotFound(id) }
        return try Self.decodeCase(row)
    }

    // MARK: Intake

    /// Adds the case item of freshly recorded `content` to its actor's active case, opening one
    /// when there is none (inside the intake's transaction).
    func addCaseItem(_ db: any SQLDatabase, _ item: ValidCaseItem, content: ValidContent) async throws {
        var accounts = item.accounts
        if let account = content.accountId { accounts.append(account) }
        var seen = Set<String>()
        accounts = accounts.filter { seen.insert($0).inserted }

        let caseId: Int64
        if let found = try await activeCaseId(db, actorKey: item.actorKey, accounts: accounts) {
            caseId = found
        } else if let created = try await db.raw("""
            INSERT INTO bulwark_cases (actor_key, status, active, severity, queue, opened_at, updated_at, last_item_at,
                                       item_count, assigned_until)
            VALUES (\(bind: item.actorKey), 'open', \(bind: true), \(bind: item.severity), \(bind: item.queue),
                    \(bind: content.at), \(bind: content.at), \(bind: content.at), 0, 0)
            ON CONFLICT DO NOTHING RETURNING id
            """).first(decodingColumn: "id", as: Int64.self) {
            caseId = created
        } else {
            // Another process opened the actor's case at the same moment: the unique partial
            // index made this insert wait for it and then do nothing. Join the winner's case.
            guard let winner = try await activeCaseId(db, actorKey: item.actorKey, accounts: []) else {
                throw StoreError.databaseFailure("the actor's active case could not be opened nor found")
            }
            caseId = winner
        }

        guard try await db.raw("""
            INSERT INTO bulwark_case_items (case_id, content_id, decision_id, account_id, kind, at, severity, queue, summary)
            VALUES (\(bind: caseId), \(bind: content.contentId), \(bind: content.decisionId), \(bind: content.accountId),
                    \(bind: content.kind), \(bind: content.at), \(bind: item.severity), \(bind: item.queue),
                    \(bind: item.summary))
            ON CONFLICT (content_id) DO NOTHING RETURNING id
            """).first() != nil else { return }

        for start in stride(from: 0, to: accounts.count, by: Self.intakeInsertRows) {
            let tuples: [SQLQueryString] = accounts[start..<min(start + Self.intakeInsertRows, accounts.count)]
                .map { "(\(bind: caseId), \(bind: $0))" }
            let query: SQLQueryString = "INSERT INTO bulwark_case_accounts (case_id, account_id) VALUES "
                + tuples.joined(separator: ", ") + " ON CONFLICT DO NOTHING"
            try await db.raw(query).run()
        }

        // Every right-hand side reads the row as it was, so queue and severity compare with the
        // case's severity before this item.
        try await db.raw("""
            UPDATE bulwark_cases SET item_count = item_count + 1,
                queue = CASE WHEN \(bind: item.severity) > severity THEN \(bind: item.queue) ELSE queue END,
                severity = CASE WHEN \(bind: item.severity) > severity THEN \(bind: item.severity) ELSE severity END,
                updated_at = CASE WHEN \(bind: content.at) > updated_at THEN \(bind: content.at) ELSE updated_at END,
                last_item_at = CASE WHEN \(bind: content.at) > last_item_at THEN \(bind: content.at) ELSE last_item_at END
            WHERE id = \(bind: caseId)
            """).run()
    }

    /// The active case of `actorKey`, else the lowest-numbered active case holding one of
    /// `accounts`.
    private func activeCaseId(_ db: any SQLDatabase, actorKey: String, accounts: [String]) async throws -> Int64? {
        if let id = try await db.raw("""
            SELECT id FROM bulwark_cases WHERE actor_key = \(bind: actorKey) AND active
            """).first(decodingColumn: "id", as: Int64.self) {
            return id
        }
        var best: Int64?
        for start in stride(from: 0, to: accounts.count, by: Self.intakeLookupKeys) {
            let keys: [SQLQueryString] = accounts[start..<min(start + Self.intakeLookupKeys, accounts.count)]
                .map { "\(bind: $0)" }
            let query: SQLQueryString = """
                SELECT MIN(c.id) AS id FROM bulwark_case_accounts a JOIN bulwark_cases c ON c.id = a.case_id
                WHERE c.active AND a.account_id IN (
                """ + keys.joined(separator: ", ") + ")"
            if let id = try await db.raw(query).first(decodingColumn: "id", as: Int64?.self) ?? nil {
                best = min(best ?? id, id)
            }
        }
        return best
    }

    // MARK: Queues

    public func queueSummaries() async throws(StoreError) -> [QueueSummary] {
        try await read { db in
            try await db.raw("""
                SELECT queue, MAX(severity) AS max_severity, COUNT(*) AS n, MIN(opened_at) AS oldest
                FROM bulwark_cases WHERE active GROUP BY queue
                ORDER BY max_severity DESC, oldest, queue\(unsafeRaw: self.dialect.byteOrder)
                """).all().map { row in
                QueueSummary(queue: try row.decode(column: "queue", as: String.self),
                             maxSeverity: try row.decode(column: "max_severity", as: Int.self),
                             count: try row.decode(column: "n", as: Int.self),
                             oldestOpenedAt: Millis.date(try row.decode(column: "oldest", as: Int64.self)))
            }
        }
    }

    public func cases(queue: String?, statuses: [CaseStatus], offset: Int, limit: Int) async throws(StoreError) -> [CaseRecord] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.caseLimits)
        guard offset >= 0 else { throw .invalidField(field: "offset", reason: "it is negative") }
        let queue = try queue.map { value throws(StoreError) in try Self.queueName(value, field: "queue") }
        var filter: SQLQueryString = "1 = 1"
        if let queue { filter = filter + " AND queue = \(bind: queue)" }
        if !statuses.isEmpty {
            let values: [SQLQueryString] = Set(statuses).sorted { $0.rawValue < $1.rawValue }.map { "\(bind: $0.rawValue)" }
            filter = filter + " AND status IN (" + values.joined(separator: ", ") + ")"
        }
        let query: SQLQueryString = "SELECT \(unsafeRaw: Self.caseColumns) FROM bulwark_cases WHERE " + filter
            + " ORDER BY severity DESC, opened_at, id LIMIT \(bind: limit) OFFSET \(bind: offset)"
        return try await read { db in try await db.raw(query).all().map(Self.decodeCase) }
    }

    public func caseRecord(id: Int64) async throws(StoreError) -> CaseRecord {
        try await read { db in try await self.fetchCase(db, id: id) }
    }

    public func caseAccounts(caseId: Int64) async throws(StoreError) -> [String] {
        try await read { db in
            try await db.raw("""
                SELECT account_id FROM bulwark_case_accounts WHERE case_id = \(bind: caseId)
                ORDER BY account_id\(unsafeRaw: self.dialect.byteOrder)
                """).all(decodingColumn: "account_id", as: String.self)
        }
    }

    public func caseItems(caseId: Int64) async throws(StoreError) -> [CaseItemRecord] {
        try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.caseItemColumns) FROM bulwark_case_items WHERE case_id = \(bind: caseId)
                ORDER BY at, id
                """).all().map(Self.decodeCaseItem)
        }
    }

    public func cases(account: String) async throws(StoreError) -> [CaseRecord] {
        let account = try Validate.identifier(account, field: "account id")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.caseColumns) FROM bulwark_cases
                WHERE id IN (SELECT case_id FROM bulwark_case_accounts WHERE account_id = \(bind: account))
                ORDER BY opened_at DESC, id DESC
                """).all().map(Self.decodeCase)
        }
    }

    public func caseForContent(contentId: String) async throws(StoreError) -> CaseItemRecord? {
        let contentId = try Validate.identifier(contentId, field: "content id")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.caseItemColumns) FROM bulwark_case_items WHERE content_id = \(bind: contentId)
                """).first().map(Self.decodeCaseItem)
        }
    }

    // MARK: Claims

    public func claimNextCase(queue: String, reviewerId: Int64, now: Date, lease: Duration, excluding: [Int64])
        async throws(StoreError) -> CaseRecord?
    {
        let queue = try Self.queueName(queue, field: "queue")
        let now = try Validate.eventTime(now, field: "claim time")
        guard lease > .zero, lease <= Self.maximumLease else {
            throw .invalidField(field: "lease", reason: "it must be longer than zero and at most a day")
        }
        guard excluding.count <= Self.caseLimits.upperBound else {
            throw .invalidField(field: "excluded cases", reason: "there are \(excluding.count); the limit is \(Self.caseLimits.upperBound)")
        }
        let until = now + lease.milliseconds
        var filter: SQLQueryString = """
            active AND queue = \(bind: queue)
            AND (assigned_to IS NULL OR assigned_until <= \(bind: now) OR assigned_to = \(bind: reviewerId))
            """
        if !excluding.isEmpty {
            let ids: [SQLQueryString] = Set(excluding).sorted().map { "\(bind: $0)" }
            filter = filter + " AND id NOT IN (" + ids.joined(separator: ", ") + ")"
        }
        // On PostgreSQL the pick locks the case and skips cases another reviewer is claiming
        // right now (see `claimActions`), so two reviewers never get the same case; the row lock
        // then holds until the assignment commits.
        let pick: SQLQueryString = "SELECT id FROM bulwark_cases WHERE " + filter
            + " ORDER BY severity DESC, opened_at, id LIMIT 1\(unsafeRaw: dialect.claimLockSuffix)"
        return try await write { db in
            guard let id = try await db.raw(pick).first(decodingColumn: "id", as: Int64.self) else { return nil }
            guard let row = try await db.raw("""
                UPDATE bulwark_cases SET assigned_to = \(bind: reviewerId), assigned_until = \(bind: until)
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.caseColumns)
                """).first() else { throw StoreError.caseNotFound(id) }
            return try Self.decodeCase(row)
        }
    }

    public func releaseCase(id: Int64, reviewerId: Int64) async throws(StoreError) {
        try await write { db in
            _ = try await self.fetchCase(db, id: id)
            try await db.raw("""
                UPDATE bulwark_cases SET assigned_to = NULL, assigned_until = 0
                WHERE id = \(bind: id) AND assigned_to = \(bind: reviewerId)
                """).run()
        }
    }

    // MARK: Decisions and events

    public func decideCase(id: Int64, status: CaseStatus, by: String, reason: String, event: NewCaseEvent,
                           actions: [NewAction], audit: [NewAuditEvent]) async throws(StoreError) -> CaseRecord {
        let by = try Validate.identifier(by, field: "decided by")
        let reason = try Validate.requiredText(reason, field: "reason", limit: Self.caseReasonLimit)
        let caseEvent = try ValidCaseEvent(event, label: "case event")
        var validActions: [ValidAction] = []
        validActions.reserveCapacity(actions.count)
        for (index, action) in actions.enumerated() {
            validActions.append(try ValidAction(action, label: "action \(index)"))
        }
        let rows = validActions
        let events = try ValidAuditEvent.all(audit)
        let now = Millis.now()
        return try await write { db in
            // Before any other lock: see the lock order in SQLStore+Audit.swift.
            if !events.isEmpty { try await self.lockAuditHead(db) }
            _ = try await self.fetchCase(db, id: id, lock: true)
            guard let row = try await db.raw("""
                UPDATE bulwark_cases SET status = \(bind: status.rawValue), active = \(bind: status.isActive),
                    decided_at = \(bind: caseEvent.at), decided_by = \(bind: by), reason = \(bind: reason),
                    updated_at = \(bind: caseEvent.at), assigned_to = NULL, assigned_until = 0
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.caseColumns)
                """).first() else { throw StoreError.caseNotFound(id) }
            try await self.insertCaseEvent(db, caseId: id, caseEvent)
            _ = try await self.insertActions(db, rows, now: now)
            _ = try await self.appendAuditLocked(db, events)
            return try Self.decodeCase(row)
        }
    }

    public func appendCaseEvent(caseId: Int64, _ event: NewCaseEvent, audit: [NewAuditEvent]) async throws(StoreError) {
        let caseEvent = try ValidCaseEvent(event, label: "case event")
        let events = try ValidAuditEvent.all(audit)
        try await write { db in
            if !events.isEmpty { try await self.lockAuditHead(db) }
            _ = try await self.fetchCase(db, id: caseId)
            try await self.insertCaseEvent(db, caseId: caseId, caseEvent)
            _ = try await self.appendAuditLocked(db, events)
        }
    }

    private func insertCaseEvent(_ db: any SQLDatabase, caseId: Int64, _ event: ValidCaseEvent) async throws {
        try await db.raw("""
            INSERT INTO bulwark_case_events (case_id, at, actor, kind, detail)
            VALUES (\(bind: caseId), \(bind: event.at), \(bind: event.actor), \(bind: event.kind), \(bind: event.detail))
            """).run()
    }

    public func caseEvents(caseId: Int64) async throws(StoreError) -> [CaseEventRecord] {
        try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.caseEventColumns) FROM bulwark_case_events WHERE case_id = \(bind: caseId) ORDER BY id
                """).all().map(Self.decodeCaseEvent)
        }
    }
}
