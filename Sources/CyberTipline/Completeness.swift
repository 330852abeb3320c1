import Foundation

/// How complete a draft report is, and what a reviewer should add before sending it.
///
/// Validation answers "will NCMEC accept this"; completeness answers "will this help anyone".
/// A report that passes the schema with no incident time, no way to reach the reporter, an
/// unidentifiable suspect or unhashed files costs investigators time, so each gap is listed with
/// what to do about it, and the score lets a queue sort drafts by how much work they still need.
public struct Completeness: Sendable, Equatable {
    public enum Severity: String, Sendable, Equatable {
        /// Something the report should have and does not.
        case missing
        /// Present, but thinner than it should be.
        case weak
    }

    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        /// A stable key a UI can attach help to, e.g. `incidentDateTime`.
        public var field: String
        public var severity: Severity
        /// What is wrong and what to add.
        public var message: String
        /// Points this finding costs out of 100.
        public var weight: Int
        public var description: String { "[\(severity.rawValue)] \(field): \(message)" }
    }

    /// 0 (nothing useful) to 100 (nothing to add).
    public var score: Int
    public var findings: [Finding]

    /// Assesses a draft.
    /// - Parameter actorAccountCount: how many accounts the platform attributes to the reported
    ///   actor (from its account graph), including the reported account itself. When the actor has
    ///   several, every other account should appear as an associated account.
    public init(report: TiplineReport, actorAccountCount: Int = 1) {
        var findings: [Finding] = []
        func add(_ field: String, _ severity: Severity, _ weight: Int, _ message: String) {
            findings.append(Finding(field: field, severity: severity, message: message, weight: weight))
        }
        func blank(_ s: String?) -> Bool { s?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true }

        // The incident (20).
        if report.incidentSummary.incidentDateTime == nil {
            add("incidentDateTime", .missing, 15, "No incident time. Use the upload or message time from the service's records.")
        }
        if report.internetDetails.isEmpty {
            add("internetDetails", .missing, 5, "No internet details. Say where it happened: the page URLs, or the chat or game.")
        }

        // The reporter (15).
        let reporter = report.reporter
        if reporter.reportingPerson.emails.isEmpty {
            add("reporter.reportingPerson.email", .missing, 10, "No reporting person email; NCMEC requires one.")
        }
        let contact = reporter.contactPerson
        if contact == nil || (contact!.emails.isEmpty && contact!.phones.isEmpty) {
            add("reporter.contactPerson", .missing, 5, "No contact person with an email or phone for NCMEC and law enforcement follow-up.")
        }

        // The reported person (35).
        if let reported = report.reportedPerson {
            if !reported.hasIdentifiers {
                add("personOrUserReported.identifiers", .missing, 20,
                    "The reported person has no account identifier, screen name, profile URL, email or phone.")
            } else if reported.espIdentifier == nil {
                add("personOrUserReported.espIdentifier", .weak, 5, "No account identifier (espIdentifier); screen names change, ids do not.")
            }
            if reported.ipCaptureEvents.isEmpty {
                add("personOrUserReported.ipCaptureEvent", .missing, 5, "No IP capture events (login, registration or upload addresses with times).")
            }
            let linked = reported.associatedAccounts.count
            if actorAccountCount > 1 && linked < actorAccountCount - 1 {
                add("personOrUserReported.associatedAccount", .missing, 10,
                    "The actor has \(actorAccountCount) accounts but only \(linked) other account(s) are listed as associated accounts.")
            }
            if reported.associatedAccounts.contains(where: { blank($0.linkReason) }) {
                add("personOrUserReported.associatedAccount.linkReason", .weak, 5, "A linked account does not say why it is linked.")
            }
        } else {
            add("personOrUserReported", .missing, 35, "No reported person. Add the account that posted or sent the content.")
        }

        // Files (20).
        if report.files.isEmpty {
            add("files", .missing, 10, "No files. Reports of apparent CSAM should include the files.")
        } else {
            let unhashed = report.files.filter { !$0.hasHashes }
            if !unhashed.isEmpty {
                add("files.originalFileHash", .missing, 10,
                    "\(unhashed.count) of \(report.files.count) file(s) have no hash: " + unhashed.map(\.localID).joined(separator: ", "))
            } else if report.files.contains(where: { $0.md5 == nil }) {
                add("files.originalFileHash.md5", .weak, 3, "Some files have no MD5, the hash NCMEC compares uploads against.")
            }
            if report.files.contains(where: { $0.uploadIPEvent == nil }) {
                add("files.ipCaptureEvent", .weak, 4, "Some files have no upload IP address.")
            }
            if report.files.contains(where: { $0.industryClassification == nil }) {
                add("files.industryClassification", .weak, 3, "Some files have no industry classification.")
            }
        }

        // Context (10).
        if blank(report.additionalInfo) {
            add("additionalInfo", .missing, 5, "No additional information. Summarise what the service found and how.")
        }
        if blank(report.incidentSummary.platform) {
            add("incidentSummary.platform", .weak, 3, "No platform named.")
        }
        if blank(reporter.legalURL) {
            add("reporter.legalURL", .weak, 2, "No legal URL telling law enforcement where to send legal process.")
        }

        self.findings = findings
        self.score = max(0, 100 - findings.reduce(0) { $0 + $1.weight })
    }

    /// Whether a finding exists for the field key.
    public func flags(_ field: String) -> Bool { findings.contains { $0.field == field } }
}
