import Foundation
import Logging
import SQLKit
import SQLiteKit

/// Settings for the embedded SQLite backend.
public struct SQLiteOptions: Sendable {
    /// How long a writer waits for another process (e.g. `bulwark bank import` while the server
    /// runs) to finish its transaction before giving up with `StoreError.unavailable`.
    public var busyTimeout: Duration
    /// `true` (the default) makes every commit durable on power loss (`synchronous=FULL`);
    /// `false` trades the last few commits for speed (`synchronous=NORMAL`; never corrupts).
    public var durableCommits: Bool
    /// Where the store logs its own events (migrations, open/close). Never receives SQL values.
    public var logger: Logger

    public init(busyTimeout: Duration = .seconds(5), durableCommits: Bool = true,
                logger: Logger = Logger(label: "bulwark.storage")) {
        self.busyTimeout = busyTimeout
        self.durableCommits = durableCommits
        self.logger = logger
    }
}

/// SQLite through SQLiteNIO: one connection for writes, guarded by an async lock so transactions
/// never interleave, and (for files) a second connection for reads, which WAL mode lets run while
/// a write transaction is open. An in-memory database has one connection only (a second
/// connection would open a different, empty database), so its reads take the lock too.
final class SQLiteConnector: Connector {
    let dialect = Dialect(backend: .sqlite)
    private let writer: SQLiteConnection
    private let reader: SQLiteConnection?
    private let lock = AsyncSerialLock()
    private let closed = LockedValue(false)
    private let logger: Logger

    private init(writer: SQLiteConnection, reader: SQLiteConnection?, logger: Logger) {
        self.writer = writer
        self.reader = reader
        self.logger = logger
    }

    static func open(path: String, options: SQLiteOptions) async throws(StoreError) -> SQLiteConnector {
        guard !path.isEmpty else { throw .invalidConfiguration("the SQLite path is empty") }
        let inMemory = path == ":memory:"
        if !inMemory {
            let directory = (path as NSString).deletingLastPathComponent
            var isDirectory: ObjCBool = false
            if !directory.isEmpty,
               !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                throw .invalidConfiguration("the directory \(directory) for the SQLite database does not exist; create it first")
            }
        }
        let storage: SQLiteConnection.Storage = inMemory ? .memory : .file(path: path)
        // SQLiteNIO logs statement text at debug level on this logger; ours stays separate so
        // nothing about queries reaches the application's handlers.
        let driverLogger = Logger(label: "bulwark.storage.sqlite-driver", factory: { _ in SwiftLogNoOpLogHandler() })
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await SQLiteConnection.open(storage: storage, logger: driverLogger)
            opened.append(writer)
            try await configure(writer, options: options, file: !inMemory, readOnly: false)
            var reader: SQLiteConnection?
            if !inMemory {
                let connection = try await SQLiteConnection.open(storage: storage, logger: driverLogger)
                opened.append(connection)
                try await configure(connection, options: options, file: true, readOnly: true)
                reader = connection
            }
            options.logger.debug("opened SQLite store", metadata: ["path": .string(path)])
            return SQLiteConnector(writer: writer, reader: reader, logger: options.logger)
        } catch {
            for connection in opened { try? await connection.close() }
            let mapped = ErrorMapper.map(error)
            if case .databaseFailure(let reason) = mapped {
                throw .unavailable("cannot open the SQLite database at \(path): \(reason)")
            }
            throw mapped
        }
    }

    private static func configure(_ connection: SQLiteConnection, options: SQLiteOptions, file: Bool, readOnly: Bool)
        async throws
    {
        // PRAGMAs take no bind parameters; every value here is a number or keyword from code.
        let timeoutMs = max(0, options.busyTimeout.milliseconds)
        try await connection.query("PRAGMA busy_timeout = \(timeoutMs)", []) { _ in }
        try await connection.query("PRAGMA foreign_keys = ON", []) { _ in }
        if file {
            if !readOnly {
                // WAL: readers never block the writer and the writer never blocks readers.
                try await connection.query("PRAGMA journal_mode = WAL", []) { _ in }
            }
            try await connection.query("PRAGMA synchronous = \(options.durableCommits ? "FULL" : "NORMAL")", []) { _ in }
        }
        if readOnly {
            try await connection.query("PRAGMA query_only = ON", []) { _ in }
        }
    }

    private func checkOpen() throws(StoreError) {
        if closed.withLock({ $0 }) { throw .shutDown }
    }

    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try checkOpen()
        if let reader {
            return try await body(reader.sql(queryLogLevel: nil))
        }
        return try await lock.withLock {
            try checkOpen()
            return try await body(writer.sql(queryLogLevel: nil))
        }
    }

    func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try checkOpen()
        return try await lock.withLock {
            try checkOpen()
            return try await transaction(on: writer.sql(queryLogLevel: nil), body)
        }
    }

    func loadEntries(after: Int64, limit: Int, bankId: Int64?) async throws -> [LoadedEntry] {
        let head = "SELECT \(LoadedEntry.columns) FROM bulwark_entries WHERE "
        let tail = "id > ? ORDER BY id LIMIT ?"
        let binds: [SQLiteData] = [.integer(SQLiteInt64(after)), .integer(SQLiteInt64(limit))]
        let query = bankId == nil ? head + tail : head + "bank_id = ? AND " + tail
        let allBinds = bankId.map { [SQLiteData.integer(SQLiteInt64($0))] + binds } ?? binds
        let rows = try await withReadConnection { connection in try await connection.query(query, allBinds) }
        var entries: [LoadedEntry] = []
        entries.reserveCapacity(rows.count)
        for row in rows {
            let cells = row.columns
            guard cells.count == 7, let id = cells[0].data.integer, let bank = cells[1].data.integer,
                  case .text(let type) = cells[2].data, case .blob(let value) = cells[3].data,
                  let enabled = cells[4].data.integer, let quarantined = cells[5].data.integer,
                  let sequence = cells[6].data.integer else {
                throw StoreError.databaseFailure("an entry row has unexpected column types; was the table changed by another program?")
            }
            entries.append(LoadedEntry(id: Int64(id), bankId: Int64(bank), signalType: try LoadedEntry.signalType(type),
                                       digest: try LoadedEntry.digest(value.readableBytesView),
                                       enabled: enabled != 0, quarantined: quarantined != 0, sequence: Int64(sequence)))
        }
        return entries
    }

    /// Runs `body` on the read connection, or on the writer under the lock for an in-memory database.
    private func withReadConnection<R: Sendable>(_ body: @Sendable (SQLiteConnection) async throws -> R) async throws -> R {
        try checkOpen()
        if let reader { return try await body(reader) }
        return try await lock.withLock {
            try checkOpen()
            return try await body(writer)
        }
    }

    func shutdown() async {
        // Taking the lock waits for a write in progress to finish.
        try? await lock.withLock {
            let wasClosed = closed.withLock { state in
                defer { state = true }
                return state
            }
            guard !wasClosed else { return }
            if let reader { try? await reader.close() }
            try? await writer.close()
            logger.debug("closed SQLite store")
        }
    }
}
