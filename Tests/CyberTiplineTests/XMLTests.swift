import CyberTipline
import Foundation
import Testing

@Suite("Report and file details XML")
struct XMLTests {
    @Test func fullReportIsWellFormedAndInSchemaOrder() throws {
        let xml = TiplineXML.reportDocument(Fixtures.fullReport())
        let root = try Fixtures.foundationTree(xml)
        #expect(root.name == "report")
        #expect(root.childNames == ["incidentSummary", "internetDetails", "internetDetails", "reporter",
                                    "personOrUserReported", "victim", "additionalInfo"])
        #expect(root.child("incidentSummary")?.childNames == ["incidentType", "platform", "reportAnnotations",
                                                              "incidentDateTime", "incidentDateTimeDescription"])
        // Annotations in the schema's order regardless of set order.
        #expect(root.child("incidentSummary")?.child("reportAnnotations")?.childNames == ["sextortion", "spam"])
        #expect(root.child("reporter")?.childNames == ["reportingPerson", "contactPerson", "termsOfService", "legalURL"])
        let reported = try #require(root.child("personOrUserReported"))
        #expect(reported.childNames == ["personOrUserReportedPerson", "espIdentifier", "espService", "screenName", "displayName",
                                        "profileUrl", "profileBio", "ipCaptureEvent", "priorCTReports",
                                        "associatedAccount", "associatedAccount", "associatedAccount", "additionalInfo"])
        #expect(reported.child("ipCaptureEvent")?.childNames == ["ipAddress", "eventName", "dateTime", "possibleProxy"])
        #expect(root.child("incidentSummary")?.child("incidentDateTime")?.text == "2025-06-15T15:06:40Z")
        #expect(root.child("incidentSummary")?.child("incidentType")?.text == "Child Pornography (possession, manufacture, and distribution)")
        // Files are not part of the report document.
        #expect(!xml.contains("fileDetails"))
    }

    @Test func serialisationIsDeterministic() {
        let a = TiplineXML.reportDocument(Fixtures.fullReport())
        let b = TiplineXML.reportDocument(Fixtures.fullReport())
        #expect(a == b)
        let f = Fixtures.file("f1", viewed: true)
        #expect(TiplineXML.fileDetailsDocument(reportID: 7, fileID: "x", file: f) == TiplineXML.fileDetailsDocument(reportID: 7, fileID: "x", file: f))
    }

    @Test func everyAssociatedAccountAppearsWithItsReason() throws {
        let report = Fixtures.fullReport(accounts: 4)
        let root = try Fixtures.foundationTree(TiplineXML.reportDocument(report))
        let accounts = try #require(root.child("personOrUserReported")).children.filter { $0.name == "associatedAccount" }
        #expect(accounts.count == 4)
        for (n, account) in accounts.enumerated() {
            #expect(account.childNames == ["espService", "espIdentifier", "profileUrl", "screenName", "additionalInfo"])
            #expect(account.child("espIdentifier")?.text == "user-\(n + 1)")
            #expect(account.child("screenName")?.text == "alt_\(n + 1)")
            #expect(account.child("profileUrl")?.text == "https://example.test/u/alt_\(n + 1)")
            #expect(account.child("additionalInfo")?.text.contains("shared device fingerprint #\(n + 1)") == true)
        }
    }

    @Test func hostileStringsAreEscapedAndForbiddenCharactersReplaced() throws {
        var report = Fixtures.fullReport()
        let bio = "</profileBio></personOrUserReported></report><script>alert('x')</script> & \"quoted\" \u{0}nul\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF} tab\there\r\nline 🙂"
        report.reportedPerson?.profileBio = bio
        report.reportedPerson?.screenName = "a&b<c>d"
        report.additionalInfo = "]]> <!-- <![CDATA[ x ]]> --> &amp; &#0;"
        report.reporter.contactPerson?.phones = [TiplinePhone("1", countryCallingCode: "\"/><evil a=\"1\n")]
        let xml = TiplineXML.reportDocument(report)

        #expect(!xml.contains("<script>"))
        #expect(!xml.contains("</report><"))
        #expect(!xml.unicodeScalars.contains { !TiplineXMLWriter.isAllowed($0) })

        let root = try Fixtures.foundationTree(xml)
        let reported = try #require(root.child("personOrUserReported"))
        let expectedBio = "</profileBio></personOrUserReported></report><script>alert('x')</script> & \"quoted\" \u{FFFD}nul\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} tab\there\r\nline 🙂"
        #expect(reported.child("profileBio")?.text == expectedBio)
        #expect(reported.child("screenName")?.text == "a&b<c>d")
        #expect(root.child("additionalInfo")?.text == "]]> <!-- <![CDATA[ x ]]> --> &amp; &#0;")
        let phone = root.child("reporter")?.child("contactPerson")?.child("phone")
        #expect(phone?.attributes["countryCallingCode"] == "\"/><evil a=\"1\n")
        // The structure is unchanged by the hostile text: still exactly one report element tree.
        #expect(root.childNames.last == "additionalInfo")

        // The module's own parser agrees.
        let own = try TiplineXMLParser.parse(xml)
        #expect(own.child("personOrUserReported")?.value("screenName") == "a&b<c>d")
    }

    @Test func fileDetailsCarryViewedByEspOnlyForViewedFiles() throws {
        let viewed = try Fixtures.foundationTree(TiplineXML.fileDetailsDocument(reportID: 5, fileID: "abc", file: Fixtures.file("f1", viewed: true)))
        let unviewed = try Fixtures.foundationTree(TiplineXML.fileDetailsDocument(reportID: 5, fileID: "def", file: Fixtures.file("f2", viewed: false)))
        #expect(viewed.child("fileViewedByEsp")?.text == "true")
        #expect(unviewed.child("fileViewedByEsp")?.text == "false")
        #expect(viewed.childNames == ["reportId", "fileId", "originalFileName", "uploadedToEspTimestamp", "locationOfFile",
                                      "fileViewedByEsp", "exifViewedByEsp", "publiclyAvailable", "fileAnnotations",
                                      "industryClassification", "originalFileHash", "originalFileHash", "originalFileHash",
                                      "ipCaptureEvent", "additionalInfo"])
        let hashes = viewed.children.filter { $0.name == "originalFileHash" }
        #expect(hashes.map { $0.attributes["hashType"] } == ["MD5", "SHA256", "PDQ"])
        #expect(hashes.first?.text == String(repeating: "a", count: 32))
        #expect(viewed.child("fileAnnotations")?.childNames == ["potentialMeme", "viral"])
    }

    @Test func hostileFileNameIsEscapedInFileDetails() throws {
        var file = Fixtures.file("f1", viewed: false)
        file.fileName = "</originalFileName><fileViewedByEsp>true</fileViewedByEsp>.jpg"
        let root = try Fixtures.foundationTree(TiplineXML.fileDetailsDocument(reportID: 1, fileID: "x", file: file))
        #expect(root.children.filter { $0.name == "fileViewedByEsp" }.map(\.text) == ["false"])
        #expect(root.child("originalFileName")?.text == file.fileName)
    }

    @Test func responseDocumentsParse() throws {
        let done = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <reportDoneResponse>
          <responseCode>0</responseCode>
          <reportId>4564654</reportId>
          <files><fileId>b0754af766b426f2928a02c651ed4b99</fileId><fileId>second</fileId></files>
        </reportDoneResponse>
        """
        let parsed = try TiplineResponse.parse(Data(done.utf8))
        #expect(parsed.rootElement == "reportDoneResponse")
        #expect(parsed.responseCode == 0)
        #expect(parsed.reportID == 4564654)
        #expect(parsed.fileIDs == ["b0754af766b426f2928a02c651ed4b99", "second"])

        let upload = "<reportResponse><responseCode>0</responseCode><responseDescription>Success &amp; done</responseDescription><reportId>7</reportId><fileId>f</fileId><hash>0123</hash></reportResponse>"
        let u = try TiplineResponse.parse(Data(upload.utf8))
        #expect(u.responseDescription == "Success & done")
        #expect(u.fileID == "f")
        #expect(u.hash == "0123")
    }

    @Test func responseParserRefusesDoctypesAndGarbage() {
        let xxe = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><reportResponse><responseCode>&x;</responseCode></reportResponse>"
        #expect(throws: TiplineResponseParseError.self) { try TiplineResponse.parse(Data(xxe.utf8)) }
        #expect(throws: TiplineResponseParseError.self) { try TiplineResponse.parse(Data("<html>oops</html>".utf8)) }
        #expect(throws: TiplineResponseParseError.self) { try TiplineResponse.parse(Data("<reportResponse><responseCode>x</responseCode></reportResponse>".utf8)) }
        #expect(throws: TiplineResponseParseError.self) { try TiplineResponse.parse(Data("<reportResponse><responseCode>0</responseCode>".utf8)) }
    }

    @Test func multipartFileNamesCannotInjectHeaders() throws {
        let name = "evil\"; name=\"id\r\nContent-Type: text/html\r\n\r\n.jpg"
        let (type, body) = TiplineMultipart.encode([
            .init(name: "id", data: Data("42".utf8)),
            .init(name: "file", fileName: name, contentType: "application/octet-stream", data: Data([0, 1, 2, 0x2D, 0x2D])),
        ], boundary: "BOUNDARY")
        let parts = try #require(TiplineMultipart.decode(body, contentType: type))
        #expect(parts.map(\.name) == ["id", "file"])
        #expect(parts[0].data == Data("42".utf8))
        #expect(parts[1].data == Data([0, 1, 2, 0x2D, 0x2D]))
        #expect(parts[1].fileName == "evil%22; name=%22id%0D%0AContent-Type: text/html%0D%0A%0D%0A.jpg")
        #expect(parts[1].contentType == "application/octet-stream")
    }
}
