import AccountRegistry
import CyberTipline
import EvidenceVault
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Matching
import MediaDecode
import MediaHashing
import NIOCore
import Review
import Storage
import SyntheticMedia
import Testing

@testable import BulwarkServer

/// The console end to end through the router: intake → case → sign-in → reveal → decide →
/// report → fake CyberTipline, with the audit log as the witness.
private struct Console {
    let store: SQLStore
    let engine: MatchEngine
    let app: Application<RouterResponder<BulwarkRequestContext>>
    let tipline: FakeTiplineServer
    let settings: ConsoleSettings
    var admin = ""

    static let known = SyntheticImage.rings(width: 200, height: 200, seed: 3)
    static let other = SyntheticImage.tiles(width: 200, height: 200, seed: 9)

    static func with(revealsPerShift: Int = 20, _ body: (Console) async throws -> Void) async throws {
        let store = try await SQLStore.sqlite(path: ":memory:")
        _ = try await store.migrate()
        let engine = MatchEngine(store: store)
        try await engine.load()
        let accounts = AccountRegistry(store: store)
        _ = try await accounts.load()
        let tipline = FakeTiplineServer(username: "esp", password: "secret")
        var settings = ConsoleSettings()
        settings.evidence = EvidenceKeeper(keys: try MasterKeyRing(current: MasterKey.generate()))
        settings.wellness = WellnessSettings(revealsPerShift: revealsPerShift, warnAfter: max(1, revealsPerShift - 1))
        settings.reporter = ReporterSettings(espName: "Example Social", espService: "Posts",
                                             reportingPerson: .init(firstName: "Rae", lastName: "Porter", email: "reports@example.com"),
                                             contactPerson: .init(firstName: "Safety", lastName: "Team", email: "safety@example.com"))
        settings.tipline = TiplineSettings(endpoint: URL(string: "https://tipline.example.invalid/ispws")!,
                                           credentials: TiplineCredentials(username: "esp", password: "secret"), transport: tipline)
        var configuration = ServerConfiguration(maxMediaBytes: 4 << 20)
        configuration.console = settings
        let router = BulwarkServer.buildRouter(configuration: configuration, store: store, engine: engine, accounts: accounts)
        var console = Console(store: store, engine: engine, app: Application(router: router), tipline: tipline, settings: settings)
        let secret = APIKeys.generate()
        _ = try await store.createAPIKey(name: "admin", role: .admin, keyHash: APIKeys.hash(secret), prefix: APIKeys.prefix(secret))
        console.admin = secret
        do {
            try await body(console)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    /// Banks the known image and posts it, with a second unbanked image and hostile text.
    func seed(_ client: some TestClientProtocol) async throws {
        let hashes = try MediaHasher.hash(Self.known)
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(admin)"
        headers[.contentType] = "application/json"
        #expect(try await client.executeRequest(uri: "/v1/banks", method: .post, headers: headers,
                                                body: ByteBuffer(string: #"{"name":"known","category":"test"}"#)).status == .created)
        let entries = #"{"entries":[{"signalType":"pdq","value":"\#(hashes.pdq.hex)"},{"signalType":"md5","value":"\#(hashes.md5)"}]}"#
        #expect(try await client.executeRequest(uri: "/v1/banks/known/entries", method: .post, headers: headers,
                                                body: ByteBuffer(string: entries)).status == .created)
        try await waitForIndex()
        let post = """
            {"contentId":"post-1","kind":"post","account":"acct-1","text":"new stuff <script>alert(1)</script> & more",
             "media":[{"id":"a","bytes":"\(Data(Self.known).base64EncodedString())"},{"id":"b","bytes":"\(Data(Self.other).base64EncodedString())"}]}
            """
        let response = try await client.executeRequest(uri: "/v1/content", method: .post, headers: headers, body: ByteBuffer(string: post))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
    }

    /// The router follows no feed in tests: the engine takes the new bank entries now.
    func waitForIndex() async throws {
        _ = try await engine.poll()
    }
}


/// A signed-in browser: its cookie, and the CSRF token of the last page it read.
private struct Browser {
    var cookie = ""
    var csrf = ""

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> (HTTPResponse.Status, HTTPFields, String) {
        var headers = HTTPFields()
        if !cookie.isEmpty { headers[.cookie] = cookie }
        let response = try await client.executeRequest(uri: uri, method: .get, headers: headers, body: nil)
        return (response.status, response.headers, String(buffer: response.body))
    }

    func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [String: String], csrf: String? = nil)
        async throws -> (HTTPResponse.Status, HTTPFields, String) {
        var headers = HTTPFields()
        if !cookie.isEmpty { headers[.cookie] = cookie }
        headers[.contentType] = "application/x-www-form-urlencoded"
        var all = fields
        all["csrf"] = csrf ?? self.csrf
        let body = all.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let response = try await client.executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
        return (response.status, response.headers, String(buffer: response.body))
    }

    static func signIn(_ client: some TestClientProtocol, store: some BulwarkStore, name: String, role: ReviewerRole) async throws -> Browser {
        let reviewer = try await store.createReviewer(name: name, role: role, at: Date())
        let link = try await ConsoleLogins.issue(store: store, reviewer: reviewer, baseURL: "http://test")
        let token = try #require(link.components(separatedBy: "token=").last)
        var browser = Browser()
        let (status, headers, _) = try await browser.post(client, "/console/login", ["token": token])
        #expect(status == .seeOther)
        let setCookie = try #require(headers[.setCookie])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        browser.cookie = String(setCookie.split(separator: ";")[0])
        // The link works once.
        let (again, _, _) = try await Browser().post(client, "/console/login", ["token": token])
        #expect(again == .unauthorized)
        let (_, _, page) = try await browser.get(client, "/console")
        browser.csrf = try #require(Self.csrf(in: page))
        return browser
    }

    static func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }
}

private func location(_ headers: HTTPFields) -> String { headers[.location] ?? "" }

/// The reveal token in a redirect to a case page.
private func revealToken(_ headers: HTTPFields) -> String? {
    URLComponents(string: location(headers))?.queryItems?.first { $0.name == "reveal" }?.value
}

@Suite("Review console")
struct ConsoleTests {
    @Test func aSpecialistRevealsOneItemAndOnlyThatFileIsReportedAsViewed() async throws {
        try await Console.with { console in
            try await console.app.test(.router) { client in
                try await console.seed(client)
                let cases = try await console.store.cases(queue: nil, statuses: CaseStatus.allCases, offset: 0, limit: 10)
                let opened = try #require(cases.first)
                #expect(cases.count == 1 && opened.queue == "known-media" && opened.status == .open)
                let vault = try await console.store.vaultItems(contentId: "post-1")
                #expect(vault.map(\.kind.rawValue).sorted() == ["media", "media", "metadata", "signals"])

                var specialist = try await Browser.signIn(client, store: console.store, name: "sam", role: .specialist)
                let (status, headers, page) = try await specialist.get(client, "/console/cases/\(opened.id)")
                #expect(status == .ok)
                #expect(headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(headers[.cacheControl] == "no-store")
                #expect(!page.contains("<script"))
                #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"))
                #expect(page.components(separatedBy: "class=\"blurred\"").count == 3)

                // The preview is a few grey pixels, never the picture.
                let items = vault.filter { $0.kind == .media }.sorted { ($0.mediaIndex ?? 0) < ($1.mediaIndex ?? 0) }
                var cookie = HTTPFields()
                cookie[.cookie] = specialist.cookie
                let previewResponse = try await client.executeRequest(uri: "/console/cases/\(opened.id)/media/\(items[0].itemId)/preview",
                                                                      method: .get, headers: cookie, body: nil)
                #expect(previewResponse.headers[.contentType] == "image/png")
                let preview = try Array(previewResponse.body.readableBytesView).withUnsafeBytes { try MediaDecoder.probe($0) }
                #expect(max(preview.width, preview.height) <= MediaPreview.side)

                // A form without the session's CSRF token is refused.
                let (forged, _, _) = try await specialist.post(client, "/console/cases/\(opened.id)/media/\(items[0].itemId)/reveal", [:], csrf: "forged")
                #expect(forged == .forbidden)

                let (revealed, revealHeaders, _) = try await specialist.post(client, "/console/cases/\(opened.id)/media/\(items[0].itemId)/reveal", [:])
                #expect(revealed == .seeOther)
                let token = try #require(revealToken(revealHeaders))
                let grantPage = try await specialist.get(client, location(revealHeaders))
                #expect(grantPage.2.contains("id=\"revealed-1\""))
                #expect(try await console.store.auditRecords(kind: "media.reveal", subject: items[0].itemId).isEmpty,
                        "nothing is recorded until the bytes are served")
                var bytesHeaders = HTTPFields()
                bytesHeaders[.cookie] = specialist.cookie
                let bytes = try await client.executeRequest(uri: "/console/reveal/\(token)", method: .get, headers: bytesHeaders, body: nil)
                #expect(bytes.status == .ok && Array(bytes.body.readableBytesView) == Console.known)
                let twice = try await client.executeRequest(uri: "/console/reveal/\(token)", method: .get, headers: bytesHeaders, body: nil)
                #expect(twice.status == .gone)
                let reveals = try await console.store.auditRecords(kind: "media.reveal", subject: items[0].itemId)
                #expect(reveals.count == 1 && reveals.first?.actor == "reviewer:sam")
                #expect(try await console.store.auditRecords(kind: "media.reveal", subject: items[1].itemId).isEmpty)

                // A reviewer sees no reveal button and cannot reveal.
                let reviewer = try await Browser.signIn(client, store: console.store, name: "rik", role: .reviewer)
                let (_, _, reviewerPage) = try await reviewer.get(client, "/console/cases/\(opened.id)")
                #expect(!reviewerPage.contains("id=\"reveal-1\""))
                let (refused, _, _) = try await reviewer.post(client, "/console/cases/\(opened.id)/media/\(items[1].itemId)/reveal", [:])
                #expect(refused == .forbidden)

                // Confirm, banking the hashes; then draft and send the report.
                let (decided, decidedHeaders, _) = try await specialist.post(client, "/console/cases/\(opened.id)/decide",
                                                                             ["decision": "confirm", "reason": "known_media", "bank": "1"])
                #expect(decided == .seeOther && location(decidedHeaders).contains("confirmed"))
                #expect(try await console.store.caseRecord(id: opened.id).status == .confirmed)
                let confirmedBank = try await console.store.bank(named: "confirmed-by-review")
                #expect(try await console.store.entries(inBank: confirmedBank.id, after: 0, limit: 10).count == 4)

                let (drafted, _, _) = try await specialist.post(client, "/console/cases/\(opened.id)/report", [:])
                #expect(drafted == .seeOther)
                let draft = try #require(try await console.store.reports(caseId: opened.id).first)
                #expect(draft.status == .draft && draft.fileItems.count == 2)
                // The draft holds the report document and each file's details, as they will be sent.
                let documents = draft.xml.components(separatedBy: "<?xml").filter { !$0.isEmpty }.map { "<?xml" + $0 }
                #expect(documents.count == 3)
                #expect(try TiplineXMLParser.parse(documents[0]).name == "report")
                #expect(draft.xml.components(separatedBy: "<fileViewedByEsp>true</fileViewedByEsp>").count == 2)
                #expect(draft.xml.components(separatedBy: "<fileViewedByEsp>false</fileViewedByEsp>").count == 2)
                specialist.csrf = Browser.csrf(in: try await specialist.get(client, "/console/cases/\(opened.id)/report").2) ?? specialist.csrf
                let (_, _, reportPage) = try await specialist.get(client, "/console/cases/\(opened.id)/report")
                #expect(reportPage.components(separatedBy: "<td class=\"viewed-by-esp\">true</td>").count == 2)
                #expect(reportPage.components(separatedBy: "<td class=\"viewed-by-esp\">false</td>").count == 2)

                let (sent, sentHeaders, _) = try await specialist.post(client, "/console/reports/\(draft.id)/send", [:])
                #expect(sent == .seeOther && location(sentHeaders).contains("sent"), "\(location(sentHeaders))")
                let submitted = try await console.store.report(id: draft.id)
                #expect(submitted.status == .submitted)
                let remoteId = try #require(submitted.remoteId)
                let remote = try #require(await console.tipline.report(Int(remoteId)))
                #expect(remote.state == .finished)
                let details = remote.files.compactMap(\.detailsXML)
                #expect(details.count == 2)
                #expect(details.filter { $0.contains("<fileViewedByEsp>true</fileViewedByEsp>") }.count == 1)
                #expect(details.filter { $0.contains("<fileViewedByEsp>false</fileViewedByEsp>") }.count == 1)
                #expect(try await console.store.caseRecord(id: opened.id).status == .reported)
                // The report restarted every item's retention clock: a year from now.
                for item in try await console.store.vaultItems(contentId: "post-1") {
                    #expect(item.retainUntil.timeIntervalSinceNow > 364 * 86_400)
                }
                // A second send of the same report is refused by the store's state machine.
                let (_, againHeaders, _) = try await specialist.post(client, "/console/reports/\(draft.id)/send", [:])
                #expect(location(againHeaders).contains("already"))
            }
        }
    }

    @Test func theRevealBudgetStopsASpecialistForTheRestOfTheShift() async throws {
        try await Console.with(revealsPerShift: 1) { console in
            try await console.app.test(.router) { client in
                try await console.seed(client)
                let opened = try #require(try await console.store.cases(queue: nil, statuses: CaseStatus.allCases, offset: 0, limit: 1).first)
                let items = try await console.store.vaultItems(contentId: "post-1").filter { $0.kind == .media }
                let specialist = try await Browser.signIn(client, store: console.store, name: "sam", role: .specialist)
                let (first, firstHeaders, _) = try await specialist.post(client, "/console/cases/\(opened.id)/media/\(items[0].itemId)/reveal", [:])
                #expect(first == .seeOther)
                let token = try #require(revealToken(firstHeaders))
                var headers = HTTPFields()
                headers[.cookie] = specialist.cookie
                #expect(try await client.executeRequest(uri: "/console/reveal/\(token)", method: .get, headers: headers, body: nil).status == .ok)
                let (second, _, page) = try await specialist.post(client, "/console/cases/\(opened.id)/media/\(items[1].itemId)/reveal", [:])
                #expect(second == .forbidden && page.contains("Reveal budget reached"))
                let (_, _, casePage) = try await specialist.get(client, "/console/cases/\(opened.id)")
                #expect(!casePage.contains("id=\"reveal-1\""), "no reveal button once the budget is spent")
            }
        }
    }

    @Test func aSignedOutBrowserSeesNothing() async throws {
        try await Console.with { console in
            try await console.app.test(.router) { client in
                try await console.seed(client)
                for uri in ["/console", "/console/cases/1", "/console/cases/1/report"] {
                    let (status, headers, page) = try await Browser().get(client, uri)
                    #expect(status == .unauthorized)
                    #expect(headers[.contentSecurityPolicy] != nil)
                    #expect(!page.contains("post-1"))
                }
            }
        }
    }

    @Test func expiredEvidenceIsDestroyedUnlessHeldAndLeavesATombstone() async throws {
        try await Console.with { console in
            try await console.app.test(.router) { client in
                try await console.seed(client)
            }
            let items = try await console.store.vaultItems(contentId: "post-1")
            // Hold one item; move every item's clock into the past.
            for (n, item) in items.enumerated() {
                var retention = try #require(EvidenceKeeper.retention(item.retention))
                retention.retainUntil = Date(timeIntervalSinceNow: -60)
                if n == 0 { retention = try retention.placeHold(LegalHold(id: "LE-1", reason: "preservation request", placedBy: "admin", placedAt: Date())) }
                _ = try await console.store.updateVaultRetention(itemId: item.itemId, retention: EvidenceKeeper.json(retention),
                                                                 retainUntil: Date(timeIntervalSinceNow: -60), held: n == 0, audit: [])
            }
            let destroyed = try await VaultSweeper(store: console.store, logger: .init(label: "test")).sweep(now: Date())
            #expect(destroyed == items.count - 1)
            let after = try await console.store.vaultItems(contentId: "post-1")
            #expect(after.filter { $0.sealed != nil }.map(\.itemId) == [items[0].itemId])
            for item in after where item.sealed == nil {
                #expect(item.tombstone?.contains(item.contentDigest) == true)
                #expect(try await console.store.auditRecords(kind: "vault.destroyed", subject: item.itemId).count == 1)
            }
            // What is left still opens with the key: the envelope round-trips.
            let kept = try #require(after.first { $0.sealed != nil })
            let keeper = try #require(console.settings.evidence)
            #expect(try keeper.open(kept).count == kept.size)
        }
    }

    @Test func templatesNeverWriteUnescapedValues() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/BulwarkServer/Resources/console")
        for name in ConsolePages.templateNames {
            let text = try String(contentsOf: directory.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            #expect(!text.contains("{{{") && !text.contains("{{&"), "\(name).mustache writes a value without escaping it")
            #expect(!text.lowercased().contains("<script"), "\(name).mustache has a script")
            #expect(!text.contains("style=\""), "\(name).mustache has an inline style (the CSP refuses them)")
        }
        #expect(ConsolePages.shared.loadError == nil)
    }
}
