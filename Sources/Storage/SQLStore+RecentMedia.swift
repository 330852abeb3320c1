import Foundation
import SQLKit

// Recent media (`bulwark_recent_media`): the hashes of media the intake saw lately, kept for
// retroactive matching. When a hash is added to a bank, the server looks it up here (MD5 and
// SHA-256 by exact index lookups, PDQ by scanning the rows that have one) and re-decides the
// content it finds. Rows are written by `recordIntake` and removed by age with
// `purgeRecentMedia`, which bounds how far back retroactive matching reaches.
extension SQLStore {
    static let recentMediaColumns = "id, content_id, decision_id, media_index, at, pdq, md5, sha256"

    /// Rows per purge transaction: deleting months of media in one transaction would hold locks
    /// (and, on SQLite, the only writer) for as long as it takes; batches let intake go on.
    static let purgeBatchRows = 10_000

    static func decodeRecentMedia(_ row: any SQLRow) throws -> RecentMediaRecord {
        let pdq = try row.decode(column: "pdq", as: Data?.self).map { [UInt8]($0) }
        if let pdq, pdq.count != SignalType.pdq.byteCount {
            throw StoreError.databaseFailure("a stored PDQ hash of recent media has \(pdq.count) bytes")
        }
        let media = RecentMedia(contentId: try row.decode(column: "content_id", as: String.self),
                                decisionId: try row.decode(column: "decision_id", as: String.self),
                                mediaIndex: try row.decode(column: "media_index", as: Int.self),
                                at: Millis.date(try row.decode(column: "at", as: Int64.self)),
                                pdq: pdq,
                                md5: try row.decode(column: "md5", as: String?.self),
                                sha256: try row.decode(column: "sha256", as: String?.self))
        return RecentMediaRecord(id: try row.decode(column: "id", as: Int64.self), media: media)
    }

    public func recentMedia(md5: String, since: Date) async throws(StoreError) -> [RecentMediaRecord] {
        let md5 = try Validate.hexDigest(md5, length: SignalType.md5.hexLength, field: "md5")
        let since = try Validate.eventTime(since, field: "since")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.recentMediaColumns) FROM bulwark_recent_media
                WHERE md5 = \(bind: md5) AND at >= \(bind: since) ORDER BY id
                """).all().map(Self.decodeRecentMedia)
        }
    }

    public func recentMedia(sha256: String, since: Date) async throws(StoreError) -> [RecentMediaRecord] {
        let sha256 = try Validate.hexDigest(sha256, length: SignalType.sha256.hexLength, field: "sha256")
        let since = try Validate.eventTime(since, field: "since")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.recentMediaColumns) FROM bulwark_recent_media
                WHERE sha256 = \(bind: sha256) AND at >= \(bind: since) ORDER BY id
                """).all().map(Self.decodeRecentMedia)
        }
    }

    public func recentMediaWithPDQ(since: Date, after id: Int64, limit: Int) async throws(StoreError) -> [RecentMediaRecord] {
        let since = try Validate.eventTime(since, field: "since")
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.feedLimits)
        // Keyset pagination over the primary key: each page costs the same however deep it is.
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.recentMediaColumns) FROM bulwark_recent_media
                WHERE id > \(bind: id) AND pdq IS NOT NULL AND at >= \(bind: since) ORDER BY id LIMIT \(bind: limit)
                """).all().map(Self.decodeRecentMedia)
        }
    }

    public func purgeRecentMedia(before: Date) async throws(StoreError) -> Int {
        let before = try Validate.eventTime(before, field: "purge time")
        var removed = 0
        while true {
            let batch = try await write { db in
                try await db.raw("""
                    DELETE FROM bulwark_recent_media WHERE id IN (
                        SELECT id FROM bulwark_recent_media WHERE at < \(bind: before) ORDER BY id LIMIT \(bind: Self.purgeBatchRows)
                    ) RETURNING id
                    """).all().count
            }
            removed += batch
            if batch < Self.purgeBatchRows { return removed }
        }
    }
}
