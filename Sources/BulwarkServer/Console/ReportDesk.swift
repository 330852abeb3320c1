import CyberTipline
import EvidenceVault
import Foundation
import Logging
import Review
import Signals
import Storage

/// CyberTipline reports from confirmed cases: drafts a reviewer checks, then the documented
/// submission flow against the endpoint an operator configured (and only that one).
///
/// `fileViewedByEsp` comes from the audit log: a file is marked viewed only when a
/// `media.reveal` record shows a person was served its bytes in the console. Nothing assumes it.
struct ReportDesk: Sendable {
    let store: any BulwarkStore
    let settings: ConsoleSettings
    let desk: CaseDesk
    let logger: Logger

    struct Built {
        var report: TiplineReport
        var xml: String
        var completeness: Completeness
        var validation: [String]
        var files: [(input: ReportFileInput, record: VaultItemRecord)]
    }

    /// The report the case supports now.
    func build(_ id: Int64, session: ConsoleSession) async throws -> (CaseDesk.Loaded, Built) {
        let loaded = try await desk.load(id, for: session)
        var files: [(input: ReportFileInput, record: VaultItemRecord)] = []
        for media in loaded.dossier.media {
            guard let itemId = media.vaultItemId, let record = loaded.vault.first(where: { $0.itemId == itemId }), record.sealed != nil else { continue }
            let ext = Self.fileExtension(record.contentType)
            let uploaded = loaded.dossier.posts.first { $0.contentId == record.contentId }?.at
            files.append((ReportFileInput(vaultItemId: itemId, fileName: "\(record.contentId)-\(record.mediaIndex ?? 0).\(ext)",
                                          md5: record.md5, sha256: record.sha256, pdq: record.pdq, originalURL: nil,
                                          uploadedAt: uploaded, viewedByESP: loaded.viewed.contains(itemId), publiclyAvailable: nil),
                          record))
        }
        // The draft is dated by the case's last change, not by the clock: building it again for
        // sending must give the same document the reviewer checked.
        let prepared = loaded.record.decidedAt ?? loaded.record.updatedAt
        let report = ReportBuilder.build(dossier: loaded.dossier, reporter: settings.reporter, files: files.map(\.input),
                                         primaryAccount: nil, summaryNote: nil, now: prepared)
        var validation: [String] = []
        do { try report.validate() } catch { validation = error.issues.map(\.description) }
        let completeness = Completeness(report: report, actorAccountCount: max(1, loaded.dossier.accounts.count))
        return (loaded, Built(report: report, xml: Self.document(report), completeness: completeness,
                              validation: validation, files: files))
    }

    /// What a reviewer checks and what is sent: the report document, then each file's details
    /// document (with `fileViewedByEsp`), as they will go to `/submit` and `/fileinfo`. The ids
    /// NCMEC assigns are not known yet; the draft shows 0 and the file's local id in their place.
    static func document(_ report: TiplineReport) -> String {
        ([TiplineXML.reportDocument(report)] + report.files.map { TiplineXML.fileDetailsDocument(reportID: 0, fileID: $0.localID, file: $0) })
            .joined(separator: "\n")
    }

    static func fileExtension(_ contentType: String?) -> String {
        switch contentType {
        case "image/jpeg": "jpg"
        case "image/png": "png"
        case "image/webp": "webp"
        case "image/gif": "gif"
        default: "bin"
        }
    }

    func draft(_ id: Int64, session: ConsoleSession) async throws -> String {
        let (loaded, built) = try await build(id, session: session)
        guard loaded.record.status == .confirmed || loaded.record.status == .reported else {
            throw ConsoleError.badRequest("Confirm case #\(id) before drafting its report.")
        }
        let findings = Self.findings(built)
        let completeness = "[" + findings.map { "{\"severity\":\"\($0.severity)\",\"text\":\(JSONString.quote($0.text))}" }.joined(separator: ",") + "]"
        let now = Date()
        do {
            let saved = try await store.saveReportDraft(
                NewReportDraft(caseId: id, createdBy: session.actor, xml: built.xml, completeness: completeness,
                               score: built.validation.isEmpty ? built.completeness.score : min(built.completeness.score, 50),
                               fileItems: built.files.map(\.input.vaultItemId)),
                at: now,
                audit: [NewAuditEvent(at: now, kind: "report.draft", actor: session.actor, subject: "case:\(id)",
                                      detail: "{\"score\":\(built.completeness.score),\"files\":\(built.files.count),"
                                          + "\"viewed\":\(built.files.filter(\.input.viewedByESP).count)}")])
            return "Draft #\(saved.id) saved: \(saved.score)% complete."
        } catch {
            throw CaseDesk.consoleError(error)
        }
    }

    static func findings(_ built: Built) -> [FindingRow] {
        built.validation.map { FindingRow(severity: "error", text: $0) }
            + built.completeness.findings.map { FindingRow(severity: $0.severity.rawValue, text: "\($0.field): \($0.message)") }
    }

    func page(_ id: Int64, session: ConsoleSession, sessionView: SessionView, notice: String?) async throws -> ReportPage {
        let record: CaseRecord
        let drafts: [ReportRecord]
        do {
            record = try await store.caseRecord(id: id)
            drafts = try await store.reports(caseId: id)
        } catch {
            throw CaseDesk.consoleError(error)
        }
        let draft = drafts.first.map { report -> DraftView in
            let findings = (try? JSONSerialization.jsonObject(with: Data(report.completeness.utf8)) as? [[String: Any]]) ?? []
            return DraftView(id: report.id, status: report.status.rawValue, score: report.score, updated: ConsoleFormat.time(report.updatedAt),
                             remoteId: report.remoteId, lastError: report.lastError,
                             findings: findings.map { FindingRow(severity: $0["severity"] as? String ?? "info", text: $0["text"] as? String ?? "") },
                             files: [], xml: report.xml)
        }
        var page = ReportPage(session: sessionView, csrf: session.csrf, notice: notice, caseId: id, caseStatus: record.status.rawValue,
                              confirmed: record.status == .confirmed || record.status == .reported,
                              canDraft: session.can(.draftReport), canSend: session.can(.sendReport),
                              endpoint: settings.tipline.map { $0.endpoint.host ?? $0.endpoint.absoluteString }, draft: draft)
        if let draft, !["draft", "failed"].contains(draft.status) { page.canSend = false }
        if let draft {
            // The files and their viewed flags as the stored draft says (the XML is what was checked).
            var view = draft
            view.files = try await fileRows(drafts[0])
            page.draft = view
        }
        return page
    }

    /// The draft's files with the audit log's answer to "did a person view it".
    func fileRows(_ report: ReportRecord) async throws -> [FileRow] {
        var rows: [FileRow] = []
        for itemId in report.fileItems {
            guard let record = try? await store.vaultItem(id: itemId) else { continue }
            let viewed = (try? await store.auditRecords(kind: "media.reveal", subject: itemId).isEmpty == false) ?? false
            rows.append(FileRow(name: "\(record.contentId)-\(record.mediaIndex ?? 0).\(Self.fileExtension(record.contentType))",
                                md5: record.md5 ?? "—", viewed: viewed ? "true" : "false"))
        }
        return rows
    }

    /// Sends a checked draft. The report is built again and must be exactly the draft the
    /// reviewer checked; a case that changed since needs a new draft.
    func send(_ reportId: Int64, session: ConsoleSession) async throws -> (Int64, String) {
        guard let tipline = settings.tipline else {
            throw ConsoleError.badRequest("No CyberTipline endpoint is configured on this server; nothing was sent.")
        }
        let stored: ReportRecord
        do { stored = try await store.report(id: reportId) } catch { throw ConsoleError.notFound("Report #\(reportId)") }
        let caseId = stored.caseId
        guard stored.status == .draft || stored.status == .failed else {
            return (caseId, "This report was already sent or is being sent (\(stored.status.rawValue)).")
        }
        let (_, built) = try await build(caseId, session: session)
        guard built.xml == stored.xml else {
            return (caseId, "The case changed since this draft was made. Rebuild the draft, check it, then send it.")
        }
        guard built.validation.isEmpty else {
            return (caseId, "The draft does not satisfy the CyberTipline schema yet; see the findings.")
        }
        let now = Date()
        do {
            _ = try await store.updateReport(id: reportId, status: .sending, remoteId: nil, error: nil, at: now,
                                             audit: [NewAuditEvent(at: now, kind: "report.sending", actor: session.actor,
                                                                   subject: "report:\(reportId)", detail: "{\"case\":\(caseId)}")])
        } catch {
            return (caseId, "This report is already being sent or was sent.")
        }
        guard let keeper = settings.evidence else { throw EvidenceError.notConfigured }
        var files: [(TiplineFile, Data)] = []
        var opened: [NewAuditEvent] = []
        for (input, record) in built.files {
            guard let file = built.report.files.first(where: { $0.localID == input.vaultItemId }) else { continue }
            let bytes = try keeper.open(record)
            opened.append(EvidenceKeeper.openedAudit(record, by: session.actor, at: now, reason: "uploaded to the CyberTipline"))
            files.append((file, Data(bytes)))
        }
        do { _ = try await store.appendAudit(opened) } catch { throw APIError.from(error) }
        let client = TiplineClient(endpoint: tipline.endpoint, credentials: tipline.credentials, transport: tipline.transport)
        do {
            let submission = try await client.send(built.report, files: files)
            let done = Date()
            let detail = "{\"case\":\(caseId),\"remoteId\":\(submission.reportID),\"files\":\(submission.fileIDs.count)}"
            _ = try await store.updateReport(id: reportId, status: .submitted, remoteId: Int64(submission.reportID), error: nil, at: done,
                                             audit: [NewAuditEvent(at: done, kind: "report.submitted", actor: session.actor,
                                                                   subject: "report:\(reportId)", detail: detail)])
            _ = try await store.decideCase(id: caseId, status: .reported, by: session.actor, reason: "reported",
                                           event: NewCaseEvent(at: done, actor: session.actor, kind: "report", detail: detail),
                                           actions: [], audit: [])
            try await restartRetention(caseId: caseId, reportedAt: done, by: session.actor)
            return (caseId, "Report sent: CyberTipline report \(submission.reportID).")
        } catch let error as TiplineError {
            let failed = Date()
            _ = try? await store.updateReport(id: reportId, status: .failed, remoteId: nil, error: error.description, at: failed,
                                              audit: [NewAuditEvent(at: failed, kind: "report.failed", actor: session.actor,
                                                                    subject: "report:\(reportId)", detail: "{\"case\":\(caseId)}")])
            logger.error("sending a CyberTipline report failed", metadata: ["report": "\(reportId)", "error": "\(error)"])
            return (caseId, "Sending failed: \(error.description)")
        }
    }

    /// A report restarts every preserved item's retention clock of the case (a year from now by default).
    func restartRetention(caseId: Int64, reportedAt: Date, by actor: String) async throws {
        for item in try await store.caseItems(caseId: caseId) {
            for record in try await store.vaultItems(contentId: item.contentId) where record.sealed != nil {
                guard let retention = EvidenceKeeper.retention(record.retention), let next = try? retention.reported(at: reportedAt) else { continue }
                _ = try await store.updateVaultRetention(
                    itemId: record.itemId, retention: EvidenceKeeper.json(next), retainUntil: next.retainUntil,
                    held: !next.legalHolds.isEmpty,
                    audit: [EvidenceKeeper.audit(.reported(next, by: actor, at: reportedAt), subjectContent: record.contentId)])
            }
        }
    }
}
