import PDQ
import Signals
import Testing
@testable import AccountGraph

let hour: Milliseconds = 3_600_000
let t0: Milliseconds = 1_767_225_600_000

/// A deterministic pseudo-random PDQ hash.
func pdq(_ seed: UInt64) -> PDQHash {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    return PDQHash(w0: next(), w1: next(), w2: next(), w3: next())
}

/// `hash` with its lowest `bits` bits flipped across the four words.
func flip(_ hash: PDQHash, bits: Int) -> PDQHash {
    var words = [hash.w0, hash.w1, hash.w2, hash.w3]
    for n in 0..<bits { words[n % 4] ^= 1 << UInt64(n / 4 * 3 + 1) }
    return PDQHash(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
}

extension AccountGraph {
    mutating func screen(_ profile: AccountProfile) -> Screening {
        guard case .screened(let screening) = apply(.account(profile)) else {
            Issue.record("not screened")
            return Screening(accountID: profile.id, at: profile.at)
        }
        return screening
    }

    mutating func ban(_ id: String, at: Milliseconds = t0) {
        #expect(apply(.ban(id: id, at: at, reason: "solicitation")) == .applied)
    }
}

@Suite("AccountGraph: screening for ban evasion")
struct ScreeningTests {
    @Test func sharedTelegramHandleWithABannedAccountBlocks() {
        var graph = AccountGraph()
        #expect(graph.screen(AccountProfile(id: "a1", at: t0, bio: "menu and prices: t.me/vipstore_x")).decision == .allow)
        graph.ban("a1", at: t0 + hour)
        // Back two hours later under a new name, the handle disguised.
        let back = graph.screen(AccountProfile(id: "a2", at: t0 + 3 * hour, handle: "new_name", bio: "dm on tg: vipstore_x"))
        #expect(back.decision == .block)
        #expect(back.bannedMatch == "a1")
        #expect(back.bannedActor == "a1")
        #expect(back.isSignup)
        #expect(back.evidence.first?.kind == "handle")
        #expect(back.evidence.first?.value == "telegram:vipstore_x")
        #expect(back.evidence.first?.account == "a1")
        #expect(back.evidence.contains { $0.kind == "timing" })
    }

    @Test func defangedLinkAndWalletAreFound() {
        var graph = AccountGraph()
        let wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
        _ = graph.screen(AccountProfile(id: "a1", at: t0, bio: "pay to \(wallet)"))
        graph.ban("a1")
        let back = graph.screen(AccountProfile(id: "a2", at: t0 + 400 * hour, bio: "new shop, same wallet \(wallet.uppercased())"))
        #expect(back.decision == .block)
        #expect(back.evidence.first?.kind == "wallet")
        // No timing evidence long after the ban.
        #expect(!back.evidence.contains { $0.kind == "timing" })
    }

    @Test func unrelatedAccountsAreAllowed() {
        var graph = AccountGraph()
        _ = graph.screen(AccountProfile(id: "a1", at: t0, bio: "menu: t.me/vipstore_x", signals: PrivateSignals(devices: ["d1"])))
        graph.ban("a1")
        let other = graph.screen(AccountProfile(id: "b1", at: t0 + hour, bio: "my channel t.me/hiking_photos",
                                                signals: PrivateSignals(devices: ["d2"])))
        #expect(other.decision == .allow)
        #expect(other.risk == 0)
        #expect(other.bannedMatch == nil)
        #expect(other.evidence.isEmpty)
    }

    @Test func carrierNATAndDefaultAvatarDoNotLinkStrangers() {
        var graph = AccountGraph()
        let defaultAvatar = pdq(1)
        let nat = "100.64.12.0/24"
        for n in 0..<200 {
            _ = graph.screen(AccountProfile(id: "u\(n)", at: t0 + Milliseconds(n), avatarPDQ: defaultAvatar,
                                            signals: PrivateSignals(devices: ["dev-\(n)"], ips: [nat])))
        }
        _ = graph.screen(AccountProfile(id: "trader", at: t0 + 1_000, avatarPDQ: defaultAvatar,
                                        signals: PrivateSignals(ips: [nat])))
        graph.ban("trader", at: t0 + 2_000)
        let ordinary = graph.screen(AccountProfile(id: "u-new", at: t0 + 3_000, avatarPDQ: defaultAvatar,
                                                   signals: PrivateSignals(devices: ["dev-new"], ips: [nat])))
        #expect(ordinary.decision == .allow)
        #expect(ordinary.risk < 0.1)
        // 200 people with the default avatar on one carrier range are 201 actors, not one.
        #expect(graph.actorCount == 202)
    }

    @Test func weakEvidenceAloneNeedsCorroboration() {
        var graph = AccountGraph()
        _ = graph.screen(AccountProfile(id: "a1", at: t0, handle: "sara_vip21", signals: PrivateSignals(ips: ["198.51.100.0/24"])))
        graph.ban("a1")
        let ipOnly = graph.screen(AccountProfile(id: "b1", at: t0 + 500 * hour, signals: PrivateSignals(ips: ["198.51.100.0/24"])),
                                  extraEvidence: [])   // a dry run: b1 is not recorded
        #expect(ipOnly.decision == .allow)
        #expect(ipOnly.risk <= 0.45)
        let both = graph.screen(AccountProfile(id: "b2", at: t0 + 500 * hour, handle: "vip.sara_22",
                                               signals: PrivateSignals(ips: ["198.51.100.0/24"])))
        #expect(both.decision == .review)
        #expect(Set(both.evidence.map(\.kind)) == ["ip", "handle-pattern"])
    }

    @Test func alteredAvatarOfABannedAccountIsReviewedWithCorroboration() {
        var graph = AccountGraph()
        let base = pdq(42)
        _ = graph.screen(AccountProfile(id: "a1", at: t0, avatarPDQ: base, signals: PrivateSignals(ips: ["203.0.113.0/24"])))
        graph.ban("a1")
        let altered = flip(base, bits: 12)
        #expect(altered.distance(to: base) == 12)
        // A picture alone is not enough: popular pictures are everyone's.
        let alone = graph.screen(AccountProfile(id: "a2", at: t0 + 500 * hour, avatarPDQ: altered))
        #expect(alone.decision == .allow)
        #expect(alone.evidence.first?.kind == "avatar")
        #expect(alone.evidence.first?.detail.contains("distance 12") == true)
        // With the same network beside it, it is.
        let back = graph.screen(AccountProfile(id: "a3", at: t0 + 500 * hour, avatarPDQ: altered, signals: PrivateSignals(ips: ["203.0.113.0/24"])))
        #expect(back.decision == .review)
        #expect(back.bannedMatch == "a1")
        let far = graph.screen(AccountProfile(id: "a4", at: t0 + 500 * hour, avatarPDQ: flip(base, bits: 60), signals: PrivateSignals(ips: ["203.0.113.0/24"])))
        #expect(far.decision == .allow)
    }

    @Test func profileEditIsScreenedWithEverythingTheAccountEverCarried() {
        var graph = AccountGraph()
        _ = graph.screen(AccountProfile(id: "a1", at: t0, bio: "t.me/vipstore_x", signals: PrivateSignals(devices: ["dev-9"])))
        graph.ban("a1")
        // A clean signup on a new device...
        let signup = graph.screen(AccountProfile(id: "a2", at: t0 + 2 * hour, bio: "hello"))
        #expect(signup.decision == .allow)
        #expect(signup.isSignup)
        // ...then the handle appears in the first edit.
        let edit = graph.screen(AccountProfile(id: "a2", at: t0 + 3 * hour, bio: "✈️ vipstore_x"))
        #expect(!edit.isSignup)
        #expect(edit.decision == .block)
        #expect(edit.bannedMatch == "a1")
        // The edit omits the bio; what the account carried still counts (and is not re-shown).
        let later = graph.screen(AccountProfile(id: "a2", at: t0 + 4 * hour, displayName: "new name"))
        #expect(later.decision == .block)
        #expect(later.evidence.first?.value == "(an earlier version of this profile)")
    }

    @Test func evidenceThroughTheActorNamesItsBannedAccount() {
        var graph = AccountGraph()
        // c and d share a wallet: one actor. d is banned, so the actor is.
        let wallet = "0x52908400098527886E0F7030069857D2E4169EE7"
        _ = graph.screen(AccountProfile(id: "c", at: t0, bio: "tips: \(wallet)", signals: PrivateSignals(devices: ["dev-c"])))
        _ = graph.screen(AccountProfile(id: "d", at: t0 + 1, bio: "send to \(wallet)"))
        #expect(graph.actorID(of: "c") == graph.actorID(of: "d"))
        graph.ban("d", at: t0 + hour)
        // e shares only c's device; c is not banned but its actor is.
        let e = graph.screen(AccountProfile(id: "e", at: t0 + 2 * hour, signals: PrivateSignals(devices: ["dev-c"])))
        #expect(e.decision == .review)
        #expect(e.bannedMatch == "d")
        #expect(e.evidence.first?.account == "c")
        // Banned accounts themselves come back blocked.
        #expect(graph.screen(AccountProfile(id: "d", at: t0 + 3 * hour)).decision == .block)
    }

    @Test func commonPrivateValuesAreNormalised() {
        var graph = AccountGraph()
        _ = graph.screen(AccountProfile(id: "a1", at: t0, signals: PrivateSignals(email: " Sam+shop@Example.org", phone: "+1 (555) 010-0000")))
        graph.ban("a1")
        let back = graph.screen(AccountProfile(id: "a2", at: t0 + 1_000 * hour, signals: PrivateSignals(email: "sam@example.org")))
        #expect(back.decision == .block)
        #expect(back.evidence.first?.value == "sam@example.org")
        let phone = graph.screen(AccountProfile(id: "a3", at: t0 + 1_000 * hour, signals: PrivateSignals(phone: "15550100000")))
        #expect(phone.decision == .review)
        let digest = String(repeating: "AB", count: 32)
        _ = graph.screen(AccountProfile(id: "h1", at: t0, signals: PrivateSignals(email: digest)))
        graph.ban("h1")
        #expect(graph.screen(AccountProfile(id: "h2", at: t0 + 1_000 * hour, signals: PrivateSignals(email: digest.lowercased()))).decision == .block)
    }

    @Test func listedTargetInOwnBioIsEvidence() {
        var lists = SignalLists()
        lists.setBank(ListBank(id: 1, name: "hotline"))
        #expect(lists.add(ListItem(id: 1, bankId: 1, type: .handle, value: "telegram:listed_shop")) == nil)
        var graph = AccountGraph(scanner: TextScanner(lists: lists))
        let screening = graph.screen(AccountProfile(id: "x", at: t0, bio: "t.me/listed_shop"))
        #expect(screening.decision == .block)
        #expect(screening.bannedMatch == nil)
        #expect(screening.evidence.first?.kind == "list")
        #expect(screening.evidence.first?.detail.contains("hotline") == true)
    }
}

@Suite("AccountGraph: actors, appeals and commonness")
struct ActorTests {
    @Test func kioskDeviceLinksAreCutWhenItBecomesCommon() {
        var graph = AccountGraph()
        let allowance = graph.configuration.policy(.device).allowance
        // A library: one device, one network. Its first two users look like one person...
        let library = PrivateSignals(devices: ["kiosk"], ips: ["library-net"])
        _ = graph.screen(AccountProfile(id: "k0", at: t0, signals: library))
        _ = graph.screen(AccountProfile(id: "k1", at: t0 + 1, signals: library))
        #expect(graph.actorID(of: "k0") == graph.actorID(of: "k1"))
        #expect(graph.linkCount == 1)
        // ...until the place is seen to be common.
        for n in 2..<(2 * allowance + 3) {
            _ = graph.screen(AccountProfile(id: "k\(n)", at: t0 + Milliseconds(n), signals: library))
        }
        #expect(graph.linkCount == 0)
        #expect(graph.actorID(of: "k0") != graph.actorID(of: "k1"))
        #expect(graph.actorCount == graph.accountCount)
    }

    @Test func linksHeldByAnotherValueSurviveCommonness() {
        var graph = AccountGraph()
        let allowance = graph.configuration.policy(.device).allowance
        _ = graph.screen(AccountProfile(id: "p0", at: t0, bio: "t.me/pair_shop", signals: PrivateSignals(devices: ["kiosk"])))
        _ = graph.screen(AccountProfile(id: "p1", at: t0 + 1, bio: "t.me/pair_shop", signals: PrivateSignals(devices: ["kiosk"])))
        for n in 0..<(2 * allowance + 3) {
            _ = graph.screen(AccountProfile(id: "k\(n)", at: t0 + 10 + Milliseconds(n), signals: PrivateSignals(devices: ["kiosk"])))
        }
        #expect(graph.actorID(of: "p0") == graph.actorID(of: "p1"))
        let actor = try! #require(graph.actor(of: "p1"))
        #expect(actor.accounts.map(\.id) == ["p0", "p1"])
        #expect(actor.links.count == 1)
        #expect(actor.links[0].link.reasons.map(\.kind).contains(.handle))
        #expect(actor.sharedSignals.first?.value == "telegram:pair_shop")
    }

    @Test func detachSplitsAWrongLinkAndKeepsItSplit() {
        var graph = AccountGraph()
        let home = PrivateSignals(devices: ["shared-phone"], ips: ["home-net"])
        _ = graph.screen(AccountProfile(id: "t1", at: t0, signals: home))
        _ = graph.screen(AccountProfile(id: "t2", at: t0 + 1, bio: "t.me/vipstore_y"))
        _ = graph.screen(AccountProfile(id: "t3", at: t0 + 2, bio: "t.me/vipstore_y", signals: home))
        #expect(graph.actor(of: "t1")?.accounts.count == 3)
        graph.ban("t2")
        // t1 appeals: the shared phone was a relative's.
        #expect(graph.apply(.detach(id: "t1", at: t0 + 10)) == .applied)
        #expect(graph.actorID(of: "t1") == "t1")
        #expect(graph.actor(of: "t2")?.accounts.map(\.id) == ["t2", "t3"])
        #expect(graph.actor(of: "t2")?.banned == true)
        #expect(graph.actor(of: "t1")?.banned == false)
        // t1's next edit is not held for t3's device, and it is never re-linked to t3.
        let edit = graph.screen(AccountProfile(id: "t1", at: t0 + 20, signals: home))
        #expect(edit.decision == .allow)
        #expect(graph.actorID(of: "t1") == "t1")
    }

    @Test func unlinkCutsOneLinkAndUnbanLiftsTheActor() {
        var graph = AccountGraph()
        _ = graph.screen(AccountProfile(id: "a", at: t0, signals: PrivateSignals(payments: ["card-1"])))
        _ = graph.screen(AccountProfile(id: "b", at: t0 + 1, signals: PrivateSignals(payments: ["card-1"])))
        #expect(graph.actorID(of: "a") == graph.actorID(of: "b"))
        #expect(graph.apply(.unlink(id: "b", other: "a", at: t0 + 2)) == .applied)
        #expect(graph.actorID(of: "a") != graph.actorID(of: "b"))
        graph.ban("a")
        #expect(graph.isBanned("a"))
        #expect(graph.apply(.unban(id: "a", at: t0 + 3)) == .applied)
        #expect(!graph.isBanned("a"))
        let c = graph.screen(AccountProfile(id: "c", at: t0 + 4, signals: PrivateSignals(payments: ["card-1"])))
        #expect(c.decision == .allow)
        #expect(graph.apply(.ban(id: "nobody", at: t0, reason: nil)) == .unknownAccount("nobody"))
    }

    @Test func sameEventsSameAnswers() {
        func run() -> [String] {
            var graph = AccountGraph()
            var out: [String] = []
            for n in 0..<300 {
                let profile = AccountProfile(id: "x\(n)", at: t0 + Milliseconds(n) * hour, handle: "shop_\(n % 7)_vip",
                                             bio: n % 5 == 0 ? "menu at t.me/store\(n % 3)" : "hello there number \(n)",
                                             avatarPDQ: flip(pdq(UInt64(n % 11)), bits: n % 9),
                                             signals: PrivateSignals(devices: ["d\(n % 13)"], ips: ["ip\(n % 17)"]))
                if case .screened(let s) = graph.apply(.account(profile)) { out.append(s.json()) }
                if n % 10 == 3 { graph.apply(.ban(id: "x\(n)", at: profile.at + 1, reason: nil)) }
            }
            return out
        }
        let first = run()
        #expect(first == run())
        #expect(first.contains { !$0.contains("\"decision\":\"allow\"") })
    }
}

@Suite("AccountGraph: output")
struct OutputTests {
    @Test func jsonEscapesHostileText() {
        let screening = Screening(accountID: "id\"<script>", at: 5, risk: 0.8765, decision: .review, bannedMatch: "b\u{2028}",
                                  evidence: [Evidence(kind: "handle", value: "</script>\"\n", account: nil, weight: 0.5, detail: "d")])
        let json = screening.json(atJSON: "\"2026-01-01T00:00:00Z\"")
        #expect(json.hasPrefix("{\"id\":\"id\\\"<script>\",\"at\":\"2026-01-01T00:00:00Z\",\"risk\":0.877,\"decision\":\"review\""))
        #expect(json.contains("\\u2028"))
        #expect(json.contains("\"value\":\"<\\/script>\\\"\\n\"") || json.contains("\"value\":\"</script>\\\"\\n\""))
        #expect(!json.contains("\n"))
        #expect(Screening.number(1) == "1")
        #expect(Screening.number(0.05) == "0.05")
    }

    @Test func handlePatternsIgnoreOrderDigitsAndSeparators() {
        #expect(HandlePattern.of("vip_sara21") == "sara|vip")
        #expect(HandlePattern.of("Sara.VIP_23") == "sara|vip")
        #expect(HandlePattern.of("ab12") == nil)
        #expect(HandlePattern.of("anna") == "anna")
    }

    @Test func bioSketchFindsNearDuplicates() {
        let a = Set(BioSketch.bands(of: "Exclusive VIP packages and the full menu, prices in DM, weekly updates"))
        let b = Set(BioSketch.bands(of: "exclusive vip packages & the full menu!! prices in dm — weekly updates ✨"))
        let c = Set(BioSketch.bands(of: "Marathon runner, coffee lover, father of two, based in Lisbon"))
        #expect(a.count == 8)
        #expect(a.intersection(b).count >= 6)
        #expect(a.intersection(c).count <= 1)
        #expect(BioSketch.bands(of: "hi ✨").isEmpty)
    }
}
