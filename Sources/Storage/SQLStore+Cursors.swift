import Foundation
import SQLKit

// Cursors (`bulwark_cursors`): named positions in a feed (the change feed, the audit log…) that a
// follower keeps across restarts, so it resumes where it stopped instead of replaying from the
// start or, worse, skipping what happened while it was down.
extension SQLStore {
    public func cursor(named name: String) async throws(StoreError) -> Int64? {
        let name = try Validate.identifier(name, field: "cursor name")
        return try await read { db in
            try await db.raw("SELECT seq FROM bulwark_cursors WHERE name = \(bind: name)")
                .first(decodingColumn: "seq", as: Int64.self)
        }
    }

    public func saveCursor(named name: String, sequence: Int64) async throws(StoreError) {
        let name = try Validate.identifier(name, field: "cursor name")
        guard sequence >= 0 else { throw .invalidField(field: "cursor sequence", reason: "it is negative") }
        let now = Millis.now()
        try await write { db in
            try await db.raw("""
                INSERT INTO bulwark_cursors (name, seq, updated_at) VALUES (\(bind: name), \(bind: sequence), \(bind: now))
                ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at
                """).run()
        }
    }
}
