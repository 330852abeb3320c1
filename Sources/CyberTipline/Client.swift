import Crypto
import Foundation

/// The account NCMEC issues to a provider for the Reporting API (HTTP Basic authentication).
///
/// Its descriptions never show the values, so logging a client, a credential or an error cannot
/// leak them.
public struct TiplineCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let username: String
    let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The `Authorization` header value.
    var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }

    public var description: String { "TiplineCredentials(username: <redacted>, password: <redacted>)" }
    public var debugDescription: String { description }

    /// Removes anything that would reveal the credentials from text that came from elsewhere (a
    /// server's response description, a transport error that quotes a URL or header).
    func redact(_ text: String) -> String {
        var out = text
        let secrets = [basicAuthorization, String(basicAuthorization.dropFirst(6)), password, username]
            .filter { $0.count >= 3 }
        for secret in secrets { out = out.replacingOccurrences(of: secret, with: "<redacted>") }
        return out
    }
}

/// What can go wrong talking to the CyberTipline, each case with what to do about it.
///
/// The documented response codes map to their own cases; descriptions never contain credentials,
/// and text the server sent back is stripped of them before it is kept.
public indirect enum TiplineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The report failed local validation; nothing was sent.
    case invalidReport(TiplineValidationError)
    /// Response code 2000 or HTTP 401/403: the credentials were refused.
    case authenticationFailed
    /// Response code 3100: the account may not submit reports.
    case notAuthorizedToSubmit
    /// Response code 4100: the service rejected the document.
    case rejectedByValidation(detail: String)
    /// Response code 5001: the report does not exist (never opened, retracted, or deleted after
    /// sitting unfinished too long).
    case reportNotFound(reportID: Int?, detail: String)
    /// Response code 5102: the report was already finished and cannot change.
    case reportAlreadyFinished(reportID: Int?)
    /// Response code 1000: the service failed.
    case serverError(detail: String)
    /// A response code this client does not know.
    case unexpectedResponseCode(Int, detail: String)
    /// An HTTP status without a usable response document.
    case httpStatus(Int)
    case malformedResponse(String)
    /// The transport could not deliver the request.
    case transportFailed(String)
    /// The MD5 the service computed over an upload, or the one the caller supplied for a file,
    /// does not match the bytes.
    case hashMismatch(fileName: String, expected: String, received: String)
    /// `send` failed at `step` after the report was opened; `retracted` says whether the partial
    /// report was retracted so NCMEC does not act on it.
    case aborted(reportID: Int, step: String, cause: TiplineError, retracted: Bool)

    public var description: String {
        switch self {
        case .invalidReport(let error):
            return "Report not sent: \(error.description). Fix the draft and send again."
        case .authenticationFailed:
            return "The CyberTipline refused the configured credentials (code 2000). Check the username and password configured for this endpoint; note that test and production accounts differ."
        case .notAuthorizedToSubmit:
            return "The account is not authorised to submit reports (code 3100). Ask NCMEC to enable reporting for this account."
        case .rejectedByValidation(let detail):
            return "The CyberTipline rejected the document (code 4100): \(detail). Check it against the current schema."
        case .reportNotFound(let id, let detail):
            return "Report \(id.map(String.init) ?? "?") does not exist on the CyberTipline (code 5001): \(detail). It may never have been opened, been retracted, or have expired unfinished; submit it again."
        case .reportAlreadyFinished(let id):
            return "Report \(id.map(String.init) ?? "?") is already finished (code 5102); a finished report cannot be changed or retracted. Send any additions as a new report."
        case .serverError(let detail):
            return "The CyberTipline failed to process the request (code 1000): \(detail). Retry later."
        case .unexpectedResponseCode(let code, let detail):
            return "The CyberTipline answered with unknown response code \(code): \(detail)."
        case .httpStatus(let status):
            return "The CyberTipline answered HTTP \(status) without a response document. Check the configured endpoint."
        case .malformedResponse(let reason):
            return "The CyberTipline response could not be read: \(reason)."
        case .transportFailed(let reason):
            return "The request did not reach the CyberTipline: \(reason). Retry; check network access to the configured endpoint."
        case .hashMismatch(let fileName, let expected, let received):
            return "The MD5 of \"\(fileName)\" does not match: expected \(expected), got \(received). The bytes changed between hashing and upload; do not finish this report."
        case .aborted(let id, let step, let cause, let retracted):
            let outcome = retracted ? "the partial report was retracted" : "retracting the partial report also failed; it will expire unfinished"
            return "Sending report \(id) failed at \(step) and \(outcome). Cause: \(cause.description)"
        }
    }
}

/// The result of uploading one file.
public struct TiplineUpload: Sendable, Equatable {
    public var fileID: String
    /// The MD5 the service computed over the received bytes, when it returned one.
    public var serverMD5: String?
}

/// The result of a complete `send`.
public struct TiplineSubmission: Sendable, Equatable {
    public var reportID: Int
    /// NCMEC's file id for each file, by the caller's local id.
    public var fileIDs: [String: String]
    /// The file ids the service listed when the report was finished.
    public var finishedFileIDs: [String]
}

/// A client of the CyberTipline Reporting API over an injected transport.
///
/// The flow is: `submit` opens a report and returns its id; `upload` sends each file;
/// `fileInfo` sends each file's details; `finish` closes the report, after which NCMEC acts on it;
/// `retract` abandons an unfinished report. Nothing is sent anywhere unless an operator
/// constructs a client with an endpoint, credentials and a real transport: there is no default
/// endpoint.
public struct TiplineClient: Sendable {
    public let endpoint: URL
    private let credentials: TiplineCredentials
    private let transport: any TiplineTransport
    private let makeBoundary: @Sendable () -> String

    public init(endpoint: URL, credentials: TiplineCredentials, transport: any TiplineTransport,
                boundary: @escaping @Sendable () -> String = { "bulwark-tipline-" + UUID().uuidString }) {
        // Credentials go in the Authorization header only, never in the URL.
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        components?.user = nil
        components?.password = nil
        self.endpoint = components?.url ?? endpoint
        self.credentials = credentials
        self.transport = transport
        self.makeBoundary = boundary
    }

    /// `GET /status`: checks the endpoint and credentials without opening a report.
    public func status() async throws(TiplineError) -> TiplineResponse {
        try await perform(method: "GET", path: "/status", contentType: nil, body: Data(), reportID: nil)
    }

    /// Validates the report and opens it (`POST /submit`). Returns NCMEC's report id.
    public func submit(_ report: TiplineReport) async throws(TiplineError) -> Int {
        do { try report.validate() } catch { throw .invalidReport(error) }
        let body = Data(TiplineXML.reportDocument(report).utf8)
        let response = try await perform(method: "POST", path: "/submit", contentType: "text/xml; charset=utf-8", body: body, reportID: nil)
        guard let id = response.reportID else { throw .malformedResponse("submit response without reportId") }
        return id
    }

    /// Uploads one file to an open report (`POST /upload`, multipart fields `id` and `file`).
    /// When the service returns its MD5 of the bytes, it is checked against ours.
    public func upload(reportID: Int, fileName: String, bytes: Data) async throws(TiplineError) -> TiplineUpload {
        let (contentType, body) = TiplineMultipart.encode([
            .init(name: "id", data: Data(String(reportID).utf8)),
            .init(name: "file", fileName: fileName, contentType: "application/octet-stream", data: bytes),
        ], boundary: makeBoundary())
        let response = try await perform(method: "POST", path: "/upload", contentType: contentType, body: body, reportID: reportID)
        guard let fileID = response.fileID, !fileID.isEmpty else { throw .malformedResponse("upload response without fileId") }
        if let serverHash = response.hash?.lowercased() {
            let local = Self.md5Hex(bytes)
            guard serverHash == local else { throw .hashMismatch(fileName: fileName, expected: local, received: serverHash) }
        }
        return TiplineUpload(fileID: fileID, serverMD5: response.hash)
    }

    /// Sends the details of an uploaded file (`POST /fileinfo`).
    public func fileInfo(reportID: Int, fileID: String, details: TiplineFile) async throws(TiplineError) {
        do { try details.validate() } catch { throw .invalidReport(error) }
        let body = Data(TiplineXML.fileDetailsDocument(reportID: reportID, fileID: fileID, file: details).utf8)
        _ = try await perform(method: "POST", path: "/fileinfo", contentType: "text/xml; charset=utf-8", body: body, reportID: reportID)
    }

    /// Finishes the report (`POST /finish`); returns the file ids the service holds for it.
    public func finish(reportID: Int) async throws(TiplineError) -> [String] {
        let (contentType, body) = TiplineMultipart.encode([.init(name: "id", data: Data(String(reportID).utf8))], boundary: makeBoundary())
        return try await perform(method: "POST", path: "/finish", contentType: contentType, body: body, reportID: reportID).fileIDs
    }

    /// Retracts an unfinished report (`POST /retract`).
    public func retract(reportID: Int) async throws(TiplineError) {
        let (contentType, body) = TiplineMultipart.encode([.init(name: "id", data: Data(String(reportID).utf8))], boundary: makeBoundary())
        _ = try await perform(method: "POST", path: "/retract", contentType: contentType, body: body, reportID: reportID)
    }

    /// Runs the whole flow: validate, submit, upload and describe every file, finish.
    ///
    /// Missing MD5 and SHA-256 digests are computed from the bytes (they describe exactly what is
    /// uploaded); a supplied digest that does not match the bytes stops the flow before anything
    /// is sent. If any step after `submit` fails, the report is retracted so NCMEC never acts on
    /// a partial report, and the error says whether the retraction worked.
    public func send(_ report: TiplineReport, files: [(TiplineFile, Data)]) async throws(TiplineError) -> TiplineSubmission {
        var prepared: [(TiplineFile, Data)] = []
        for (file, bytes) in files {
            var file = file
            let md5 = Self.md5Hex(bytes)
            let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            if let given = file.md5, given.lowercased() != md5 { throw .hashMismatch(fileName: file.fileName, expected: given, received: md5) }
            if let given = file.sha256, given.lowercased() != sha256 { throw .hashMismatch(fileName: file.fileName, expected: given, received: sha256) }
            file.md5 = md5
            file.sha256 = sha256
            prepared.append((file, bytes))
        }
        var complete = report
        complete.files = prepared.map(\.0)

        let reportID = try await submit(complete)
        var step = "submit"
        do throws(TiplineError) {
            var fileIDs: [String: String] = [:]
            for (file, bytes) in prepared {
                step = "upload of \(file.localID)"
                let upload = try await upload(reportID: reportID, fileName: file.fileName, bytes: bytes)
                fileIDs[file.localID] = upload.fileID
                step = "fileinfo of \(file.localID)"
                try await fileInfo(reportID: reportID, fileID: upload.fileID, details: file)
            }
            step = "finish"
            let finished = try await finish(reportID: reportID)
            return TiplineSubmission(reportID: reportID, fileIDs: fileIDs, finishedFileIDs: finished)
        } catch {
            var retracted = false
            do {
                try await retract(reportID: reportID)
                retracted = true
            } catch {}
            throw .aborted(reportID: reportID, step: step, cause: error, retracted: retracted)
        }
    }

    // MARK: - Plumbing

    static func md5Hex(_ bytes: Data) -> String {
        Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private func perform(method: String, path: String, contentType: String?, body: Data, reportID: Int?) async throws(TiplineError) -> TiplineResponse {
        var headers = ["Authorization": credentials.basicAuthorization, "Accept": "application/xml, text/xml"]
        if let contentType { headers["Content-Type"] = contentType }
        let url = endpoint.appendingPathComponent(String(path.drop(while: { $0 == "/" })))
        let request = TiplineHTTPRequest(method: method, path: path, url: url, headers: headers, body: body)
        let response: TiplineHTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw .transportFailed(credentials.redact(String(describing: error)))
        }
        if response.status == 401 || response.status == 403 { throw .authenticationFailed }
        let parsed: TiplineResponse
        do {
            parsed = try TiplineResponse.parse(response.body)
        } catch {
            if !(200..<300).contains(response.status) { throw .httpStatus(response.status) }
            throw .malformedResponse(credentials.redact(error.reason))
        }
        let detail = credentials.redact(parsed.responseDescription ?? "no description")
        switch parsed.responseCode {
        case 0:
            guard (200..<300).contains(response.status) else { throw .httpStatus(response.status) }
            return parsed
        case 1000: throw .serverError(detail: detail)
        case 2000: throw .authenticationFailed
        case 3100: throw .notAuthorizedToSubmit
        case 4100: throw .rejectedByValidation(detail: detail)
        case 5001: throw .reportNotFound(reportID: parsed.reportID ?? reportID, detail: detail)
        case 5102: throw .reportAlreadyFinished(reportID: parsed.reportID ?? reportID)
        default: throw .unexpectedResponseCode(parsed.responseCode, detail: detail)
        }
    }
}
