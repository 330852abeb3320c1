import AuditChain
import Foundation
import SQLKit

// The audit log (`bulwark_audit_log`): a hash chain of records, numbered densely from 1, each
// hashing its fields and the previous record's hash (see AuditChain). The head row
// (`bulwark_audit_head`) holds the last number and hash. Every append reads the head with a row
// lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's `BEGIN IMMEDIATE` already admits one writer
// at a time), chains its records from it, inserts them and moves the head, all in the caller's
// transaction: appends from any number of processes form one chain without gaps, numbered in
// commit order, and a rolled-back transaction leaves no record behind.
//
// Lock order. A transaction that may append takes the head lock BEFORE any other row lock or
// unique-index insert (`lockAuditHead`), and transactions that never append never take it. Were
// the head taken last, a transaction holding an outbox row (or an uncommitted unique key) while
// waiting for the head could deadlock with one holding the head while inserting that key.
extension SQLStore {
    static let auditColumns = "seq, at, kind, actor, subject, detail, prev_hash, hash"

    /// Rows per multi-row INSERT of audit records (8 binds each: 4,000 binds, far below SQLite's
    /// 32,766 and PostgreSQL's 65,535).
    static let auditInsertRows = 500
    /// Detail bytes per INSERT: details may be 1 MiB each, so a statement also ends here.
    static let auditInsertBytes = 4 << 20

    /// An audit event that passed validation, in the form the database stores.
    struct ValidAuditEvent: Sendable {
        let at: Int64
        let kind: String
        let actor: String
        let subject: String
        let detail: String

        /// Validates `event`; `label` names it in messages ("audit event 2", "audit event 0 of record 3").
        init(_ event: NewAuditEvent, label: String) throws(StoreError) {
            at = try Validate.eventTime(event.at, field: "time of \(label)")
            kind = try Validate.identifier(event.kind, field: "kind of \(label)")
            actor = try Validate.identifier(event.actor, field: "actor of \(label)")
            subject = try Validate.identifier(event.subject, field: "subject of \(label)")
            detail = try Validate.jsonText(event.detail, field: "detail of \(label)")
        }

        /// Validates a list of events, labelled by position (and `suffix`, e.g. " of record 3").
        static func all(_ events: [NewAuditEvent], suffix: String = "") throws(StoreError) -> [ValidAuditEvent] {
            var valid: [ValidAuditEvent] = []
            valid.reserveCapacity(events.count)
            for (index, event) in events.enumerated() {
                valid.append(try ValidAuditEvent(event, label: "audit event \(index)\(suffix)"))
            }
            return valid
        }
    }

    static func decodeAuditRecord(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(sequence: try row.decode(column: "seq", as: Int64.self),
                    at: try row.decode(column: "at", as: Int64.self),
                    kind: try row.decode(column: "kind", as: String.self),
                    actor: try row.decode(column: "actor", as: String.self),
                    subject: try row.decode(column: "subject", as: String.self),
                    detail: try row.decode(column: "detail", as: String.self),
                    previousHash: try row.decode(column: "prev_hash", as: String.self),
                    hash: try row.decode(column: "hash", as: String.self))
    }

    /// Reads the head, locking it until the transaction ends (on PostgreSQL; SQLite's write
    /// transaction is exclusive already). Call it first in any transaction that may append.
    @discardableResult
    func lockAuditHead(_ db: any SQLDatabase) async throws -> AuditHead {
        try await fetchAuditHead(db, lockSuffix: dialect.lockRowSuffix)
    }

    /// The head row, read with `lockSuffix` appended (empty for a plain read).
    private func fetchAuditHead(_ db: any SQLDatabase, lockSuffix: String) async throws -> AuditHead {
        let query: SQLQueryString = "SELECT seq, hash FROM bulwark_audit_head WHERE id = 1\(unsafeRaw: lockSuffix)"
        guard let row = try await db.raw(query).first() else {
            throw StoreError.databaseFailure("the audit log's head row is missing; was the table changed by another program?")
        }
        return AuditHead(sequence: try row.decode(column: "seq", as: Int64.self),
                         hash: try row.decode(column: "hash", as: String.self))
    }

    /// Appends `events` to the chain inside the caller's write transaction and returns the records
    /// written. The one way anything is appended to the audit log. Locks the head itself (a
    /// no-op when the caller already did, as it must when it writes anything else first).
    func appendAuditLocked(_ db: any SQLDatabase, _ events: [ValidAuditEvent]) async throws -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        let head = try await lockAuditHead(db)
        var previous = (sequence: head.sequence, hash: head.hash)
        var records: [AuditRecord] = []
        records.reserveCapacity(events.count)
        for event in events {
            let record = AuditRecord.chained(after: previous, at: event.at, kind: event.kind, actor: event.actor,
                                             subject: event.subject, detail: event.detail)
            records.append(record)
            previous = (record.sequence, record.hash)
        }
        for range in StatementBatches.ranges(records.map { $0.detail.utf8.count }, maxRows: Self.auditInsertRows,
                                             maxBytes: Self.auditInsertBytes) {
            let tuples: [SQLQueryString] = records[range].map { record in
                """
                (\(bind: record.sequence), \(bind: record.at), \(bind: record.kind), \(bind: record.actor), \
                \(bind: record.subject), \(bind: record.detail), \(bind: record.previousHash), \(bind: record.hash))
                """
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_audit_log (seq, at, kind, actor, subject, detail, prev_hash, hash)
                VALUES
                """ + tuples.joined(separator: ", ")
            try await db.raw(query).run()
        }
        try await db.raw("""
            UPDATE bulwark_audit_head SET seq = \(bind: previous.sequence), hash = \(bind: previous.hash) WHERE id = 1
            """).run()
        return records
    }

    public func appendAudit(_ events: [NewAuditEvent]) async throws(StoreError) -> [AuditRecord] {
        guard !events.isEmpty else { return [] }
        // Checked before the transaction: one bad event rejects the batch, and the head lock is
        // never held while validating.
        let valid = try ValidAuditEvent.all(events)
        return try await write { db in try await self.appendAuditLocked(db, valid) }
    }

    public func auditRecords(after sequence: Int64, limit: Int) async throws(StoreError) -> [AuditRecord] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        // A range scan of the primary key: each page costs the same however long the log is.
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.auditColumns) FROM bulwark_audit_log
                WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
                """).all().map(Self.decodeAuditRecord)
        }
    }

    public func auditHead() async throws(StoreError) -> AuditHead {
        try await read { db in try await self.fetchAuditHead(db, lockSuffix: "") }
    }
}

/// Splits rows into multi-row statements: at most `maxRows` rows each (keeping binds far below
/// both databases' limits), and ending early once the rows' large text reaches `maxBytes`, so
/// that a batch of 1 MiB documents never becomes one statement of hundreds of megabytes.
enum StatementBatches {
    /// Consecutive ranges covering `0..<sizes.count`; each holds at least one row, however large.
    static func ranges(_ sizes: [Int], maxRows: Int, maxBytes: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        while start < sizes.count {
            var end = start
            var bytes = 0
            while end < sizes.count, end - start < maxRows, end == start || bytes + sizes[end] <= maxBytes {
                bytes += sizes[end]
                end += 1
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
