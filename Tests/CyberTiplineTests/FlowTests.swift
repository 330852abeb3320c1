import CyberTipline
import Foundation
import Testing

@Suite("Submission flow against the fake server")
struct FlowTests {
    func makeServer(clock: TestClock? = nil) -> FakeTiplineServer {
        if let clock {
            return FakeTiplineServer(username: Fixtures.username, password: Fixtures.password, now: { clock.now })
        }
        return FakeTiplineServer(username: Fixtures.username, password: Fixtures.password)
    }

    func makeClient(_ server: FakeTiplineServer, password: String = Fixtures.password) -> TiplineClient {
        TiplineClient(endpoint: Fixtures.endpoint,
                      credentials: TiplineCredentials(username: Fixtures.username, password: password), transport: server)
    }

    func bytes(_ s: String) -> Data { Data(s.utf8) }

    func files() -> [(TiplineFile, Data)] {
        var viewed = Fixtures.file("f1", viewed: true)
        var unviewed = Fixtures.file("f2", viewed: false)
        viewed.md5 = nil; viewed.sha256 = nil
        unviewed.md5 = nil; unviewed.sha256 = nil
        return [(viewed, bytes("first file bytes")), (unviewed, bytes("second file bytes"))]
    }

    @Test func sendRunsTheWholeFlow() async throws {
        let server = makeServer()
        let client = makeClient(server)
        let submission = try await client.send(Fixtures.fullReport(files: []), files: files())

        let stored = try #require(await server.report(submission.reportID))
        #expect(stored.state == .finished)
        #expect(stored.files.count == 2)
        #expect(stored.files.map(\.fileName) == ["f1.jpg", "f2.jpg"])
        #expect(stored.files.map(\.bytes) == [bytes("first file bytes"), bytes("second file bytes")])
        #expect(submission.fileIDs["f1"] == stored.files[0].fileID)
        #expect(submission.fileIDs["f2"] == stored.files[1].fileID)
        #expect(submission.finishedFileIDs == stored.files.map(\.fileID))
        #expect(await server.requests.map(\.path) == ["/submit", "/upload", "/fileinfo", "/upload", "/fileinfo", "/finish"])
        #expect(await server.requests.allSatisfy { $0.authenticated && $0.responseCode == 0 })

        // fileViewedByEsp as the server received it: true only for the file marked viewed.
        let details = try stored.files.map { try TiplineXMLParser.parse(try #require($0.detailsXML)) }
        #expect(details.map { $0.value("fileViewedByEsp") } == ["true", "false"])
        #expect(details.map { $0.value("fileId") } == stored.files.map(\.fileID))
        // The MD5 computed by the client matches what the server computed over the bytes.
        let md5s = details.map { $0.children(named: "originalFileHash").first { $0.attributes["hashType"] == "MD5" }?.text }
        #expect(md5s == stored.files.map(\.md5))

        // The report the server stored is the report document with all associated accounts.
        let reportXML = try TiplineXMLParser.parse(stored.xml)
        #expect(reportXML.child("personOrUserReported")?.children(named: "associatedAccount").count == 3)
    }

    @Test func statusChecksCredentials() async throws {
        let server = makeServer()
        let response = try await makeClient(server).status()
        #expect(response.responseCode == 0)
    }

    @Test func uploadBeforeSubmitIsRefused() async {
        let server = makeServer()
        let client = makeClient(server)
        await #expect(throws: TiplineError.reportNotFound(reportID: 42, detail: "Report 42 does not exist")) {
            _ = try await client.upload(reportID: 42, fileName: "a.jpg", bytes: bytes("x"))
        }
    }

    @Test func fileInfoForUnknownFileIsRefused() async throws {
        let server = makeServer()
        let client = makeClient(server)
        let id = try await client.submit(Fixtures.fullReport())
        do {
            try await client.fileInfo(reportID: id, fileID: "never-uploaded", details: Fixtures.file("f1", viewed: true))
            Issue.record("fileinfo for an unknown file must fail")
        } catch {
            guard case .rejectedByValidation(let detail) = error else { Issue.record("unexpected \(error)"); return }
            #expect(detail.contains("never-uploaded"))
        }
    }

    @Test func finishTwiceIsRefused() async throws {
        let server = makeServer()
        let client = makeClient(server)
        let id = try await client.submit(Fixtures.fullReport())
        _ = try await client.finish(reportID: id)
        await #expect(throws: TiplineError.reportAlreadyFinished(reportID: id)) { _ = try await client.finish(reportID: id) }
        // A finished report cannot be retracted either.
        await #expect(throws: TiplineError.reportAlreadyFinished(reportID: id)) { try await client.retract(reportID: id) }
    }

    @Test func uploadAfterRetractIsRefused() async throws {
        let server = makeServer()
        let client = makeClient(server)
        let id = try await client.submit(Fixtures.fullReport())
        try await client.retract(reportID: id)
        do {
            _ = try await client.upload(reportID: id, fileName: "a.jpg", bytes: bytes("x"))
            Issue.record("upload to a retracted report must fail")
        } catch {
            guard case .reportNotFound(let reportID, let detail) = error else { Issue.record("unexpected \(error)"); return }
            #expect(reportID == id)
            #expect(detail.contains("retracted"))
        }
        #expect(await server.report(id)?.state == .retracted)
    }

    @Test func unfinishedReportsExpire() async throws {
        let clock = TestClock(Fixtures.t0)
        let server = makeServer(clock: clock)
        let client = makeClient(server)
        let id = try await client.submit(Fixtures.fullReport())
        clock.advance(hours: 24.5)
        do {
            _ = try await client.upload(reportID: id, fileName: "a.jpg", bytes: bytes("x"))
            Issue.record("upload to an expired report must fail")
        } catch {
            guard case .reportNotFound = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(await server.report(id)?.state == .expired)
        await #expect(throws: TiplineError.self) { _ = try await client.finish(reportID: id) }
    }

    @Test func activityKeepsAReportOpenForAnHourPastItsLifetime() async throws {
        let clock = TestClock(Fixtures.t0)
        let server = makeServer(clock: clock)
        let client = makeClient(server)
        let id = try await client.submit(Fixtures.fullReport())
        clock.advance(hours: 23.5)
        let upload = try await client.upload(reportID: id, fileName: "a.jpg", bytes: bytes("x"))
        clock.advance(hours: 0.9) // 24.4 h after opening, 0.9 h after the last change: still open.
        try await client.fileInfo(reportID: id, fileID: upload.fileID, details: Fixtures.file("a", viewed: false))
        clock.advance(hours: 1.1) // 1.1 h idle, past the lifetime: gone.
        await #expect(throws: TiplineError.self) { _ = try await client.finish(reportID: id) }
        #expect(await server.report(id)?.state == .expired)
    }

    @Test func wrongCredentialsAreRefusedWithoutEchoingThem() async throws {
        let server = makeServer()
        let wrong = "Wr0ng-Passw0rd-xyz"
        let client = makeClient(server, password: wrong)
        do {
            _ = try await client.submit(Fixtures.fullReport())
            Issue.record("submit with wrong credentials must fail")
        } catch {
            #expect(error == .authenticationFailed)
            let text = error.description + "\(error)" + String(reflecting: error)
            #expect(!text.contains(wrong))
            #expect(!text.contains(Fixtures.username))
        }
        #expect(await server.requests.map(\.authenticated) == [false])
        #expect(await server.reports.isEmpty)
        let credentials = TiplineCredentials(username: Fixtures.username, password: Fixtures.password)
        #expect(!"\(credentials)".contains(Fixtures.password))
        #expect(!String(reflecting: credentials).contains(Fixtures.password))
    }

    /// A transport that echoes the request's Authorization header and credentials back, as a
    /// misbehaving proxy or server might.
    struct EchoingTransport: TiplineTransport {
        struct Failure: Error, CustomStringConvertible { var description: String }
        let failTransport: Bool
        func send(_ request: TiplineHTTPRequest) async throws -> TiplineHTTPResponse {
            let auth = request.header("Authorization") ?? ""
            let decoded = String(decoding: Data(base64Encoded: String(auth.dropFirst(6))) ?? Data(), as: UTF8.self)
            if failTransport { throw Failure(description: "connection reset; request had \(auth) for \(decoded)") }
            let body = "<reportResponse><responseCode>4100</responseCode><responseDescription>bad login \(decoded) / \(auth)</responseDescription></reportResponse>"
            return TiplineHTTPResponse(status: 200, body: Data(body.utf8))
        }
    }

    @Test func credentialsNeverAppearInErrorDescriptions() async {
        for failTransport in [false, true] {
            let client = TiplineClient(endpoint: URL(string: "https://user:pw-in-url@tipline.test.invalid/ispws")!,
                                       credentials: TiplineCredentials(username: Fixtures.username, password: Fixtures.password),
                                       transport: EchoingTransport(failTransport: failTransport))
            #expect(client.endpoint.absoluteString == "https://tipline.test.invalid/ispws")
            do {
                _ = try await client.submit(Fixtures.fullReport())
                Issue.record("must fail")
            } catch {
                let text = error.description + String(reflecting: error)
                #expect(!text.contains(Fixtures.password))
                #expect(!text.contains(Fixtures.username))
                #expect(!text.contains(Data("\(Fixtures.username):\(Fixtures.password)".utf8).base64EncodedString()))
                #expect(text.contains("<redacted>"))
            }
        }
    }

    @Test func sendRetractsWhenAnUploadFailsMidway() async throws {
        let server = makeServer()
        await server.injectFailure(path: "/upload", afterSuccesses: 1, code: 1000, description: "disk full")
        let client = makeClient(server)
        do {
            _ = try await client.send(Fixtures.fullReport(files: []), files: files())
            Issue.record("send must fail")
        } catch {
            guard case .aborted(let id, let step, let cause, let retracted) = error else { Issue.record("unexpected \(error)"); return }
            #expect(step == "upload of f2")
            #expect(cause == .serverError(detail: "disk full"))
            #expect(retracted)
            #expect(await server.report(id)?.state == .retracted)
            #expect(error.description.contains("retracted"))
        }
        #expect(await server.requests.map(\.path) == ["/submit", "/upload", "/fileinfo", "/upload", "/retract"])
    }

    @Test func sendReportsAFailedRetraction() async throws {
        let server = makeServer()
        await server.injectFailure(path: "/finish", code: 1000, description: "busy")
        await server.injectFailure(path: "/retract", code: 1000, description: "busy")
        let client = makeClient(server)
        do {
            _ = try await client.send(Fixtures.fullReport(files: []), files: files())
            Issue.record("send must fail")
        } catch {
            guard case .aborted(_, let step, _, let retracted) = error else { Issue.record("unexpected \(error)"); return }
            #expect(step == "finish")
            #expect(!retracted)
        }
    }

    @Test func invalidReportsAreNeverSent() async {
        let server = makeServer()
        var report = Fixtures.fullReport()
        report.incidentSummary.incidentDateTime = nil
        let client = makeClient(server)
        do {
            _ = try await client.send(report, files: files())
            Issue.record("must fail")
        } catch {
            guard case .invalidReport = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(await server.requests.isEmpty)
    }

    @Test func suppliedHashThatDoesNotMatchTheBytesStopsBeforeSubmit() async {
        let server = makeServer()
        let client = makeClient(server)
        var file = Fixtures.file("f1", viewed: true) // md5 "aaaa…" is not the md5 of the bytes
        file.sha256 = nil
        do {
            _ = try await client.send(Fixtures.fullReport(files: []), files: [(file, bytes("content"))])
            Issue.record("must fail")
        } catch {
            guard case .hashMismatch = error else { Issue.record("unexpected \(error)"); return }
        }
        #expect(await server.requests.isEmpty)
    }

    @Test func serverRejectsMalformedSubmissions() async throws {
        let server = makeServer()
        let auth = "Basic " + Data("\(Fixtures.username):\(Fixtures.password)".utf8).base64EncodedString()
        for body in ["<report><incidentSummary><incidentType>Something else</incidentType></incidentSummary></report>",
                     "<notAReport/>", "<report><unclosed></report>"] {
            let response = try await server.send(TiplineHTTPRequest(method: "POST", path: "/submit", url: Fixtures.endpoint,
                                                                    headers: ["Authorization": auth], body: Data(body.utf8)))
            #expect(try TiplineResponse.parse(response.body).responseCode == 4100)
        }
        #expect(await server.reports.isEmpty)
    }
}
