import Foundation
import SQLKit

// The account event log (`bulwark_account_events`): append-only, read in sequence order. Events
// are numbered from the change counter under its lock, like bank and entry changes, so sequence
// numbers become visible in commit order on PostgreSQL too: a reader that continues after the
// last event it read never misses one committed by a slower, concurrent writer. The price is that
// appends queue on the same row lock as bank and entry writes; an append is one short transaction
// of multi-row INSERTs, so it holds the lock briefly. The log takes numbers from the hash and
// list feeds' shared sequence, so those feeds skip the log's numbers as they skip each other's.
extension SQLStore {
    static let accountEventColumns = "seq, account_id, kind, at, recorded_at, payload"

    /// Rows per multi-row INSERT (6 binds each, so 3,000 binds: far below SQLite's 32,766 and
    /// PostgreSQL's 65,535), large enough that round trips do not dominate a replay-sized append.
    static let accountEventInsertRows = 500
    /// Payload bytes per INSERT: with payloads of up to 1 MiB, 500 rows could make one statement
    /// of half a gigabyte, so a statement also ends once its payloads reach this size.
    static let accountEventInsertBytes = 4 << 20

    static func decodeAccountEvent(_ row: any SQLRow) throws -> AccountEventRecord {
        let rawKind = try row.decode(column: "kind", as: String.self)
        guard let kind = AccountEventKind(rawValue: rawKind) else {
            throw StoreError.databaseFailure("unknown account event kind in the database; was it written by a newer Bulwark?")
        }
        return AccountEventRecord(sequence: try row.decode(column: "seq", as: Int64.self),
                                  accountId: try row.decode(column: "account_id", as: String.self),
                                  kind: kind,
                                  at: Millis.date(try row.decode(column: "at", as: Int64.self)),
                                  recordedAt: Millis.date(try row.decode(column: "recorded_at", as: Int64.self)),
                                  payload: try row.decode(column: "payload", as: String.self))
    }

    /// An event that passed validation, in the form the database stores.
    private struct ValidAccountEvent: Sendable {
        let accountId: String
        let kind: AccountEventKind
        let at: Int64
        let payload: String
        let payloadBytes: Int

        init(index: Int, _ event: NewAccountEvent) throws(StoreError) {
            accountId = try Validate.accountId(event.accountId, field: "account id of event \(index)")
            at = try Validate.eventTime(event.at, field: "time of event \(index)")
            payload = try Validate.accountEventPayload(event.payload, field: "payload of event \(index)")
            payloadBytes = payload.utf8.count
            kind = event.kind
        }
    }

    public func appendAccountEvents(_ events: [NewAccountEvent]) async throws(StoreError) -> [Int64] {
        guard !events.isEmpty else { return [] }
        // Every event is checked before the transaction starts: one bad event rejects the batch
        // and nothing is written, and the counter lock is never held while validating.
        var valid: [ValidAccountEvent] = []
        valid.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            valid.append(try ValidAccountEvent(index: index, event))
        }
        let rows = valid
        let recordedAt = Millis.now()
        return try await write { db in
            let base = try await self.lockCounter(db)
            var sequence = base
            var start = 0
            while start < rows.count {
                var end = start
                var bytes = 0
                // At least one row per statement, however large its payload.
                while end < rows.count, end - start < Self.accountEventInsertRows,
                      end == start || bytes + rows[end].payloadBytes <= Self.accountEventInsertBytes {
                    bytes += rows[end].payloadBytes
                    end += 1
                }
                var tuples: [SQLQueryString] = []
                tuples.reserveCapacity(end - start)
                for row in rows[start..<end] {
                    sequence += 1
                    tuples.append("""
                        (\(bind: sequence), \(bind: row.accountId), \(bind: row.kind.rawValue), \(bind: row.at), \
                        \(bind: recordedAt), \(bind: row.payload))
                        """)
                }
                let query: SQLQueryString = """
                    INSERT INTO bulwark_account_events (seq, account_id, kind, at, recorded_at, payload)
                    VALUES
                    """ + tuples.joined(separator: ", ")
                try await db.raw(query).run()
                start = end
            }
            try await self.setCounter(db, to: sequence)
            return Array(base + 1...sequence)
        }
    }

    public func accountEvents(after sequence: Int64, limit: Int) async throws(StoreError) -> [AccountEventRecord] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        // A range scan of the primary key: each page costs the same however deep the log is.
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.accountEventColumns) FROM bulwark_account_events
                WHERE seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
                """).all().map(Self.decodeAccountEvent)
        }
    }

    public func accountEvents(forAccount accountId: String, after sequence: Int64, limit: Int)
        async throws(StoreError) -> [AccountEventRecord]
    {
        // An id the log would refuse cannot have events; saying so catches the caller's bug
        // instead of answering an empty timeline.
        let accountId = try Validate.accountId(accountId, field: "account id")
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        // A range scan of the (account_id, seq) index.
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.accountEventColumns) FROM bulwark_account_events
                WHERE account_id = \(bind: accountId) AND seq > \(bind: sequence) ORDER BY seq LIMIT \(bind: limit)
                """).all().map(Self.decodeAccountEvent)
        }
    }
}

extension Validate {
    /// Account ids are the platform's, opaque to Bulwark; the bound keeps the (account_id, seq)
    /// index small and well under PostgreSQL's index row limit.
    static let accountIdBytes = identifierBytes
    /// The largest event payload, in UTF-8 bytes: a profile with its history fits many times
    /// over, and a replay never has to hold one absurd row.
    static let accountEventPayloadBytes = jsonTextBytes
    /// Event times as milliseconds must stay within ±8.64e15 (ECMAScript's range, ±273,790
    /// years), far inside Int64, so converting them can never trap.
    static let eventTimeMillis = 8.64e15

    /// An account id: an identifier (1–256 bytes of UTF-8, no control characters).
    static func accountId(_ value: String, field: String) throws(StoreError) -> String {
        try identifier(value, field: field)
    }

    /// An event payload: JSON text of at most 1 MiB, without NUL (see `jsonText`).
    static func accountEventPayload(_ value: String, field: String) throws(StoreError) -> String {
        try jsonText(value, field: field)
    }

    /// A time as stored: milliseconds since 1970, rounded.
    static func eventTime(_ date: Date, field: String) throws(StoreError) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        guard millis.isFinite, abs(millis) <= eventTimeMillis else {
            throw .invalidField(field: field, reason: "it is outside the years the store can represent")
        }
        return Int64(millis)
    }
}
