import Foundation

/// Serialises reports and file details into the CyberTipline XML documents, and reads the
/// service's response documents.
///
/// Output is deterministic: the same value always yields the same bytes (element order fixed by
/// the schema, sets written in a fixed order, dates in UTC), so a stored copy of what was sent can
/// be compared and hashed for the record the provider must preserve.
public enum TiplineXML {
    /// The `report` document sent to `/submit`.
    public static func reportDocument(_ report: TiplineReport) -> String {
        var w = TiplineXMLWriter()
        w.open("report")
        writeIncidentSummary(report.incidentSummary, to: &w)
        for detail in report.internetDetails { writeInternetDetail(detail, to: &w) }
        writeReporter(report.reporter, to: &w)
        if let reported = report.reportedPerson { writeReportedPerson(reported, to: &w) }
        for victim in report.victims { writeVictim(victim, to: &w) }
        w.element("additionalInfo", ifPresent: report.additionalInfo)
        w.close("report")
        return w.xml
    }

    /// The `fileDetails` document sent to `/fileinfo` for one uploaded file.
    public static func fileDetailsDocument(reportID: Int, fileID: String, file: TiplineFile) -> String {
        var w = TiplineXMLWriter()
        w.open("fileDetails")
        w.element("reportId", String(reportID))
        w.element("fileId", fileID)
        w.element("originalFileName", file.fileName)
        if let uploadedAt = file.uploadedAt { w.element("uploadedToEspTimestamp", timestamp(uploadedAt)) }
        w.element("locationOfFile", ifPresent: file.locationOfFile)
        // Always explicit: `false` is a statement the reviewer relies on, not an omission.
        w.element("fileViewedByEsp", file.viewedByESP ? "true" : "false")
        w.element("exifViewedByEsp", ifPresent: file.exifViewedByESP)
        w.element("publiclyAvailable", ifPresent: file.publiclyAvailable)
        if !file.annotations.isEmpty {
            w.open("fileAnnotations")
            for annotation in file.annotations.sorted() { w.empty(annotation.rawValue) }
            w.close("fileAnnotations")
        }
        w.element("industryClassification", ifPresent: file.industryClassification?.rawValue)
        if let md5 = file.md5 { w.element("originalFileHash", md5, attributes: [("hashType", "MD5")]) }
        if let sha256 = file.sha256 { w.element("originalFileHash", sha256, attributes: [("hashType", "SHA256")]) }
        if let pdq = file.pdq { w.element("originalFileHash", pdq, attributes: [("hashType", "PDQ")]) }
        if let event = file.uploadIPEvent { writeIPCaptureEvent(event, to: &w) }
        w.element("additionalInfo", ifPresent: file.additionalInfo)
        w.close("fileDetails")
        return w.xml
    }

    /// UTC ISO 8601 with seconds, e.g. `2025-03-01T12:00:00Z`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    // MARK: - Sections, in schema order

    private static func writeIncidentSummary(_ s: IncidentSummary, to w: inout TiplineXMLWriter) {
        w.open("incidentSummary")
        w.element("incidentType", s.incidentType.rawValue)
        w.element("platform", ifPresent: s.platform)
        w.element("escalateToHighPriority", ifPresent: s.escalateToHighPriority)
        if !s.annotations.isEmpty {
            w.open("reportAnnotations")
            for annotation in s.annotations.sorted() { w.empty(annotation.rawValue) }
            w.close("reportAnnotations")
        }
        if let time = s.incidentDateTime { w.element("incidentDateTime", timestamp(time)) }
        w.element("incidentDateTimeDescription", ifPresent: s.incidentDateTimeDescription)
        w.close("incidentSummary")
    }

    private static func writeInternetDetail(_ detail: InternetDetail, to w: inout TiplineXMLWriter) {
        w.open("internetDetails")
        switch detail {
        case .webPage(let page):
            let attributes = page.thirdPartyHostedContent.map { [("thirdPartyHostedContent", $0 ? "true" : "false")] } ?? []
            w.open("webPageIncident", attributes: attributes)
            for url in page.urls { w.element("url", url) }
            w.element("additionalInfo", ifPresent: page.additionalInfo)
            w.close("webPageIncident")
        case .email(let mail):
            w.open("emailIncident")
            for address in mail.emailAddresses { writeEmail(address, element: "emailAddress", to: &w) }
            w.element("content", ifPresent: mail.content)
            w.element("additionalInfo", ifPresent: mail.additionalInfo)
            w.close("emailIncident")
        case .chatIM(let chat):
            w.open("chatImIncident")
            w.element("chatClient", ifPresent: chat.chatClient)
            w.element("chatRoomName", ifPresent: chat.chatRoomName)
            w.element("content", ifPresent: chat.content)
            w.element("additionalInfo", ifPresent: chat.additionalInfo)
            w.close("chatImIncident")
        case .onlineGaming(let game):
            w.open("onlineGamingIncident")
            w.element("gameName", ifPresent: game.gameName)
            w.element("console", ifPresent: game.console)
            w.element("content", ifPresent: game.content)
            w.element("additionalInfo", ifPresent: game.additionalInfo)
            w.close("onlineGamingIncident")
        }
        w.close("internetDetails")
    }

    private static func writeReporter(_ r: Reporter, to w: inout TiplineXMLWriter) {
        w.open("reporter")
        writePerson(r.reportingPerson, element: "reportingPerson", to: &w)
        if let contact = r.contactPerson { writePerson(contact, element: "contactPerson", includeAge: false, to: &w) }
        w.element("companyTemplate", ifPresent: r.companyTemplate)
        w.element("termsOfService", ifPresent: r.termsOfService)
        w.element("legalURL", ifPresent: r.legalURL)
        w.close("reporter")
    }

    private static func writeReportedPerson(_ p: ReportedPerson, to w: inout TiplineXMLWriter) {
        w.open("personOrUserReported")
        if let person = p.person { writePerson(person, element: "personOrUserReportedPerson", to: &w) }
        w.element("espIdentifier", ifPresent: p.espIdentifier)
        w.element("espService", ifPresent: p.espService)
        w.element("compromisedAccount", ifPresent: p.compromisedAccount)
        w.element("screenName", ifPresent: p.screenName)
        for name in p.displayNames { w.element("displayName", name) }
        for url in p.profileURLs { w.element("profileUrl", url) }
        w.element("profileBio", ifPresent: p.profileBio)
        for event in p.ipCaptureEvents { writeIPCaptureEvent(event, to: &w) }
        for prior in p.priorCTReports { w.element("priorCTReports", String(prior)) }
        w.element("groupIdentifier", ifPresent: p.groupIdentifier)
        for account in p.associatedAccounts { writeAssociatedAccount(account, to: &w) }
        w.element("additionalInfo", ifPresent: p.additionalInfo)
        w.close("personOrUserReported")
    }

    private static func writeAssociatedAccount(_ a: AssociatedAccount, to w: inout TiplineXMLWriter) {
        w.open("associatedAccount")
        w.element("platform", ifPresent: a.platform)
        for email in a.emails { writeEmail(email, element: "email", to: &w) }
        w.element("espService", ifPresent: a.espService)
        w.element("espIdentifier", ifPresent: a.espIdentifier)
        w.element("profileUrl", ifPresent: a.profileURL)
        w.element("screenName", ifPresent: a.screenName)
        w.element("displayName", ifPresent: a.displayName)
        for event in a.ipCaptureEvents { writeIPCaptureEvent(event, to: &w) }
        w.element("additionalInfo", "Linked to the reported user: " + a.linkReason)
        w.close("associatedAccount")
    }

    private static func writeVictim(_ v: Victim, to w: inout TiplineXMLWriter) {
        w.open("victim")
        writePerson(v.person, element: "victimPerson", to: &w)
        w.element("espIdentifier", ifPresent: v.espIdentifier)
        w.element("espService", ifPresent: v.espService)
        w.element("screenName", ifPresent: v.screenName)
        w.element("schoolName", ifPresent: v.schoolName)
        w.element("additionalInfo", ifPresent: v.additionalInfo)
        w.close("victim")
    }

    private static func writePerson(_ p: TiplinePerson, element: String, includeAge: Bool = true, to w: inout TiplineXMLWriter) {
        w.open(element)
        w.element("firstName", ifPresent: p.firstName)
        w.element("lastName", ifPresent: p.lastName)
        for phone in p.phones {
            let attributes = phone.countryCallingCode.map { [("countryCallingCode", $0)] } ?? []
            w.element("phone", phone.number, attributes: attributes)
        }
        for email in p.emails { writeEmail(email, element: "email", to: &w) }
        if includeAge {
            w.element("age", ifPresent: p.age)
            w.element("dateOfBirth", ifPresent: p.dateOfBirth)
        }
        w.close(element)
    }

    private static func writeEmail(_ e: TiplineEmail, element: String, to w: inout TiplineXMLWriter) {
        var attributes: [(String, String)] = []
        if let kind = e.kind { attributes.append(("type", kind.rawValue)) }
        if let verified = e.verified { attributes.append(("verified", verified ? "true" : "false")) }
        w.element(element, e.address, attributes: attributes)
    }

    private static func writeIPCaptureEvent(_ e: IPCaptureEvent, to w: inout TiplineXMLWriter) {
        w.open("ipCaptureEvent")
        w.element("ipAddress", e.ipAddress)
        w.element("eventName", ifPresent: e.eventName?.rawValue)
        if let time = e.dateTime { w.element("dateTime", timestamp(time)) }
        w.element("possibleProxy", ifPresent: e.possibleProxy)
        w.element("port", ifPresent: e.port)
        w.close("ipCaptureEvent")
    }
}

/// A parsed `reportResponse` or `reportDoneResponse`.
public struct TiplineResponse: Sendable, Equatable {
    /// `reportResponse` for submit, upload, fileinfo and retract; `reportDoneResponse` for finish.
    public var rootElement: String
    public var responseCode: Int
    public var responseDescription: String?
    public var reportID: Int?
    /// The id NCMEC assigned to an uploaded file.
    public var fileID: String?
    /// The MD5 NCMEC computed over an uploaded file.
    public var hash: String?
    /// The files of a finished report (`files/fileId`).
    public var fileIDs: [String]

    public init(rootElement: String, responseCode: Int, responseDescription: String? = nil, reportID: Int? = nil,
                fileID: String? = nil, hash: String? = nil, fileIDs: [String] = []) {
        self.rootElement = rootElement
        self.responseCode = responseCode
        self.responseDescription = responseDescription
        self.reportID = reportID
        self.fileID = fileID
        self.hash = hash
        self.fileIDs = fileIDs
    }

    /// Reads a response body. Anything but a `reportResponse` or `reportDoneResponse` with an
    /// integer `responseCode` is malformed.
    public static func parse(_ data: Data) throws(TiplineResponseParseError) -> TiplineResponse {
        let root: TiplineXMLElement
        do { root = try TiplineXMLParser.parse(data) } catch { throw TiplineResponseParseError(reason: error.description) }
        guard root.name == "reportResponse" || root.name == "reportDoneResponse" else {
            throw TiplineResponseParseError(reason: "unexpected root element <\(root.name)>")
        }
        guard let codeText = root.value("responseCode"), let code = Int(codeText) else {
            throw TiplineResponseParseError(reason: "missing or non-numeric responseCode")
        }
        var reportID: Int?
        if let text = root.value("reportId") {
            guard let id = Int(text) else { throw TiplineResponseParseError(reason: "non-numeric reportId") }
            reportID = id
        }
        let fileIDs = (root.child("files")?.children(named: "fileId") ?? [])
            .map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        return TiplineResponse(rootElement: root.name, responseCode: code, responseDescription: root.value("responseDescription"),
                               reportID: reportID, fileID: root.value("fileId"), hash: root.value("hash"), fileIDs: fileIDs)
    }

    /// Writes a response document; used by `FakeTiplineServer`.
    public func document() -> String {
        var w = TiplineXMLWriter()
        w.open(rootElement)
        w.element("responseCode", String(responseCode))
        w.element("responseDescription", ifPresent: responseDescription)
        w.element("reportId", ifPresent: reportID)
        w.element("fileId", ifPresent: fileID)
        w.element("hash", ifPresent: hash)
        if rootElement == "reportDoneResponse" {
            w.open("files")
            for id in fileIDs { w.element("fileId", id) }
            w.close("files")
        }
        w.close(rootElement)
        return w.xml
    }
}

public struct TiplineResponseParseError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "malformed CyberTipline response: \(reason)" }
}
