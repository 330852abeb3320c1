import ArgumentParser
import Foundation
import Storage

/// Where the data lives: an embedded SQLite file (default) or a PostgreSQL server.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Directory for the embedded SQLite database (created if missing).", valueName: "dir"))
    var dataDir: String = ProcessInfo.processInfo.environment["BULWARK_DATA_DIR"] ?? "bulwark-data"

    @Option(help: ArgumentHelp("PostgreSQL URL (postgres://user:pass@host:5432/db) instead of SQLite. Also BULWARK_DATABASE_URL.", valueName: "url"))
    var databaseURL: String?

    /// Opens the store (and applies pending migrations when `migrate` is true).
    func open(migrate: Bool = true) async throws -> any BulwarkStore {
        let url = databaseURL ?? ProcessInfo.processInfo.environment["BULWARK_DATABASE_URL"]
        if let url, !url.isEmpty { return try await openStore(postgresURL: url, migrate: migrate) }
        return try await openStore(sqlitePath: (dataDir as NSString).appendingPathComponent("bulwark.sqlite"), migrate: migrate)
    }
}

/// Opens a PostgreSQL store (when `postgresURL` is given) or an SQLite file (its directory created
/// if missing), migrating it unless told not to; a store failure becomes a usage error naming it.
func openStore(postgresURL: String? = nil, sqlitePath: String = "", migrate: Bool = true) async throws -> any BulwarkStore {
    let store: SQLStore
    do {
        if let postgresURL {
            store = try await SQLStore.postgres(url: postgresURL)
        } else {
            let directory = (sqlitePath as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            store = try await SQLStore.sqlite(path: sqlitePath)
        }
        if migrate { _ = try await store.migrate() }
    } catch let error as StoreError {
        throw ValidationError("cannot open the database: \(error)")
    }
    return store
}
