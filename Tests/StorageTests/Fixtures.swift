import Foundation
import Logging
import Testing
@testable import Storage

/// The backends every storage test runs against. SQLite always (in memory, and as a WAL file with
/// its separate read connection); PostgreSQL when `BULWARK_TEST_POSTGRES_URL` is set, which
/// `scripts/with-postgres.sh` does (and CI does through it).
enum TestBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqliteMemory
    case sqliteFile
    case postgres

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["BULWARK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What the parameterised tests run on here.
    static let available: [TestBackend] = postgresURL == nil ? [.sqliteMemory, .sqliteFile] : allCases

    var testDescription: String {
        switch self {
        case .sqliteMemory: "SQLite (memory)"
        case .sqliteFile: "SQLite (file)"
        case .postgres: "PostgreSQL"
        }
    }

    /// Whether two `SQLStore`s can share this database (as two processes would).
    var isShareable: Bool { self != .sqliteMemory }
}

/// A store on a fresh, private database: an in-memory SQLite, a new SQLite file in a temporary
/// directory, or a new PostgreSQL schema in the test database (so tests run in parallel without
/// seeing each other). Everything is removed afterwards.
final class TestDatabase: Sendable {
    /// Tests assert on results; log lines would only bury the test report.
    static let quiet = Logger(label: "bulwark.storage.tests", factory: { _ in SwiftLogNoOpLogHandler() })
    static let sqliteOptions = SQLiteOptions(logger: quiet)
    static func postgresOptions(maxConnections: Int = 4, schema: String? = nil) -> PostgresOptions {
        PostgresOptions(maxConnections: maxConnections, schema: schema, logger: quiet)
    }

    let backend: TestBackend
    let store: SQLStore
    private let directory: URL?
    private let schema: String?
    private let admin: SQLStore?

    private init(backend: TestBackend, store: SQLStore, directory: URL?, schema: String?, admin: SQLStore?) {
        self.backend = backend
        self.store = store
        self.directory = directory
        self.schema = schema
        self.admin = admin
    }

    static func make(_ backend: TestBackend, migrate: Bool = true) async throws -> TestDatabase {
        let database: TestDatabase
        switch backend {
        case .sqliteMemory:
            database = TestDatabase(backend: backend, store: try await SQLStore.sqlite(path: ":memory:", options: sqliteOptions),
                                    directory: nil, schema: nil, admin: nil)
        case .sqliteFile:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("bulwark-storage-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store = try await SQLStore.sqlite(path: directory.appendingPathComponent("bulwark.db").path, options: sqliteOptions)
            database = TestDatabase(backend: backend, store: store, directory: directory, schema: nil, admin: nil)
        case .postgres:
            let url = try #require(TestBackend.postgresURL)
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try await SQLStore.postgres(url: url, options: postgresOptions(maxConnections: 1))
            try await admin.executeForTesting("CREATE SCHEMA \(schema)")
            let store = try await SQLStore.postgres(url: url, options: Self.postgresOptions(schema: schema))
            database = TestDatabase(backend: backend, store: store, directory: nil, schema: schema, admin: admin)
        }
        if migrate { _ = try await database.store.migrate() }
        return database
    }

    /// A second, independent store on the same database, as another `bulwark` process would have.
    func openAnother() async throws -> SQLStore {
        switch backend {
        case .sqliteMemory:
            throw StoreError.invalidConfiguration("an in-memory database cannot be shared")
        case .sqliteFile:
            return try await SQLStore.sqlite(path: directory!.appendingPathComponent("bulwark.db").path,
                                         options: Self.sqliteOptions)
        case .postgres:
            return try await SQLStore.postgres(url: TestBackend.postgresURL!,
                                               options: Self.postgresOptions(schema: schema))
        }
    }

    func tearDown() async {
        await store.shutdown()
        if let admin, let schema {
            try? await admin.executeForTesting("DROP SCHEMA \(schema) CASCADE")
            await admin.shutdown()
        }
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

/// Runs `body` with a fresh migrated store on `backend`, tearing it down however `body` ends.
func withStore(_ backend: TestBackend, migrate: Bool = true,
               _ body: (SQLStore, TestDatabase) async throws -> Void) async throws {
    let slots: TestSlots? = backend == .postgres ? .postgres : nil
    await slots?.acquire()
    let database: TestDatabase
    do {
        database = try await TestDatabase.make(backend, migrate: migrate)
    } catch {
        await slots?.release()
        throw error
    }
    do {
        try await body(database.store, database)
    } catch {
        await database.tearDown()
        await slots?.release()
        throw error
    }
    await database.tearDown()
    await slots?.release()
}

/// A counting semaphore for test databases. Swift Testing runs every test at once, and each
/// PostgreSQL test database holds several connections (the admin's, the store's pool, sometimes a
/// second store's): unbounded, the suite exceeds the server's `max_connections` (100 in
/// scripts/with-postgres.sh) and tests fail with "too many clients".
actor TestSlots {
    /// At most 6 PostgreSQL test databases at a time: 6 × (1 + 4 + 4 + 4) connections at worst.
    static let postgres = TestSlots(6)

    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        available = count
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Deterministic hashes for tests: `n` spread over the value so each is distinct.
func hex(_ n: Int, _ type: SignalType = .pdq) -> String {
    var generator = SplitMix(seed: UInt64(n) &+ (type == .md5 ? 1 << 40 : type == .sha256 ? 2 << 40 : 0))
    var bytes: [UInt8] = []
    while bytes.count < type.byteCount {
        withUnsafeBytes(of: generator.next().bigEndian) { bytes.append(contentsOf: $0) }
    }
    return Hex.encode(bytes.prefix(type.byteCount))
}

/// The binary form of a hex test hash.
func digest(_ hex: String) -> HashDigest {
    HashDigest(hex: hex)!
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Asserts that `body` throws exactly `expected`.
func expectError<R>(_ expected: StoreError, sourceLocation: SourceLocation = #_sourceLocation,
                    _ body: () async throws -> R) async {
    do {
        _ = try await body()
        Issue.record("expected \(expected), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(expected), but \(type(of: error)) was thrown", sourceLocation: sourceLocation)
    }
}

/// Every record of the change feed after `sequence`, fetched in pages of `pageSize`.
func drainChanges(_ store: some BulwarkStore, after sequence: Int64 = 0, pageSize: Int = 1_000) async throws -> [Change] {
    var all: [Change] = []
    var cursor = sequence
    while true {
        let page = try await store.changes(after: cursor, limit: pageSize)
        guard let last = page.last else { return all }
        all.append(contentsOf: page)
        cursor = last.sequence
    }
}
