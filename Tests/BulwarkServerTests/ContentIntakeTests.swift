import AuditChain
import Delivery
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Matching
import MediaHashing
import NIOCore
import Policy
import Storage
import Synchronization
import Testing

@testable import BulwarkServer

private struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
    var actions: [[String: Any]] { object["actions"] as? [[String: Any]] ?? [] }
    var actionNames: [String] { actions.compactMap { $0["action"] as? String } }
}

private func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String?,
                  _ text: String? = nil) async throws -> Reply {
    let response = try await client.executeRequest(uri: uri, method: method, headers: Harness.headers(key, json: text != nil),
                                                   body: text.map { ByteBuffer(string: $0) })
    return Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
}

/// The platform's side of the webhooks: records every request, answers 200.
private final class RecordingTransport: WebhookTransport {
    let requests = Mutex<[WebhookRequest]>([])
    func send(_ request: WebhookRequest) async throws -> Int {
        requests.withLock { $0.append(request) }
        return 200
    }
}

private let secret = Array("intake-test-secret-0123456789abcdef-0123".utf8)

/// Delivers everything due through a recording transport and returns the webhooks, checking each
/// signature the way a platform would.
private func deliver(_ store: any BulwarkStore) async throws -> [(key: String, payload: [String: Any])] {
    let transport = RecordingTransport()
    let worker = OutboxWorker(queue: StoreActionQueue(store: store), transport: transport,
                              configuration: DeliveryConfiguration(url: "http://platform.test/hook", signer: try WebhookSigner(secret: secret)))
    while true {
        let round = await worker.deliverDue()
        if round.claimed == 0 { break }
    }
    let now = Int64(Date().timeIntervalSince1970)
    return try transport.requests.withLock { requests in
        try requests.map { request in
            let signature = try #require(request.header(named: "Bulwark-Signature"))
            #expect(WebhookSigner.verify(signatureHeader: signature, body: request.body, secret: secret, now: now) == .valid)
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            let key = try #require(request.header(named: "Bulwark-Idempotency-Key"))
            #expect(payload["idempotencyKey"] as? String == key)
            return (key, payload)
        }
    }
}

private func listed(_ client: some TestClientProtocol, _ h: Harness) async throws {
    #expect(try await send(client, .post, "/v1/banks", key: h.curator, #"{"name":"sellers"}"#).status == .created)
    #expect(try await send(client, .post, "/v1/banks/sellers/entries", key: h.curator,
                           #"{"entries":[{"signalType":"handle","value":"telegram:vipstore_x"}]}"#).status == .created)
}

/// A structured grey image (good PDQ quality), as PNG bytes.
private let picture = makePNG(width: 96, height: 96) { x, y in UInt8(truncatingIfNeeded: (x * 7) ^ (y * 13) + (x * y) / 5) }

@Suite("Content intake")
struct ContentIntakeTests {
    @Test func aPostWithAListedHandleIsRemovedAndItsWebhooksAreSignedAndDeliveredOnce() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                try await listed(client, h)
                let body = #"{"contentId":"p1","kind":"post","account":"u1","text":"menu and prices, VIP: t.me/vipstore_x","platform":{"url":"https://x.example/p1"}}"#
                let first = try await send(client, .post, "/v1/content", key: h.ingest, body)
                #expect(first.status == .ok)
                #expect(first.object["verdict"] as? String == "remove")
                #expect(Set(first.actionNames) == ["remove", "hold_for_review"])
                #expect(first.headers[ContentRoutes.replayedHeader] == nil)
                let lists = (first.object["signals"] as? [String: Any])?["lists"] as? [[String: Any]] ?? []
                #expect(lists.first?["bank"] as? String == "sellers")

                // A retry gets the same answer, marked, and no new actions.
                let again = try await send(client, .post, "/v1/content", key: h.ingest, body)
                #expect(again.status == .ok)
                #expect(again.text == first.text)
                #expect(again.headers[ContentRoutes.replayedHeader] == "true")
                // The same id for different content is refused.
                let other = try await send(client, .post, "/v1/content", key: h.ingest, body.replacingOccurrences(of: "VIP", with: "vip"))
                #expect(other.status == .conflict)
                #expect(try await send(client, .get, "/v1/content/p1", key: h.ingest).text == first.text)
                // Ids with any characters are read back percent-encoded.
                #expect(try await send(client, .post, "/v1/content", key: h.ingest, #"{"contentId":"a b/é%","kind":"post","account":"u1"}"#).status == .ok)
                #expect(try await send(client, .get, "/v1/content/a%20b%2F%C3%A9%25", key: h.ingest).status == .ok)

                let delivered = try await deliver(h.store)
                #expect(delivered.count == 2)
                #expect(Set(delivered.map(\.key)) == Set(first.actions.compactMap { $0["idempotencyKey"] as? String }))
                for (_, payload) in delivered {
                    #expect(payload["contentId"] as? String == "p1")
                    #expect(payload["account"] as? String == "u1")
                    #expect((payload["platform"] as? [String: Any])?["url"] as? String == "https://x.example/p1")
                    #expect(payload["retroactive"] as? Bool == false)
                }
                #expect(try await deliver(h.store).isEmpty, "delivered actions are not sent again")
                let outbox = try await send(client, .get, "/v1/outbox", key: h.curator)
                #expect(outbox.object["delivered"] as? Int == 2)
                #expect(outbox.object["pending"] as? Int == 0)
            }
        }
    }

    @Test func knownMediaIsBlockedAndOnlyItsHashesAreKept() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let hashes = try MediaHasher.hash(picture)
                #expect(try await send(client, .post, "/v1/banks", key: h.curator, #"{"name":"known","category":"A1"}"#).status == .created)
                #expect(try await send(client, .post, "/v1/banks/known/entries", key: h.curator,
                                       #"{"entries":[{"signalType":"pdq","value":"\#(hashes.pdq.hex)"}]}"#).status == .created)
                _ = try await h.engine.poll()
                let base64 = Data(picture).base64EncodedString()
                let reply = try await send(client, .post, "/v1/content", key: h.ingest,
                                           #"{"contentId":"m1","kind":"message","account":"u2","media":[{"id":"img","bytes":"\#(base64)"}]}"#)
                #expect(reply.status == .ok)
                #expect(reply.object["verdict"] as? String == "block")
                #expect(Set(reply.actionNames) == ["block_upload", "report", "hold_for_review"])
                #expect(reply.object["severity"] as? String == "critical")
                let media = ((reply.object["signals"] as? [String: Any])?["media"] as? [[String: Any]])?.first
                #expect(media?["sha256"] as? String == hashes.sha256)
                #expect((media?["matches"] as? [[String: Any]])?.first?["bank"] as? String == "known")
                let kept = try await h.store.recentMedia(sha256: hashes.sha256, since: .distantPast)
                #expect(kept.count == 1)
                #expect(kept.first?.media.pdq == hashes.pdq.bytes)
                let delivered = try await deliver(h.store)
                #expect(Set(delivered.compactMap { $0.payload["action"] as? String }) == ["block_upload", "report", "hold_for_review"])

                let broken = try await send(client, .post, "/v1/content", key: h.ingest,
                                            #"{"contentId":"m2","kind":"post","account":"u2","media":[{"bytes":"\#(Data([0xFF, 0xD8, 0xFF, 0x00, 1, 2]).base64EncodedString())"}]}"#)
                #expect(broken.status == .unprocessableContent)
                #expect(broken.text.contains("media[0]"))
            }
        }
    }

    @Test func aBannedTraderSigningUpAgainIsSuspendedAcrossTheActor() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let first = try await send(client, .post, "/v1/content", key: h.ingest,
                                           #"{"contentId":"s1","kind":"signup","account":"t1","at":"2026-01-01T10:00:00Z","profile":{"handle":"vip_shop","bio":"menu: t.me/vipstore_x","signals":{"email":"seller@example.org","devices":["dev-1"]}}}"#)
                #expect(first.status == .ok)
                #expect(first.object["verdict"] as? String == "allow")
                #expect(try await send(client, .post, "/v1/accounts/events", key: h.ingest,
                                       #"{"event":"ban","id":"t1","at":"2026-01-01T11:00:00Z","reason":"solicitation"}"#).status == .ok)
                _ = try await deliver(h.store)

                let back = try await send(client, .post, "/v1/content", key: h.ingest,
                                          #"{"contentId":"s2","kind":"signup","account":"t2","at":"2026-01-01T13:00:00Z","profile":{"handle":"vip_shop2","bio":"new menu: t.me/vipstore_x","signals":{"email":"seller@example.org","devices":["dev-1"]}}}"#)
                #expect(back.status == .ok)
                let evasion = (back.object["signals"] as? [String: Any])?["evasion"] as? [String: Any]
                #expect(evasion?["decision"] as? String == "block")
                #expect(back.actionNames.contains("suspend_account"))
                let delivered = try await deliver(h.store)
                let suspended = Set(delivered.filter { $0.payload["action"] as? String == "suspend_account" }
                    .compactMap { ($0.payload["target"] as? [String: Any])?["account"] as? String })
                #expect(suspended.contains("t2"))
                // Every account of the actor, as the actor view lists them.
                let actor = try await send(client, .get, "/v1/actors/t2", key: h.curator)
                let members = Set((actor.object["accounts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
                #expect(!members.isEmpty && suspended == members)
                #expect(suspended == Set((back.actions.filter { $0["action"] as? String == "suspend_account" }).compactMap { $0["target"] as? String }))
            }
        }
    }

    @Test func aProfileEditThatAddsAListedHandleGoesToReview() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                try await listed(client, h)
                #expect(try await send(client, .post, "/v1/content", key: h.ingest,
                                       #"{"contentId":"e0","kind":"signup","account":"u3","profile":{"handle":"gardener","bio":"tomatoes"}}"#)
                    .object["verdict"] as? String == "allow")
                let edit = try await send(client, .post, "/v1/content", key: h.ingest,
                                          #"{"contentId":"e1","kind":"profile","account":"u3","profile":{"handle":"gardener","bio":"contact: t.me/vipstore_x"}}"#)
                #expect(edit.status == .ok)
                #expect(edit.actionNames.contains("hold_for_review"))
                let delivered = try await deliver(h.store)
                #expect(delivered.contains { $0.payload["contentId"] as? String == "e1" && $0.payload["kind"] as? String == "profile" })
                // The content's time is the account event's time, whatever form it was written in.
                #expect(try await send(client, .post, "/v1/content", key: h.ingest,
                                       #"{"contentId":"e2","kind":"signup","account":"early","at":86400,"profile":{"handle":"h"}}"#).status == .ok)
                #expect(try await send(client, .get, "/v1/accounts/early", key: h.curator).object["createdAt"] as? String == "1970-01-02T00:00:00Z")
            }
        }
    }

    @Test func contentPostedBeforeItsHashWasKnownIsFoundLater() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let base64 = Data(picture).base64EncodedString()
                let post = try await send(client, .post, "/v1/content", key: h.ingest,
                                          #"{"contentId":"r1","kind":"post","account":"u4","media":[{"bytes":"\#(base64)"}]}"#)
                #expect(post.object["verdict"] as? String == "allow")
                let policy = PolicyHolder(try PolicyHolder.load(path: nil))
                let matcher = RetroactiveMatcher(store: h.store, accounts: h.accounts, policy: policy, window: .seconds(86_400),
                                                 logger: .init(label: "test"), onActions: {})
                try await matcher.load()
                #expect(try await matcher.poll() == 0)

                // Found by PDQ within the bank's threshold, not only by exact digest.
                let near = flipped(try MediaHasher.hash(picture).pdq, bits: 9)
                #expect(try await send(client, .post, "/v1/banks", key: h.curator, #"{"name":"later"}"#).status == .created)
                #expect(try await send(client, .post, "/v1/banks/later/entries", key: h.curator,
                                       #"{"entries":[{"signalType":"pdq","value":"\#(near.hex)"}]}"#).status == .created)
                #expect(try await matcher.poll() == 1)
                #expect(try await matcher.poll() == 0, "the cursor moved on")
                // A second process following the same feed from the start does not act twice.
                try await h.store.saveCursor(named: RetroactiveMatcher.cursorName, sequence: 0)
                let other = RetroactiveMatcher(store: h.store, accounts: h.accounts, policy: policy, window: .seconds(86_400),
                                               logger: .init(label: "test"), onActions: {})
                #expect(try await other.poll() == 0)

                let delivered = try await deliver(h.store)
                #expect(Set(delivered.compactMap { $0.payload["action"] as? String }) == ["remove", "report", "hold_for_review"])
                #expect(delivered.allSatisfy { $0.payload["retroactive"] as? Bool == true && $0.payload["contentId"] as? String == "r1" })
            }
        }
    }

    @Test func everyDecisionAndDeliveryIsInAnIntactAuditChain() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                try await listed(client, h)
                for i in 0..<5 {
                    _ = try await send(client, .post, "/v1/content", key: h.ingest,
                                       #"{"contentId":"a\#(i)","kind":"post","account":"u\#(i)","text":"VIP menu t.me/vipstore_x"}"#)
                }
                _ = try await deliver(h.store)
                let records = try await h.store.auditRecords(after: 0, limit: 1_000)
                let kinds = records.map(\.kind)
                #expect(kinds.filter { $0 == "decision" }.count == 5)
                #expect(kinds.filter { $0 == "action.delivered" }.count == 10)
                #expect(kinds.contains("bank.change"), "the bank created through the API is audited")
                var verifier = AuditChain.Verifier()
                for record in records { #expect(verifier.check(record) == nil) }
                let head = try await h.store.auditHead()
                #expect(verifier.finish(head: (head.sequence, head.hash)) == nil)
            }
        }
    }

    @Test func hostileRequestsGetClearErrors() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let cases: [(String, String)] = [
                    (#"{"contentId":"x","kind":"post","account":"u","txet":"typo"}"#, "Unknown field"),
                    (#"{"contentId":"x","kind":"tweet","account":"u"}"#, "kind"),
                    (#"{"kind":"post","account":"u"}"#, "contentId"),
                    (#"{"contentId":"x","kind":"signup","account":"u"}"#, "profile"),
                    (#"{"contentId":"x","kind":"post","account":"u","media":[{"bytes":"***"}]}"#, "base64"),
                    (#"{"contentId":"x","kind":"post","account":"u","media":[{"pdq":"zz"}]}"#, "pdq"),
                    (#"{"contentId":"x\u0000","kind":"post","account":"u"}"#, "control character"),
                    (#"[1,2,3]"#, "JSON object"),
                    (#"{"contentId":"x","kind":"post","account":"u","profile":{"bio":"b"}}"#, "profile"),
                    (#"{"contentId":"x","kind":"signup","account":"u","profile":{"bio":"b","email":"a@b.c"}}"#, "profile.signals"),
                    (#"{"contentId":"x","kind":"post","account":"u","at":-5}"#, "1970"),
                ]
                for (body, phrase) in cases {
                    let reply = try await send(client, .post, "/v1/content", key: h.ingest, body)
                    #expect(reply.status == .badRequest, "\(body)")
                    #expect(reply.text.contains(phrase), "\(body) → \(reply.text)")
                }
                #expect(try await send(client, .post, "/v1/content", key: nil, #"{}"#).status == .unauthorized)
                // Nothing was recorded for any of them.
                #expect(try await h.store.auditRecords(after: 0, limit: 100).allSatisfy { $0.kind != "decision" })
            }
        }
    }

    @Test func theCanaryIsCaughtAndGoesRedWhenItsBankStopsMatching() async throws {
        try await Harness.with { h in
            let parts = IntakeParts(policy: PolicyHolder(try PolicyHolder.load(path: nil)), writer: IntakeWriter(store: h.store), onActions: {})
            let lists = Matching.ListFollower(store: h.store)
            let pipeline = parts.pipeline(configuration: ServerConfiguration(maxMediaBytes: 4 << 20), store: h.store, engine: h.engine,
                                          lists: lists, accounts: h.accounts, followsLists: false)
            let canary = Canary(pipeline: pipeline, store: h.store, logger: .init(label: "test"))
            try await canary.ensureBank()
            try await canary.ensureBank()  // idempotent
            _ = try await h.engine.poll()
            #expect(await canary.check())
            #expect(try await h.store.auditRecords(after: 0, limit: 100).allSatisfy { $0.kind != "decision" }, "the canary records nothing")
            let bank = try await h.store.bank(named: Canary.bankName)
            _ = try await h.store.updateBank(id: bank.id, BankUpdate(enabled: false))
            _ = try await h.engine.poll()
            #expect(await canary.check() == false)
        }
    }

    @Test func anInvalidPolicyFileIsRefusedAndTheOldOneStays() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("policy.yaml").path
        try Policy.defaultYAML.write(toFile: path, atomically: true, encoding: .utf8)
        let holder = PolicyHolder(try PolicyHolder.load(path: path))
        #expect(holder.current.policy.version == 1)
        try Policy.defaultYAML.replacingOccurrences(of: "version: 1", with: "version: 2").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try holder.reload().current.policy.version == 2)
        try "policy: broken\nversion: 3\nrules:\n  - id: x\n    when: {kind: post}\n    then: {actions: [explode], severity: low}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PolicyLoadError.self) { try holder.reload() }
        #expect(holder.current.policy.version == 2)
        do {
            _ = try holder.reload()
        } catch {
            #expect(error.description.contains("policy.yaml:6:"), "the error points at the line: \(error.description)")
        }
    }
}
