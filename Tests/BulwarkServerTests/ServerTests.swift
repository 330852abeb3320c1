import AccountRegistry
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Matching
import NIOCore
import PDQ
import Storage
import Testing

@testable import BulwarkServer

/// A server over an in-memory store with one key per role.
struct Harness {
    let store: SQLStore
    let engine: MatchEngine
    let accounts: AccountRegistry
    let app: Application<RouterResponder<BulwarkRequestContext>>
    var admin = "", curator = "", ingest = ""

    static func make(flood: FloodPolicy = FloodPolicy()) async throws -> Harness {
        let store = try await SQLStore.sqlite(path: ":memory:")
        _ = try await store.migrate()
        let engine = MatchEngine(store: store, flood: flood)
        try await engine.load()
        let accounts = AccountRegistry(store: store)
        _ = try await accounts.load()
        let router = BulwarkServer.buildRouter(configuration: ServerConfiguration(maxMediaBytes: 4 << 20), store: store, engine: engine,
                                               accounts: accounts)
        var harness = Harness(store: store, engine: engine, accounts: accounts, app: Application(router: router))
        for role in APIKeyRole.allCases {
            let secret = APIKeys.generate()
            _ = try await store.createAPIKey(name: "test-\(role)", role: role, keyHash: APIKeys.hash(secret), prefix: APIKeys.prefix(secret))
            switch role {
            case .admin: harness.admin = secret
            case .curator: harness.curator = secret
            case .ingest: harness.ingest = secret
            }
        }
        return harness
    }

    /// Runs `body` with a fresh harness and always shuts its store down (SQLite connections must
    /// be closed before they are released).
    static func with(flood: FloodPolicy = FloodPolicy(), _ body: (Harness) async throws -> Void) async throws {
        let harness = try await make(flood: flood)
        do {
            try await body(harness)
        } catch {
            await harness.store.shutdown()
            throw error
        }
        await harness.store.shutdown()
    }

    static func headers(_ key: String?, json: Bool = false) -> HTTPFields {
        var fields = HTTPFields()
        if let key { fields[.authorization] = "Bearer \(key)" }
        if json { fields[.contentType] = "application/json" }
        return fields
    }
}

func json(_ buffer: ByteBuffer) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any]) ?? [:]
}

func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

/// A hash at exactly `distance` bits from `hash` (the lowest bits flipped).
func flipped(_ hash: PDQHash, bits distance: Int) -> PDQHash {
    var out = hash
    for bit in 0..<distance { out[bit: bit].toggle() }
    return out
}

let sample = PDQHash("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")!

@Suite("HTTP API")
struct ServerTests {
    @Test func healthAndAuthentication() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/banks", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    #expect((json(response.body)["error"] as? [String: Any])?["code"] as? String == "unauthenticated")
                }
                try await client.execute(uri: "/v1/banks", method: .get, headers: Harness.headers("bwk_notakey")) {
                    #expect($0.status == .unauthorized)
                }
                // Ingest keys match but cannot manage or read lists.
                try await client.execute(uri: "/v1/banks", method: .post, headers: Harness.headers(h.ingest, json: true), body: body(#"{"name":"X"}"#)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/banks", method: .post, headers: Harness.headers(h.curator, json: true), body: body(#"{"name":"X"}"#)) {
                    #expect($0.status == .created)
                }
                try await client.execute(uri: "/v1/banks/X/entries", method: .get, headers: Harness.headers(h.ingest)) {
                    #expect($0.status == .forbidden, "hash lists are for curators and admins")
                }
            }
        }
    }

    @Test func revokedKeysStopWorking() async throws {
        try await Harness.with { h in
            let secret = APIKeys.generate()
            let key = try await h.store.createAPIKey(name: "temp", role: .curator, keyHash: APIKeys.hash(secret), prefix: APIKeys.prefix(secret))
            _ = try await h.store.revokeAPIKey(id: key.id)
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/banks", method: .get, headers: Harness.headers(secret)) { #expect($0.status == .unauthorized) }
            }
        }
    }

    @Test func matchesWithinEachBanksThresholdExactly() async throws {
        try await Harness.with { h in
            let strict = try await h.store.createBank(NewBank(name: "STRICT", pdqThreshold: 10))
            let normal = try await h.store.createBank(NewBank(name: "NORMAL"))
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: normal.id)
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: strict.id)
            try await h.engine.poll()
            try await h.app.test(.router) { client in
                for (distance, expected) in [(0, ["NORMAL", "STRICT"]), (10, ["NORMAL", "STRICT"]), (11, ["NORMAL"]), (31, ["NORMAL"]), (32, [])] {
                    let query = #"{"pdq":"\#(flipped(sample, bits: distance).hex)"}"#
                    try await client.execute(uri: "/v1/match", method: .post, headers: Harness.headers(h.ingest, json: true), body: body(query)) { response in
                        #expect(response.status == .ok)
                        let banks = (json(response.body)["matches"] as? [[String: Any]] ?? []).compactMap { $0["bank"] as? String }.sorted()
                        #expect(banks == expected, "distance \(distance)")
                    }
                }
            }
        }
    }

    @Test func matchByFileReturnsHashesAndMatches() async throws {
        try await Harness.with { h in
            let bank = try await h.store.createBank(NewBank(name: "FILES"))
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: bank.id)
            try await h.engine.poll()
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/testdata/pdq/images/bridge-mods__blur-a-lot.jpg")
            let bytes = try Data(contentsOf: path)
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/match", method: .post, headers: Harness.headers(h.ingest), body: ByteBuffer(bytes: bytes)) { response in
                    #expect(response.status == .ok)
                    let object = json(response.body)
                    let hashes = object["hashes"] as? [String: Any]
                    #expect(hashes?["pdq"] as? String == "f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22")
                    #expect(hashes?["md5"] as? String == "552d2d428fe0ff59d3458370a9712573")
                    let matches = object["matches"] as? [[String: Any]] ?? []
                    #expect(matches.count == 1)
                    #expect(matches.first?["distance"] as? Int == 4)
                    #expect(matches.first?["quarantined"] as? Bool == false)
                }
            }
        }
    }

    @Test func negativeBanksSuppressAndDisabledEntriesStopMatching() async throws {
        try await Harness.with { h in
            let positive = try await h.store.createBank(NewBank(name: "POSITIVE"))
            let negative = try await h.store.createBank(NewBank(name: "KNOWN_FALSE_POSITIVES", isNegative: true))
            let entry = try await h.store.addEntry(NewEntry(signalType: .md5, value: String(repeating: "ab", count: 16)), toBank: positive.id).entry
            try await h.engine.poll()
            var matches = h.engine.match(MatchQuery(md5: String(repeating: "ab", count: 16)))
            #expect(matches.count == 1 && matches[0].actionable)
            _ = try await h.store.addEntry(NewEntry(signalType: .md5, value: String(repeating: "ab", count: 16)), toBank: negative.id)
            try await h.engine.poll()
            matches = h.engine.match(MatchQuery(md5: String(repeating: "ab", count: 16)))
            #expect(matches.count == 2)
            #expect(matches.allSatisfy { !$0.actionable })
            _ = try await h.store.setEntryEnabled(id: entry.id, false)
            try await h.engine.poll()
            #expect(h.engine.match(MatchQuery(md5: String(repeating: "ab", count: 16))).allSatisfy { $0.bankName != "POSITIVE" })
            _ = try await h.store.updateBank(id: negative.id, BankUpdate(enabled: false))
            try await h.engine.poll()
            #expect(h.engine.match(MatchQuery(md5: String(repeating: "ab", count: 16))).isEmpty)
        }
    }

    @Test func floodingEntryIsQuarantined() async throws {
        try await Harness.with(flood: FloodPolicy(maximumItems: 3, window: .seconds(60))) { h in
            let bank = try await h.store.createBank(NewBank(name: "FLOOD"))
            let entry = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: bank.id).entry
            try await h.engine.poll()
            for item in 0..<3 {
                #expect(h.engine.match(MatchQuery(pdq: sample, itemKey: "item-\(item)")).first?.quarantined == false)
            }
            // The same item again does not count twice.
            #expect(h.engine.match(MatchQuery(pdq: sample, itemKey: "item-0")).first?.quarantined == false)
            let fourth = h.engine.match(MatchQuery(pdq: sample, itemKey: "item-3"))
            #expect(fourth.first?.quarantined == false, "the match that trips the limit is still reported as it was")
            #expect(h.engine.match(MatchQuery(pdq: sample, itemKey: "item-4")).first?.quarantined == true)
            // The quarantine reaches storage, so other processes see it too.
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await h.store.entry(id: entry.id).quarantined)
        }
    }

    @Test func badInputGetsActionable4xx() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                let cases: [(String, HTTPRequest.Method, String?, HTTPResponse.Status)] = [
                    ("/v1/match", .post, #"{"pdq":"abc"}"#, .badRequest),
                    ("/v1/match", .post, #"{"pdq":"\#(String(repeating: "g", count: 64))"}"#, .badRequest),
                    ("/v1/match", .post, #"{"md5":"1234"}"#, .badRequest),
                    ("/v1/match", .post, #"{}"#, .badRequest),
                    ("/v1/match", .post, #"{"pdq": "#, .badRequest),
                    ("/v1/banks", .post, #"{"nam":"X"}"#, .badRequest),
                    ("/v1/banks", .post, #"{"name":"bad name!"}"#, .badRequest),
                    ("/v1/banks/NOPE", .get, nil, .notFound),
                    ("/v1/banks/NOPE/entries", .post, #"{"entries":[{"signalType":"pdq","value":"00"}]}"#, .notFound),
                    ("/v1/entries/abc", .get, nil, .badRequest),
                    ("/v1/entries/999", .get, nil, .notFound),
                ]
                for (uri, method, text, status) in cases {
                    try await client.execute(uri: uri, method: method, headers: Harness.headers(h.admin, json: true), body: text.map(body)) { response in
                        #expect(response.status == status, "\(method) \(uri) \(text ?? "")")
                        let message = (json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                        #expect(!message.isEmpty, "\(uri) gives a message")
                    }
                }
                // Not an image, and an oversized one.
                try await client.execute(uri: "/v1/hash", method: .post, headers: Harness.headers(h.ingest), body: body("not an image")) {
                    #expect($0.status == .unprocessableContent)
                }
                try await client.execute(uri: "/v1/hash", method: .post, headers: Harness.headers(h.ingest),
                                         body: ByteBuffer(repeating: 0xFF, count: (4 << 20) + 1)) {
                    #expect($0.status == .contentTooLarge)
                }
            }
        }
    }

    @Test func entriesBatchIsAllOrNothingUnlessSkipping() async throws {
        try await Harness.with { h in
            _ = try await h.store.createBank(NewBank(name: "BATCH"))
            let good = #"{"signalType":"pdq","value":"\#(sample.hex)"}"#
            let bad = #"{"signalType":"pdq","value":"1234"}"#
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/banks/BATCH/entries", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"entries":[\#(good),\#(bad)]}"#)) { #expect($0.status == .badRequest) }
                try await client.execute(uri: "/v1/banks/BATCH", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect((json(response.body)["counts"] as? [String: Any])?["pdq"] == nil, "nothing half-written")
                }
                try await client.execute(uri: "/v1/banks/BATCH/entries", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"onInvalid":"skip","entries":[\#(good),\#(bad),\#(good)]}"#)) { response in
                    #expect(response.status == .created)
                    let object = json(response.body)
                    #expect(object["inserted"] as? Int == 1)
                    #expect(object["duplicates"] as? Int == 1)
                    #expect(object["invalid"] as? Int == 1)
                }
            }
        }
    }
}

@Suite("List import and export over HTTP")
struct ImportExportTests {
    @Test func importIsIdempotentAndExportRoundTrips() async throws {
        try await Harness.with { h in
            _ = try await h.store.createBank(NewBank(name: "LIST"))
            let list = [sample.hex, flipped(sample, bits: 40).hex, "not-a-hash", String(repeating: "ab", count: 16)].joined(separator: "\n") + "\n"
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/banks/LIST/import?format=hashes", method: .post, headers: Harness.headers(h.ingest), body: body(list)) {
                    #expect($0.status == .forbidden)
                }
                try await client.execute(uri: "/v1/banks/LIST/import?format=hashes", method: .post, headers: Harness.headers(h.curator), body: body(list)) { response in
                    #expect(response.status == .ok)
                    let object = json(response.body)
                    #expect(object["inserted"] as? Int == 3)
                    #expect(object["invalid"] as? Int == 1)
                    #expect((object["errors"] as? [[String: Any]])?.first?["line"] as? Int == 3)
                }
                try await client.execute(uri: "/v1/banks/LIST/import?format=hashes", method: .post, headers: Harness.headers(h.curator), body: body(list)) { response in
                    #expect(json(response.body)["inserted"] as? Int == 0, "importing twice adds nothing")
                    #expect(json(response.body)["duplicates"] as? Int == 3)
                }
                try await client.execute(uri: "/v1/banks/LIST/export?format=jsonl", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect(response.status == .ok)
                    let lines = String(buffer: response.body).split(separator: "\n")
                    #expect(lines.count == 3)
                    #expect(lines.contains { $0.contains(sample.hex) })
                }
                try await client.execute(uri: "/v1/banks/LIST/import?format=nope", method: .post, headers: Harness.headers(h.curator), body: body(list)) {
                    #expect($0.status == .badRequest)
                }
            }
        }
    }
}

@Suite("HMA-compatible routes")
struct HMACompatibilityTests {
    @Test func bankAndLookupShapes() async throws {
        try await Harness.with { h in
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/c/banks", method: .post, headers: Harness.headers(h.curator, json: true), body: body(#"{"name":"TEST_BANK"}"#)) { response in
                    #expect(response.status == .created)
                    #expect(json(response.body)["name"] as? String == "TEST_BANK")
                    #expect(json(response.body)["matching_enabled_ratio"] as? Double == 1)
                }
                try await client.execute(uri: "/c/banks", method: .post, headers: Harness.headers(h.curator, json: true), body: body(#"{"name":"TEST_BANK"}"#)) {
                    #expect($0.status == .forbidden, "HMA answers 403 for an existing name")
                }
                var contentId = 0
                try await client.execute(uri: "/c/bank/TEST_BANK/signal", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"pdq":"\#(sample.hex)","note":"case 1"}"#)) { response in
                    #expect(response.status == .ok)
                    contentId = json(response.body)["id"] as? Int ?? 0
                    #expect(contentId > 0)
                }
                try await h.engine.poll()
                let near = flipped(sample, bits: 4).hex
                try await client.execute(uri: "/m/lookup?signal=\(near)&signal_type=pdq", method: .get, headers: Harness.headers(h.ingest)) { response in
                    let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: [[String: Any]]]
                    #expect(object?["TEST_BANK"]?.first?["bank_content_id"] as? Int == contentId)
                    #expect(object?["TEST_BANK"]?.first?["distance"] as? String == "4", "HMA's distance is a string")
                }
                try await client.execute(uri: "/m/raw_lookup?signal=\(near)&signal_type=pdq", method: .get, headers: Harness.headers(h.ingest)) { response in
                    #expect(json(response.body)["matches"] as? [Int] == [contentId])
                }
                try await client.execute(uri: "/m/lookup?signal=\(near.uppercased())&signal_type=pdq", method: .get, headers: Harness.headers(h.ingest)) { response in
                    #expect(response.status == .badRequest)
                    #expect(json(response.body)["message"] as? String != nil, "HMA's error body")
                }
                try await client.execute(uri: "/h/hash?url=http://169.254.169.254/", method: .get, headers: Harness.headers(h.ingest)) {
                    #expect($0.status == .badRequest, "never fetches a client URL")
                }
                try await client.execute(uri: "/c/bank/TEST_BANK/content/\(contentId)?include_signals=true", method: .get, headers: Harness.headers(h.curator)) { response in
                    let object = json(response.body)
                    #expect(object["disable_until_ts"] as? Int == 1)
                    #expect((object["signals"] as? [String: String])?["pdq"] == sample.hex)
                    #expect(object.keys.contains("original_media_uri"))
                }
                try await client.execute(uri: "/c/bank/TEST_BANK", method: .delete, headers: Harness.headers(h.curator)) {
                    #expect(json($0.body)["message"] as? String == "Done")
                }
                try await client.execute(uri: "/m/lookup?signal=\(near)&signal_type=pdq", method: .get) {
                    #expect($0.status == .unauthorized)
                    #expect(json($0.body)["message"] != nil)
                }
            }
        }
    }

    @Test func uploadsAreMultipartPhotos() async throws {
        try await Harness.with { h in
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared/testdata/pdq/images/misc-images__wee.jpg")
            let image = [UInt8](try Data(contentsOf: path))
            var form = Array("--XYZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
            form += image
            form += Array("\r\n--XYZ--\r\n".utf8)
            var multipartHeaders = Harness.headers(h.ingest)
            multipartHeaders[.contentType] = "multipart/form-data; boundary=XYZ"
            let headers = multipartHeaders
            let upload = form
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/h/hash", method: .post, headers: headers, body: ByteBuffer(bytes: upload)) { response in
                    #expect(response.status == .ok)
                    #expect(json(response.body)["pdq"] as? String == "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d")
                }
                try await client.execute(uri: "/h/hash", method: .post, headers: headers, body: ByteBuffer(bytes: Array(upload.prefix(100)))) {
                    #expect($0.status == .badRequest, "truncated multipart")
                }
            }
        }
    }
}
