import CyberTipline
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A settable clock for expiry tests.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(hours: Double) { lock.withLock { current = current.addingTimeInterval(hours * 3600) } }
}

enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)
    static let endpoint = URL(string: "https://tipline.test.invalid/ispws")!
    static let username = "bulwark-esp"
    static let password = "s3cret-Pa55word!"

    static func account(_ n: Int) -> AssociatedAccount {
        AssociatedAccount(espService: "Photos", espIdentifier: "user-\(n)", screenName: "alt_\(n)",
                          profileURL: "https://example.test/u/alt_\(n)", linkReason: "shared device fingerprint #\(n)")
    }

    static func file(_ id: String, viewed: Bool) -> TiplineFile {
        TiplineFile(localID: id, fileName: "\(id).jpg", md5: String(repeating: "a", count: 32),
                    sha256: String(repeating: "b", count: 64), pdq: String(repeating: "c", count: 64),
                    viewedByESP: viewed, exifViewedByESP: false, publiclyAvailable: false,
                    uploadedAt: t0, locationOfFile: "https://cdn.example.test/\(id)",
                    industryClassification: .a2, annotations: [.viral, .potentialMeme],
                    uploadIPEvent: IPCaptureEvent(ipAddress: "203.0.113.9", eventName: .upload, dateTime: t0, port: 443),
                    additionalInfo: "found by hash match")
    }

    /// A report with every section the model supports filled in.
    static func fullReport(accounts: Int = 3, files: [TiplineFile]? = nil) -> TiplineReport {
        TiplineReport(
            incidentSummary: IncidentSummary(incidentType: .childPornography, incidentDateTime: t0, platform: "Bulwark Photos",
                                             escalateToHighPriority: nil, annotations: [.spam, .sextortion],
                                             incidentDateTimeDescription: "time of first upload"),
            internetDetails: [
                .webPage(WebPageIncident(urls: ["https://example.test/p/1", "https://example.test/p/2"], thirdPartyHostedContent: false)),
                .chatIM(ChatIncident(chatClient: "Bulwark Chat", chatRoomName: "room-9", content: "messages attached")),
            ],
            reporter: Reporter(
                reportingPerson: TiplinePerson(firstName: "Trust", lastName: "Safety", emails: [TiplineEmail("reports@example.test", kind: .work)]),
                contactPerson: TiplinePerson(firstName: "On", lastName: "Call", phones: [TiplinePhone("5555550100", countryCallingCode: "+1")],
                                             emails: [TiplineEmail("oncall@example.test")]),
                companyTemplate: nil, termsOfService: "No sexualisation of minors.", legalURL: "https://example.test/legal"),
            reportedPerson: ReportedPerson(
                person: TiplinePerson(emails: [TiplineEmail("suspect@example.test", verified: true)]),
                espIdentifier: "user-0", espService: "Photos", screenName: "suspect", displayNames: ["Sus Pect"],
                profileURLs: ["https://example.test/u/suspect"], profileBio: "hello",
                ipCaptureEvents: [IPCaptureEvent(ipAddress: "198.51.100.7", eventName: .login, dateTime: t0, possibleProxy: false)],
                priorCTReports: [123456], associatedAccounts: (1...max(accounts, 1)).prefix(accounts).map(account),
                additionalInfo: "account banned"),
            victims: [Victim(person: TiplinePerson(age: 13), screenName: "victim_acct")],
            additionalInfo: "Detected by hash match, confirmed by a reviewer.",
            files: files ?? [file("f1", viewed: true), file("f2", viewed: false)])
    }

    /// Names of an element's direct children, parsed with Foundation's XMLParser.
    static func foundationTree(_ xml: String) throws -> FoundationNode {
        let parser = XMLParser(data: Data(xml.utf8))
        let delegate = TreeBuilder()
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            throw ParseFailure(message: parser.parserError.map { "\($0)" } ?? "no root")
        }
        return root
    }

    struct ParseFailure: Error { var message: String }
}

final class FoundationNode {
    let name: String
    let attributes: [String: String]
    var children: [FoundationNode] = []
    var text = ""
    init(name: String, attributes: [String: String]) { self.name = name; self.attributes = attributes }
    func child(_ name: String) -> FoundationNode? { children.first { $0.name == name } }
    var childNames: [String] { children.map(\.name) }
}

final class TreeBuilder: NSObject, XMLParserDelegate {
    var root: FoundationNode?
    private var stack: [FoundationNode] = []

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
                attributes attributeDict: [String: String] = [:]) {
        let node = FoundationNode(name: elementName, attributes: attributeDict)
        if let parent = stack.last { parent.children.append(node) } else { root = node }
        stack.append(node)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }
}
