import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Storage
import Testing

@testable import BulwarkServer

@Suite("POST /v1/text/scan")
struct TextScanRouteTests {
    @Test func scansOneTextAndABatchAgainstTheBanksLists() async throws {
        try await Harness.with { h in
            let bank = try await h.store.createBank(NewBank(name: "HOTLINE_URLS"))
            _ = try await h.store.addListEntries([NewListEntry(signalType: .url, value: "https://t.me/BadSeller"),
                                                  NewListEntry(signalType: .domain, value: "bad-host.net")],
                                                 toBank: bank.id)
            try await h.app.test(.router) { client in
                let one = #"{"id":"post-1","text":"menu on t . me / badseller <script>"}"#
                try await client.execute(uri: "/v1/text/scan", method: .post, headers: Harness.headers(h.ingest, json: true), body: body(one)) { response in
                    #expect(response.status == .ok)
                    let object = json(response.body)
                    #expect(object["id"] as? String == "post-1")
                    #expect(object["handles"] as? [String] == ["telegram:badseller"])
                    let matches = object["matches"] as? [[String: Any]] ?? []
                    #expect(matches.first?["value"] as? String == "https://t.me/BadSeller")
                    #expect(matches.first?["bank"] as? String == "HOTLINE_URLS")
                }
                let batch = #"{"items":[{"id":1,"text":"files at bad-host[.]net/x"},{"id":2,"text":"hello"}]}"#
                try await client.execute(uri: "/v1/text/scan", method: .post, headers: Harness.headers(h.ingest, json: true), body: body(batch)) { response in
                    #expect(response.status == .ok)
                    let results = json(response.body)["results"] as? [[String: Any]] ?? []
                    #expect(results.map { $0["id"] as? Int } == [1, 2])
                    #expect((results.first?["matches"] as? [[String: Any]])?.count == 1)
                    #expect((results.last?["matches"] as? [[String: Any]])?.isEmpty == true)
                }
                try await client.execute(uri: "/v1/text/scan", method: .post, headers: Harness.headers(h.ingest, json: true), body: body(#"{"id":1}"#)) { response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(uri: "/v1/text/scan", method: .post, headers: Harness.headers(h.ingest, json: true), body: body("not json")) { response in
                    #expect(response.status == .badRequest)
                }
                try await client.execute(uri: "/v1/text/scan", method: .post, headers: [:], body: body(one)) { response in
                    #expect(response.status == .unauthorized)
                }
            }
        }
    }
}
