import AuditChain
import Foundation
import SQLKit

// Report drafts (`bulwark_reports`): the report a reviewer prepares for a case, and its way to the
// hotline. A case has at most one editable report (draft or failed): saving replaces it, keeping
// its id. Sending starts by moving the report to `sending`, allowed only from draft or failed,
// under the row's lock: a second click finds it `sending` and is refused, so one report is never
// submitted twice.
extension SQLStore {
    static let reportColumns = """
        id, case_id, status, created_at, updated_at, created_by, xml, completeness, score, file_items, remote_id, last_error
        """
    /// The most files one report may attach.
    static let reportFileLimit = 1_000

    static func decodeReport(_ row: any SQLRow) throws -> ReportRecord {
        guard let status = ReportStatus(rawValue: try row.decode(column: "status", as: String.self)) else {
            throw StoreError.databaseFailure("unknown report status in the database; was it written by a newer Bulwark?")
        }
        let files = try row.decode(column: "file_items", as: String.self)
        guard let fileItems = try? JSONDecoder().decode([String].self, from: Data(files.utf8)) else {
            throw StoreError.databaseFailure("a report's file list is not a JSON array of ids; was the table changed by another program?")
        }
        return ReportRecord(id: try row.decode(column: "id", as: Int64.self),
                            caseId: try row.decode(column: "case_id", as: Int64.self),
                            status: status,
                            createdAt: Millis.date(try row.decode(column: "created_at", as: Int64.self)),
                            updatedAt: Millis.date(try row.decode(column: "updated_at", as: Int64.self)),
                            createdBy: try row.decode(column: "created_by", as: String.self),
                            xml: try row.decode(column: "xml", as: String.self),
                            completeness: try row.decode(column: "completeness", as: String.self),
                            score: try row.decode(column: "score", as: Int.self),
                            fileItems: fileItems,
                            remoteId: try row.decode(column: "remote_id", as: Int64?.self),
                            lastError: try row.decode(column: "last_error", as: String?.self))
    }

    private func fetchReport(_ db: any SQLDatabase, id: Int64, lock: Bool = false) async throws -> ReportRecord {
        let query: SQLQueryString = "SELECT \(unsafeRaw: Self.reportColumns) FROM bulwark_reports WHERE id = \(bind: id)"
            + (lock ? "\(unsafeRaw: dialect.lockRowSuffix)" : "")
        guard let row = try await db.raw(query).first() else { throw StoreError.reportNotFound(id) }
        return try Self.decodeReport(row)
    }

    public func saveReportDraft(_ draft: NewReportDraft, at: Date, audit: [NewAuditEvent]) async throws(StoreError) -> ReportRecord {
        let createdBy = try Validate.identifier(draft.createdBy, field: "created by")
        let xml = try Validate.jsonText(draft.xml, field: "xml")
        let completeness = try Validate.jsonText(draft.completeness, field: "completeness")
        guard draft.fileItems.count <= Self.reportFileLimit else {
            throw .invalidField(field: "file items", reason: "there are \(draft.fileItems.count); the limit is \(Self.reportFileLimit)")
        }
        for (index, item) in draft.fileItems.enumerated() {
            _ = try Validate.identifier(item, field: "file item \(index)")
        }
        let files: String
        do {
            files = String(decoding: try JSONEncoder().encode(draft.fileItems), as: UTF8.self)
        } catch {
            throw .invalidField(field: "file items", reason: "they cannot be written as JSON")
        }
        let at = try Validate.eventTime(at, field: "time")
        let events = try ValidAuditEvent.all(audit)
        let caseId = draft.caseId
        let score = draft.score
        return try await write { db in
            // Before any other lock: see the lock order in SQLStore+Audit.swift.
            if !events.isEmpty { try await self.lockAuditHead(db) }
            // Locking the case serialises two saves for it, so it never gets two editable reports.
            _ = try await self.fetchCase(db, id: caseId, lock: true)
            let editable: SQLQueryString = """
                SELECT id FROM bulwark_reports WHERE case_id = \(bind: caseId) AND status IN ('draft', 'failed')
                ORDER BY id DESC LIMIT 1\(unsafeRaw: self.dialect.lockRowSuffix)
                """
            let row: (any SQLRow)?
            if let id = try await db.raw(editable).first(decodingColumn: "id", as: Int64.self) {
                row = try await db.raw("""
                    UPDATE bulwark_reports SET status = 'draft', updated_at = \(bind: at), xml = \(bind: xml),
                        completeness = \(bind: completeness), score = \(bind: score), file_items = \(bind: files)
                    WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.reportColumns)
                    """).first()
            } else {
                row = try await db.raw("""
                    INSERT INTO bulwark_reports (case_id, status, created_at, updated_at, created_by, xml, completeness, score,
                                                 file_items)
                    VALUES (\(bind: caseId), 'draft', \(bind: at), \(bind: at), \(bind: createdBy), \(bind: xml),
                            \(bind: completeness), \(bind: score), \(bind: files))
                    RETURNING \(unsafeRaw: Self.reportColumns)
                    """).first()
            }
            guard let row else { throw StoreError.databaseFailure("the saved report was not returned") }
            _ = try await self.appendAuditLocked(db, events)
            return try Self.decodeReport(row)
        }
    }

    public func report(id: Int64) async throws(StoreError) -> ReportRecord {
        try await read { db in try await self.fetchReport(db, id: id) }
    }

    public func reports(caseId: Int64) async throws(StoreError) -> [ReportRecord] {
        try await read { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.reportColumns) FROM bulwark_reports WHERE case_id = \(bind: caseId) ORDER BY id DESC
                """).all().map(Self.decodeReport)
        }
    }

    public func updateReport(id: Int64, status: ReportStatus, remoteId: Int64?, error: String?, at: Date,
                             audit: [NewAuditEvent]) async throws(StoreError) -> ReportRecord {
        let at = try Validate.eventTime(at, field: "time")
        let message = error.map(Self.storableError)
        let events = try ValidAuditEvent.all(audit)
        return try await write { db in
            if !events.isEmpty { try await self.lockAuditHead(db) }
            let current = try await self.fetchReport(db, id: id, lock: true)
            if status == .sending, current.status != .draft, current.status != .failed {
                throw StoreError.invalidField(field: "status", reason: "the report is \(current.status.rawValue); "
                    + "only a draft or failed report can be sent")
            }
            // A remote id or error not given keeps the one stored (a failed report's last error
            // stays readable while it is sent again).
            guard let row = try await db.raw("""
                UPDATE bulwark_reports SET status = \(bind: status.rawValue), updated_at = \(bind: at),
                    remote_id = COALESCE(\(bind: remoteId), remote_id), last_error = COALESCE(\(bind: message), last_error)
                WHERE id = \(bind: id) RETURNING \(unsafeRaw: Self.reportColumns)
                """).first() else { throw StoreError.reportNotFound(id) }
            _ = try await self.appendAuditLocked(db, events)
            return try Self.decodeReport(row)
        }
    }
}
