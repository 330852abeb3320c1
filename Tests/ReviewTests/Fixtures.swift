import Foundation
import Review

/// Realistic stored records of a case: the decision JSON in the exact shape the intake writes
/// (`IntakePipeline.responseJSON`, with the `evasion` block of `Screening.json`), vault metadata
/// and vault items. All benign, synthetic data.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let pdq = String(repeating: "a1", count: 32)
    static let md5 = "0123456789abcdef0123456789abcdef"
    static let sha256 = String(repeating: "5e", count: 32)
    static let wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"

    /// JSON string literal, escaped as the server's `JSONString.quote` does.
    static func quote(_ s: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    static func q(_ s: String?) -> String { s.map(quote) ?? "null" }

    struct Match { var bank = "known-material"; var category: String? = "A1"; var signal = "pdq"; var distance = 12; var entryId: Int64 = 42 }
    struct List { var bank: String; var type: String; var value: String }
    struct Evidence { var kind: String; var value: String; var account: String?; var weight: Double; var detail: String }
    struct Screening { var id: String; var risk: Double; var decision: String; var bannedMatch: String?; var evidence: [Evidence] }

    /// The decision JSON, field for field as `IntakePipeline.responseJSON` writes it.
    static func response(contentId: String, decisionId: String, verdict: String = "block", severity: String? = "critical",
                         media: [(index: Int, id: String?, matches: [Match])] = [], lists: [List] = [],
                         score: String = "0.8100", band: String = "solicitation", screening: Screening? = nil) -> String {
        let mediaJSON = media.map { item -> String in
            let matches = item.matches.map {
                "{\"bank\":\(quote($0.bank)),\"category\":\(q($0.category)),\"signal\":\"\($0.signal)\",\"distance\":\($0.distance),\"entryId\":\($0.entryId)}"
            }
            var fields = ["\"index\":\(item.index)"]
            if let id = item.id { fields.append("\"id\":\(quote(id))") }
            fields.append("\"pdq\":\"\(pdq)\"")
            fields.append("\"quality\":100")
            fields.append("\"md5\":\"\(md5)\"")
            fields.append("\"sha256\":\"\(sha256)\"")
            fields.append("\"matches\":[\(matches.joined(separator: ","))]")
            return "{" + fields.joined(separator: ",") + "}"
        }
        let listJSON = lists.map { "{\"bank\":\(quote($0.bank)),\"type\":\(quote($0.type)),\"value\":\(quote($0.value))}" }
        let evasion = screening.map { s in
            "{\"id\":\(quote(s.id)),\"at\":1700000000000,\"risk\":\(s.risk),\"decision\":\"\(s.decision)\",\"bannedMatch\":\(q(s.bannedMatch)),"
                + "\"bannedActor\":\"actor-9\",\"actor\":\"actor-9\",\"signup\":true,\"evidence\":["
                + s.evidence.map {
                    "{\"kind\":\(quote($0.kind)),\"value\":\(quote($0.value)),\"account\":\(q($0.account)),\"weight\":\($0.weight),\"detail\":\(quote($0.detail))}"
                }.joined(separator: ",") + "]}"
        } ?? "null"
        let rules = verdict == "allow" ? "[]"
            : "[{\"id\":\"known-material\",\"actions\":[\"block_upload\",\"suspend_actor\",\"report\"],\"severity\":\"critical\",\"queue\":\"child-safety\","
                + "\"reasons\":[\"media matched bank known-material (category A1) by pdq at distance 12\"]}]"
        return "{\"contentId\":\(quote(contentId)),\"decisionId\":\"\(decisionId)\","
            + "\"verdict\":\"\(verdict)\",\"severity\":\(q(severity)),"
            + "\"queue\":\"child-safety\",\"actions\":[{\"action\":\"block_upload\",\"target\":null,\"idempotencyKey\":\"\(decisionId):block_upload\"}],"
            + "\"rules\":\(rules),\"shadowRules\":[],"
            + "\"signals\":{\"media\":[\(mediaJSON.joined(separator: ","))],\"lists\":[\(listJSON.joined(separator: ","))],"
            + "\"solicitation\":{\"score\":\(score),\"band\":\"\(band)\"},"
            + "\"evasion\":\(evasion),\"actor\":{\"id\":\"actor-9\",\"banned\":false,\"authorBanned\":false,\"accounts\":3}},"
            + "\"policy\":\"default.yaml@3f2a\"}"
    }

    static func metadata(contentId: String, account: String, text: String, links: [String] = [], profileText: String = "",
                         platform: [String: Any] = [:], media: [(Int, String)] = []) -> String {
        let object: [String: Any] = [
            "contentId": contentId, "kind": "post", "account": account, "at": "2023-11-14T22:13:20Z", "text": text,
            "links": links, "profileText": profileText, "platform": platform,
            "media": media.map { ["index": $0.0, "id": $0.1] },
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A trader who was banned as acct-1 and came back as acct-2 and acct-3: acct-2 posts known
    /// material and a listed wallet, acct-3 advertises a listed handle and link.
    static func items() -> [DossierItem] {
        let screening = Screening(id: "acct-2", risk: 0.92, decision: "block", bannedMatch: "acct-1", evidence: [
            Evidence(kind: "wallet", value: wallet, account: "acct-1", weight: 0.6, detail: "same wallet as a banned account"),
            Evidence(kind: "avatar", value: pdq, account: "acct-1", weight: 0.45, detail: "avatar within PDQ distance 6"),
            Evidence(kind: "timing", value: "14 min", account: nil, weight: 0.1, detail: "created 14 minutes after a ban"),
        ])
        let screening3 = Screening(id: "acct-3", risk: 0.7, decision: "review", bannedMatch: nil, evidence: [
            Evidence(kind: "device", value: "d:9f", account: "acct-2", weight: 0.5, detail: "same device"),
            Evidence(kind: "wallet", value: wallet, account: "acct-2", weight: 0.6, detail: "same wallet"),
        ])
        return [
            DossierItem(
                contentId: "post-2", decisionId: "dec-2", kind: "post", accountId: "acct-2", at: t0.addingTimeInterval(600), severity: 3,
                queue: "child-safety",
                response: response(contentId: "post-2", decisionId: "dec-2", media: [(0, "m-20", [Match()]), (1, "m-21", [])],
                                   lists: [List(bank: "traders", type: "wallet", value: wallet)], screening: screening),
                metadata: metadata(contentId: "post-2", account: "acct-2", text: "new pics, pay to \(wallet)",
                                   profileText: "vip collector", platform: ["postUrl": "https://social.example/p/2", "region": "eu", "likes": 3],
                                   media: [(0, "m-20"), (1, "m-21")])),
            DossierItem(
                contentId: "post-1", decisionId: "dec-1", kind: "post", accountId: "acct-2", at: t0, severity: 3, queue: "child-safety",
                response: response(contentId: "post-1", decisionId: "dec-1", media: [(0, "m-10", [Match(signal: "md5", distance: 0, entryId: 43)])],
                                   lists: [List(bank: "traders", type: "wallet", value: wallet)], score: "0.4000", band: "suspicious",
                                   screening: screening),
                metadata: metadata(contentId: "post-1", account: "acct-2", text: "dm me", profileText: "vip",
                                   platform: ["url": "https://social.example/p/1"], media: [(0, "m-10")])),
            DossierItem(
                contentId: "post-3", decisionId: "dec-3", kind: "post", accountId: "acct-3", at: t0.addingTimeInterval(3600), severity: 2,
                queue: "child-safety",
                response: response(contentId: "post-3", decisionId: "dec-3", verdict: "review", severity: "high",
                                   lists: [List(bank: "trader-handles", type: "handle", value: "telegram:vipshop"),
                                           List(bank: "bad-urls", type: "url", value: "https://files.example/folder")],
                                   score: "0.6500", band: "suspicious", screening: screening3),
                metadata: metadata(contentId: "post-3", account: "acct-3", text: "more at t.me/vipshop and https://files.example/folder",
                                   links: ["https://t.me/vipshop", "https://files.example/folder", "https://news.example/article"],
                                   platform: ["postUrl": "https://social.example/p/3"])),
        ]
    }

    static func vault() -> [DossierVaultItem] {
        [
            DossierVaultItem(itemId: "v-20", contentId: "post-2", kind: "media", mediaIndex: 0, md5: md5, sha256: sha256, pdq: pdq,
                             contentType: "image/jpeg", size: 48_213),
            DossierVaultItem(itemId: "v-21", contentId: "post-2", kind: "media", mediaIndex: 1, md5: md5, sha256: sha256,
                             contentType: "image/png", size: 1_024, destroyed: true),
            DossierVaultItem(itemId: "v-10", contentId: "post-1", kind: "media", mediaIndex: 0, md5: md5, sha256: sha256, pdq: pdq,
                             contentType: "image/jpeg", size: 30_000),
            DossierVaultItem(itemId: "v-meta-1", contentId: "post-1", kind: "metadata", size: 400),
        ]
    }

    static func dossier() -> CaseDossier {
        CaseDossier.assemble(
            caseId: 77, actorKey: "actor-9", accounts: ["acct-1", "acct-2", "acct-3"], items: items(), vault: vault(),
            events: [DossierEvent(at: t0.addingTimeInterval(7200), actor: "rev-ana", kind: "confirm", detail: "Known material, report."),
                     DossierEvent(at: t0.addingTimeInterval(5000), actor: "rev-bo", kind: "escalate", detail: "Needs a specialist.")],
            entrySources: [42: "hash-sharing programme", 43: "internal"],
            priorCases: [PriorCase(id: 12, status: "reported", decidedAt: t0.addingTimeInterval(-86_400 * 30), reportedRemoteId: 1_234_567),
                         PriorCase(id: 9, status: "dismissed")])
    }
}
