import Foundation
import Logging
import SQLKit

/// `BulwarkStore` over SQLKit, written once for both backends; the differences live in `Dialect`
/// (SQL fragments) and the `Connector` (connections and transactions).
///
/// ## How the change feed is kept consistent
/// The database holds one counter row, `bulwark_change_counter`. Every transaction that changes a
/// bank or an entry first reads that row with a lock (`SELECT … FOR UPDATE` on PostgreSQL; SQLite
/// has a single writer under `BEGIN IMMEDIATE`), numbers its changes from it, writes the new value
/// and commits. The lock is held until commit, so sequence numbers are handed out in commit order:
/// whenever a reader can see change *n*, every change before *n* is committed and visible too.
/// A follower can therefore always advance its cursor to the last record it read. A PostgreSQL
/// `SEQUENCE` would not give this (its values are taken before commit, so *n+1* may commit before
/// *n*), and rolled-back transactions leave no gaps here either. The cost is that
/// feed-changing transactions are serialised, which SQLite does anyway; on PostgreSQL, writes of
/// banks and entries from all processes queue on one row lock (reads are never blocked).
///
/// Each bank, entry and list-entry row carries `change_seq`, its latest sequence number; deletions
/// leave a tombstone row with its own. `changes(after:)` is one statement over the four tables of
/// the hash feed (entries, entry tombstones, banks, bank tombstones), and `listChanges(after:)`
/// one over the list feed's four (list entries, list-entry tombstones, banks, bank tombstones),
/// so each reads one consistent snapshot. The two feeds and the account event log share the
/// counter: together their numbers have no gaps, and each skips the numbers of the others.
public final class SQLStore: BulwarkStore {
    public let backend: StoreBackend
    let connector: any Connector
    let dialect: Dialect
    private let logger: Logger
    /// When this process last wrote `last_used_at` for each key (milliseconds), to write it at
    /// most once per `touchInterval`.
    private let touches = LockedValue<[Int64: Int64]>([:])
    private static let touchIntervalMs: Int64 = 60_000

    private init(connector: any Connector, logger: Logger) {
        self.connector = connector
        self.dialect = connector.dialect
        self.backend = connector.dialect.backend
        self.logger = logger
    }

    /// Opens (creating if needed) an SQLite database file, in WAL mode with a busy timeout, or an
    /// in-memory database for `":memory:"` (tests). Call `migrate()` before other operations.
    public static func sqlite(path: String, options: SQLiteOptions = SQLiteOptions()) async throws(StoreError) -> SQLStore {
        SQLStore(connector: try await SQLiteConnector.open(path: path, options: options), logger: options.logger)
    }

    /// Connects to PostgreSQL with a pool. `url` is
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`; percent-escape special
    /// characters in the password. Fails with `.unavailable` when the server cannot be reached or
    /// refuses the login within `options.connectTimeout`. Call `migrate()` before other operations.
    public static func postgres(url: String, options: PostgresOptions = PostgresOptions()) async throws(StoreError) -> SQLStore {
        SQLStore(connector: try await PostgresConnector.connect(url: url, options: options), logger: options.logger)
    }

    public func shutdown() async {
        await connector.shutdown()
    }

    // MARK: - Plumbing

    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws(StoreError) -> R {
        do {
            return try await connector.read(body)
        } catch {
            throw ErrorMapper.map(error)
        }
    }

    func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws(StoreError) -> R {
        do {
            return try await connector.write(body)
        } catch {
            throw ErrorMapper.map(error)
        }
    }

    /// Locks the change counter for the rest of the transaction and returns its value. Must be the
    /// first statement touching banks or entries in a feed-changing transaction.
    func lockCounter(_ db: any SQLDatabase) async throws -> Int64 {
        let query: SQLQueryString = "SELECT value FROM bulwark_change_counter WHERE id = 1\(unsafeRaw: dialect.lockRowSuffix)"
        guard let value = try await db.raw(query).first(decodingColumn: "value", as: Int64.self) else {
            throw StoreError.schemaNotMigrated
        }
        return value
    }

    func setCounter(_ db: any SQLDatabase, to value: Int64) async throws {
        try await db.raw("UPDATE bulwark_change_counter SET value = \(bind: value) WHERE id = 1").run()
    }

    /// Runs constant SQL in a write transaction. For tests only (reachable through
    /// `@testable import`): simulating a newer schema or a failing write, creating test schemas.
    func executeForTesting(_ sql: String) async throws(StoreError) {
        try await write { db in try await db.raw(SQLQueryString(sql)).run() }
    }

    /// The number of rows of a table. For tests only (reachable through `@testable import`): to
    /// show that a rejected or replayed write left nothing behind where no interface can tell.
    func rowCountForTesting(_ table: String) async throws(StoreError) -> Int64 {
        try await read { db in
            try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decodingColumn: "n", as: Int64.self) ?? 0
        }
    }

    // MARK: - Schema

    public func migrate() async throws(StoreError) -> [AppliedMigration] {
        try await migrate(through: Migrations.latestVersion)
    }

    /// Applies the migrations up to `version` only: tests use it to build a database as an older
    /// Bulwark left it, then migrate it the rest of the way.
    func migrate(through version: Int) async throws(StoreError) -> [AppliedMigration] {
        var applied: [AppliedMigration] = []
        let known = Migrations.latestVersion
        for migration in Migrations.all where migration.version <= version {
            let didApply = try await write { db in
                if let lock = self.dialect.migrationLock {
                    try await db.raw(SQLQueryString(lock)).run()
                }
                try await db.raw(SQLQueryString(Migrations.tableDDL)).run()
                let found = try await db.raw("SELECT version FROM bulwark_schema_migrations")
                    .all(decodingColumn: "version", as: Int.self)
                if let newest = found.max(), newest > known {
                    throw StoreError.schemaTooNew(found: newest, known: known)
                }
                if found.contains(migration.version) { return false }
                for statement in migration.statements {
                    try await db.raw(SQLQueryString(self.dialect.ddl(statement))).run()
                }
                try await db.raw("""
                    INSERT INTO bulwark_schema_migrations (version, name, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Millis.now()))
                    """).run()
                return true
            }
            if didApply {
                let record = AppliedMigration(version: migration.version, name: migration.name)
                logger.info("applied schema migration", metadata: ["version": "\(record.version)", "name": "\(record.name)"])
                applied.append(record)
            }
        }
        return applied
    }

    public func schemaVersion() async throws(StoreError) -> Int {
        try await read { db in
            let exists = try await db.raw(SQLQueryString(self.dialect.tableExistsQuery) + "\(bind: "bulwark_schema_migrations")")
                .first(decodingColumn: "n", as: Int64.self) ?? 0
            guard exists > 0 else { return 0 }
            return try await db.raw("SELECT MAX(version) AS v FROM bulwark_schema_migrations")
                .first(decodingColumn: "v", as: Int?.self).flatMap { $0 } ?? 0
        }
    }

    // MARK: - Banks

    private static let bankColumns = "id, name, enabled, pdq_threshold, category, action, is_negative, created_at, updated_at"

    private static func decodeBank(_ row: any SQLRow) throws -> Bank {
        Bank(id: try row.decode(column: "id", as: Int64.self),
             name: try row.decode(column: "name", as: String.self),
             enabled: try row.decode(column: "enabled", as: Bool.self),
             pdqThreshold: try row.decode(column: "pdq_threshold", as: Int.self),
             category: try row.decode(column: "category", as: String?.self),
             action: try row.decode(column: "action", as: String?.self),
             isNegative: try row.decode(column: "is_negative", as: Bool.self),
             createdAt: Millis.date(try row.decode(column: "created_at", as: Int64.self)),
             updatedAt: Millis.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    func fetchBank(_ db: any SQLDatabase, id: Int64) async throws -> Bank {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM bulwark_banks WHERE id = \(bind: id)").first()
        else { throw StoreError.bankNotFound(.id(id)) }
        return try Self.decodeBank(row)
    }

    private func bankID(_ db: any SQLDatabase, named name: String) async throws -> Int64? {
        try await db.raw("SELECT id FROM bulwark_banks WHERE name = \(bind: name)").first(decodingColumn: "id", as: Int64.self)
    }

    func requireBank(_ db: any SQLDatabase, id: Int64) async throws {
        guard try await db.raw("SELECT id FROM bulwark_banks WHERE id = \(bind: id)").first() != nil else {
            throw StoreError.bankNotFound(.id(id))
        }
    }

    public func createBank(_ new: NewBank) async throws(StoreError) -> Bank {
        let name = try Validate.bankName(new.name)
        let threshold = try Validate.threshold(new.pdqThreshold)
        let category = try Validate.text(new.category, field: "category", limit: 200)
        let action = try Validate.text(new.action, field: "action", limit: 200)
        let now = Millis.now()
        return try await write { db in
            let base = try await self.lockCounter(db)
            if try await self.bankID(db, named: name) != nil { throw StoreError.bankNameTaken(name) }
            let sequence = base + 1
            guard let row = try await db.raw("""
                INSERT INTO bulwark_banks (name, enabled, pdq_threshold, category, action, is_negative,
                                           created_at, updated_at, change_seq)
                VALUES (\(bind: name), \(bind: new.enabled), \(bind: threshold), \(bind: category), \(bind: action),
                        \(bind: new.isNegative), \(bind: now), \(bind: now), \(bind: sequence))
                RETURNING \(unsafeRaw: Self.bankColumns)
                """).first() else { throw StoreError.databaseFailure("the new bank was not returned") }
            try await self.setCounter(db, to: sequence)
            return try Self.decodeBank(row)
        }
    }

    public func listBanks() async throws(StoreError) -> [Bank] {
        try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM bulwark_banks ORDER BY name\(unsafeRaw: self.dialect.byteOrder)")
                .all().map(Self.decodeBank)
        }
    }

    public func bank(id: Int64) async throws(StoreError) -> Bank {
        try await read { db in try await self.fetchBank(db, id: id) }
    }

    public func bank(named name: String) async throws(StoreError) -> Bank {
        try await read { db in
            guard let row = try await db.raw("SELECT \(unsafeRaw: Self.bankColumns) FROM bulwark_banks WHERE name = \(bind: name)").first()
            else { throw StoreError.bankNotFound(.name(name)) }
            return try Self.decodeBank(row)
        }
    }

    public func renameBank(id: Int64, to newName: String) async throws(StoreError) -> Bank {
        let name = try Validate.bankName(newName)
        return try await write { db in
            let base = try await self.lockCounter(db)
            let bank = try await self.fetchBank(db, id: id)
            guard bank.name != name else { return bank }
            if let other = try await self.bankID(db, named: name), other != id { throw StoreError.bankNameTaken(name) }
            return try await self.storeBank(db, id: id, sequence: base + 1, assignments: "name = \(bind: name)")
        }
    }

    public func updateBank(id: Int64, _ update: BankUpdate) async throws(StoreError) -> Bank {
        if let threshold = update.pdqThreshold { _ = try Validate.threshold(threshold) }
        if case .set(let value) = update.category { _ = try Validate.text(value, field: "category", limit: 200) }
        if case .set(let value) = update.action { _ = try Validate.text(value, field: "action", limit: 200) }
        return try await write { db in
            let base = try await self.lockCounter(db)
            let bank = try await self.fetchBank(db, id: id)
            var next = bank
            if let enabled = update.enabled { next.enabled = enabled }
            if let threshold = update.pdqThreshold { next.pdqThreshold = threshold }
            if let negative = update.isNegative { next.isNegative = negative }
            switch update.category {
            case .unchanged: break
            case .set(let value): next.category = value
            case .clear: next.category = nil
            }
            switch update.action {
            case .unchanged: break
            case .set(let value): next.action = value
            case .clear: next.action = nil
            }
            guard next != bank else { return bank }
            return try await self.storeBank(db, id: id, sequence: base + 1, assignments: """
                enabled = \(bind: next.enabled), pdq_threshold = \(bind: next.pdqThreshold),
                is_negative = \(bind: next.isNegative), category = \(bind: next.category), action = \(bind: next.action)
                """)
        }
    }

    /// Applies `assignments` to a bank, stamps it with `sequence` and the time, advances the
    /// counter, and returns the bank as stored.
    private func storeBank(_ db: any SQLDatabase, id: Int64, sequence: Int64, assignments: SQLQueryString) async throws -> Bank {
        let query: SQLQueryString = "UPDATE bulwark_banks SET "
            + assignments
            + ", updated_at = \(bind: Millis.now()), change_seq = \(bind: sequence) WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.bankColumns)"
        guard let row = try await db.raw(query).first() else { throw StoreError.bankNotFound(.id(id)) }
        try await setCounter(db, to: sequence)
        return try Self.decodeBank(row)
    }

    public func deleteBank(id: Int64) async throws(StoreError) -> BankDeletion {
        try await write { db in
            let base = try await self.lockCounter(db)
            let bank = try await self.fetchBank(db, id: id)
            let sequence = base + 1
            let count = try await db.raw("SELECT COUNT(*) AS n FROM bulwark_entries WHERE bank_id = \(bind: id)")
                .first(decodingColumn: "n", as: Int64.self) ?? 0
            let listCount = try await db.raw("SELECT COUNT(*) AS n FROM bulwark_list_entries WHERE bank_id = \(bind: id)")
                .first(decodingColumn: "n", as: Int64.self) ?? 0
            try await db.raw("DELETE FROM bulwark_entries WHERE bank_id = \(bind: id)").run()
            // The foreign key would cascade too; deleting explicitly does not depend on SQLite's
            // `foreign_keys` pragma being on for whichever connection runs this.
            try await db.raw("DELETE FROM bulwark_list_entries WHERE bank_id = \(bind: id)").run()
            // The bank's tombstone supersedes its entries' tombstones: followers of both feeds
            // drop the whole bank.
            try await db.raw("DELETE FROM bulwark_entry_tombstones WHERE bank_id = \(bind: id)").run()
            try await db.raw("DELETE FROM bulwark_list_entry_tombstones WHERE bank_id = \(bind: id)").run()
            try await db.raw("DELETE FROM bulwark_import_checkpoints WHERE bank_id = \(bind: id)").run()
            try await db.raw("DELETE FROM bulwark_banks WHERE id = \(bind: id)").run()
            try await db.raw("""
                INSERT INTO bulwark_bank_tombstones (bank_id, name, deleted_at, change_seq)
                VALUES (\(bind: id), \(bind: bank.name), \(bind: Millis.now()), \(bind: sequence))
                """).run()
            try await self.setCounter(db, to: sequence)
            return BankDeletion(bank: bank, entriesRemoved: count, listEntriesRemoved: listCount, sequence: sequence)
        }
    }

    // MARK: - Entries

    private static let entryColumns = """
        id, bank_id, signal_type, value, source, external_id, category, added_at, added_by, note, \
        enabled, quarantined, quarantine_reason
        """

    private static func decodeSignalType(_ row: any SQLRow, column: String = "signal_type") throws -> SignalType {
        let raw = try row.decode(column: column, as: String.self)
        guard let type = SignalType(rawValue: raw) else {
            throw StoreError.databaseFailure("unknown signal type in the database; was it written by a newer Bulwark?")
        }
        return type
    }

    private static func decodeEntry(_ row: any SQLRow) throws -> BankEntry {
        BankEntry(id: try row.decode(column: "id", as: Int64.self),
                  bankId: try row.decode(column: "bank_id", as: Int64.self),
                  signalType: try decodeSignalType(row),
                  value: Hex.encode(try row.decode(column: "value", as: Data.self)),
                  source: try row.decode(column: "source", as: String?.self),
                  externalId: try row.decode(column: "external_id", as: String?.self),
                  category: try row.decode(column: "category", as: String?.self),
                  addedAt: Millis.date(try row.decode(column: "added_at", as: Int64.self)),
                  addedBy: try row.decode(column: "added_by", as: String?.self),
                  note: try row.decode(column: "note", as: String?.self),
                  enabled: try row.decode(column: "enabled", as: Bool.self),
                  quarantined: try row.decode(column: "quarantined", as: Bool.self),
                  quarantineReason: try row.decode(column: "quarantine_reason", as: String?.self))
    }

    private func fetchEntry(_ db: any SQLDatabase, id: Int64) async throws -> BankEntry {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Self.entryColumns) FROM bulwark_entries WHERE id = \(bind: id)").first()
        else { throw StoreError.entryNotFound(id) }
        return try Self.decodeEntry(row)
    }

    /// A row that passed validation, in the form the database stores.
    private struct ValidEntry: Sendable {
        let index: Int
        let key: EntryKey
        let source, externalId, category, addedBy, note: String?
        let addedAt: Int64
        let enabled: Bool

        init(index: Int, _ entry: NewEntry, now: Int64) throws(StoreError) {
            self.index = index
            key = EntryKey(signalType: entry.signalType, bytes: try Validate.hashBytes(entry.value, signalType: entry.signalType))
            source = try Validate.text(entry.source, field: "source")
            externalId = try Validate.text(entry.externalId, field: "external id")
            category = try Validate.text(entry.category, field: "category")
            addedBy = try Validate.text(entry.addedBy, field: "added by")
            note = try Validate.text(entry.note, field: "note", limit: Validate.noteLimit)
            addedAt = entry.addedAt.map(Millis.from) ?? now
            enabled = entry.enabled
        }
    }

    /// What makes two entries of a bank the same entry.
    private struct EntryKey: Hashable, Sendable {
        let signalType: SignalType
        let bytes: [UInt8]
    }

    /// Rows per multi-row INSERT (11 binds each): far below both databases' bind limits, large
    /// enough that round trips do not dominate.
    private static let insertChunk = 200
    /// Values per lookup of existing entries.
    private static let lookupChunk = 500

    /// Inserts the rows a bank does not already hold, numbering them from the locked counter.
    /// Returns the outcome for each row's `index`. Runs inside a write transaction.
    private func insertEntries(_ db: any SQLDatabase, bankId: Int64, rows: [ValidEntry]) async throws -> [Int: EntryOutcome] {
        let base = try await lockCounter(db)
        try await requireBank(db, id: bankId)
        var outcomes: [Int: EntryOutcome] = [:]
        outcomes.reserveCapacity(rows.count)

        // Repeats within the batch refer to the first occurrence.
        var firstIndex: [EntryKey: Int] = [:]
        var unique: [ValidEntry] = []
        var repeats: [(index: Int, of: Int)] = []
        for row in rows {
            if let first = firstIndex[row.key] {
                repeats.append((row.index, first))
            } else {
                firstIndex[row.key] = row.index
                unique.append(row)
            }
        }

        // Which of them the bank already holds. The counter lock is held, so no other writer can
        // add one between this check and the insert. One correlated probe per value, so each is
        // an exact lookup in the (bank_id, signal_type, value) index whatever the planner's
        // statistics say: `value IN (…)` was planned by PostgreSQL as a scan of the whole bank
        // before the table was analysed, which is exactly the state during a first import.
        var existing: [EntryKey: Int64] = [:]
        for signalType in SignalType.allCases {
            let ofType = unique.filter { $0.key.signalType == signalType }
            for start in stride(from: 0, to: ofType.count, by: Self.lookupChunk) {
                let chunk = ofType[start..<min(start + Self.lookupChunk, ofType.count)]
                let values: [SQLQueryString] = chunk.map { "(\(bind: Data($0.key.bytes)))" }
                let query: SQLQueryString = """
                    SELECT v.column1 AS value, (SELECT e.id FROM bulwark_entries e WHERE e.bank_id = \(bind: bankId) \
                    AND e.signal_type = \(bind: signalType.rawValue) AND e.value = v.column1) AS id FROM (VALUES 
                    """ + values.joined(separator: ", ") + ") AS v"
                for row in try await db.raw(query).all() {
                    guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
                    let key = EntryKey(signalType: signalType, bytes: [UInt8](try row.decode(column: "value", as: Data.self)))
                    existing[key] = id
                }
            }
        }

        var sequence = base
        var indexBySequence: [Int64: Int] = [:]
        let fresh = unique.filter { existing[$0.key] == nil }
        for start in stride(from: 0, to: fresh.count, by: Self.insertChunk) {
            let chunk = fresh[start..<min(start + Self.insertChunk, fresh.count)]
            var tuples: [SQLQueryString] = []
            tuples.reserveCapacity(chunk.count)
            for row in chunk {
                sequence += 1
                indexBySequence[sequence] = row.index
                tuples.append("""
                    (\(bind: bankId), \(bind: row.key.signalType.rawValue), \(bind: Data(row.key.bytes)), \(bind: row.source), \
                    \(bind: row.externalId), \(bind: row.category), \(bind: row.addedAt), \(bind: row.addedBy), \(bind: row.note), \
                    \(bind: row.enabled), FALSE, NULL, \(bind: sequence))
                    """)
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_entries (bank_id, signal_type, value, source, external_id, category, added_at,
                                             added_by, note, enabled, quarantined, quarantine_reason, change_seq)
                VALUES
                """ + tuples.joined(separator: ", ") + " RETURNING id, change_seq"
            // RETURNING order is not guaranteed; the sequence number identifies each row.
            for row in try await db.raw(query).all() {
                let seq = try row.decode(column: "change_seq", as: Int64.self)
                guard let index = indexBySequence[seq] else {
                    throw StoreError.databaseFailure("an inserted entry came back with an unexpected sequence number")
                }
                outcomes[index] = .inserted(id: try row.decode(column: "id", as: Int64.self))
            }
        }
        guard outcomes.count == fresh.count else {
            throw StoreError.databaseFailure("the database inserted \(outcomes.count) of \(fresh.count) entries")
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

    public func addEntry(_ entry: NewEntry, toBank bankId: Int64) async throws(StoreError) -> AddEntryResult {
        let row = try ValidEntry(index: 0, entry, now: Millis.now())
        return try await write { db in
            let outcome = try await self.insertEntries(db, bankId: bankId, rows: [row])[0]
            switch outcome {
            case .inserted(let id)?: return .inserted(try await self.fetchEntry(db, id: id))
            case .duplicate(let id)?: return .alreadyPresent(try await self.fetchEntry(db, id: id))
            default: throw StoreError.databaseFailure("the entry's outcome is missing")
            }
        }
    }

    public func addEntries(_ entries: [NewEntry], toBank bankId: Int64, invalidRows: InvalidRowPolicy,
                           checkpoint: CheckpointUpdate?) async throws(StoreError) -> BatchResult {
        let now = Millis.now()
        var outcomes = [EntryOutcome?](repeating: nil, count: entries.count)
        var valid: [ValidEntry] = []
        valid.reserveCapacity(entries.count)
        var rejected: [BatchRowError] = []
        for (index, entry) in entries.enumerated() {
            do throws(StoreError) {
                valid.append(try ValidEntry(index: index, entry, now: now))
            } catch {
                outcomes[index] = .invalid(error)
                rejected.append(BatchRowError(index: index, error: error))
            }
        }
        if invalidRows == .rejectBatch && !rejected.isEmpty { throw .invalidBatch(rejected) }
        if let checkpoint { try Self.validate(checkpoint) }

        let rows = valid
        let written = try await write { db in
            let outcomes = try await self.insertEntries(db, bankId: bankId, rows: rows)
            if let checkpoint { try await self.upsertCheckpoint(db, checkpoint, bankId: bankId) }
            return outcomes
        }
        for (index, outcome) in written { outcomes[index] = outcome }
        return BatchResult(outcomes: outcomes.map { $0 ?? .invalid(.databaseFailure("row outcome missing")) })
    }

    public func entry(id: Int64) async throws(StoreError) -> BankEntry {
        try await read { db in try await self.fetchEntry(db, id: id) }
    }

    static let pageLimits = 1...100_000

    public func entries(inBank bankId: Int64, after: Int64, limit: Int) async throws(StoreError) -> [BankEntry] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.pageLimits)
        return try await read { db in
            let page = try await self.entryPage(db, bankId: bankId, after: after, limit: limit)
            if page.isEmpty { try await self.requireBank(db, id: bankId) }
            return page
        }
    }

    private func entryPage(_ db: any SQLDatabase, bankId: Int64, after: Int64, limit: Int) async throws -> [BankEntry] {
        try await db.raw("""
            SELECT \(unsafeRaw: Self.entryColumns) FROM bulwark_entries
            WHERE bank_id = \(bind: bankId) AND id > \(bind: after) ORDER BY id LIMIT \(bind: limit)
            """).all().map(Self.decodeEntry)
    }

    public func exportEntries(inBank bankId: Int64, pageSize: Int) async throws(StoreError) -> Pages<BankEntry> {
        let pageSize = try Validate.limit(pageSize, name: "page size", allowed: Self.pageLimits)
        try await read { db in try await self.requireBank(db, id: bankId) }
        return Pages(pageSize: pageSize) { after, limit throws(StoreError) in
            let page = try await self.read { db in try await self.entryPage(db, bankId: bankId, after: after, limit: limit) }
            return PageResult(items: page, cursor: page.last?.id ?? after, isLast: page.count < limit)
        }
    }

    /// Changes one entry's flags under the counter lock, unless they already have those values.
    private func modifyEntry(id: Int64, changes: @escaping @Sendable (BankEntry) -> BankEntry) async throws(StoreError) -> BankEntry {
        try await write { db in
            let base = try await self.lockCounter(db)
            let entry = try await self.fetchEntry(db, id: id)
            let next = changes(entry)
            guard next != entry else { return entry }
            let sequence = base + 1
            guard let row = try await db.raw("""
                UPDATE bulwark_entries
                SET enabled = \(bind: next.enabled), quarantined = \(bind: next.quarantined),
                    quarantine_reason = \(bind: next.quarantineReason), change_seq = \(bind: sequence)
                WHERE id = \(bind: id)
                RETURNING \(unsafeRaw: Self.entryColumns)
                """).first() else { throw StoreError.entryNotFound(id) }
            try await self.setCounter(db, to: sequence)
            return try Self.decodeEntry(row)
        }
    }

    public func setEntryEnabled(id: Int64, _ enabled: Bool) async throws(StoreError) -> BankEntry {
        try await modifyEntry(id: id) { entry in
            var next = entry
            next.enabled = enabled
            return next
        }
    }

    public func quarantineEntry(id: Int64, reason: String) async throws(StoreError) -> BankEntry {
        let reason = try Validate.requiredText(reason, field: "quarantine reason")
        return try await modifyEntry(id: id) { entry in
            var next = entry
            next.quarantined = true
            next.quarantineReason = reason
            return next
        }
    }

    public func clearQuarantine(entryId: Int64) async throws(StoreError) -> BankEntry {
        try await modifyEntry(id: entryId) { entry in
            var next = entry
            next.quarantined = false
            next.quarantineReason = nil
            return next
        }
    }

    public func deleteEntry(id: Int64) async throws(StoreError) -> BankEntry {
        try await write { db in
            let base = try await self.lockCounter(db)
            let entry = try await self.fetchEntry(db, id: id)
            let sequence = base + 1
            try await db.raw("DELETE FROM bulwark_entries WHERE id = \(bind: id)").run()
            try await db.raw("""
                INSERT INTO bulwark_entry_tombstones (entry_id, bank_id, signal_type, value, deleted_at, change_seq)
                VALUES (\(bind: id), \(bind: entry.bankId), \(bind: entry.signalType.rawValue),
                        \(bind: Data(try Validate.hashBytes(entry.value, signalType: entry.signalType))),
                        \(bind: Millis.now()), \(bind: sequence))
                """).run()
            try await self.setCounter(db, to: sequence)
            return entry
        }
    }

    public func entryCounts(bankId: Int64?) async throws(StoreError) -> [EntryCount] {
        try await read { db in
            let filter: SQLQueryString = bankId.map { " WHERE bank_id = \(bind: $0)" } ?? ""
            let query: SQLQueryString = """
                SELECT bank_id, signal_type, COUNT(*) AS total,
                       SUM(CASE WHEN enabled THEN 1 ELSE 0 END) AS enabled_count,
                       SUM(CASE WHEN quarantined THEN 1 ELSE 0 END) AS quarantined_count
                FROM bulwark_entries
                """ + filter + " GROUP BY bank_id, signal_type ORDER BY bank_id, signal_type"
            return try await db.raw(query).all().map { row in
                EntryCount(bankId: try row.decode(column: "bank_id", as: Int64.self),
                           signalType: try Self.decodeSignalType(row),
                           total: try row.decode(column: "total", as: Int64.self),
                           enabled: try row.decode(column: "enabled_count", as: Int64.self),
                           quarantined: try row.decode(column: "quarantined_count", as: Int64.self))
            }
        }
    }

    // MARK: - Change feed

    public func currentSequence() async throws(StoreError) -> Int64 {
        try await read { db in
            guard let value = try await db.raw("SELECT value FROM bulwark_change_counter WHERE id = 1")
                .first(decodingColumn: "value", as: Int64.self) else { throw StoreError.schemaNotMigrated }
            return value
        }
    }

    static let feedLimits = 1...100_000

    public func changes(after sequence: Int64, limit: Int) async throws(StoreError) -> [Change] {
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        let bytes = dialect.bytesType
        // One statement, so one snapshot: four branches (live entries, deleted entries, banks,
        // deleted banks), each taking its first `limit` rows by its change_seq index, merged.
        let query: SQLQueryString = """
            SELECT * FROM (
                SELECT 0 AS kind, e.change_seq AS seq, e.id AS id, e.bank_id AS bank_id, e.signal_type AS signal_type,
                       e.value AS value, e.enabled AS entry_enabled, b.enabled AS bank_enabled,
                       e.quarantined AS quarantined, FALSE AS deleted, b.pdq_threshold AS pdq_threshold,
                       b.is_negative AS is_negative, CAST(NULL AS TEXT) AS name, CAST(NULL AS TEXT) AS category,
                       CAST(NULL AS TEXT) AS action
                FROM bulwark_entries e JOIN bulwark_banks b ON b.id = e.bank_id
                WHERE e.change_seq > \(bind: sequence) ORDER BY e.change_seq LIMIT \(bind: limit)
            ) AS live_entries
            UNION ALL SELECT * FROM (
                SELECT 1, t.change_seq, t.entry_id, t.bank_id, t.signal_type, t.value, FALSE,
                       COALESCE(b.enabled, FALSE), FALSE, TRUE, COALESCE(b.pdq_threshold, 0),
                       COALESCE(b.is_negative, FALSE), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT)
                FROM bulwark_entry_tombstones t LEFT JOIN bulwark_banks b ON b.id = t.bank_id
                WHERE t.change_seq > \(bind: sequence) ORDER BY t.change_seq LIMIT \(bind: limit)
            ) AS deleted_entries
            UNION ALL SELECT * FROM (
                SELECT 2, b.change_seq, b.id, b.id, CAST(NULL AS TEXT), CAST(NULL AS \(unsafeRaw: bytes)), FALSE,
                       b.enabled, FALSE, FALSE, b.pdq_threshold, b.is_negative, b.name, b.category, b.action
                FROM bulwark_banks b
                WHERE b.change_seq > \(bind: sequence) ORDER BY b.change_seq LIMIT \(bind: limit)
            ) AS live_banks
            UNION ALL SELECT * FROM (
                SELECT 3, d.change_seq, d.bank_id, d.bank_id, CAST(NULL AS TEXT), CAST(NULL AS \(unsafeRaw: bytes)), FALSE,
                       FALSE, FALSE, TRUE, 0, FALSE, d.name, CAST(NULL AS TEXT), CAST(NULL AS TEXT)
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
                return .entry(EntryState(
                    sequence: seq, id: id, bankId: try row.decode(column: "bank_id", as: Int64.self),
                    signalType: try Self.decodeSignalType(row),
                    digest: try LoadedEntry.digest(try row.decode(column: "value", as: Data.self)),
                    entryEnabled: try row.decode(column: "entry_enabled", as: Bool.self),
                    bankEnabled: try row.decode(column: "bank_enabled", as: Bool.self),
                    deleted: kind == 1,
                    quarantined: try row.decode(column: "quarantined", as: Bool.self),
                    pdqThreshold: try row.decode(column: "pdq_threshold", as: Int.self),
                    isNegative: try row.decode(column: "is_negative", as: Bool.self)))
            }
        }
    }

    public func loadAll(pageSize: Int, bankId: Int64?) async throws(StoreError) -> Snapshot {
        let pageSize = try Validate.limit(pageSize, name: "page size", allowed: 1...1_000_000)
        // The sequence first: every change up to it is then visible to the reads that follow.
        let sequence = try await currentSequence()
        let banks = try await bankStates(bankId: bankId)
        // Entries carry their bank's policy from the bank list just read, instead of a join per
        // page: each page is then a plain range scan of the primary key. An entry whose bank is
        // not in the list belongs to a bank created after it was read; its change is after
        // `sequence` and arrives through the feed with the bank.
        let bankByID = Dictionary(uniqueKeysWithValues: banks.map { ($0.id, $0) })
        let entries = Pages<EntryState>(pageSize: pageSize) { after, limit throws(StoreError) in
            let rows: [LoadedEntry]
            do {
                rows = try await self.connector.loadEntries(after: after, limit: limit, bankId: bankId)
            } catch {
                throw ErrorMapper.map(error)
            }
            var page: [EntryState] = []
            page.reserveCapacity(rows.count)
            for row in rows {
                guard let bank = bankByID[row.bankId] else { continue }
                page.append(EntryState(sequence: row.sequence, id: row.id, bankId: row.bankId, signalType: row.signalType,
                                       digest: row.digest, entryEnabled: row.enabled, bankEnabled: bank.enabled,
                                       deleted: false, quarantined: row.quarantined, pdqThreshold: bank.pdqThreshold,
                                       isNegative: bank.isNegative))
            }
            return PageResult(items: page, cursor: rows.last?.id ?? after, isLast: rows.count < limit)
        }
        return Snapshot(sequence: sequence, banks: banks, entries: entries)
    }

    /// Every bank's current state (or one bank's, throwing `.bankNotFound` if it does not exist),
    /// by id: the bank half of `loadAll` and `loadAllLists`.
    func bankStates(bankId: Int64?) async throws(StoreError) -> [BankState] {
        let banks = try await read { db in
            let filter: SQLQueryString = bankId.map { " WHERE id = \(bind: $0)" } ?? ""
            return try await db.raw("""
                SELECT id, name, enabled, pdq_threshold, is_negative, category, action, change_seq FROM bulwark_banks
                """ + filter + " ORDER BY id").all().map { row in
                BankState(sequence: try row.decode(column: "change_seq", as: Int64.self),
                          id: try row.decode(column: "id", as: Int64.self),
                          name: try row.decode(column: "name", as: String.self),
                          enabled: try row.decode(column: "enabled", as: Bool.self),
                          pdqThreshold: try row.decode(column: "pdq_threshold", as: Int.self),
                          isNegative: try row.decode(column: "is_negative", as: Bool.self),
                          category: try row.decode(column: "category", as: String?.self),
                          action: try row.decode(column: "action", as: String?.self),
                          deleted: false)
            }
        }
        if let bankId, banks.isEmpty { throw .bankNotFound(.id(bankId)) }
        return banks
    }

    // MARK: - API keys

    private static let apiKeyColumns = "id, name, role, key_hash, key_prefix, created_at, last_used_at, revoked_at"

    private static func decodeAPIKey(_ row: any SQLRow) throws -> APIKey {
        let rawRole = try row.decode(column: "role", as: String.self)
        guard let role = APIKeyRole(rawValue: rawRole) else {
            throw StoreError.databaseFailure("unknown API key role in the database; was it written by a newer Bulwark?")
        }
        return APIKey(id: try row.decode(column: "id", as: Int64.self),
                      name: try row.decode(column: "name", as: String.self),
                      role: role,
                      keyHash: try row.decode(column: "key_hash", as: String.self),
                      prefix: try row.decode(column: "key_prefix", as: String.self),
                      createdAt: Millis.date(try row.decode(column: "created_at", as: Int64.self)),
                      lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Millis.date),
                      revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Millis.date))
    }

    private func fetchAPIKey(_ db: any SQLDatabase, id: Int64) async throws -> APIKey {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Self.apiKeyColumns) FROM bulwark_api_keys WHERE id = \(bind: id)").first()
        else { throw StoreError.apiKeyNotFound(id) }
        return try Self.decodeAPIKey(row)
    }

    public func createAPIKey(name: String, role: APIKeyRole, keyHash: String, prefix: String) async throws(StoreError) -> APIKey {
        let name = try Validate.requiredText(name, field: "key name", limit: 100)
        let hash = try Validate.keyHash(keyHash)
        let prefix = try Validate.requiredText(prefix, field: "key prefix", limit: Validate.keyPrefixLengths.upperBound)
        let now = Millis.now()
        do {
            return try await write { db in
                if try await db.raw("SELECT id FROM bulwark_api_keys WHERE key_hash = \(bind: hash)").first() != nil {
                    throw StoreError.apiKeyHashTaken
                }
                guard let row = try await db.raw("""
                    INSERT INTO bulwark_api_keys (name, role, key_hash, key_prefix, created_at)
                    VALUES (\(bind: name), \(bind: role.rawValue), \(bind: hash), \(bind: prefix), \(bind: now))
                    RETURNING \(unsafeRaw: Self.apiKeyColumns)
                    """).first() else { throw StoreError.databaseFailure("the new API key was not returned") }
                return try Self.decodeAPIKey(row)
            }
        } catch .constraintViolated(let reason) where reason.contains("key_hash") {
            // Two processes inserting the same hash at once: the unique constraint decides.
            throw .apiKeyHashTaken
        }
    }

    public func apiKey(hash keyHash: String) async throws(StoreError) -> APIKey? {
        // A malformed hash cannot match any key; answering nil keeps auth paths simple.
        guard let hash = try? Validate.keyHash(keyHash) else { return nil }
        return try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.apiKeyColumns) FROM bulwark_api_keys WHERE key_hash = \(bind: hash)")
                .first().map(Self.decodeAPIKey)
        }
    }

    public func apiKey(id: Int64) async throws(StoreError) -> APIKey {
        try await read { db in try await self.fetchAPIKey(db, id: id) }
    }

    public func listAPIKeys() async throws(StoreError) -> [APIKey] {
        try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.apiKeyColumns) FROM bulwark_api_keys ORDER BY id DESC")
                .all().map(Self.decodeAPIKey)
        }
    }

    public func revokeAPIKey(id: Int64) async throws(StoreError) -> APIKey {
        let now = Millis.now()
        return try await write { db in
            try await db.raw("""
                UPDATE bulwark_api_keys SET revoked_at = \(bind: now) WHERE id = \(bind: id) AND revoked_at IS NULL
                """).run()
            return try await self.fetchAPIKey(db, id: id)
        }
    }

    public func touchAPIKey(id: Int64) async throws(StoreError) -> Bool {
        let now = Millis.now()
        let due = touches.withLock { last in
            if let previous = last[id], now - previous < Self.touchIntervalMs { return false }
            last[id] = now
            return true
        }
        guard due else { return false }
        do {
            try await write { db in
                try await db.raw("UPDATE bulwark_api_keys SET last_used_at = \(bind: now) WHERE id = \(bind: id)").run()
            }
        } catch {
            // Let the next request try again.
            _ = touches.withLock { $0.removeValue(forKey: id) }
            throw error
        }
        return true
    }

    // MARK: - Import checkpoints

    static func validate(_ checkpoint: CheckpointUpdate) throws(StoreError) {
        _ = try Validate.requiredText(checkpoint.key, field: "checkpoint key", limit: Validate.checkpointKeyLimit)
        guard checkpoint.linesCommitted >= 0 else {
            throw .invalidField(field: "lines committed", reason: "it is negative")
        }
    }

    func upsertCheckpoint(_ db: any SQLDatabase, _ checkpoint: CheckpointUpdate, bankId: Int64) async throws {
        try await db.raw("""
            INSERT INTO bulwark_import_checkpoints (key, bank_id, lines_committed, updated_at)
            VALUES (\(bind: checkpoint.key), \(bind: bankId), \(bind: checkpoint.linesCommitted), \(bind: Millis.now()))
            ON CONFLICT (key) DO UPDATE SET bank_id = excluded.bank_id, lines_committed = excluded.lines_committed,
                                            updated_at = excluded.updated_at
            """).run()
    }

    private static func decodeCheckpoint(_ row: any SQLRow) throws -> ImportCheckpoint {
        ImportCheckpoint(key: try row.decode(column: "key", as: String.self),
                         bankId: try row.decode(column: "bank_id", as: Int64.self),
                         linesCommitted: try row.decode(column: "lines_committed", as: Int64.self),
                         updatedAt: Millis.date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    public func importCheckpoint(key: String) async throws(StoreError) -> ImportCheckpoint? {
        try await read { db in
            try await db.raw("""
                SELECT key, bank_id, lines_committed, updated_at FROM bulwark_import_checkpoints WHERE key = \(bind: key)
                """).first().map(Self.decodeCheckpoint)
        }
    }

    public func saveImportCheckpoint(_ checkpoint: CheckpointUpdate, bankId: Int64) async throws(StoreError) -> ImportCheckpoint {
        try Self.validate(checkpoint)
        return try await write { db in
            try await self.requireBank(db, id: bankId)
            try await self.upsertCheckpoint(db, checkpoint, bankId: bankId)
            guard let row = try await db.raw("""
                SELECT key, bank_id, lines_committed, updated_at FROM bulwark_import_checkpoints WHERE key = \(bind: checkpoint.key)
                """).first() else { throw StoreError.databaseFailure("the checkpoint was not saved") }
            return try Self.decodeCheckpoint(row)
        }
    }

    public func clearImportCheckpoint(key: String) async throws(StoreError) -> Bool {
        try await write { db in
            let existed = try await db.raw("SELECT key FROM bulwark_import_checkpoints WHERE key = \(bind: key)").first() != nil
            try await db.raw("DELETE FROM bulwark_import_checkpoints WHERE key = \(bind: key)").run()
            return existed
        }
    }
}

/// Timestamps are stored as integer milliseconds since the Unix epoch (UTC) in both backends: one
/// representation, exact round trips, no time-zone or driver conversions to differ.
enum Millis {
    static func now() -> Int64 { from(Date()) }
    static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
