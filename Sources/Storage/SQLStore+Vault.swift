import AuditChain
import Foundation
import SQLKit

// The evidence vault (`bulwark_vault_items`): what the server preserved about content that may
// have to be reported, sealed before it reaches storage (storage never sees plaintext or keys).
// Items are written by intake with their decision; the retention sweep destroys those whose
// time ran out and that are not held, by setting `sealed` to NULL. The sealed bytes carry the
// wrapped data key, so destroying them is crypto-shredding: a backup or replica holding the old
// row still holds only ciphertext whose key is gone once the key wrapping it is rotated away.
// A destroyed item keeps its row, digests and a tombstone, as the record of what was destroyed.
extension SQLStore {
    static let vaultColumns = """
        item_id, content_id, kind, media_index, sealed, key_id, content_digest, size, content_type, md5, sha256, pdq, \
        preserved_at, retain_until, held, retention, destroyed_at, tombstone
        """
    /// The largest sealed item: well above any media the server accepts, well below what either
    /// database can hold in one value (PostgreSQL's limit is 1 GB).
    static let sealedBytes = 1...(256 << 20)
    /// Sealed bytes per multi-row INSERT.
    static let vaultInsertBytes = 16 << 20
    static let vaultLimits = 1...10_000

    /// A vault item that passed validation, in the form the database stores.
    struct ValidVaultItem: Sendable {
        let itemId: String
        let contentId: String
        let kind: VaultItemKind
        let mediaIndex: Int64?
        let sealed: Data
        let keyId: String
        let contentDigest: String
        let size: Int64
        let contentType: String?
        let md5: String?
        let sha256: String?
        let pdq: String?
        let preservedAt: Int64
        let retainUntil: Int64
        let retention: String

        init(_ item: NewVaultItem, label: String) throws(StoreError) {
            itemId = try Validate.identifier(item.itemId, field: "item id of \(label)")
            contentId = try Validate.identifier(item.contentId, field: "content id of \(label)")
            kind = item.kind
            if let index = item.mediaIndex {
                guard index >= 0 else { throw .invalidField(field: "media index of \(label)", reason: "it is negative") }
                mediaIndex = Int64(index)
            } else {
                mediaIndex = nil
            }
            sealed = try SQLStore.sealedData(item.sealed, field: "sealed bytes of \(label)")
            keyId = try Validate.identifier(item.keyId, field: "key id of \(label)")
            contentDigest = try Validate.hexDigest(item.contentDigest, length: SignalType.sha256.hexLength,
                                                   field: "content digest of \(label)")
            guard item.size >= 0 else { throw .invalidField(field: "size of \(label)", reason: "it is negative") }
            size = Int64(item.size)
            contentType = try Validate.optionalIdentifier(item.contentType, field: "content type of \(label)")
            md5 = try item.md5.map { value throws(StoreError) in
                try Validate.hexDigest(value, length: SignalType.md5.hexLength, field: "md5 of \(label)")
            }
            sha256 = try item.sha256.map { value throws(StoreError) in
                try Validate.hexDigest(value, length: SignalType.sha256.hexLength, field: "sha256 of \(label)")
            }
            pdq = try item.pdq.map { value throws(StoreError) in
                try Validate.hexDigest(value, length: SignalType.pdq.hexLength, field: "pdq of \(label)")
            }
            preservedAt = try Validate.eventTime(item.preservedAt, field: "preservation time of \(label)")
            retainUntil = try Validate.eventTime(item.retainUntil, field: "retention end of \(label)")
            retention = try Validate.jsonText(item.retention, field: "retention of \(label)")
        }
    }

    static func sealedData(_ bytes: [UInt8], field: String) throws(StoreError) -> Data {
        guard sealedBytes.contains(bytes.count) else {
            throw .invalidField(field: field, reason: bytes.isEmpty ? "it is empty"
                                : "it has \(bytes.count) bytes; the limit is \(sealedBytes.upperBound)")
        }
        return Data(bytes)
    }

    static func decodeVaultItem(_ row: any SQLRow) throws -> VaultItemRecord {
        guard let kind = VaultItemKind(rawValue: try row.decode(column: "kind", as: String.self)) else {
            throw StoreError.databaseFailure("unknown vault item kind in the database; was it written by a newer Bulwark?")
        }
        return VaultItemRecord(itemId: try row.decode(column: "item_id", as: String.self),
                               contentId: try row.decode(column: "content_id", as: String.self),
                               kind: kind,
                               mediaIndex: try row.decode(column: "media_index", as: Int?.self),
                               sealed: try row.decode(column: "sealed", as: Data?.self).map { [UInt8]($0) },
                               keyId: try row.decode(column: "key_id", as: String.self),
                               contentDigest: try row.decode(column: "content_digest", as: String.self),
                               size: try row.decode(column: "size", as: Int.self),
                               contentType: try row.decode(column: "content_type", as: String?.self),
                               md5: try row.decode(column: "md5", as: String?.self),
                               sha256: try row.decode(column: "sha256", as: String?.self),
                               pdq: try row.decode(column: "pdq", as: String?.self),
                               preservedAt: Millis.date(try row.decode(column: "preserved_at", as: Int64.self)),
                               retainUntil: Millis.date(try row.decode(column: "retain_until", as: Int64.self)),
                               held: try row.decode(column: "held", as: Bool.self),
                               retention: try row.decode(column: "retention", as: String.self),
                               destroyedAt: try row.decode(column: "destroyed_at", as: Int64?.self).map(Millis.date),
                               tombstone: try row.decode(column: "tombstone", as: String?.self))
    }

    /// Inserts vault items (inside the caller's transaction), skipping item ids already stored:
    /// a retried intake preserves nothing twice.
    func insertVaultItems(_ db: any SQLDatabase, _ items: [ValidVaultItem]) async throws {
        for range in StatementBatches.ranges(items.map { $0.sealed.count + $0.retention.utf8.count },
                                             maxRows: Self.intakeInsertRows, maxBytes: Self.vaultInsertBytes) {
            let tuples: [SQLQueryString] = items[range].map { v in
                """
                (\(bind: v.itemId), \(bind: v.contentId), \(bind: v.kind.rawValue), \(bind: v.mediaIndex), \(bind: v.sealed), \
                \(bind: v.keyId), \(bind: v.contentDigest), \(bind: v.size), \(bind: v.contentType), \(bind: v.md5), \
                \(bind: v.sha256), \(bind: v.pdq), \(bind: v.preservedAt), \(bind: v.retainUntil), \(bind: false), \
                \(bind: v.retention))
                """
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_vault_items (item_id, content_id, kind, media_index, sealed, key_id, content_digest, size,
                                                 content_type, md5, sha256, pdq, preserved_at, retain_until, held, retention)
                VALUES
                """ + tuples.joined(separator: ", ") + " ON CONFLICT (item_id) DO NOTHING"
            try await db.raw(query).run()
        }
    }

    private func fetchVaultItem(_ db: any SQLDatabase, id: String, lock: Bool = false) async throws -> VaultItemRecord {
        let query: SQLQueryString = "SELECT \(unsafeRaw: Self.vaultColumns) FROM bulwark_vault_items WHERE item_id = \(bind: id)"
            + (lock ? "\(unsafeRaw: dialect.lockRowSuffix)" : "")
        guard let row = try await db.raw(query).first() else { throw StoreError.vaultItemNotFound(id) }
        return try Self.decodeVaultItem(row)
    }

    public func vaultItems(contentId: String) async throws(StoreError) -> [VaultItemRecord] {
        let contentId = try Validate.identifier(contentId, field: "content id")
        // NULL media indexes sort differently on the two backends; -1 puts them first on both.
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.vaultColumns) FROM bulwark_vault_items WHERE content_id = \(bind: contentId)
                ORDER BY kind, COALESCE(media_index, -1), item_id\(unsafeRaw: self.dialect.byteOrder)
                """).all().map(Self.decodeVaultItem)
        }
    }

    public func vaultItem(id: String) async throws(StoreError) -> VaultItemRecord {
        let id = try Validate.identifier(id, field: "item id")
        return try await read { db in try await self.fetchVaultItem(db, id: id) }
    }

    public func vaultItemsDue(now: Date, limit: Int) async throws(StoreError) -> [VaultItemRecord] {
        let now = try Validate.eventTime(now, field: "sweep time")
        let limit = try Validate.limit(limit, name: "limit", allowed: Self.vaultLimits)
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.vaultColumns) FROM bulwark_vault_items
                WHERE retain_until <= \(bind: now) AND destroyed_at IS NULL AND NOT held
                ORDER BY retain_until, item_id\(unsafeRaw: self.dialect.byteOrder) LIMIT \(bind: limit)
                """).all().map(Self.decodeVaultItem)
        }
    }

    public func updateVaultRetention(itemId: String, retention: String, retainUntil: Date, held: Bool,
                                     audit: [NewAuditEvent]) async throws(StoreError) -> VaultItemRecord {
        let itemId = try Validate.identifier(itemId, field: "item id")
        let retention = try Validate.jsonText(retention, field: "retention")
        let until = try Validate.eventTime(retainUntil, field: "retention end")
        let events = try ValidAuditEvent.all(audit)
        return try await write { db in
            // Before any other lock: see the lock order in SQLStore+Audit.swift.
            if !events.isEmpty { try await self.lockAuditHead(db) }
            let current = try await self.fetchVaultItem(db, id: itemId, lock: true)
            guard current.destroyedAt == nil else { throw StoreError.vaultItemDestroyed(itemId) }
            guard let row = try await db.raw("""
                UPDATE bulwark_vault_items SET retention = \(bind: retention), retain_until = \(bind: until), held = \(bind: held)
                WHERE item_id = \(bind: itemId) RETURNING \(unsafeRaw: Self.vaultColumns)
                """).first() else { throw StoreError.vaultItemNotFound(itemId) }
            _ = try await self.appendAuditLocked(db, events)
            return try Self.decodeVaultItem(row)
        }
    }

    public func destroyVaultItem(itemId: String, at: Date, tombstone: String, retention: String,
                                 audit: [NewAuditEvent]) async throws(StoreError) -> VaultItemRecord {
        let itemId = try Validate.identifier(itemId, field: "item id")
        let at = try Validate.eventTime(at, field: "destruction time")
        let tombstone = try Validate.jsonText(tombstone, field: "tombstone")
        let retention = try Validate.jsonText(retention, field: "retention")
        let events = try ValidAuditEvent.all(audit)
        return try await write { db in
            if !events.isEmpty { try await self.lockAuditHead(db) }
            let current = try await self.fetchVaultItem(db, id: itemId, lock: true)
            // Idempotent: two sweepers, or a sweep retried after a lost answer, destroy once and
            // audit once.
            guard current.destroyedAt == nil else { return current }
            guard let row = try await db.raw("""
                UPDATE bulwark_vault_items SET sealed = NULL, destroyed_at = \(bind: at), tombstone = \(bind: tombstone),
                    retention = \(bind: retention)
                WHERE item_id = \(bind: itemId) RETURNING \(unsafeRaw: Self.vaultColumns)
                """).first() else { throw StoreError.vaultItemNotFound(itemId) }
            _ = try await self.appendAuditLocked(db, events)
            return try Self.decodeVaultItem(row)
        }
    }

    public func replaceSealed(itemId: String, sealed: [UInt8], keyId: String) async throws(StoreError) {
        let itemId = try Validate.identifier(itemId, field: "item id")
        let data = try Self.sealedData(sealed, field: "sealed bytes")
        let keyId = try Validate.identifier(keyId, field: "key id")
        try await write { db in
            let current = try await self.fetchVaultItem(db, id: itemId, lock: true)
            // A destroyed item must stay destroyed: rewrapping it would bring it back.
            guard current.destroyedAt == nil else { throw StoreError.vaultItemDestroyed(itemId) }
            try await db.raw("""
                UPDATE bulwark_vault_items SET sealed = \(bind: data), key_id = \(bind: keyId)
                WHERE item_id = \(bind: itemId) AND destroyed_at IS NULL
                """).run()
        }
    }
}
