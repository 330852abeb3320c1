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

@Suite("List entries over HTTP")
struct ListEntryRouteTests {
    @Test func addListAndManageListEntries() async throws {
        try await Harness.with { h in
            _ = try await h.store.createBank(NewBank(name: "URLS"))
            let rows = """
                {"entries":[
                  {"signalType":"url","value":"http://listed.example/a#b","source":"iwf","externalId":"iwf-1","note":"n"},
                  {"signalType":"pdq","value":"\(sample.hex)"},
                  {"signalType":"DOMAIN","value":" listed.example "},
                  {"signalType":"url-md5","value":"\(String(repeating: "AB", count: 16))"},
                  {"signalType":"url","value":"http://listed.example/a#b"}
                ]}
                """
            try await h.app.test(.router) { client in
                let urlId: Int64 = try await client.execute(uri: "/v1/banks/URLS/entries", method: .post, headers: Harness.headers(h.curator, json: true), body: body(rows)) { response in
                    #expect(response.status == .created)
                    let object = json(response.body)
                    #expect(object["inserted"] as? Int == 4)
                    #expect(object["duplicates"] as? Int == 1)
                    let results = object["results"] as? [[String: Any]] ?? []
                    #expect(results.map { $0["kind"] as? String } == ["list", "hash", "list", "list", "list"])
                    #expect(results.map { $0["status"] as? String } == ["inserted", "inserted", "inserted", "inserted", "duplicate"])
                    #expect(results.map { $0["index"] as? Int } == [0, 1, 2, 3, 4])
                    let id = results.first?["id"] as? Int ?? 0
                    #expect(results[4]["id"] as? Int == id)
                    return Int64(id)
                }
                // Counts show both kinds; the hash routes show only hashes.
                try await client.execute(uri: "/v1/banks/URLS", method: .get, headers: Harness.headers(h.ingest)) { response in
                    let counts = json(response.body)["counts"] as? [String: Int] ?? [:]
                    #expect(counts == ["pdq": 1, "url": 1, "domain": 1, "url-md5": 1])
                }
                try await client.execute(uri: "/v1/banks", method: .get, headers: Harness.headers(h.ingest)) { response in
                    let banks = json(response.body)["banks"] as? [[String: Any]] ?? []
                    #expect((banks.first?["counts"] as? [String: Int])?["url"] == 1)
                }
                try await client.execute(uri: "/v1/banks/URLS/entries", method: .get, headers: Harness.headers(h.curator)) { response in
                    let entries = json(response.body)["entries"] as? [[String: Any]] ?? []
                    #expect(entries.map { $0["signalType"] as? String } == ["pdq"])
                }

                // Listing: curators only, paged by id.
                try await client.execute(uri: "/v1/banks/URLS/list-entries", method: .get, headers: Harness.headers(h.ingest)) {
                    #expect($0.status == .forbidden, "URL lists are for curators and admins")
                }
                let next: Int? = try await client.execute(uri: "/v1/banks/URLS/list-entries?limit=2", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect(response.status == .ok)
                    let object = json(response.body)
                    let entries = object["entries"] as? [[String: Any]] ?? []
                    #expect(entries.map { $0["signalType"] as? String } == ["url", "domain"])
                    #expect(entries.map { $0["value"] as? String } == ["http://listed.example/a#b", "listed.example"])
                    #expect(entries.first?["source"] as? String == "iwf")
                    #expect(entries.first?["addedBy"] as? String == "test-curator")
                    return object["next"] as? Int
                }
                try await client.execute(uri: "/v1/banks/URLS/list-entries?limit=2&after=\(next ?? 0)", method: .get, headers: Harness.headers(h.curator)) { response in
                    let object = json(response.body)
                    let entries = object["entries"] as? [[String: Any]] ?? []
                    #expect(entries.map { $0["value"] as? String } == [String(repeating: "ab", count: 16)])
                    #expect(object["next"] == nil)
                }

                // One entry: read, disable, delete.
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect(response.status == .ok)
                    #expect(json(response.body)["enabled"] as? Bool == true)
                }
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .patch, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"enabled":false}"#)) { response in
                    #expect(response.status == .ok)
                    #expect(json(response.body)["enabled"] as? Bool == false)
                }
                #expect(try await h.store.listEntry(id: urlId).enabled == false)
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .patch, headers: Harness.headers(h.ingest, json: true),
                                         body: body(#"{"enabled":true}"#)) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .delete, headers: Harness.headers(h.curator)) {
                    #expect($0.status == .noContent)
                }
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect(response.status == .notFound)
                    #expect(((json(response.body)["error"] as? [String: Any])?["message"] as? String)?.contains("no list entry") == true)
                }
                try await client.execute(uri: "/v1/list-entries/\(urlId)", method: .delete, headers: Harness.headers(h.curator)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/v1/list-entries/abc", method: .get, headers: Harness.headers(h.curator)) {
                    #expect($0.status == .badRequest)
                }
                try await client.execute(uri: "/v1/banks/NOPE/list-entries", method: .get, headers: Harness.headers(h.curator)) {
                    #expect($0.status == .notFound)
                }
            }
        }
    }

    @Test func invalidListRowsRejectTheWholeRequestUnlessSkipping() async throws {
        try await Harness.with { h in
            let bank = try await h.store.createBank(NewBank(name: "STRICT"))
            let good = #"{"signalType":"pdq","value":"\#(sample.hex)"}"#
            let bad = #"{"signalType":"handle","value":"no-colon-secret"}"#
            let url = #"{"signalType":"url","value":"http://listed.example/"}"#
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/banks/STRICT/entries", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"entries":[\#(good),\#(url),\#(bad)]}"#)) { response in
                    #expect(response.status == .badRequest)
                    let message = (json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                    #expect(message.contains("row 2"), "rows are named by their position in the request")
                    #expect(message.contains("platform:name"))
                    #expect(!message.contains("no-colon-secret"), "list values are not echoed")
                }
                #expect(try await h.store.entryCounts(bankId: bank.id).isEmpty, "the valid hash was not written either")
                #expect(try await h.store.listEntryCounts(bankId: bank.id).isEmpty)

                try await client.execute(uri: "/v1/banks/STRICT/entries", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"onInvalid":"skip","entries":[\#(good),\#(url),\#(bad)]}"#)) { response in
                    #expect(response.status == .created)
                    let object = json(response.body)
                    #expect(object["inserted"] as? Int == 2)
                    #expect(object["invalid"] as? Int == 1)
                    let results = object["results"] as? [[String: Any]] ?? []
                    #expect(results[2]["status"] as? String == "invalid")
                    #expect(results[2]["kind"] as? String == "list")
                    #expect((results[2]["message"] as? String)?.contains("no ':'") == true)
                }
                try await client.execute(uri: "/v1/banks/STRICT/entries", method: .post, headers: Harness.headers(h.curator, json: true),
                                         body: body(#"{"entries":[{"signalType":"email","value":"x"}]}"#)) { response in
                    #expect(response.status == .badRequest)
                    let message = (json(response.body)["error"] as? [String: Any])?["message"] as? String ?? ""
                    #expect(message.contains("url, domain, handle"))
                }
            }
        }
    }

    /// The match engine follows the hash feed, whose sequence numbers now skip those used by
    /// list entries: hashes added after list entries still arrive.
    @Test func matchEngineFollowsHashesAcrossListSequenceGaps() async throws {
        try await Harness.with { h in
            let bank = try await h.store.createBank(NewBank(name: "MIXED"))
            _ = try await h.store.addListEntries((0..<50).map { NewListEntry(signalType: .url, value: "http://listed-\($0).example/") },
                                                 toBank: bank.id)
            let other = flipped(sample, bits: 100)
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: sample.hex), toBank: bank.id)
            _ = try await h.store.addListEntries([NewListEntry(signalType: .keyword, value: "late")], toBank: bank.id)
            _ = try await h.store.addEntry(NewEntry(signalType: .pdq, value: other.hex), toBank: bank.id)
            try await h.engine.poll(limit: 1)
            #expect(h.engine.match(MatchQuery(pdq: sample)).count == 1)
            #expect(h.engine.match(MatchQuery(pdq: other)).count == 1)
            #expect(h.engine.status.sequence == (try await h.store.currentSequence()))
            // A list entry deleted after the last hash: nothing for the engine, and no harm.
            _ = try await h.store.deleteListEntry(id: try #require(try await h.store.listEntries(inBank: bank.id, after: 0, limit: 1).first).id)
            #expect(try await h.engine.poll() == 0)
            // Deleting the bank reaches the engine as before.
            _ = try await h.store.deleteBank(id: bank.id)
            try await h.engine.poll()
            #expect(h.engine.match(MatchQuery(pdq: sample)).isEmpty)
        }
    }

    @Test func importAndExportTheListsFormat() async throws {
        try await Harness.with { h in
            _ = try await h.store.createBank(NewBank(name: "HOTLINE"))
            let list = "# hotline\nurl http://listed.example/a#b  # first seen 2024\ndomain listed.example\npdq \(sample.hex)\nhandle nope\n"
            try await h.app.test(.router) { client in
                try await client.execute(uri: "/v1/banks/HOTLINE/import?format=lists", method: .post, headers: Harness.headers(h.curator), body: body(list)) { response in
                    #expect(response.status == .ok)
                    let object = json(response.body)
                    #expect(object["inserted"] as? Int == 3)
                    #expect(object["invalid"] as? Int == 1)
                    #expect((object["errors"] as? [[String: Any]])?.first?["line"] as? Int == 5)
                }
                try await client.execute(uri: "/v1/banks/HOTLINE/export?format=lists", method: .get, headers: Harness.headers(h.curator)) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "pdq \(sample.hex)\nurl http://listed.example/a#b\ndomain listed.example\n")
                }
            }
        }
    }
}
