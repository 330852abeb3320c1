import AuditChain
import Foundation
import SQLKit

// Content intake: everything one decided piece of content writes (its content row, actions,
// recent media and audit events) in one transaction, for many pieces at once. The server batches
// concurrent requests into one call (group commit), so the commit, the expensive part of a
// durable write, is shared by the whole batch.
//
// The content id is the idempotency key. The content row is inserted with `ON CONFLICT DO
// NOTHING`, so a content id that is already recorded, or that another process records at the same
// moment (PostgreSQL makes the second insert wait for the first to commit), is not an error: that
// record is answered with `.existing` and nothing of it is written, while the rest of the batch
// goes on. Content rows are inserted in content id order, so two batches sharing content ids
// wait for each other at the first shared id instead of deadlocking, and the one that waits finds
// the content recorded before it writes any of that record's actions.
extension SQLStore {
    static let contentColumns = "content_id, decision_id, kind, account_id, at, recorded_at, verdict, request_digest, response"

    /// Rows per multi-row INSERT of content (9 binds each) and of actions or media (8 each):
    /// far below both databases' bind limits.
    static let intakeInsertRows = 500
    /// Response or payload bytes per INSERT (each may be 1 MiB).
    static let intakeInsertBytes = 4 << 20
    /// Keys per `IN (…)` lookup.
    static let intakeLookupKeys = 500

    /// Content that passed validation, in the form the database stores.
    struct ValidContent: Sendable {
        let contentId: String
        let decisionId: String
        let kind: String
        let accountId: String?
        let at: Int64
        let verdict: String
        let requestDigest: String
        let response: String

        init(_ content: NewContent, suffix: String) throws(StoreError) {
            contentId = try Validate.identifier(content.contentId, field: "content id\(suffix)")
            decisionId = try Validate.identifier(content.decisionId, field: "decision id\(suffix)")
            kind = try Validate.identifier(content.kind, field: "kind\(suffix)")
            accountId = try Validate.optionalIdentifier(content.accountId, field: "account id\(suffix)")
            at = try Validate.eventTime(content.at, field: "time\(suffix)")
            verdict = try Validate.identifier(content.verdict, field: "verdict\(suffix)")
            requestDigest = try Validate.identifier(content.requestDigest, field: "request digest\(suffix)")
            response = try Validate.jsonText(content.response, field: "response\(suffix)")
        }

        func record(recordedAt: Int64) -> ContentRecord {
            ContentRecord(contentId: contentId, decisionId: decisionId, kind: kind, accountId: accountId,
                          at: Millis.date(at), verdict: verdict, requestDigest: requestDigest, response: response,
                          recordedAt: Millis.date(recordedAt))
        }
    }

    /// Recent media that passed validation, in the form the database stores.
    struct ValidMedia: Sendable {
        let contentId: String
        let decisionId: String
        let mediaIndex: Int64
        let at: Int64
        let pdq: Data?
        let md5: String?
        let sha256: String?

        init(_ media: RecentMedia, label: String) throws(StoreError) {
            contentId = try Validate.identifier(media.contentId, field: "content id of \(label)")
            decisionId = try Validate.identifier(media.decisionId, field: "decision id of \(label)")
            guard media.mediaIndex >= 0 else {
                throw .invalidField(field: "index of \(label)", reason: "it is negative")
            }
            mediaIndex = Int64(media.mediaIndex)
            at = try Validate.eventTime(media.at, field: "time of \(label)")
            if let pdq = media.pdq {
                guard pdq.count == SignalType.pdq.byteCount else {
                    throw .invalidField(field: "pdq of \(label)",
                                        reason: "it has \(pdq.count) bytes; a PDQ hash has \(SignalType.pdq.byteCount)")
                }
                self.pdq = Data(pdq)
            } else {
                self.pdq = nil
            }
            md5 = try media.md5.map { value throws(StoreError) in
                try Validate.hexDigest(value, length: SignalType.md5.hexLength, field: "md5 of \(label)")
            }
            sha256 = try media.sha256.map { value throws(StoreError) in
                try Validate.hexDigest(value, length: SignalType.sha256.hexLength, field: "sha256 of \(label)")
            }
        }
    }

    /// An intake record that passed validation.
    struct ValidIntake: Sendable {
        let content: ValidContent
        let actions: [ValidAction]
        let audit: [ValidAuditEvent]
        let media: [ValidMedia]
        let caseItem: ValidCaseItem?
        let evidence: [ValidVaultItem]

        init(_ record: IntakeRecord, index: Int) throws(StoreError) {
            let suffix = " of record \(index)"
            content = try ValidContent(record.content, suffix: suffix)
            var actions: [ValidAction] = []
            actions.reserveCapacity(record.actions.count)
            for (n, action) in record.actions.enumerated() {
                actions.append(try ValidAction(action, label: "action \(n)\(suffix)"))
            }
            self.actions = actions
            audit = try ValidAuditEvent.all(record.audit, suffix: suffix)
            var media: [ValidMedia] = []
            media.reserveCapacity(record.media.count)
            for (n, item) in record.media.enumerated() {
                media.append(try ValidMedia(item, label: "media \(n)\(suffix)"))
            }
            self.media = media
            caseItem = try record.caseItem.map { item throws(StoreError) in try ValidCaseItem(item, suffix: suffix) }
            var evidence: [ValidVaultItem] = []
            evidence.reserveCapacity(record.evidence.count)
            for (n, item) in record.evidence.enumerated() {
                evidence.append(try ValidVaultItem(item, label: "evidence \(n)\(suffix)"))
            }
            self.evidence = evidence
        }
    }

    static func decodeContent(_ row: any SQLRow) throws -> ContentRecord {
        ContentRecord(contentId: try row.decode(column: "content_id", as: String.self),
                      decisionId: try row.decode(column: "decision_id", as: String.self),
                      kind: try row.decode(column: "kind", as: String.self),
                      accountId: try row.decode(column: "account_id", as: String?.self),
                      at: Millis.date(try row.decode(column: "at", as: Int64.self)),
                      verdict: try row.decode(column: "verdict", as: String.self),
                      requestDigest: try row.decode(column: "request_digest", as: String.self),
                      response: try row.decode(column: "response", as: String.self),
                      recordedAt: Millis.date(try row.decode(column: "recorded_at", as: Int64.self)))
    }

    public func recordIntake(_ records: [IntakeRecord]) async throws(StoreError) -> [IntakeOutcome] {
        guard !records.isEmpty else { return [] }
        // Everything is checked before the transaction: a bad record rejects the batch and nothing
        // is written, and no lock is held while validating.
        var valid: [ValidIntake] = []
        valid.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            valid.append(try ValidIntake(record, index: index))
        }
        // A content id repeated in the batch is answered from its first occurrence; distinct
        // content must not share a decision id (the database would refuse the whole batch).
        var firstByContent: [String: Int] = [:]
        var firstByDecision: [String: Int] = [:]
        var candidates: [Int] = []
        for (index, record) in valid.enumerated() where firstByContent[record.content.contentId] == nil {
            firstByContent[record.content.contentId] = index
            if let other = firstByDecision[record.content.decisionId] {
                throw .invalidField(field: "decision id of record \(index)",
                                    reason: "record \(other) has the same decision id for other content")
            }
            firstByDecision[record.content.decisionId] = index
            candidates.append(index)
        }
        let batch = valid
        let fresh = candidates
        let recordedAt = Millis.now()

        let written = try await write { db in
            try await self.writeIntake(db, batch, candidates: fresh, recordedAt: recordedAt)
        }

        var outcomes: [IntakeOutcome] = []
        outcomes.reserveCapacity(valid.count)
        for (index, record) in valid.enumerated() {
            guard let first = firstByContent[record.content.contentId], let outcome = written[first] else {
                throw .databaseFailure("a record of the batch has no outcome")
            }
            if first == index {
                outcomes.append(outcome)
            } else if case .existing = outcome {
                outcomes.append(outcome)
            } else {
                // Recorded earlier in this same batch: a replay of it.
                outcomes.append(.existing(valid[first].content.record(recordedAt: recordedAt)))
            }
        }
        return outcomes
    }

    /// The transaction of `recordIntake`: writes the candidates (first occurrences of each content
    /// id) that are not recorded yet and returns each candidate's outcome by its index.
    private func writeIntake(_ db: any SQLDatabase, _ records: [ValidIntake], candidates: [Int], recordedAt: Int64)
        async throws -> [Int: IntakeOutcome]
    {
        if candidates.contains(where: { !records[$0].audit.isEmpty }) {
            // Before any insert: see the lock order in SQLStore+Audit.swift.
            try await lockAuditHead(db)
        }

        // 1. The content rows, in content id order. A conflict on either key (content id, or a
        //    decision id recorded for other content) inserts nothing.
        let ordered = candidates.sorted { records[$0].content.contentId < records[$1].content.contentId }
        var inserted = Set<String>()
        for range in StatementBatches.ranges(ordered.map { records[$0].content.response.utf8.count },
                                             maxRows: Self.intakeInsertRows, maxBytes: Self.intakeInsertBytes) {
            let tuples: [SQLQueryString] = ordered[range].map { index in
                let c = records[index].content
                return """
                    (\(bind: c.contentId), \(bind: c.decisionId), \(bind: c.kind), \(bind: c.accountId), \(bind: c.at), \
                    \(bind: recordedAt), \(bind: c.verdict), \(bind: c.requestDigest), \(bind: c.response))
                    """
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_content (content_id, decision_id, kind, account_id, at, recorded_at, verdict,
                                             request_digest, response)
                VALUES
                """ + tuples.joined(separator: ", ") + " ON CONFLICT DO NOTHING RETURNING content_id"
            for row in try await db.raw(query).all() {
                inserted.insert(try row.decode(column: "content_id", as: String.self))
            }
        }

        // 2. What is stored for the others, to answer them with.
        let conflicting = ordered.filter { !inserted.contains(records[$0].content.contentId) }
        var existing: [String: ContentRecord] = [:]
        for start in stride(from: 0, to: conflicting.count, by: Self.intakeLookupKeys) {
            let keys: [SQLQueryString] = conflicting[start..<min(start + Self.intakeLookupKeys, conflicting.count)]
                .map { "\(bind: records[$0].content.contentId)" }
            let query: SQLQueryString = "SELECT \(unsafeRaw: Self.contentColumns) FROM bulwark_content WHERE content_id IN ("
                + keys.joined(separator: ", ") + ")"
            for row in try await db.raw(query).all() {
                let record = try Self.decodeContent(row)
                existing[record.contentId] = record
            }
        }
        for index in conflicting where existing[records[index].content.contentId] == nil {
            // Not a replay: the decision id belongs to other, already recorded content.
            throw StoreError.constraintViolated("the decision id of record \(index) is already recorded for other content")
        }

        // 3. Actions, media, evidence and case items of the written records; then their audit
        //    events, in batch order. Case items go in actor order, so two batches touching the
        //    same cases lock them in the same order.
        let writtenIndexes = candidates.filter { inserted.contains(records[$0].content.contentId) }
        _ = try await insertActions(db, writtenIndexes.flatMap { records[$0].actions }, now: recordedAt)
        try await insertMedia(db, writtenIndexes.flatMap { records[$0].media })
        try await insertVaultItems(db, writtenIndexes.flatMap { records[$0].evidence })
        let caseItems = writtenIndexes.compactMap { index in records[index].caseItem.map { (index, $0) } }
            .sorted { ($0.1.actorKey, $0.0) < ($1.1.actorKey, $1.0) }
        for (index, item) in caseItems {
            try await addCaseItem(db, item, content: records[index].content)
        }
        let audit = try await appendAuditLocked(db, writtenIndexes.flatMap { records[$0].audit })

        var outcomes: [Int: IntakeOutcome] = [:]
        outcomes.reserveCapacity(candidates.count)
        var offset = 0
        for index in writtenIndexes {
            let count = records[index].audit.count
            outcomes[index] = .recorded(audit: Array(audit[offset..<offset + count]))
            offset += count
        }
        for index in conflicting {
            if let record = existing[records[index].content.contentId] { outcomes[index] = .existing(record) }
        }
        return outcomes
    }

    /// Inserts recent media rows (inside the caller's transaction).
    func insertMedia(_ db: any SQLDatabase, _ media: [ValidMedia]) async throws {
        for start in stride(from: 0, to: media.count, by: Self.intakeInsertRows) {
            let tuples: [SQLQueryString] = media[start..<min(start + Self.intakeInsertRows, media.count)].map { m in
                """
                (\(bind: m.contentId), \(bind: m.decisionId), \(bind: m.mediaIndex), \(bind: m.at), \(bind: m.pdq), \
                \(bind: m.md5), \(bind: m.sha256))
                """
            }
            let query: SQLQueryString = """
                INSERT INTO bulwark_recent_media (content_id, decision_id, media_index, at, pdq, md5, sha256)
                VALUES
                """ + tuples.joined(separator: ", ")
            try await db.raw(query).run()
        }
    }

    public func content(id contentId: String) async throws(StoreError) -> ContentRecord? {
        // An id the intake would refuse cannot be recorded; saying so catches the caller's bug.
        let contentId = try Validate.identifier(contentId, field: "content id")
        return try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.contentColumns) FROM bulwark_content WHERE content_id = \(bind: contentId)
                """).first().map(Self.decodeContent)
        }
    }
}
