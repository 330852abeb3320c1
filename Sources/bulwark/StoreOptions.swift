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
        let store: SQLStore
        do {
            if let url, !url.isEmpty {
                store = try await SQLStore.postgres(url: url)
            } else {
                try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
                store = try await SQLStore.sqlite(path: (dataDir as NSString).appendingPathComponent("bulwark.sqlite"))
            }
            if migrate { _ = try await store.migrate() }
        } catch let error as StoreError {
            throw ValidationError("cannot open the database: \(error)")
        }
        return store
    }
}
