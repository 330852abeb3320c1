import AccountGraph
import AccountRegistry
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PDQ
import SyntheticMedia
import Storage
import Testing

@testable import BulwarkServer

/// One answer, kept as text (what a client receives) and read as JSON on demand.
private struct Reply {
    var status: HTTPResponse.Status
    var contentType: String
    var text: String

    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String { (object["error"] as? [String: Any])?["message"] as? String ?? "" }
    var evidence: [[String: Any]] { object["evidence"] as? [[String: Any]] ?? [] }
}

private func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, key: String?,
                  _ text: String? = nil) async throws -> Reply {
    let response = try await client.executeRequest(uri: uri, method: method, headers: Harness.headers(key, json: text != nil),
                                                   body: text.map { ByteBuffer(string: $0) })
    return Reply(status: response.status, contentType: response.headers[.contentType] ?? "", text: String(buffer: response.body))
}

/// A JSON object as text, for bodies with values that are awkward to write as literals.
private func jsonText(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
}

/// A greyscale PNG (stored, uncompressed deflate) with enough structure for a PDQ of good quality.
func makePNG(width: Int, height: Int, pixel: (Int, Int) -> UInt8) -> [UInt8] {
    PNGWriter.encode(width: width, height: height, channels: 1) { [pixel($0, $1)] }
}

@Suite("Account API: /v1/accounts, /v1/actors")
struct AccountRouteTests {
    @Test func aBannedTraderWhoReturnsWithTheSameTelegramHandleIsBlocked() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let first = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                           #"{"id":"t1","at":"2026-01-01T10:00:00Z","handle":"vip_shop","bio":"menu and prices: t.me/vipstore_x"}"#)
                #expect(first.status == .ok)
                #expect(first.contentType == "application/json")
                #expect(first.object["id"] as? String == "t1")
                #expect(first.object["at"] as? String == "2026-01-01T10:00:00Z", "at is echoed as it was written")
                #expect(first.object["decision"] as? String == "allow")
                #expect(first.object["signup"] as? Bool == true)

                let ban = try await send(client, .post, "/v1/accounts/events", key: h.ingest,
                                         #"{"event":"ban","id":"t1","at":"2026-01-01T11:00:00Z","reason":"solicitation"}"#)
                #expect(ban.status == .ok)
                #expect(ban.text == #"{"applied":true}"#)

                let account = try await send(client, .get, "/v1/accounts/t1", key: h.curator)
                #expect(account.status == .ok)
                #expect(account.object["createdAt"] as? String == "2026-01-01T10:00:00Z")
                #expect(account.object["bannedAt"] as? String == "2026-01-01T11:00:00Z")
                #expect(account.object["banReason"] as? String == "solicitation")
                #expect(account.object["actor"] as? String == "t1")
                #expect((account.object["signalCount"] as? Int ?? 0) > 0)

                // Back two hours later under a new name, the handle written as prose.
                let back = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                          #"{"id":"t2","at":1767268800,"handle":"new_name","bio":"dm on tg: vipstore_x"}"#)
                #expect(back.status == .ok)
                #expect(back.object["decision"] as? String == "block")
                #expect(back.object["bannedMatch"] as? String == "t1")
                #expect(back.object["bannedActor"] as? String == "t1")
                #expect(back.object["at"] as? Int == 1_767_268_800)
                #expect(back.evidence.first?["kind"] as? String == "handle")
                #expect(back.evidence.first?["value"] as? String == "telegram:vipstore_x")
                #expect(back.evidence.first?["account"] as? String == "t1")
            }
            let statistics = await h.accounts.statistics
            #expect(statistics.accounts == 2)
            #expect(statistics.banned == 1)
            #expect(try await h.store.accountEvents(after: 0, limit: 10).map(\.kind) == [.account, .ban, .account])
        }
    }

    @Test func aDryRunRecordsNothing() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let dry = try await send(client, .post, "/v1/accounts/screen?dryRun=true", key: h.ingest,
                                         #"{"id":"d1","bio":"t.me/some_shop"}"#)
                #expect(dry.status == .ok)
                #expect(dry.object["decision"] as? String == "allow")
                // Without "at" the event happened now (milliseconds since 1970).
                let at = (dry.object["at"] as? NSNumber)?.int64Value ?? 0
                #expect(abs(at - Int64(Date().timeIntervalSince1970 * 1_000)) < 60_000)

                let missing = try await send(client, .get, "/v1/accounts/d1", key: h.curator)
                #expect(missing.status == .notFound)
                #expect(missing.errorCode == "not_found")
                #expect(try await send(client, .get, "/v1/actors/d1", key: h.curator).status == .notFound)

                let typo = try await send(client, .post, "/v1/accounts/screen?dryRun=yes-please", key: h.ingest, #"{"id":"d1"}"#)
                #expect(typo.status == .badRequest, "an unreadable dryRun must not record the event")
                #expect(typo.errorMessage.contains("dryRun"))

                let recorded = try await send(client, .post, "/v1/accounts/screen?dryRun=false", key: h.ingest, #"{"id":"d1"}"#)
                #expect(recorded.status == .ok)
                #expect(try await send(client, .get, "/v1/accounts/d1", key: h.curator).status == .ok)
            }
            #expect(try await h.store.accountEvents(after: 0, limit: 10).count == 1)
        }
    }

    @Test func anAvatarInAMediaBankIsEvidenceAndBlocks() async throws {
        try await Harness.with { h in
            let bank = try await h.store.createBank(NewBank(name: "AVATARS"))
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: bank.id)
            try await h.engine.poll()
            let near = flipped(sample, bits: 3)
            try await h.app.test(.router) { client in
                let reply = try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"m1","avatarPdq":"\#(near.hex)"}"#)
                #expect(reply.status == .ok)
                #expect(reply.object["decision"] as? String == "block")
                let avatar = reply.evidence.first { $0["kind"] as? String == "avatar-bank" }
                #expect(avatar?["value"] as? String == near.hex)
                #expect(avatar?["weight"] as? Double == 0.95)
                #expect(avatar?["detail"] as? String == "avatar matches bank AVATARS at PDQ distance 3")
                #expect(avatar?.keys.contains("account") == true && avatar?["account"] is NSNull)

                let far = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                         #"{"id":"m2","avatarPdq":"\#(flipped(sample, bits: 40).hex)"}"#)
                #expect(far.object["decision"] as? String == "allow")
                #expect(!far.evidence.contains { $0["kind"] as? String == "avatar-bank" })
            }
            // A negative bank (known false positives) holding the hash suppresses the match.
            let negative = try await h.store.createBank(NewBank(name: "KNOWN_OK", isNegative: true))
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: negative.id)
            try await h.engine.poll()
            try await h.app.test(.router) { client in
                let reply = try await send(client, .post, "/v1/accounts/screen?dryRun=true", key: h.ingest,
                                           #"{"id":"m3","avatarPdq":"\#(near.hex)"}"#)
                #expect(reply.status == .ok)
                #expect(!reply.evidence.contains { $0["kind"] as? String == "avatar-bank" })
            }
        }
    }

    @Test func anAvatarImageIsHashedAsAnUploadIs() async throws {
        let image = makePNG(width: 96, height: 96) { x, y in
            ((x / 12 + y / 12) % 2 == 0 ? 40 : 200) &+ UInt8(truncatingIfNeeded: x + y / 2)
        }
        let base64 = Data(image).base64EncodedString()
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let hashed = try await client.executeRequest(uri: "/v1/hash", method: .post, headers: Harness.headers(h.ingest),
                                                             body: ByteBuffer(bytes: image))
                #expect(hashed.status == .ok)
                let pdq = try #require(json(hashed.body)["pdq"] as? String)
                #expect((json(hashed.body)["quality"] as? Int ?? 0) > 0)

                let clean = try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"i1","avatarImage":"\#(base64)"}"#)
                #expect(clean.status == .ok)
                #expect(clean.object["decision"] as? String == "allow")

                let bank = try await h.store.createBank(NewBank(name: "BANNED_AVATARS"))
                _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: pdq), toBank: bank.id)
                try await h.engine.poll()
                let reply = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                           #"{"id":"i2","at":"2026-02-01T00:00:00.250Z","avatarImage":"\#(base64)"}"#)
                #expect(reply.status == .ok)
                #expect(reply.object["at"] as? String == "2026-02-01T00:00:00.250Z")
                #expect(reply.object["decision"] as? String == "block")
                let avatar = reply.evidence.first { $0["kind"] as? String == "avatar-bank" }
                #expect(avatar?["value"] as? String == pdq, "the same hash as POST /v1/hash")
                #expect(avatar?["detail"] as? String == "avatar matches bank BANNED_AVATARS at PDQ distance 0")
                // The image's hash is the profile's avatar: the graph links the two accounts' avatars.
                let account = try await send(client, .get, "/v1/accounts/i2", key: h.curator)
                #expect(account.object["createdAt"] as? String == "2026-02-01T00:00:00.250Z")

                // Not an image, not base64, not a string, too large.
                let notImage = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                              #"{"id":"i3","avatarImage":"\#(Data("not an image".utf8).base64EncodedString())"}"#)
                #expect(notImage.status == .badRequest)
                #expect(notImage.errorMessage.contains("avatarImage"))
                let notBase64 = try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"i3","avatarImage":"<b>!"}"#)
                #expect(notBase64.status == .badRequest)
                #expect(notBase64.errorMessage.contains("base64") && !notBase64.errorMessage.contains("<b>"))
                let number = try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"i3","avatarImage":42}"#)
                #expect(number.status == .badRequest)
                #expect(number.errorMessage.contains("avatarImage"))
                let huge = Data(count: (4 << 20) + 1).base64EncodedString()
                let tooLarge = try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"i3","avatarImage":"\#(huge)"}"#)
                #expect(tooLarge.status == .contentTooLarge)
                #expect(tooLarge.errorCode == "payload_too_large")
                #expect(tooLarge.errorMessage.contains("avatarImage"))
            }
            #expect(await h.accounts.summary(of: "i3") == nil, "nothing recorded for a rejected image")
        }
    }

    @Test func invalidBodiesAre400sThatNameTheField() async throws {
        try await Harness.with { h in
            let pdq = sample.hex
            let cases: [(uri: String, body: String, field: String)] = [
                ("/v1/accounts/screen", #"{"id":"x","avatarPdq":"abc<script>"}"#, "avatarPdq"),
                ("/v1/accounts/screen", #"{"id":"x","avatarPdq":"\#(pdq)","avatarImage":"AAAA"}"#, "avatarImage"),
                ("/v1/accounts/screen", #"{"id":"x","avatarPdq":"\#(pdq)","avatarImage":"AAAA"}"#, "avatarPdq"),
                ("/v1/accounts/screen", #"{"event":"ban","id":"x"}"#, "event"),
                ("/v1/accounts/screen", #"{"event":"promote","id":"x"}"#, "event"),
                ("/v1/accounts/screen", #"{"id":"#, "JSON"),
                ("/v1/accounts/screen", #"["id","x"]"#, "object"),
                ("/v1/accounts/screen", #"{"bio":"no id"}"#, "\"id\""),
                ("/v1/accounts/screen", #"{"id":"x","at":"yesterday"}"#, "\"at\""),
                ("/v1/accounts/screen", #"{"id":"x","signals":{"devices":[1]}}"#, "signals.devices"),
                ("/v1/accounts/screen", #"{"id":"x","bio":7}"#, "bio"),
                ("/v1/accounts/events", #"{"id":"x"}"#, "event"),
                ("/v1/accounts/events", #"{"event":"unlink","id":"x"}"#, "other"),
                ("/v1/accounts/events", "not json", "JSON"),
            ]
            try await h.app.test(.router) { client in
                for test in cases {
                    let reply = try await send(client, .post, test.uri, key: h.ingest, test.body)
                    #expect(reply.status == .badRequest, "\(test.uri) \(test.body)")
                    #expect(reply.errorCode == "bad_request", "\(test.body)")
                    #expect(reply.errorMessage.contains(test.field), "\(test.body): \(reply.errorMessage)")
                    #expect(!reply.errorMessage.contains("<script>"), "never echoes input")
                }
            }
            #expect(try await h.store.accountEvents(after: 0, limit: 10).isEmpty)
        }
    }

    @Test func bansAndAppealsForUnknownAccountsAre404s() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let ban = try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"ban","id":"ghost<i>","reason":"x"}"#)
                #expect(ban.status == .notFound)
                #expect(ban.errorCode == "not_found")
                #expect(ban.errorMessage.contains("never been screened"))
                #expect(!ban.errorMessage.contains("ghost"), "the id is not echoed")

                #expect(try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"account","id":"known"}"#).status == .ok)
                let unlink = try await send(client, .post, "/v1/accounts/events", key: h.ingest,
                                            #"{"event":"unlink","id":"known","other":"ghost"}"#)
                #expect(unlink.status == .notFound)
                #expect(unlink.errorMessage.contains("\"other\""), "names which of the two accounts is unknown")
                for kind in ["unban", "detach"] {
                    #expect(try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"\#(kind)","id":"ghost"}"#).status == .notFound)
                    #expect(try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"\#(kind)","id":"known"}"#).status == .ok)
                }
            }
            // Only the account and the two appeals that named it were logged.
            #expect(try await h.store.accountEvents(after: 0, limit: 10).map(\.kind) == [.account, .unban, .detach])
        }
    }

    @Test func accountRoutesNeedAKeyAndReadsNeedACurator() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                for (method, uri, body) in [(HTTPRequest.Method.post, "/v1/accounts/screen", #"{"id":"a"}"#),
                                            (.post, "/v1/accounts/events", #"{"event":"ban","id":"a"}"#),
                                            (.get, "/v1/accounts/a", nil), (.get, "/v1/actors/a", nil)] {
                    let reply = try await send(client, method, uri, key: nil, body)
                    #expect(reply.status == .unauthorized, "\(uri)")
                    #expect(reply.errorCode == "unauthenticated")
                    #expect(try await send(client, method, uri, key: "bwk_notakey", body).status == .unauthorized)
                }
                #expect(try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"a"}"#).status == .ok)
                for uri in ["/v1/actors/a", "/v1/accounts/a"] {
                    let reply = try await send(client, .get, uri, key: h.ingest)
                    #expect(reply.status == .forbidden, "\(uri): the graph is for curators")
                    #expect(reply.errorCode == "forbidden")
                    #expect(try await send(client, .get, uri, key: h.curator).status == .ok)
                    #expect(try await send(client, .get, uri, key: h.admin).status == .ok)
                }
                // Roles nest: a curator may screen too.
                #expect(try await send(client, .post, "/v1/accounts/screen", key: h.curator, #"{"id":"b"}"#).status == .ok)
            }
            #expect(await h.accounts.statistics.accounts == 2)
        }
    }

    @Test func theActorViewShowsAccountsLinksSharedSignalsAndATimelineWithoutPayloads() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let p1 = #"{"id":"p1","at":"2026-03-01T08:00:00Z","bio":"orders: t.me/pair_shop","signals":{"devices":["device-of-p1-only"]}}"#
                let p2 = #"{"id":"p2","at":"2026-03-02T08:00:00Z","bio":"new account, same place t.me/pair_shop","signals":{"email":"private.person@example.org"}}"#
                #expect(try await send(client, .post, "/v1/accounts/screen", key: h.ingest, p1).status == .ok)
                let second = try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"account",\#(p2.dropFirst())"#)
                #expect(second.status == .ok)
                #expect(second.object["actor"] as? String == "p1", "the second account joins the first one's actor")

                let reply = try await send(client, .get, "/v1/actors/p2", key: h.curator)
                #expect(reply.status == .ok)
                #expect(reply.contentType == "application/json")
                let actor = reply.object
                #expect(Set(actor.keys) == ["id", "banned", "accounts", "links", "sharedSignals", "timeline"])
                #expect(actor["id"] as? String == "p1")
                #expect(actor["banned"] as? Bool == false)
                let accounts = actor["accounts"] as? [[String: Any]] ?? []
                #expect(accounts.compactMap { $0["id"] as? String } == ["p1", "p2"])
                #expect(accounts.allSatisfy { Set($0.keys) == ["id", "createdAt", "updatedAt", "bannedAt", "banReason", "signalCount"] })
                #expect(accounts.first?["createdAt"] as? String == "2026-03-01T08:00:00Z")
                #expect(accounts.first?["bannedAt"] is NSNull)

                let links = actor["links"] as? [[String: Any]] ?? []
                #expect(links.count == 1)
                #expect(links.first?["a"] as? String == "p1")
                #expect(links.first?["b"] as? String == "p2")
                #expect(links.first?["at"] as? String == "2026-03-02T08:00:00Z")
                #expect((links.first?["score"] as? Double ?? 0) >= 0.6)
                let reasons = links.first?["reasons"] as? [[String: Any]] ?? []
                #expect(reasons.contains { $0["kind"] as? String == "handle" && $0["value"] as? String == "telegram:pair_shop"
                    && ($0["weight"] as? Double ?? 0) > 0 })

                let shared = actor["sharedSignals"] as? [[String: Any]] ?? []
                let handle = shared.first { $0["value"] as? String == "telegram:pair_shop" }
                #expect(handle?["kind"] as? String == "handle")
                #expect(handle?["accounts"] as? [String] == ["p1", "p2"])

                let timeline = actor["timeline"] as? [[String: Any]] ?? []
                #expect(timeline.map { $0["account"] as? String } == ["p1", "p2"])
                #expect(timeline.map { $0["kind"] as? String } == ["account", "account"])
                #expect(timeline.allSatisfy { Set($0.keys) == ["sequence", "account", "kind", "at"] })
                let sequences = timeline.compactMap { $0["sequence"] as? Int }
                #expect(sequences.count == 2 && sequences[0] < sequences[1])
                #expect(timeline.last?["at"] as? String == "2026-03-02T08:00:00Z")
                // Private signals that are not shared between the accounts never leave the server.
                #expect(!reply.text.contains("device-of-p1-only"))
                #expect(!reply.text.contains("private.person"))

                let limited = try await send(client, .get, "/v1/actors/p1?limit=1", key: h.curator).object
                #expect((limited["accounts"] as? [Any])?.count == 1)
                #expect((limited["timeline"] as? [Any])?.count == 1)
                #expect((limited["links"] as? [Any])?.count == 1)

                #expect(try await send(client, .get, "/v1/accounts/p2", key: h.curator).object["actor"] as? String == "p1")
                #expect(try await send(client, .post, "/v1/accounts/events", key: h.ingest, #"{"event":"ban","id":"p2"}"#).status == .ok)
                #expect(try await send(client, .get, "/v1/actors/p1", key: h.curator).object["banned"] as? Bool == true)
                let banned = try await send(client, .get, "/v1/accounts/p2", key: h.curator).object
                #expect(banned["bannedAt"] is String)
                #expect(banned["banReason"] is NSNull, "a ban without a reason")
                #expect(try await send(client, .get, "/v1/actors/nobody", key: h.curator).status == .notFound)
            }
        }
    }

    @Test func hostileStringsComeBackJSONEscaped() async throws {
        try await Harness.with { h in
            let id = "evil</script>\u{2028}\u{2029}\"quoted\"\\"
            let bio = "</script><script>alert(1)</script>\u{2028} orders at t.me/evil_shop"
            try await h.app.test(.router) { client in
                let reply = try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                           try jsonText(["id": id, "bio": bio, "displayName": "\u{2028}</script>"]))
                #expect(reply.status == .ok)
                #expect(reply.contentType == "application/json")
                #expect(reply.object["id"] as? String == id, "the id round-trips")
                #expect(reply.text.contains(#"\u2028"#) && reply.text.contains(#"\u2029"#))
                #expect(!reply.text.contains("\u{2028}") && !reply.text.contains("\u{2029}"), "line separators never appear raw")
                #expect(!reply.text.contains("alert(1)"), "the bio itself is never echoed")

                let path = try #require(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                for uri in ["/v1/accounts/\(path)", "/v1/actors/\(path)"] {
                    let read = try await send(client, .get, uri, key: h.curator)
                    #expect(read.status == .ok, "\(uri)")
                    #expect(read.object["id"] as? String == id)
                    #expect(!read.text.contains("\u{2028}"))
                }
                let unknown = try await send(client, .get, "/v1/accounts/\(path)x", key: h.curator)
                #expect(unknown.status == .notFound)
                #expect(!unknown.errorMessage.contains("</script>"))
                let badEscape = try await send(client, .get, "/v1/accounts/%zz", key: h.curator)
                #expect(badEscape.status == .badRequest)

                // An account named like a route is read with its id percent-encoded.
                #expect(try await send(client, .post, "/v1/accounts/screen", key: h.ingest, #"{"id":"screen"}"#).status == .ok)
                #expect(try await send(client, .get, "/v1/accounts/%73creen", key: h.curator).object["id"] as? String == "screen")
            }
        }
    }

    @Test func concurrentScreensAreEachAnsweredAndRecordedOnce() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
                    for n in 0..<16 {
                        group.addTask {
                            try await send(client, .post, "/v1/accounts/screen", key: h.ingest,
                                           #"{"id":"c\#(n)","at":\#(1_767_225_600 + n),"bio":"t.me/crowd_shop"}"#)
                        }
                    }
                    var out: [Reply] = []
                    for try await reply in group { out.append(reply) }
                    return out
                }
                #expect(replies.allSatisfy { $0.status == .ok && $0.object["decision"] is String })
                #expect(Set(replies.compactMap { $0.object["id"] as? String }).count == 16)
            }
            let statistics = await h.accounts.statistics
            #expect(statistics.accounts == 16)
            #expect(statistics.actors == 1, "one handle, one actor")
            #expect(try await h.store.accountEvents(after: 0, limit: 100).count == 16)
        }
    }

    @Test func timesAreISO8601InUTC() {
        #expect(AccountRoutes.time(Milliseconds(0)) == "1970-01-01T00:00:00Z")
        #expect(AccountRoutes.time(Milliseconds(1_767_225_600_000)) == "2026-01-01T00:00:00Z")
        #expect(AccountRoutes.time(Milliseconds(951_825_600_123)) == "2000-02-29T12:00:00.123Z")
        #expect(AccountRoutes.time(Milliseconds(-1)) == "1969-12-31T23:59:59.999Z")
        #expect(AccountRoutes.time(Milliseconds(253_402_300_800_000)) == "+10000-01-01T00:00:00Z")
    }
}
