import Foundation

/// One reason a report cannot be sent as it is.
public struct TiplineValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A required element has no value.
        case missing
        /// A value is longer than the schema allows (characters).
        case tooLong(limit: Int, actual: Int)
        /// A value does not have the form the schema requires.
        case invalid(String)
    }

    /// Where, as a path of schema element names, e.g. `reporter/reportingPerson/email`.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    public var description: String {
        switch kind {
        case .missing: return "\(path): required but missing"
        case .tooLong(let limit, let actual): return "\(path): \(actual) characters, at most \(limit) allowed"
        case .invalid(let reason): return "\(path): \(reason)"
        }
    }
}

/// Every problem `TiplineReport.validate()` found; all of them, so a reviewer fixes a draft once.
public struct TiplineValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [TiplineValidationIssue]
    public var description: String {
        "the report does not satisfy the CyberTipline schema: " + issues.map(\.description).joined(separator: "; ")
    }
}

extension TiplineReport {
    /// Checks what the schema requires before anything is sent: required elements present
    /// (incident time, a reporting person's email, a victim's person, ...), values in their
    /// vocabularies and forms (hash digests, ports, ages), and length limits. Enumerated values
    /// are Swift enums, so they are valid by construction.
    public func validate() throws(TiplineValidationError) {
        var v = Validator()
        let s = incidentSummary
        if s.incidentDateTime == nil { v.missing("report/incidentSummary/incidentDateTime") }
        v.length(s.platform, 256, "report/incidentSummary/platform")
        v.length(s.escalateToHighPriority, 3000, "report/incidentSummary/escalateToHighPriority")
        v.length(s.incidentDateTimeDescription, 3000, "report/incidentSummary/incidentDateTimeDescription")

        for (n, detail) in internetDetails.enumerated() {
            let base = "report/internetDetails[\(n)]"
            switch detail {
            case .webPage(let page):
                if page.urls.isEmpty { v.missing(base + "/webPageIncident/url") }
                for url in page.urls { v.url(url, base + "/webPageIncident/url") }
            case .email(let mail):
                if mail.emailAddresses.isEmpty { v.missing(base + "/emailIncident/emailAddress") }
                for email in mail.emailAddresses { v.email(email, base + "/emailIncident/emailAddress") }
            case .chatIM(let chat):
                v.length(chat.chatClient, 255, base + "/chatImIncident/chatClient")
                v.length(chat.chatRoomName, 255, base + "/chatImIncident/chatRoomName")
            case .onlineGaming(let game):
                v.length(game.gameName, 255, base + "/onlineGamingIncident/gameName")
                v.length(game.console, 255, base + "/onlineGamingIncident/console")
            }
        }

        v.person(reporter.reportingPerson, "report/reporter/reportingPerson")
        if reporter.reportingPerson.emails.isEmpty { v.missing("report/reporter/reportingPerson/email") }
        if let contact = reporter.contactPerson { v.person(contact, "report/reporter/contactPerson") }
        v.length(reporter.legalURL, 2083, "report/reporter/legalURL")

        if let reported = reportedPerson {
            let base = "report/personOrUserReported"
            if let person = reported.person { v.person(person, base + "/personOrUserReportedPerson") }
            v.length(reported.espIdentifier, 255, base + "/espIdentifier")
            v.length(reported.espService, 100, base + "/espService")
            v.length(reported.screenName, 256, base + "/screenName")
            v.length(reported.groupIdentifier, 255, base + "/groupIdentifier")
            for url in reported.profileURLs { v.url(url, base + "/profileUrl") }
            for event in reported.ipCaptureEvents { v.ipEvent(event, base + "/ipCaptureEvent") }
            for prior in reported.priorCTReports where prior <= 0 {
                v.invalid(base + "/priorCTReports", "report numbers are positive")
            }
            for (n, account) in reported.associatedAccounts.enumerated() {
                let a = base + "/associatedAccount[\(n)]"
                v.length(account.platform, 256, a + "/platform")
                v.length(account.espService, 256, a + "/espService")
                v.length(account.espIdentifier, 256, a + "/espIdentifier")
                v.length(account.screenName, 256, a + "/screenName")
                if let url = account.profileURL { v.url(url, a + "/profileUrl") }
                for email in account.emails { v.email(email, a + "/email") }
                for event in account.ipCaptureEvents { v.ipEvent(event, a + "/ipCaptureEvent") }
                if account.linkReason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    v.invalid(a + "/additionalInfo", "every linked account needs the reason it is linked")
                }
                if account.espIdentifier == nil && account.screenName == nil && account.profileURL == nil && account.emails.isEmpty {
                    v.invalid(a, "a linked account needs an identifier, screen name, profile URL or email")
                }
            }
        }

        for (n, victim) in victims.enumerated() {
            let base = "report/victim[\(n)]"
            if victim.person.isEmpty { v.missing(base + "/victimPerson") }
            v.person(victim.person, base + "/victimPerson")
            v.length(victim.espIdentifier, 255, base + "/espIdentifier")
            v.length(victim.espService, 100, base + "/espService")
            v.length(victim.screenName, 256, base + "/screenName")
            v.length(victim.schoolName, 255, base + "/schoolName")
        }

        var localIDs = Set<String>()
        for (n, file) in files.enumerated() {
            let base = "fileDetails[\(n)]"
            if !localIDs.insert(file.localID).inserted { v.invalid(base, "duplicate local file id \(file.localID)") }
            v.fileChecks(file, base)
        }

        if !v.issues.isEmpty { throw TiplineValidationError(issues: v.issues) }
    }
}

extension TiplineFile {
    /// Checks the facts of one `fileDetails` document (name length, hash forms, upload event).
    public func validate() throws(TiplineValidationError) {
        var v = Validator()
        v.fileChecks(self, "fileDetails")
        if !v.issues.isEmpty { throw TiplineValidationError(issues: v.issues) }
    }
}

private struct Validator {
    var issues: [TiplineValidationIssue] = []

    mutating func missing(_ path: String) { issues.append(.init(path: path, kind: .missing)) }
    mutating func invalid(_ path: String, _ reason: String) { issues.append(.init(path: path, kind: .invalid(reason))) }

    mutating func length(_ value: String?, _ limit: Int, _ path: String) {
        guard let value else { return }
        let count = value.unicodeScalars.count
        if count > limit { issues.append(.init(path: path, kind: .tooLong(limit: limit, actual: count))) }
        if value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { invalid(path, "present but blank") }
    }

    mutating func url(_ value: String, _ path: String) {
        length(value, 2083, path)
        if value.contains(where: { $0.isWhitespace }) { invalid(path, "a URL contains no whitespace") }
    }

    mutating func email(_ email: TiplineEmail, _ path: String) {
        length(email.address, 255, path)
        let parts = email.address.split(separator: "@", omittingEmptySubsequences: false)
        if parts.count != 2 || parts[0].isEmpty || parts[1].isEmpty || email.address.contains(where: { $0.isWhitespace }) {
            invalid(path, "not an email address")
        }
    }

    mutating func person(_ p: TiplinePerson, _ path: String) {
        length(p.firstName, 100, path + "/firstName")
        length(p.lastName, 100, path + "/lastName")
        for email in p.emails { self.email(email, path + "/email") }
        for phone in p.phones {
            length(phone.number, 30, path + "/phone")
            if let code = phone.countryCallingCode, !(code.allSatisfy(\.isNumber) || (code.first == "+" && code.dropFirst().allSatisfy(\.isNumber))) {
                invalid(path + "/phone/@countryCallingCode", "digits only, optionally after +")
            }
        }
        if let age = p.age, !(0...150).contains(age) { invalid(path + "/age", "between 0 and 150") }
        if let dob = p.dateOfBirth, !Self.isCalendarDate(dob) { invalid(path + "/dateOfBirth", "a date as yyyy-MM-dd") }
    }

    mutating func ipEvent(_ e: IPCaptureEvent, _ path: String) {
        if !Self.isIPAddress(e.ipAddress) { invalid(path + "/ipAddress", "not an IPv4 or IPv6 address") }
        if let port = e.port, !(1...65535).contains(port) { invalid(path + "/port", "between 1 and 65535") }
    }

    mutating func fileChecks(_ file: TiplineFile, _ base: String) {
        if file.fileName.isEmpty { missing(base + "/originalFileName") }
        length(file.fileName.isEmpty ? nil : file.fileName, 2056, base + "/originalFileName")
        if let location = file.locationOfFile { length(location, 2083, base + "/locationOfFile") }
        if let md5 = file.md5, !Self.isHex(md5, count: 32) { invalid(base + "/originalFileHash[MD5]", "32 lower-case hex digits") }
        if let sha = file.sha256, !Self.isHex(sha, count: 64) { invalid(base + "/originalFileHash[SHA256]", "64 lower-case hex digits") }
        if let pdq = file.pdq, !Self.isHex(pdq, count: 64) { invalid(base + "/originalFileHash[PDQ]", "64 lower-case hex digits") }
        if let event = file.uploadIPEvent { ipEvent(event, base + "/ipCaptureEvent") }
        if file.exifViewedByESP == true && !file.viewedByESP {
            // Not a schema rule, but a contradiction a reviewer must resolve before it is sworn to.
            invalid(base + "/exifViewedByEsp", "EXIF marked viewed for a file not marked viewed")
        }
    }

    static func isHex(_ s: String, count: Int) -> Bool {
        s.utf8.count == count && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    static func isCalendarDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let _ = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    static func isIPAddress(_ s: String) -> Bool {
        let v4 = s.split(separator: ".", omittingEmptySubsequences: false)
        if v4.count == 4 {
            return v4.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber) && (Int(part) ?? 256) <= 255
            }
        }
        guard s.contains(":"), s.count <= 45 else { return false }
        return s.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
