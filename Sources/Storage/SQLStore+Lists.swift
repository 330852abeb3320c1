import Foundation
import SQLKit

// List entries (`bulwark_list_entries`): the same conventions as hash entries (validation in Swift
// first, batches in one transaction, idempotent on (bank, type, value), every change stamped from
// the change counter under its lock, deletions leaving tombstones) over text values.
extension SQLStore {
    static let listEntryColumns = """
        id, bank_id, signal_type, value, source, external_id, category, added_at, added_by, note, enabled
        """

    static func decodeListSignalType(_ row: any SQLRow) throws -> ListSignalType {
        let raw = try row.decode(column: "signal_type", as: String.self)
        guard let type = ListSignalType(rawValue: raw) else {
            throw StoreError.databaseFailure("unknown list signal type in the database; was it written by a newer Bulwark?")
        }
        return type
    }

    static func decodeListEntry(_ row: any SQLRow) throws -> ListEntry {
        ListEntry(id: try row.decode(column: "id", as: Int64.self),
                  bankId: try row.decode(column: "bank_id", as: Int64.self),
                  signalType: try decodeListSignalType(row),
                  value: try row.decode(column: "value", as: String.self),
                  source: try row.decode(column: "source", as: String?.self),
                  externalId: try row.decode(column: "external_id", as: String?.self),
                  category: try row.decode(column: "category", as: String?.self),
                  addedAt: Millis.date(try row.decode(column: "added_at", as: Int64.self)),
                  addedBy: try row.decode(column: "added_by", as: String?.self),
                  note: try row.decode(column: "note", as: String?.self),
                  enabled: try row.decode(column: "enabled", as: Bool.self))
    }

    func fetchListEntry(_ db: any SQLDatabase, id: Int64) async throws -> ListEntry {
        guard let row = try await db.raw("""
            SELECT \(unsafeRaw: Self.listEntryColumns) FROM bulwark_list_entries WHERE id = \(bind: id)
            """).first()
        else { throw StoreError.listEntryNotFound(id) }
        return try Self.decodeListEntry(row)
    }

    /// Rows per multi-row INSERT (11 binds each), as for hash entries.
    private static let listInsertChunk = 200
    /// Values per lookup of existing entries. Values may be up to 2 KiB, so at most ~1 MiB of binds.
    private static let listLookupChunk = 500

    /// Inserts the rows the bank does not already hold, numbering them from the locked counter.
    /// Returns the outcome for each row's `index`. Runs inside a write transaction.
    private func insertListEntries(_ db: any SQLDatabase, bankId: Int64, rows: [ValidListEntry]) async throws -> [Int: EntryOutcome] {
        let base = try await lockCounter(db)
        try await requireBank(db, id: bankId)
        var outcomes: [Int: EntryOutcome] = [:]
        outcomes.reserveCapacity(rows.count)

        // Repeats within the batch refer to the first occurrence.
        var firstIndex: [ListEntryKey: Int] = [:]
        var unique: [ValidListEntry] = []
        var repeats: [(index: Int, of: Int)] = []
        for row in rows {
            if let first = firstIndex[row.key] {
                repeats.append((row.index, first))
            } else {
                firstIndex[row.key] = row.index
                unique.append(row)
            }
        }

        // Which of them the bank already holds: one correlated probe per value, each an exact
        // lookup in the (bank_id, signal_type, value) unique index whatever the planner's
        // statistics say (see `insertEntries`). The counter lock keeps other writers out until commit.
        var existing: [ListEntryKey: Int64] = [:]
        for signalType in ListSignalType.allCases {
            let ofType = unique.filter { $0.key.signalType == signalType }
            for start in stride(from: 0, to: ofType.count, by: Self.listLookupChunk) {
                let chunk = ofType[start..<min(start + Self.listLookupChunk, ofType.count)]
                let values: [SQLQueryString] = chunk.map { "(\(bind: $0.key.value))" }
                let query: SQLQueryString = """
                    SELECT v.column1 AS value, (SELECT e.id FROM bulwark_list_entries e WHERE e.bank_id = \(bind: bankId) \
                    AND e.signal_type = \(bind: signalType.rawValue) AND e.value = v.column1) AS id FROM (VALUES 
                    """ + values.joined(separator: ", ") + ") AS v"
                for row in try await db.raw(query).all() {
                    guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
                    let value = try row.decode(column: "value", as: String.self)
                    existing[ListEntryKey(signalType: signalType, value: value)] = id
                }
            }
        }

        var sequence = base
        var indexBySequence: [Int64: Int] = [:]
        let fresh = unique.filter { existing[$0.key] == nil }
        for start in stride(from: 0, to: fresh.count, by: Self.listInsertChunk) {
            let chunk = fresh[start..<min(start + Self.listInsertChunk, fresh.count)]
            var tuples: [SQLQueryString] = []
            tuples.reserveCapacity(chunk.count)
            for row in chunk {
                sequence += 1
                indexBySequence[sequence] = row.index
                tuples.append("""
                    (\(bind: bankId), \(bind: row.key.signalType.rawValue), \(bind: row.key.value), \(bind: row.source), \
                    \(bind: row.externalId), \(bind: row.category), \(bind: row.addedAt), \(bind: row.addedBy), \(bind: row.note), \
                    \(bind: row.enabled), \(bind: sequence))
                    """)
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_list_entries (bank_id, signal_type, value, source, external_id, category, added_at,
                                                  added_by, note, enabled, change_seq)
                VALUES
                """ + tuples.joined(separator: ", ") + " RETURNING id, change_seq"
            // RETURNING order is not guaranteed; the sequence number identifies each row.
            for row in try await db.raw(query).all() {
                let seq = try row.decode(column: "change_seq", as: Int64.self)
                guard let index = indexBySequence[seq] else {
                    throw StoreError.databaseFailure("an inserted list entry came back with an unexpected sequence number")
                }
                outcomes[index] = .inserted(id: try row.decode(column: "id", as: Int64.self))
            }
        }
        guard outcomes.count == fresh.count else {
            throw StoreError.databaseFailure("the database inserted \(outcomes.count) of \(fresh.count) list entries")
        }
        if sequence > base { try await setCounter(db, to: sequence) }

        for row in unique {
            if let id = existing[row.key] { outcomes[row.index] = .duplicate(existingId: id) }
        }
        for (index, first) in repeats {
            switch outcomes[first] {
            case .inserted(let id)?, .duplicate(let id)?: outcomes[index] = .duplicate(existingId: id)
            default: throw StoreError.databaseFailure("a repeated row lost its first occurrence")
            }
        }
        return outcomes
    }

    public func addListEntries(_ entries: [NewListEntry], toBank bankId: Int64, invalidRows: InvalidRowPolicy,
                               checkpoint: CheckpointUpdate?) async throws(StoreError) -> BatchResult {
        let now = Millis.now()
        var outcomes = [EntryOutcome?](repeating: nil, count: entries.count)
        var valid: [ValidListEntry] = []
        valid.reserveCapacity(entries.count)
        var rejected: [BatchRowError] = []
        for (index, entry) in entries.enumerated() {
            do throws(StoreError) {
                valid.append(try ValidListEntry(index: index, entry, now: now))
            } catch {
                outcomes[index] = .invalid(error)
                rejected.append(BatchRowError(index: index, error: error))
            }
        }
        if invalidRows == .rejectBatch && !rejected.isEmpty { throw .invalidBatch(rejected) }
        if let checkpoint { try Self.validate(checkpoint) }

        let rows = valid
        let written = try await write { db in
            let outcomes = try await self.insertListEntries(db, bankId: bankId, rows: rows)
            if let checkpoint { try await self.upsertCheckpoint(db, checkpoint, bankId: bankId) }
            return outcomes
        }
        for (index, outcome) in written { outcomes[index] = outcome }
        return BatchResult(outcomes: outcomes.map { $0 ?? .invalid(.databaseFailure("row outcome missing")) })
    }

    public func listEntry(id: Int64) async throws(StoreError) -> ListEntry {
        try await read { db in try await self.fetchListEntry(db, id: id) }
    }

    private func listEntryPage(_ db: any SQLDatabase, bankId: Int64, after: Int64, limit: Int) async throws -> [ListEntry] {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.listEntryColumns) FROM bulwark_list_entries
            WHERE bank_id = \(bind: bankId) AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit)
            """).all().map(Self.decodeListEntry)
    }

    public func listEntries(inBank bankId: Int64, after: Int64, limit: Int) async throws(StoreError) -> [ListEntry] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.pageLimits)
        return try await read { db in
            let page = try await self.listEntryPage(db, bankId: bankId, after: after, limit: limit)
            if page.isEmpty { try await self.requireBank(db, id: bankId) }
            return page
        }
    }

    public func exportListEntries(inBank bankId: Int64, pageSize: Int) async throws(StoreError) -> Pages<ListEntry> {
        let pageSize = try Validate.limit(pageSize, name: "page size", allowed: Self.pageLimits)
        try await read { db in try await self.requireBank(db, id: bankId) }
        return Pages(pageSize: pageSize) { after, limit throws(StoreError) in
            let page = try await self.read { db in try await self.listEntryPage(db, bankId: bankId, after: after, limit: limit) }
            return PageResult(items: page, cursor: page.last?.id ?? after, isLast: page.count < limit)
        }
    }

    public func setListEntryEnabled(id: Int64, _ enabled: Bool) async throws(StoreError) -> ListEntry {
        try await write { db in
            let base = try await self.lockCounter(db)
            let entry = try await self.fetchListEntry(db, id: id)
            // A no-op writes nothing to the feed.
            guard entry.enabled != enabled else { return entry }
            let sequence = base + 1
            guard let row = try await db.raw("""
                UPDATE bulwark_list_entries SET enabled = \(bind: enabled), change_seq = \(bind: sequence)
                WHERE id = \(bind: id)
                RETURNING \(unsafeRaw: Self.listEntryColumns)
                """).first() else { throw StoreError.listEntryNotFound(id) }
            try await self.setCounter(db, to: sequence)
            return try Self.decodeListEntry(row)
        }
    }

    public func deleteListEntry(id: Int64) async throws(StoreError) -> ListEntry {
        try await write { db in
            let base = try await self.lockCounter(db)
            let entry = try await self.fetchListEntry(db, id: id)
            let sequence = base + 1
            try await db.raw("DELETE FROM bulwark_list_entries WHERE id = \(bind: id)").run()
            try await db.raw("""
                INSERT INTO bulwark_list_entry_tombstones (entry_id, bank_id, signal_type, value, deleted_at, change_seq)
                VALUES (\(bind: id), \(bind: entry.bankId), \(bind: entry.signalType.rawValue), \(bind: entry.value),
                        \(bind: Millis.now()), \(bind: sequence))
                """).run()
            try await self.setCounter(db, to: sequence)
            return entry
        }
    }

    public func listEntryCounts(bankId: Int64?) async throws(StoreError) -> [ListEntryCount] {
        try await read { db in
            let filter: SQLQueryString = bankId.map { " WHERE bank_id = \(bind: $0)" } ?? ""
            let query: SQLQueryString = """
                SELECT bank_id, signal_type, COUNT(*) AS total, SUM(CASE WHEN enabled THEN 1 ELSE 0 END) AS enabled_count
                FROM bulwark_list_entries
                """ + filter + " GROUP BY bank_id, signal_type ORDER BY bank_id, signal_type\(unsafeRaw: self.dialect.byteOrder)"
            return try await db.raw(query).all().map { row in
                ListEntryCount(bankId: try row.decode(column: "bank_id", as: Int64.self),
                               signalType: try Self.decodeListSignalType(row),
                               total: try row.decode(column: "total", as: Int64.self),
                               enabled: try row.decode(column: "enabled_count", as: Int64.self))
            }
        }
    }

    // MARK: - List change feed

    public func listChanges(after sequence: Int64, limit: Int) async throws(StoreError) -> [ListChange] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        // One statement, so one snapshot: four branches (live list entries, deleted list entries,
        // banks, deleted banks), each taking its first `limit` rows by its change_seq index, merged.
        let query: SQLQueryString = """
            SELECT * FROM (
                SELECT 0 AS kind, e.change_seq AS seq, e.id AS id, e.bank_id AS bank_id, e.signal_type AS signal_type,
                       e.value AS value, e.enabled AS entry_enabled, b.enabled AS bank_enabled,
                       b.pdq_threshold AS pdq_threshold, b.is_negative AS is_negative, CAST(NULL AS TEXT) AS name,
                       CAST(NULL AS TEXT) AS category, CAST(NULL AS TEXT) AS action
                FROM bulwark_list_entries e JOIN bulwark_banks b ON b.id = e.bank_id
                WHERE e.change_seq > \(bind: sequence) ORDER BY e.change_seq LIMIT \(bind: limit)
            ) AS live_entries
            UNION ALL SELECT * FROM (
                SELECT 1, t.change_seq, t.entry_id, t.bank_id, t.signal_type, t.value, FALSE,
                       COALESCE(b.enabled, FALSE), COALESCE(b.pdq_threshold, 0), COALESCE(b.is_negative, FALSE),
                       CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
                FROM bulwark_list_entry_tombstones t LEFT JOIN bulwark_banks b ON b.id = t.bank_id
                WHERE t.change_seq > \(bind: sequence) ORDER BY t.change_seq LIMIT \(bind: limit)
            ) AS deleted_entries
            UNION ALL SELECT * FROM (
                SELECT 2, b.change_seq, b.id, b.id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), FALSE,
                       b.enabled, b.pdq_threshold, b.is_negative, b.name, b.category, b.action
                FROM bulwark_banks b
                WHERE b.change_seq > \(bind: sequence) ORDER BY b.change_seq LIMIT \(bind: limit)
            ) AS live_banks
            UNION ALL SELECT * FROM (
                SELECT 3, d.change_seq, d.bank_id, d.bank_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), FALSE,
                       FALSE, 0, FALSE, d.name, CAST(NULL AS TEXT), CAST(NULL AS TEXT)
                FROM bulwark_bank_tombstones d
                WHERE d.change_seq > \(bind: sequence) ORDER BY d.change_seq LIMIT \(bind: limit)
            ) AS deleted_banks
            ORDER BY seq LIMIT \(bind: limit)
            """
        return try await read { db in
            try await db.raw(query).all().map { row in
                let kind = try row.decode(column: "kind", as: Int.self)
                let seq = try row.decode(column: "seq", as: Int64.self)
                let id = try row.decode(column: "id", as: Int64.self)
                if kind >= 2 {
                    return .bank(BankState(
                        sequence: seq, id: id, name: try row.decode(column: "name", as: String.self),
                        enabled: try row.decode(column: "bank_enabled", as: Bool.self),
                        pdqThreshold: try row.decode(column: "pdq_threshold", as: Int.self),
                        isNegative: try row.decode(column: "is_negative", as: Bool.self),
                        category: try row.decode(column: "category", as: String?.self),
                        action: try row.decode(column: "action", as: String?.self),
                        deleted: kind == 3))
                }
                return .entry(ListEntryState(
                    sequence: seq, id: id, bankId: try row.decode(column: "bank_id", as: Int64.self),
                    signalType: try Self.decodeListSignalType(row),
                    value: try row.decode(column: "value", as: String.self),
                    entryEnabled: try row.decode(column: "entry_enabled", as: Bool.self),
                    bankEnabled: try row.decode(column: "bank_enabled", as: Bool.self),
                    deleted: kind == 1,
                    isNegative: try row.decode(column: "is_negative", as: Bool.self)))
            }
        }
    }

    public func loadAllLists(pageSize: Int, bankId: Int64?) async throws(StoreError) -> ListSnapshot {
        let pageSize = try Validate.limit(pageSize, name: "page size", allowed: 1...1_000_000)
        // The sequence first: every change up to it is then visible to the reads that follow.
        let sequence = try await currentSequence()
        let banks = try await bankStates(bankId: bankId)
        // As in `loadAll`: entries take their bank's policy from the bank list just read; an
        // entry whose bank is not in it belongs to a bank created later, whose records (the bank
        // and its entries) are after `sequence` and arrive through the feed.
        let bankByID = Dictionary(uniqueKeysWithValues: banks.map { ($0.id, $0) })
        let entries = Pages<ListEntryState>(pageSize: pageSize) { after, limit throws(StoreError) in
            let rows = try await self.read { db in
                let filter: SQLQueryString = bankId.map { "bank_id = \(bind: $0) AND " } ?? ""
                let query: SQLQueryString = "SELECT id, bank_id, signal_type, value, enabled, change_seq FROM bulwark_list_entries WHERE "
                    + filter + "id > \(bind: after) ORDER BY id LIMIT \(bind: limit)"
                return try await db.raw(query).all().map { row in
                    (id: try row.decode(column: "id", as: Int64.self),
                     bankId: try row.decode(column: "bank_id", as: Int64.self),
                     signalType: try Self.decodeListSignalType(row),
                     value: try row.decode(column: "value", as: String.self),
                     enabled: try row.decode(column: "enabled", as: Bool.self),
                     sequence: try row.decode(column: "change_seq", as: Int64.self))
                }
            }
            var page: [ListEntryState] = []
            page.reserveCapacity(rows.count)
            for row in rows {
                guard let bank = bankByID[row.bankId] else { continue }
                page.append(ListEntryState(sequence: row.sequence, id: row.id, bankId: row.bankId, signalType: row.signalType,
                                           value: row.value, entryEnabled: row.enabled, bankEnabled: bank.enabled,
                                           deleted: false, isNegative: bank.isNegative))
            }
            return PageResult(items: page, cursor: rows.last?.id ?? after, isLast: rows.count < limit)
        }
        return ListSnapshot(sequence: sequence, banks: banks, entries: entries)
    }
}
