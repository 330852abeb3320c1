import AuditChain
import Foundation
import SQLKit

// The actions outbox (`bulwark_actions`): actions for the platform, written in the same
// transaction as the decision that causes them, so a crash can neither lose one nor send one for
// a decision that was rolled back. Delivery workers claim due actions under a lease (an owner and
// a time until which no one else may claim them), deliver them, and complete or fail them; only
// the lease's owner can, so a worker that stalled past its lease and lost the action to another
// cannot overwrite the other's outcome. A worker that dies simply lets its lease run out.
extension SQLStore {
    static let actionColumns = """
        id, idempotency_key, decision_id, content_id, action, target_account, payload, status, attempts, \
        created_at, next_attempt_at, delivered_at, last_error
        """

    /// The most actions one claim or one page may return.
    static let actionLimits = 1...1_000
    /// The longest lease: a worker that needs longer for one batch is stuck, and another should
    /// take over rather than wait a day.
    static let maximumLease = Duration.seconds(86_400)
    /// `last_error` is for people reading the outbox; a whole response body is not.
    static let lastErrorCharacters = 1_000

    /// An action that passed validation, in the form the database stores.
    struct ValidAction: Sendable {
        let idempotencyKey: String
        let decisionId: String
        let contentId: String?
        let action: String
        let targetAccount: String?
        let payload: String

        init(_ action: NewAction, label: String) throws(StoreError) {
            idempotencyKey = try Validate.identifier(action.idempotencyKey, field: "idempotency key of \(label)")
            decisionId = try Validate.identifier(action.decisionId, field: "decision id of \(label)")
            contentId = try Validate.optionalIdentifier(action.contentId, field: "content id of \(label)")
            self.action = try Validate.identifier(action.action, field: "action of \(label)")
            targetAccount = try Validate.optionalIdentifier(action.targetAccount, field: "target account of \(label)")
            payload = try Validate.jsonText(action.payload, field: "payload of \(label)")
        }
    }

    static func decodeAction(_ row: any SQLRow) throws -> ActionRecord {
        let rawStatus = try row.decode(column: "status", as: String.self)
        guard let status = ActionStatus(rawValue: rawStatus) else {
            throw StoreError.databaseFailure("unknown action status in the database; was it written by a newer Bulwark?")
        }
        return ActionRecord(id: try row.decode(column: "id", as: Int64.self),
                            idempotencyKey: try row.decode(column: "idempotency_key", as: String.self),
                            decisionId: try row.decode(column: "decision_id", as: String.self),
                            contentId: try row.decode(column: "content_id", as: String?.self),
                            action: try row.decode(column: "action", as: String.self),
                            targetAccount: try row.decode(column: "target_account", as: String?.self),
                            payload: try row.decode(column: "payload", as: String.self),
                            status: status,
                            attempts: try row.decode(column: "attempts", as: Int.self),
                            createdAt: Millis.date(try row.decode(column: "created_at", as: Int64.self)),
                            nextAttemptAt: Millis.date(try row.decode(column: "next_attempt_at", as: Int64.self)),
                            deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self).map(Millis.date),
                            lastError: try row.decode(column: "last_error", as: String?.self))
    }

    /// Inserts actions due at `now` (inside the caller's transaction), skipping keys the outbox
    /// already holds, and returns the new ids by key. A key repeated in `actions` is inserted once.
    /// Rows go in the caller's order, so ids, and with them the order in which actions enqueued
    /// together are delivered, follow it. (Two transactions inserting the same two keys in
    /// opposite orders at once could deadlock on PostgreSQL, which ends one with a retryable
    /// `.unavailable`. Keys derive from decisions, and intake orders on the content row first, so
    /// that takes one decision enqueued twice at once in two different orders.)
    func insertActions(_ db: any SQLDatabase, _ actions: [ValidAction], now: Int64) async throws -> [String: Int64] {
        var seen = Set<String>()
        let unique = actions.filter { seen.insert($0.idempotencyKey).inserted }
        var ids: [String: Int64] = [:]
        for range in StatementBatches.ranges(unique.map { $0.payload.utf8.count }, maxRows: Self.intakeInsertRows,
                                             maxBytes: Self.intakeInsertBytes) {
            let tuples: [SQLQueryString] = unique[range].map { a in
                """
                (\(bind: a.idempotencyKey), \(bind: a.decisionId), \(bind: a.contentId), \(bind: a.action), \
                \(bind: a.targetAccount), \(bind: a.payload), 'pending', 0, \(bind: now), \(bind: now), 0)
                """
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_actions (idempotency_key, decision_id, content_id, action, target_account, payload,
                                             status, attempts, created_at, next_attempt_at, leased_until)
                VALUES
                """ + tuples.joined(separator: ", ")
                + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
            for row in try await db.raw(query).all() {
                ids[try row.decode(column: "idempotency_key", as: String.self)] = try row.decode(column: "id", as: Int64.self)
            }
        }
        return ids
    }

    public func enqueueActions(_ actions: [NewAction], audit: [NewAuditEvent]) async throws(StoreError) -> [Int64?] {
        guard !actions.isEmpty else { return [] }
        var valid: [ValidAction] = []
        valid.reserveCapacity(actions.count)
        for (index, action) in actions.enumerated() {
            valid.append(try ValidAction(action, label: "action \(index)"))
        }
        let rows = valid
        let events = try ValidAuditEvent.all(audit)
        let now = Millis.now()
        let ids = try await write { db in
            // Before any insert: see the lock order in SQLStore+Audit.swift.
            if !events.isEmpty { try await self.lockAuditHead(db) }
            let ids = try await self.insertActions(db, rows, now: now)
            // The audit records what was enqueued: nothing, when every key was already there.
            if !ids.isEmpty { _ = try await self.appendAuditLocked(db, events) }
            return ids
        }
        // Each new key's id goes to its first occurrence; repeats and known keys get nil.
        var claimed = Set<String>()
        return valid.map { action in
            guard let id = ids[action.idempotencyKey], claimed.insert(action.idempotencyKey).inserted else { return nil }
            return id
        }
    }

    public func claimActions(owner: String, limit: Int, now: Date, lease: Duration) async throws(StoreError) -> [ActionRecord] {
        let owner = try Validate.identifier(owner, field: "lease owner")
        let limit = try Validate.limit(limit, name: "claim limit", allowed: Self.actionLimits)
        let now = try Validate.eventTime(now, field: "claim time")
        guard lease > .zero, lease <= Self.maximumLease else {
            throw .invalidField(field: "lease", reason: "it must be longer than zero and at most a day")
        }
        let until = now + lease.milliseconds
        // The common table expression picks the due actions in order; on PostgreSQL it locks them
        // and skips those another worker is claiming right now, so concurrent claims never return
        // the same action. MATERIALIZED runs it exactly once: as a plain `IN (subquery)` the
        // planner may rescan it once per row, each rescan skipping the rows the update already
        // locked and picking the next ones, so a claim took more than `limit` actions. The outer
        // conditions repeat the inner ones so the update stands on its own.
        let rows = try await write { db in
            try await db.raw("""
                WITH due AS MATERIALIZED (
                    SELECT id FROM bulwark_actions
                    WHERE status = 'pending' AND next_attempt_at <= \(bind: now) AND leased_until <= \(bind: now)
                    ORDER BY next_attempt_at, id LIMIT \(bind: limit)\(unsafeRaw: self.dialect.claimLockSuffix)
                )
                UPDATE bulwark_actions SET lease_owner = \(bind: owner), leased_until = \(bind: until)
                WHERE id IN (SELECT id FROM due) AND status = 'pending' AND leased_until <= \(bind: now)
                RETURNING \(unsafeRaw: Self.actionColumns)
                """).all().map(Self.decodeAction)
        }
        // RETURNING has no order; workers deliver the longest-waiting first.
        return rows.sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }

    public func completeAction(id: Int64, owner: String, at: Date, audit: NewAuditEvent?) async throws(StoreError) -> Bool {
        let owner = try Validate.identifier(owner, field: "lease owner")
        let at = try Validate.eventTime(at, field: "delivery time")
        let event = try audit.map { event throws(StoreError) in try ValidAuditEvent(event, label: "audit event") }
        return try await write { db in
            if event != nil { try await self.lockAuditHead(db) }
            let updated = try await db.raw("""
                UPDATE bulwark_actions
                SET status = 'delivered', delivered_at = \(bind: at), attempts = attempts + 1,
                    lease_owner = NULL, leased_until = 0
                WHERE id = \(bind: id) AND status = 'pending' AND lease_owner = \(bind: owner)
                RETURNING id
                """).first() != nil
            if updated, let event { _ = try await self.appendAuditLocked(db, [event]) }
            return updated
        }
    }

    public func completeActions(_ completions: [ActionCompletion]) async throws(StoreError) -> [Bool] {
        guard !completions.isEmpty else { return [] }
        var rows: [(id: Int64, owner: String, at: Int64, event: ValidAuditEvent?)] = []
        rows.reserveCapacity(completions.count)
        for (index, completion) in completions.enumerated() {
            let owner = try Validate.identifier(completion.owner, field: "lease owner of completion \(index)")
            let at = try Validate.eventTime(completion.at, field: "delivery time of completion \(index)")
            let event = try completion.audit.map { event throws(StoreError) in
                try ValidAuditEvent(event, label: "audit event of completion \(index)")
            }
            rows.append((completion.id, owner, at, event))
        }
        let valid = rows
        return try await write { db in
            // The audit head first, as every audit-writing transaction does (one lock order).
            if valid.contains(where: { $0.event != nil }) { try await self.lockAuditHead(db) }
            var outcomes: [Bool] = []
            outcomes.reserveCapacity(valid.count)
            var events: [ValidAuditEvent] = []
            for row in valid {
                let updated = try await db.raw("""
                    UPDATE bulwark_actions
                    SET status = 'delivered', delivered_at = \(bind: row.at), attempts = attempts + 1,
                        lease_owner = NULL, leased_until = 0
                    WHERE id = \(bind: row.id) AND status = 'pending' AND lease_owner = \(bind: row.owner)
                    RETURNING id
                    """).first() != nil
                outcomes.append(updated)
                if updated, let event = row.event { events.append(event) }
            }
            if !events.isEmpty { _ = try await self.appendAuditLocked(db, events) }
            return outcomes
        }
    }

    public func failAction(id: Int64, owner: String, error: String, retryAt: Date?, audit: NewAuditEvent?)
        async throws(StoreError) -> ActionRecord?
    {
        let owner = try Validate.identifier(owner, field: "lease owner")
        let retryAt = try retryAt.map { date throws(StoreError) in try Validate.eventTime(date, field: "retry time") }
        let event = try audit.map { event throws(StoreError) in try ValidAuditEvent(event, label: "audit event") }
        let message = Self.storableError(error)
        return try await write { db in
            if event != nil { try await self.lockAuditHead(db) }
            let transition: SQLQueryString = if let retryAt {
                "next_attempt_at = \(bind: retryAt)"
            } else {
                "status = 'dead'"
            }
            let query: SQLQueryString =
                "UPDATE bulwark_actions SET attempts = attempts + 1, last_error = \(bind: message), lease_owner = NULL, "
                + "leased_until = 0, " + transition
                + " WHERE id = \(bind: id) AND status = 'pending' AND lease_owner = \(bind: owner)"
                + " RETURNING \(unsafeRaw: Self.actionColumns)"
            guard let row = try await db.raw(query).first() else { return nil }
            let record = try Self.decodeAction(row)
            if let event { _ = try await self.appendAuditLocked(db, [event]) }
            return record
        }
    }

    /// An error message as `last_error` keeps it: its first 1,000 characters, with NUL (which
    /// PostgreSQL cannot store) replaced. Errors come from HTTP clients and remote servers, so
    /// they are cut down rather than refused: a failure must always be recordable.
    static func storableError(_ error: String) -> String {
        var text = error.count > lastErrorCharacters ? String(error.prefix(lastErrorCharacters)) : error
        if Validate.containsNUL(text) { text = text.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }
        return text
    }

    public func action(id: Int64) async throws(StoreError) -> ActionRecord {
        try await read { db in
            guard let row = try await db.raw("SELECT \(unsafeRaw: Self.actionColumns) FROM bulwark_actions WHERE id = \(bind: id)")
                .first() else { throw StoreError.actionNotFound(id) }
            return try Self.decodeAction(row)
        }
    }

    public func actions(status: ActionStatus?, after id: Int64, limit: Int) async throws(StoreError) -> [ActionRecord] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.actionLimits)
        let filter: SQLQueryString = status.map { " AND status = \(bind: $0.rawValue)" } ?? ""
        // A range scan of the primary key: each page costs the same however deep it is.
        return try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.actionColumns) FROM bulwark_actions WHERE id > \(bind: id)"
                + filter + " ORDER BY id LIMIT \(bind: limit)").all().map(Self.decodeAction)
        }
    }

    public func actions(decisionId: String) async throws(StoreError) -> [ActionRecord] {
        let decisionId = try Validate.identifier(decisionId, field: "decision id")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.actionColumns) FROM bulwark_actions WHERE decision_id = \(bind: decisionId) ORDER BY id
                """).all().map(Self.decodeAction)
        }
    }

    public func retryAction(id: Int64, at: Date, audit: NewAuditEvent?) async throws(StoreError) -> ActionRecord {
        let at = try Validate.eventTime(at, field: "retry time")
        let event = try audit.map { event throws(StoreError) in try ValidAuditEvent(event, label: "audit event") }
        return try await write { db in
            if event != nil { try await self.lockAuditHead(db) }
            let lookup: SQLQueryString = "SELECT status FROM bulwark_actions WHERE id = \(bind: id)\(unsafeRaw: self.dialect.lockRowSuffix)"
            guard let status = try await db.raw(lookup).first(decodingColumn: "status", as: String.self) else {
                throw StoreError.actionNotFound(id)
            }
            // A dead letter starts over with a fresh attempt count (the worker's backoff and its
            // dead-letter limit count from it); a pending action is only moved in time, keeping
            // its count and any lease a worker holds on it.
            let assignments: SQLQueryString
            switch ActionStatus(rawValue: status) {
            case .dead?:
                assignments = "status = 'pending', attempts = 0, next_attempt_at = \(bind: at), lease_owner = NULL, leased_until = 0"
            case .pending?:
                assignments = "next_attempt_at = \(bind: at)"
            case .delivered?:
                throw StoreError.actionDelivered(id)
            case nil:
                throw StoreError.databaseFailure("unknown action status in the database; was it written by a newer Bulwark?")
            }
            let query: SQLQueryString = "UPDATE bulwark_actions SET " + assignments
                + " WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.actionColumns)"
            guard let row = try await db.raw(query).first() else { throw StoreError.actionNotFound(id) }
            let record = try Self.decodeAction(row)
            if let event { _ = try await self.appendAuditLocked(db, [event]) }
            return record
        }
    }

    public func outboxStats() async throws(StoreError) -> OutboxStats {
        // One statement, so the counts are one consistent snapshot.
        try await read { db in
            var stats = OutboxStats(pending: 0, dead: 0, delivered: 0, oldestPendingCreatedAt: nil)
            let rows = try await db.raw("""
                SELECT status, COUNT(*) AS n, MIN(created_at) AS oldest FROM bulwark_actions GROUP BY status
                """).all()
            for row in rows {
                let count = Int(try row.decode(column: "n", as: Int64.self))
                switch ActionStatus(rawValue: try row.decode(column: "status", as: String.self)) {
                case .pending?:
                    stats.pending = count
                    stats.oldestPendingCreatedAt = try row.decode(column: "oldest", as: Int64?.self).map(Millis.date)
                case .dead?: stats.dead = count
                case .delivered?: stats.delivered = count
                case nil: throw StoreError.databaseFailure("unknown action status in the database; was it written by a newer Bulwark?")
                }
            }
            return stats
        }
    }
}
