import AuditChain
import Foundation
import Testing
@testable import Storage

func reportDraft(caseId: Int64, xml: String = "<report/>", by: String = "reviewer:alice", files: [String] = ["vault-1-0"])
    -> NewReportDraft {
    NewReportDraft(caseId: caseId, createdBy: by, xml: xml, completeness: #"{"missing":[]}"#, score: 90, fileItems: files)
}

@Suite("Storage: report drafts")
struct ReportStorageTests {
    @Test(arguments: TestBackend.available)
    func draftsAreReplacedUntilSent(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a", evidence: 1)])
            let caseId = try await caseOf(store, content: 1).id
            let draft = try await store.saveReportDraft(reportDraft(caseId: caseId), at: intakeEpoch,
                                                        audit: [auditEvent("report.draft", subject: "case-\(caseId)")])
            #expect(draft.caseId == caseId && draft.status == .draft && draft.createdBy == "reviewer:alice")
            #expect(draft.xml == "<report/>" && draft.completeness == #"{"missing":[]}"# && draft.score == 90)
            #expect(draft.fileItems == ["vault-1-0"] && draft.remoteId == nil && draft.lastError == nil)
            #expect(draft.createdAt == intakeEpoch && draft.updatedAt == intakeEpoch)

            let later = intakeEpoch.addingTimeInterval(60)
            let replaced = try await store.saveReportDraft(reportDraft(caseId: caseId, xml: "<report>2</report>", files: []),
                                                           at: later, audit: [])
            #expect(replaced.id == draft.id && replaced.xml == "<report>2</report>" && replaced.fileItems.isEmpty)
            #expect(replaced.createdAt == intakeEpoch && replaced.updatedAt == later)
            #expect(try await store.reports(caseId: caseId).count == 1)
            #expect(try await store.report(id: draft.id) == replaced)

            // Sent and failed: the failed report is the one replaced next time.
            _ = try await store.updateReport(id: draft.id, status: .sending, remoteId: nil, error: nil, at: later, audit: [])
            let failed = try await store.updateReport(id: draft.id, status: .failed, remoteId: nil, error: "HTTP 503", at: later,
                                                      audit: [])
            #expect(failed.status == .failed && failed.lastError == "HTTP 503")
            let redrafted = try await store.saveReportDraft(reportDraft(caseId: caseId, xml: "<report>3</report>"), at: later,
                                                            audit: [])
            #expect(redrafted.id == draft.id && redrafted.status == .draft)

            // Submitted: a new draft is a new report.
            _ = try await store.updateReport(id: draft.id, status: .sending, remoteId: nil, error: nil, at: later, audit: [])
            let submitted = try await store.updateReport(id: draft.id, status: .submitted, remoteId: 12_345, error: nil,
                                                         at: later, audit: [auditEvent("report.submitted", subject: "case-\(caseId)")])
            #expect(submitted.status == .submitted && submitted.remoteId == 12_345)
            let second = try await store.saveReportDraft(reportDraft(caseId: caseId), at: later, audit: [])
            #expect(second.id != draft.id)
            #expect(try await store.reports(caseId: caseId).map(\.id) == [second.id, draft.id])
            #expect(try await store.auditRecords(kind: "report.submitted", subject: "case-\(caseId)").count == 1)

            await expectError(.caseNotFound(999)) { try await store.saveReportDraft(reportDraft(caseId: 999), at: later, audit: []) }
            await expectError(.reportNotFound(999)) { try await store.report(id: 999) }
            await expectError(.reportNotFound(999)) {
                try await store.updateReport(id: 999, status: .sending, remoteId: nil, error: nil, at: later, audit: [])
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func aReportIsSentOnce(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            try await recordAll(store, [caseIntake(1, actor: "actor-a")])
            let caseId = try await caseOf(store, content: 1).id
            let draft = try await store.saveReportDraft(reportDraft(caseId: caseId), at: intakeEpoch, audit: [])
            let refused = StoreError.invalidField(field: "status",
                                                  reason: "the report is sending; only a draft or failed report can be sent")
            _ = try await store.updateReport(id: draft.id, status: .sending, remoteId: nil, error: nil, at: intakeEpoch,
                                             audit: [auditEvent("report.sending", subject: "case-\(caseId)")])
            await expectError(refused) {
                try await store.updateReport(id: draft.id, status: .sending, remoteId: nil, error: nil, at: intakeEpoch,
                                             audit: [auditEvent("report.sending", subject: "case-\(caseId)")])
            }
            #expect(try await store.auditHead().sequence == 2, "the refused click audits nothing")

            // Two clicks at once, from two processes: one wins.
            let second = try await store.saveReportDraft(reportDraft(caseId: caseId), at: intakeEpoch, audit: [])
            #expect(second.id != draft.id, "a report being sent is not replaced")
            try await withAnotherStore(database) { other in
                async let a = Result { () async throws(StoreError) in
                    try await store.updateReport(id: second.id, status: .sending, remoteId: nil, error: nil, at: intakeEpoch,
                                                 audit: [])
                }
                async let b = Result { () async throws(StoreError) in
                    try await other.updateReport(id: second.id, status: .sending, remoteId: nil, error: nil, at: intakeEpoch,
                                                 audit: [])
                }
                let results = await [a, b]
                #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1)
                #expect(results.contains(.failure(refused)), "the other click is refused")
            }
        }
    }
}

extension Result where Failure == StoreError {
    /// The result of an async throwing body.
    init(_ body: () async throws(StoreError) -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
