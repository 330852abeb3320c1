import CyberTipline
import Foundation
import Testing

@Suite("Completeness and validation")
struct CompletenessTests {
    @Test func fullReportScoresHighAndValidates() throws {
        let report = Fixtures.fullReport(accounts: 3)
        let assessment = Completeness(report: report, actorAccountCount: 4)
        #expect(assessment.score >= 90, "\(assessment.findings)")
        #expect(assessment.findings.allSatisfy { $0.severity == .weak })
        try report.validate()
    }

    @Test func draftFlagsEachMissingField() {
        let draft = TiplineReport(
            incidentSummary: IncidentSummary(incidentType: .onlineEnticement, incidentDateTime: nil),
            reporter: Reporter(reportingPerson: TiplinePerson(firstName: "T")),
            reportedPerson: ReportedPerson(displayNames: ["only a display name"]),
            files: [TiplineFile(localID: "m1", fileName: "a.jpg", viewedByESP: false)])
        let c = Completeness(report: draft, actorAccountCount: 3)
        for field in ["incidentDateTime", "internetDetails", "reporter.reportingPerson.email", "reporter.contactPerson",
                      "personOrUserReported.identifiers", "personOrUserReported.ipCaptureEvent",
                      "personOrUserReported.associatedAccount", "files.originalFileHash", "additionalInfo"] {
            #expect(c.flags(field), "expected \(field) to be flagged")
        }
        #expect(c.score < 30)
        #expect(c.findings.first { $0.field == "personOrUserReported.associatedAccount" }?.message.contains("3 accounts") == true)
    }

    @Test func associatedAccountsOnlyFlaggedWhenTheActorHasMore() {
        let report = Fixtures.fullReport(accounts: 2)
        #expect(!Completeness(report: report, actorAccountCount: 3).flags("personOrUserReported.associatedAccount"))
        #expect(Completeness(report: report, actorAccountCount: 5).flags("personOrUserReported.associatedAccount"))
        #expect(!Completeness(report: Fixtures.fullReport(accounts: 0), actorAccountCount: 1).flags("personOrUserReported.associatedAccount"))
    }

    @Test func missingReportedPersonCostsMost() {
        var report = Fixtures.fullReport()
        report.reportedPerson = nil
        let c = Completeness(report: report)
        #expect(c.flags("personOrUserReported"))
        #expect(c.score <= 65)
    }

    @Test func validationListsEveryProblem() {
        var report = Fixtures.fullReport()
        report.incidentSummary.incidentDateTime = nil
        report.reporter.reportingPerson.emails = []
        report.reportedPerson?.screenName = String(repeating: "x", count: 257)
        report.reportedPerson?.associatedAccounts.append(AssociatedAccount(espIdentifier: "u9", linkReason: "  "))
        report.reportedPerson?.ipCaptureEvents.append(IPCaptureEvent(ipAddress: "999.1.1.1", port: 70000))
        report.files[0].md5 = "NOT-A-HASH"
        report.files[1].localID = report.files[0].localID
        report.internetDetails.append(.webPage(WebPageIncident(urls: [])))
        do {
            try report.validate()
            Issue.record("validation should fail")
        } catch {
            let paths = error.issues.map(\.path)
            #expect(paths.contains("report/incidentSummary/incidentDateTime"))
            #expect(paths.contains("report/reporter/reportingPerson/email"))
            #expect(error.issues.contains { $0.path == "report/personOrUserReported/screenName" && $0.kind == .tooLong(limit: 256, actual: 257) })
            #expect(paths.contains("report/personOrUserReported/associatedAccount[3]/additionalInfo"))
            #expect(paths.contains("report/personOrUserReported/ipCaptureEvent/ipAddress"))
            #expect(paths.contains("report/personOrUserReported/ipCaptureEvent/port"))
            #expect(paths.contains("fileDetails[0]/originalFileHash[MD5]"))
            #expect(paths.contains("fileDetails[1]"))
            #expect(paths.contains("report/internetDetails[2]/webPageIncident/url"))
        }
    }

    @Test func exifViewedWithoutFileViewedIsRejected() {
        var file = Fixtures.file("f", viewed: false)
        file.exifViewedByESP = true
        #expect(throws: TiplineValidationError.self) { try file.validate() }
    }
}
