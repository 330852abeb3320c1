import AuditChain
import Foundation
import SQLKit

// Reviewers, their login tokens and sessions. Only SHA-256 hashes of tokens are stored, as for API
// keys: a copy of the database is not a way in. A login token is single use: consuming it deletes
// it in the same statement that reads it, so two requests racing with one token get one session.
// A disabled reviewer's sessions end at once, and a disabled reviewer can neither consume a token
// nor use a session that somehow survived.
extension SQLStore {
    static let reviewerColumns = "id, name, role, created_at, disabled_at"
    static let reviewerNameBytes = 1...64

    static func reviewerName(_ name: String) throws(StoreError) -> String {
        let bytes = name.utf8
        guard reviewerNameBytes.contains(bytes.count) else {
            throw .invalidField(field: "name", reason: bytes.isEmpty ? "it is empty"
                                : "it has \(bytes.count) bytes; the limit is \(reviewerNameBytes.upperBound)")
        }
        for (position, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                throw .invalidField(field: "name", reason: "byte \(position + 1) is not a letter, digit, '.', '_' or '-'")
            }
        }
        return name
    }

    /// A token's SHA-256: 64 hex characters, stored lowercase.
    static func tokenHash(_ value: String, field: String = "token hash") throws(StoreError) -> String {
        try Validate.hexDigest(value, length: SignalType.sha256.hexLength, field: field)
    }

    static func decodeReviewer(_ row: any SQLRow, prefix: String = "") throws -> Reviewer {
        guard let role = ReviewerRole(rawValue: try row.decode(column: prefix + "role", as: String.self)) else {
            throw StoreError.databaseFailure("unknown reviewer role in the database; was it written by a newer Bulwark?")
        }
        return Reviewer(id: try row.decode(column: prefix + "id", as: Int64.self),
                        name: try row.decode(column: prefix + "name", as: String.self),
                        role: role,
                        createdAt: Millis.date(try row.decode(column: prefix + "created_at", as: Int64.self)),
                        disabledAt: try row.decode(column: prefix + "disabled_at", as: Int64?.self).map(Millis.date))
    }

    private func fetchReviewer(_ db: any SQLDatabase, id: Int64) async throws -> Reviewer {
        guard let row = try await db.raw("SELECT \(unsafeRaw: Self.reviewerColumns) FROM bulwark_reviewers WHERE id = \(bind: id)")
            .first() else { throw StoreError.reviewerNotFound(id) }
        return try Self.decodeReviewer(row)
    }

    public func createReviewer(name: String, role: ReviewerRole, at: Date) async throws(StoreError) -> Reviewer {
        let name = try Self.reviewerName(name)
        let at = try Validate.eventTime(at, field: "creation time")
        do {
            return try await write { db in
                if try await db.raw("SELECT id FROM bulwark_reviewers WHERE name = \(bind: name)").first() != nil {
                    throw StoreError.reviewerNameTaken(name)
                }
                guard let row = try await db.raw("""
                    INSERT INTO bulwark_reviewers (name, role, created_at) VALUES (\(bind: name), \(bind: role.rawValue), \(bind: at))
                    RETURNING \(unsafeRaw: Self.reviewerColumns)
                    """).first() else { throw StoreError.databaseFailure("the new reviewer was not returned") }
                return try Self.decodeReviewer(row)
            }
        } catch .constraintViolated(let reason) where reason.contains("name") {
            // Two processes creating the same name at once: the unique constraint decides.
            throw .reviewerNameTaken(name)
        }
    }

    public func reviewer(id: Int64) async throws(StoreError) -> Reviewer {
        try await read { db in try await self.fetchReviewer(db, id: id) }
    }

    public func reviewer(named name: String) async throws(StoreError) -> Reviewer? {
        // A name createReviewer would refuse cannot exist.
        guard let name = try? Self.reviewerName(name) else { return nil }
        return try await read { db in
            try await db.raw("SELECT \(unsafeRaw: Self.reviewerColumns) FROM bulwark_reviewers WHERE name = \(bind: name)")
                .first().map { try Self.decodeReviewer($0) }
        }
    }

    public func listReviewers() async throws(StoreError) -> [Reviewer] {
        try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.reviewerColumns) FROM bulwark_reviewers ORDER BY name\(unsafeRaw: self.dialect.byteOrder)
                """).all().map { try Self.decodeReviewer($0) }
        }
    }

    public func setReviewerDisabled(id: Int64, at: Date?) async throws(StoreError) -> Reviewer {
        let at = try at.map { date throws(StoreError) in try Validate.eventTime(date, field: "disabling time") }
        return try await write { db in
            _ = try await self.fetchReviewer(db, id: id)
            if let at {
                // The first disabling time is kept; sessions and unused login tokens end now.
                try await db.raw("""
                    UPDATE bulwark_reviewers SET disabled_at = COALESCE(disabled_at, \(bind: at)) WHERE id = \(bind: id)
                    """).run()
                try await db.raw("""
                    UPDATE bulwark_sessions SET ended_at = \(bind: at) WHERE reviewer_id = \(bind: id) AND ended_at IS NULL
                    """).run()
                try await db.raw("DELETE FROM bulwark_login_tokens WHERE reviewer_id = \(bind: id)").run()
            } else {
                try await db.raw("UPDATE bulwark_reviewers SET disabled_at = NULL WHERE id = \(bind: id)").run()
            }
            return try await self.fetchReviewer(db, id: id)
        }
    }

    // MARK: Login tokens

    public func createLoginToken(tokenHash: String, reviewerId: Int64, at: Date, expiresAt: Date) async throws(StoreError) {
        let hash = try Self.tokenHash(tokenHash)
        let at = try Validate.eventTime(at, field: "creation time")
        let expires = try Validate.eventTime(expiresAt, field: "expiry time")
        try await write { db in
            _ = try await self.fetchReviewer(db, id: reviewerId)
            try await db.raw("""
                INSERT INTO bulwark_login_tokens (token_hash, reviewer_id, created_at, expires_at)
                VALUES (\(bind: hash), \(bind: reviewerId), \(bind: at), \(bind: expires))
                """).run()
        }
    }

    public func consumeLoginToken(tokenHash: String, now: Date) async throws(StoreError) -> Reviewer? {
        guard let hash = try? Self.tokenHash(tokenHash) else { return nil }
        let now = try Validate.eventTime(now, field: "time")
        return try await write { db in
            // The delete is the read: of two requests with one token, only one gets the row.
            guard let row = try await db.raw("""
                DELETE FROM bulwark_login_tokens WHERE token_hash = \(bind: hash) RETURNING reviewer_id, expires_at
                """).first() else { return nil }
            guard try row.decode(column: "expires_at", as: Int64.self) > now else { return nil }
            let reviewer = try await self.fetchReviewer(db, id: try row.decode(column: "reviewer_id", as: Int64.self))
            return reviewer.disabledAt == nil ? reviewer : nil
        }
    }

    // MARK: Sessions

    public func createSession(_ session: NewSession) async throws(StoreError) {
        let hash = try Self.tokenHash(session.tokenHash)
        let created = try Validate.eventTime(session.createdAt, field: "creation time")
        let expires = try Validate.eventTime(session.expiresAt, field: "expiry time")
        let shift = try Validate.eventTime(session.shiftStartedAt, field: "shift start")
        try await write { db in
            let reviewer = try await self.fetchReviewer(db, id: session.reviewerId)
            guard reviewer.disabledAt == nil else {
                throw StoreError.invalidField(field: "reviewer id", reason: "the reviewer is disabled")
            }
            try await db.raw("""
                INSERT INTO bulwark_sessions (token_hash, reviewer_id, created_at, expires_at, shift_started_at,
                                              severe_streak, cooldown)
                VALUES (\(bind: hash), \(bind: session.reviewerId), \(bind: created), \(bind: expires), \(bind: shift), 0, 0)
                """).run()
        }
    }

    public func session(tokenHash: String, now: Date) async throws(StoreError) -> SessionRecord? {
        guard let hash = try? Self.tokenHash(tokenHash) else { return nil }
        let now = try Validate.eventTime(now, field: "time")
        return try await read { db in
            guard let row = try await db.raw("""
                SELECT s.token_hash, s.created_at, s.expires_at, s.shift_started_at, s.severe_streak, s.cooldown,
                       r.id AS r_id, r.name AS r_name, r.role AS r_role, r.created_at AS r_created_at,
                       r.disabled_at AS r_disabled_at
                FROM bulwark_sessions s JOIN bulwark_reviewers r ON r.id = s.reviewer_id
                WHERE s.token_hash = \(bind: hash) AND s.ended_at IS NULL AND s.expires_at > \(bind: now)
                      AND r.disabled_at IS NULL
                """).first() else { return nil }
            return SessionRecord(tokenHash: try row.decode(column: "token_hash", as: String.self),
                                 reviewer: try Self.decodeReviewer(row, prefix: "r_"),
                                 createdAt: Millis.date(try row.decode(column: "created_at", as: Int64.self)),
                                 expiresAt: Millis.date(try row.decode(column: "expires_at", as: Int64.self)),
                                 shiftStartedAt: Millis.date(try row.decode(column: "shift_started_at", as: Int64.self)),
                                 severeStreak: try row.decode(column: "severe_streak", as: Int.self),
                                 cooldown: try row.decode(column: "cooldown", as: Int.self))
        }
    }

    public func endSession(tokenHash: String, at: Date) async throws(StoreError) {
        guard let hash = try? Self.tokenHash(tokenHash) else { return }
        let at = try Validate.eventTime(at, field: "end time")
        try await write { db in
            try await db.raw("""
                UPDATE bulwark_sessions SET ended_at = \(bind: at) WHERE token_hash = \(bind: hash) AND ended_at IS NULL
                """).run()
        }
    }

    public func updateSessionRotation(tokenHash: String, severeStreak: Int, cooldown: Int) async throws(StoreError) {
        let hash = try Self.tokenHash(tokenHash)
        guard severeStreak >= 0 else { throw .invalidField(field: "severe streak", reason: "it is negative") }
        guard cooldown >= 0 else { throw .invalidField(field: "cooldown", reason: "it is negative") }
        try await write { db in
            try await db.raw("""
                UPDATE bulwark_sessions SET severe_streak = \(bind: severeStreak), cooldown = \(bind: cooldown)
                WHERE token_hash = \(bind: hash)
                """).run()
        }
    }

    // MARK: Audit lookups

    public func auditCount(kind: String, actor: String, since: Date) async throws(StoreError) -> Int {
        let kind = try Validate.identifier(kind, field: "kind")
        let actor = try Validate.identifier(actor, field: "actor")
        let since = try Validate.eventTime(since, field: "start time")
        // A range scan of the (kind, actor, at) index.
        return try await read { db in
            try await db.raw("""
                SELECT COUNT(*) AS n FROM bulwark_audit_log
                WHERE kind = \(bind: kind) AND actor = \(bind: actor) AND at >= \(bind: since)
                """).first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    public func auditRecords(kind: String, subject: String) async throws(StoreError) -> [AuditRecord] {
        let kind = try Validate.identifier(kind, field: "kind")
        let subject = try Validate.identifier(subject, field: "subject")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.auditColumns) FROM bulwark_audit_log
                WHERE kind = \(bind: kind) AND subject = \(bind: subject) ORDER BY seq
                """).all().map(Self.decodeAuditRecord)
        }
    }
}
