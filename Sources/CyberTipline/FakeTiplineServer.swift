import Crypto
import Foundation

/// A TEST DOUBLE of the CyberTipline Reporting API, in process. It never touches the network.
///
/// It exists so the server's tests, this module's tests and demos (`bulwark demo`) can run the
/// whole reporting flow without credentials and without any chance of reaching NCMEC. It enforces
/// the flow the real service documents: every request must authenticate; `/submit` checks the
/// report's shape and opens a report; `/upload` only into an open report; `/fileinfo` only for a
/// file uploaded to that report; `/finish` closes; `/retract` abandons an open report; a report left
/// unfinished is deleted after the later of `reportLifetime` since it was opened and `idleTimeout`
/// since its last change (24 hours and 1 hour, as NCMEC documents). Every request and every
/// report is recorded for assertions.
public actor FakeTiplineServer: TiplineTransport {
    public enum ReportState: String, Sendable, Equatable {
        case open, finished, retracted, expired
    }

    public struct StoredFile: Sendable, Equatable {
        public var fileID: String
        public var fileName: String
        public var bytes: Data
        public var md5: String
        /// The last `fileDetails` document received for this file.
        public var detailsXML: String?
    }

    public struct StoredReport: Sendable, Equatable {
        public var reportID: Int
        public var xml: String
        public var state: ReportState
        public var openedAt: Date
        public var lastModified: Date
        public var files: [StoredFile]
    }

    /// One request as the fake saw it. Headers are not kept, so credentials are never recorded.
    public struct RecordedRequest: Sendable, Equatable {
        public var method: String
        public var path: String
        public var authenticated: Bool
        public var httpStatus: Int
        /// The response code returned, when a response document was returned.
        public var responseCode: Int?
    }

    public private(set) var requests: [RecordedRequest] = []
    public private(set) var reports: [Int: StoredReport] = [:]

    private let expectedAuthorization: String
    private let now: @Sendable () -> Date
    private let reportLifetime: TimeInterval
    private let idleTimeout: TimeInterval
    private var nextReportID: Int
    private var nextFileNumber = 1
    private var injected: [(path: String, skip: Int, code: Int, description: String)] = []

    /// - Parameters:
    ///   - now: the clock; inject one to test expiry.
    ///   - reportLifetime / idleTimeout: an unfinished report expires once both have passed,
    ///     counted from opening and from its last change respectively.
    public init(username: String, password: String, now: @escaping @Sendable () -> Date = { Date() },
                reportLifetime: TimeInterval = 24 * 3600, idleTimeout: TimeInterval = 3600, firstReportID: Int = 100_001) {
        self.expectedAuthorization = TiplineCredentials(username: username, password: password).basicAuthorization
        self.now = now
        self.reportLifetime = reportLifetime
        self.idleTimeout = idleTimeout
        self.nextReportID = firstReportID
    }

    /// Makes the request to `path` after `skipping` more successful ones fail with `code`, once.
    /// Used to test how callers recover from a failure midway through the flow.
    public func injectFailure(path: String, afterSuccesses skipping: Int = 0, code: Int = 1000,
                              description: String = "Injected server error") {
        injected.append((path, skipping, code, description))
    }

    public func report(_ id: Int) -> StoredReport? { reports[id] }

    // MARK: - TiplineTransport

    public func send(_ request: TiplineHTTPRequest) async throws -> TiplineHTTPResponse {
        let authenticated = request.header("Authorization") == expectedAuthorization
        let response: TiplineHTTPResponse
        var code: Int?
        if !authenticated {
            let reply = TiplineResponse(rootElement: "reportResponse", responseCode: 2000, responseDescription: "Authentication required")
            response = TiplineHTTPResponse(status: 401, headers: ["Content-Type": "text/xml"], body: Data(reply.document().utf8))
            code = 2000
        } else if let reply = handle(request) {
            response = TiplineHTTPResponse(status: 200, headers: ["Content-Type": "text/xml"], body: Data(reply.document().utf8))
            code = reply.responseCode
        } else {
            response = TiplineHTTPResponse(status: 404, body: Data())
        }
        requests.append(RecordedRequest(method: request.method, path: request.path, authenticated: authenticated,
                                        httpStatus: response.status, responseCode: code))
        return response
    }

    // MARK: - Endpoints

    private func handle(_ request: TiplineHTTPRequest) -> TiplineResponse? {
        switch (request.method, request.path) {
        case ("GET", "/status"):
            return ok()
        case ("POST", "/submit"), ("POST", "/upload"), ("POST", "/fileinfo"), ("POST", "/finish"), ("POST", "/retract"):
            if let failure = takeInjectedFailure(request.path) { return failure }
            switch request.path {
            case "/submit": return submit(request)
            case "/upload": return upload(request)
            case "/fileinfo": return fileInfo(request)
            case "/finish": return finish(request)
            default: return retract(request)
            }
        default:
            return nil
        }
    }

    private func takeInjectedFailure(_ path: String) -> TiplineResponse? {
        guard let index = injected.firstIndex(where: { $0.path == path }) else { return nil }
        if injected[index].skip > 0 {
            injected[index].skip -= 1
            return nil
        }
        let failure = injected.remove(at: index)
        return TiplineResponse(rootElement: "reportResponse", responseCode: failure.code, responseDescription: failure.description)
    }

    private func submit(_ request: TiplineHTTPRequest) -> TiplineResponse {
        let root: TiplineXMLElement
        do { root = try TiplineXMLParser.parse(request.body) } catch {
            return failure(4100, "Report XML is not well-formed: \(error.message)")
        }
        guard root.name == "report" else { return failure(4100, "Root element must be report, not \(root.name)") }
        guard let type = root.descendant(["incidentSummary", "incidentType"])?.text,
              IncidentType(rawValue: type) != nil else {
            return failure(4100, "incidentSummary/incidentType missing or not an allowed value")
        }
        guard let time = root.descendant(["incidentSummary", "incidentDateTime"])?.text,
              (try? Date(time, strategy: .iso8601)) != nil else {
            return failure(4100, "incidentSummary/incidentDateTime missing or not ISO 8601")
        }
        guard let email = root.descendant(["reporter", "reportingPerson", "email"])?.text, email.contains("@") else {
            return failure(4100, "reporter/reportingPerson/email is required")
        }
        let id = nextReportID
        nextReportID += 1
        let time0 = now()
        reports[id] = StoredReport(reportID: id, xml: String(decoding: request.body, as: UTF8.self), state: .open,
                                   openedAt: time0, lastModified: time0, files: [])
        return ok(reportID: id)
    }

    private func upload(_ request: TiplineHTTPRequest) -> TiplineResponse {
        guard let parts = TiplineMultipart.decode(request.body, contentType: request.header("Content-Type") ?? "") else {
            return failure(4100, "Upload must be multipart/form-data")
        }
        guard let idPart = parts.first(where: { $0.name == "id" }), let id = Int(String(decoding: idPart.data, as: UTF8.self)) else {
            return failure(4100, "Upload needs the report id in field id")
        }
        guard let filePart = parts.first(where: { $0.name == "file" }), let fileName = filePart.fileName else {
            return failure(4100, "Upload needs a file in field file", reportID: id)
        }
        if let refusal = requireOpen(id) { return refusal }
        let fileID = FakeTiplineServer.hex(Insecure.MD5.hash(data: Data("\(id)/\(nextFileNumber)".utf8)))
        nextFileNumber += 1
        let md5 = FakeTiplineServer.hex(Insecure.MD5.hash(data: filePart.data))
        reports[id]!.files.append(StoredFile(fileID: fileID, fileName: fileName, bytes: filePart.data, md5: md5, detailsXML: nil))
        reports[id]!.lastModified = now()
        return TiplineResponse(rootElement: "reportResponse", responseCode: 0, responseDescription: "Success",
                               reportID: id, fileID: fileID, hash: md5)
    }

    private func fileInfo(_ request: TiplineHTTPRequest) -> TiplineResponse {
        let root: TiplineXMLElement
        do { root = try TiplineXMLParser.parse(request.body) } catch {
            return failure(4100, "File details XML is not well-formed: \(error.message)")
        }
        guard root.name == "fileDetails" else { return failure(4100, "Root element must be fileDetails, not \(root.name)") }
        guard let idText = root.value("reportId"), let id = Int(idText) else { return failure(4100, "fileDetails/reportId is required") }
        guard let fileID = root.value("fileId"), !fileID.isEmpty else { return failure(4100, "fileDetails/fileId is required", reportID: id) }
        if let viewed = root.value("fileViewedByEsp"), viewed != "true", viewed != "false" {
            return failure(4100, "fileViewedByEsp must be true or false", reportID: id)
        }
        if let refusal = requireOpen(id) { return refusal }
        guard let index = reports[id]!.files.firstIndex(where: { $0.fileID == fileID }) else {
            return failure(4100, "File \(fileID) was not uploaded to report \(id)", reportID: id)
        }
        reports[id]!.files[index].detailsXML = String(decoding: request.body, as: UTF8.self)
        reports[id]!.lastModified = now()
        return ok(reportID: id)
    }

    private func finish(_ request: TiplineHTTPRequest) -> TiplineResponse {
        guard let id = reportIDField(request) else { return failure(4100, "Finish needs the report id in field id") }
        if let refusal = requireOpen(id) { return refusal }
        reports[id]!.state = .finished
        return TiplineResponse(rootElement: "reportDoneResponse", responseCode: 0, reportID: id,
                               fileIDs: reports[id]!.files.map(\.fileID))
    }

    private func retract(_ request: TiplineHTTPRequest) -> TiplineResponse {
        guard let id = reportIDField(request) else { return failure(4100, "Retract needs the report id in field id") }
        if let refusal = requireOpen(id) { return refusal }
        reports[id]!.state = .retracted
        return ok(reportID: id)
    }

    // MARK: - Helpers

    /// The refusal for a report that is not open, after applying expiry; nil when it is open.
    private func requireOpen(_ id: Int) -> TiplineResponse? {
        guard var stored = reports[id] else { return failure(5001, "Report \(id) does not exist", reportID: id) }
        if stored.state == .open {
            let deadline = max(stored.openedAt.addingTimeInterval(reportLifetime), stored.lastModified.addingTimeInterval(idleTimeout))
            if now() > deadline {
                stored.state = .expired
                reports[id] = stored
            }
        }
        switch stored.state {
        case .open: return nil
        case .finished: return failure(5102, "Report \(id) has already been finished", reportID: id)
        case .retracted: return failure(5001, "Report \(id) does not exist (it was retracted)", reportID: id)
        case .expired: return failure(5001, "Report \(id) does not exist (it was deleted unfinished)", reportID: id)
        }
    }

    private func reportIDField(_ request: TiplineHTTPRequest) -> Int? {
        let contentType = request.header("Content-Type") ?? ""
        if let parts = TiplineMultipart.decode(request.body, contentType: contentType),
           let part = parts.first(where: { $0.name == "id" }) {
            return Int(String(decoding: part.data, as: UTF8.self))
        }
        // Also accept a urlencoded `id=` body.
        let text = String(decoding: request.body, as: UTF8.self)
        guard text.hasPrefix("id=") else { return nil }
        return Int(text.dropFirst(3))
    }

    private func ok(reportID: Int? = nil) -> TiplineResponse {
        TiplineResponse(rootElement: "reportResponse", responseCode: 0, responseDescription: "Success", reportID: reportID)
    }

    private func failure(_ code: Int, _ description: String, reportID: Int? = nil) -> TiplineResponse {
        TiplineResponse(rootElement: "reportResponse", responseCode: code, responseDescription: description, reportID: reportID)
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
