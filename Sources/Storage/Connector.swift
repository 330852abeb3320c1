import Foundation
import Logging
import SQLKit

/// How `SQLStore` reaches a database: a way to run statements outside a transaction (each one its
/// own snapshot), a way to run a write transaction, and a way to let go of every connection.
/// The two backends differ only here and in `Dialect`.
protocol Connector: Sendable {
    var dialect: Dialect { get }

    /// Runs `body` with a database handle for reads. Every statement is its own transaction; a
    /// caller that needs one consistent view must express it as one statement.
    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `body` inside one write transaction: committed if `body` returns, rolled back if it
    /// throws.
    func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// One page of entries for `loadAll`, in ascending id order, read through the driver by column
    /// position. At ten million rows SQLKit's per-cell name lookups and dynamic casts would cost
    /// more than the database; this is the one hot path that bypasses it.
    func loadEntries(after: Int64, limit: Int, bankId: Int64?) async throws -> [LoadedEntry]

    /// Closes every connection and stops background work. Idempotent.
    func shutdown() async
}

/// An entry row as `loadAll` reads it: only the columns matching needs.
struct LoadedEntry: Sendable {
    let id: Int64
    let bankId: Int64
    let signalType: SignalType
    let digest: HashDigest
    let enabled: Bool
    let quarantined: Bool
    let sequence: Int64

    static let columns = "id, bank_id, signal_type, value, enabled, quarantined, change_seq"

    static func signalType(_ raw: String) throws -> SignalType {
        guard let type = SignalType(rawValue: raw) else {
            throw StoreError.databaseFailure("unknown signal type in the database; was it written by a newer Bulwark?")
        }
        return type
    }

    static func digest(_ bytes: some Collection<UInt8>) throws -> HashDigest {
        guard let digest = HashDigest(bytes: bytes) else {
            throw StoreError.databaseFailure("a stored hash value has \(bytes.count) bytes")
        }
        return digest
    }
}

extension Connector {
    /// The transaction wrapper both backends share once they hold a dedicated connection.
    func transaction<R: Sendable>(on db: any SQLDatabase, _ body: @Sendable (any SQLDatabase) async throws -> R)
        async throws -> R
    {
        try await db.raw(SQLQueryString(dialect.beginWrite)).run()
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // The original error is what the caller needs; a failed rollback (connection gone)
            // leaves nothing behind because the server discards the open transaction.
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }
}
