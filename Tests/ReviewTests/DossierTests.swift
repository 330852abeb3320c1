import Foundation
import Review
import Testing

@Suite("Case dossier")
struct DossierTests {
    let dossier = Fixtures.dossier()

    @Test func postsInTimeOrderWithDecisionsAndMetadata() throws {
        #expect(dossier.posts.map(\.contentId) == ["post-1", "post-2", "post-3"])
        let post = dossier.posts[1]
        #expect(post.decisionId == "dec-2" && post.verdict == "block" && post.accountId == "acct-2")
        #expect(post.text == "new pics, pay to \(Fixtures.wallet)")
        #expect(post.profileText == "vip collector")
        #expect(post.rules == [DossierRule(id: "known-material", severity: "critical",
                                           reasons: ["media matched bank known-material (category A1) by pdq at distance 12"])])
        #expect(post.solicitation == 0.81 && post.band == "solicitation")
        // Sorted by key; a number becomes text.
        #expect(post.platform == [PlatformField(key: "likes", value: "3"), PlatformField(key: "postUrl", value: "https://social.example/p/2"),
                                  PlatformField(key: "region", value: "eu")])
        #expect(dossier.posts[2].links == ["https://t.me/vipshop", "https://files.example/folder", "https://news.example/article"])
        #expect(dossier.posts[2].verdict == "review")
        #expect(dossier.maxSolicitation == 0.81)
        #expect(dossier.firstSeen == Fixtures.t0 && dossier.lastSeen == Fixtures.t0.addingTimeInterval(3600))
    }

    @Test func mediaJoinsDecisionsVaultAndBankSources() throws {
        #expect(dossier.media.map { "\($0.contentId)#\($0.mediaIndex)" } == ["post-1#0", "post-2#0", "post-2#1"])
        let known = dossier.media[1]
        #expect(known.vaultItemId == "v-20" && known.mediaId == "m-20")
        #expect(known.md5 == Fixtures.md5 && known.sha256 == Fixtures.sha256 && known.pdq == Fixtures.pdq)
        #expect(known.contentType == "image/jpeg" && known.size == 48_213 && !known.destroyed)
        #expect(known.matches == [DossierMatch(bank: "known-material", category: "A1", signal: "pdq", distance: 12, entryId: 42,
                                               source: "hash-sharing programme")])
        #expect(dossier.media[0].matches.first?.signal == "md5" && dossier.media[0].matches.first?.source == "internal")
        #expect(dossier.media[2].destroyed && dossier.media[2].matches.isEmpty && dossier.media[2].vaultItemId == "v-21")
    }

    @Test func listHitsAreDeduplicatedWithCounts() {
        #expect(dossier.links == [
            DossierListHit(contentId: "post-1", bank: "traders", type: "wallet", value: Fixtures.wallet, count: 2),
            DossierListHit(contentId: "post-3", bank: "trader-handles", type: "handle", value: "telegram:vipshop", count: 1),
            DossierListHit(contentId: "post-3", bank: "bad-urls", type: "url", value: "https://files.example/folder", count: 1),
        ])
    }

    @Test func evasionEvidenceAndAccounts() {
        // The same screening arrived with two posts: its evidence appears once.
        #expect(dossier.evasion.count == 5)
        let wallet = dossier.evasion[0]
        #expect(wallet.accountId == "acct-2" && wallet.kind == "wallet" && wallet.linkedAccount == "acct-1")
        #expect(wallet.weight == 0.6 && wallet.risk == 0.92 && wallet.decision == "block")
        #expect(dossier.evasion.first { $0.kind == "timing" }?.linkedAccount == nil)

        #expect(dossier.accounts.map(\.id) == ["acct-1", "acct-2", "acct-3"])
        let byId = Dictionary(uniqueKeysWithValues: dossier.accounts.map { ($0.id, $0) })
        #expect(byId["acct-1"]!.bannedMatch && !byId["acct-2"]!.bannedMatch)
        #expect(byId["acct-1"]!.linkReasons == ["wallet", "avatar"])
        #expect(byId["acct-2"]!.linkReasons == ["wallet", "avatar", "timing", "device"])
        #expect(byId["acct-3"]!.linkReasons == ["device", "wallet"])
        #expect(byId["acct-2"]!.itemCount == 2 && byId["acct-2"]!.firstSeen == Fixtures.t0)
        #expect(byId["acct-1"]!.itemCount == 0 && byId["acct-1"]!.firstSeen == nil)
    }

    @Test func authorsOutsideTheActorListAreAdded() {
        let d = CaseDossier.assemble(caseId: 1, actorKey: "a", accounts: ["zed"], items: Array(Fixtures.items().prefix(1)),
                                     vault: [], events: [], entrySources: [:], priorCases: [])
        #expect(d.accounts.map(\.id) == ["acct-2", "zed"])
    }

    @Test func timelineMergesDecisionsReviewsAndPriorCases() {
        #expect(dossier.timeline.map(\.kind) == ["prior-case", "decision", "decision", "decision", "review", "review"])
        #expect(dossier.timeline.map(\.at) == dossier.timeline.map(\.at).sorted())
        #expect(dossier.timeline[1].contentId == "post-1" && dossier.timeline[1].title == "post post-1: block")
        #expect(dossier.timeline[4].title == "rev-bo: escalate")
        #expect(dossier.timeline[0].detail.contains("1234567"))
        #expect(dossier.priorCases.map(\.id) == [9, 12])
    }

    @Test func malformedJSONIsSkippedNotFatal() {
        let broken = [
            "", "not json", "{", "[1,2,3]", "null", "{\"verdict\":42,\"rules\":{\"x\":1},\"signals\":[]}",
            "{\"signals\":{\"media\":[1,\"x\",{\"index\":\"0\"},{\"index\":-1},{\"index\":1e300},{\"index\":0,\"matches\":[{\"bank\":7}]}],"
                + "\"lists\":[{\"bank\":\"b\"},null],\"solicitation\":{\"score\":\"high\"},\"evasion\":{\"evidence\":[{}]}}}",
            "{\"rules\":[{\"id\":null},{\"id\":\"r\",\"reasons\":[1,null,\"ok\"]}]," + String(repeating: "[", count: 5_000),
            String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        ]
        let items = broken.enumerated().map { n, json in
            DossierItem(contentId: "c\(n)", decisionId: "d\(n)", kind: "post", accountId: "acct-x", at: Fixtures.t0.addingTimeInterval(Double(n)),
                        severity: 1, queue: "q", response: json, metadata: json)
        }
        let d = CaseDossier.assemble(caseId: 1, actorKey: "a", accounts: [], items: items,
                                     vault: [DossierVaultItem(itemId: "v", contentId: "c0", kind: "media", mediaIndex: 0, size: 9)],
                                     events: [], entrySources: [:], priorCases: [])
        #expect(d.posts.count == broken.count)
        #expect(d.posts[0].verdict == "unknown" && d.posts[0].text == nil && d.posts[0].rules.isEmpty && d.posts[0].band == "unknown")
        #expect(d.posts[5].verdict == "unknown" && d.posts[5].rules.isEmpty)
        #expect(d.posts[6].solicitation == 0 && d.links.isEmpty && d.evasion.isEmpty)
        // The one readable media entry (index 0) is kept; the bank-less match is dropped.
        #expect(d.media.contains { $0.contentId == "c6" && $0.mediaIndex == 0 && $0.matches.isEmpty })
        #expect(!d.media.contains { $0.mediaIndex < 0 })
        // Preserved media still shows when the decision cannot be read.
        #expect(d.media.contains { $0.contentId == "c0" && $0.vaultItemId == "v" && $0.size == 9 })
        #expect(d.accounts.map(\.id) == ["acct-x"] && d.accounts[0].itemCount == broken.count)
    }

    @Test func hostileStringsAreKeptVerbatimButTruncated() throws {
        let script = "<script>alert(\"x\")</script>&amp;\u{202E}evil"
        let huge = String(repeating: "A", count: 50_000)
        let zalgo = "a" + String(repeating: "\u{0301}", count: 30_000)
        let response = Fixtures.response(contentId: "p", decisionId: "d",
                                         lists: [Fixtures.List(bank: script, type: "url", value: "https://x.example/" + huge)])
        let metadata = Fixtures.metadata(contentId: "p", account: "acct-2", text: huge, links: [script, huge],
                                         profileText: zalgo, platform: [script: script])
        let d = CaseDossier.assemble(
            caseId: 1, actorKey: "a", accounts: [],
            items: [DossierItem(contentId: "p", decisionId: "d", kind: "post", accountId: "acct-2", at: Fixtures.t0, severity: 3,
                                queue: "q", response: response, metadata: metadata)],
            vault: [], events: [DossierEvent(at: Fixtures.t0, actor: script, kind: "note", detail: huge)], entrySources: [:],
            priorCases: [])
        let post = try #require(d.posts.first)
        #expect(post.text!.unicodeScalars.count == CaseDossier.textLimit && post.text!.hasSuffix("…"))
        #expect(post.text!.hasPrefix("AAAA"))
        #expect(post.profileText!.unicodeScalars.count == CaseDossier.textLimit)
        #expect(post.links == [script, String(repeating: "A", count: CaseDossier.valueLimit - 1) + "…"])
        #expect(post.platform == [PlatformField(key: script, value: script)])
        #expect(d.links.first?.bank == script && d.links.first!.value.unicodeScalars.count == CaseDossier.valueLimit)
        let note = try #require(d.timeline.first { $0.kind == "review" })
        #expect(note.title == script + ": note" && note.detail.unicodeScalars.count == CaseDossier.textLimit)
    }

    @Test func longArraysAreCapped() {
        let links = (0..<2_000).map { "https://l\($0).example" }
        let d = CaseDossier.assemble(
            caseId: 1, actorKey: "a", accounts: [],
            items: [DossierItem(contentId: "p", decisionId: "d", kind: "post", accountId: nil, at: Fixtures.t0, severity: 0, queue: "q",
                                response: "{}", metadata: Fixtures.metadata(contentId: "p", account: "x", text: "", links: links))],
            vault: [], events: [], entrySources: [:], priorCases: [])
        #expect(d.posts[0].links.count == CaseDossier.arrayLimit)
        #expect(d.accounts.isEmpty)
    }

    @Test func emptyCase() {
        let d = CaseDossier.assemble(caseId: 5, actorKey: "a", accounts: [], items: [], vault: [], events: [], entrySources: [:],
                                     priorCases: [])
        #expect(d.posts.isEmpty && d.media.isEmpty && d.firstSeen == nil && d.lastSeen == nil && d.maxSolicitation == 0)
    }
}
