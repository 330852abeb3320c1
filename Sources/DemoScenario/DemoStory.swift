import Foundation

/// The story itself. Every name, handle and address is fictional (`example` domains, `example_`
/// handles, a published test-vector wallet), every picture is generated, and the trader is
/// described with commerce words and placeholder tokens only: the demo must be safe to run in
/// front of anyone and to ship in the repository.
struct DemoStory {
    /// The trader's off-platform contact, listed in `demo-trader-contacts`.
    static let telegramName = "example_vip_menu"
    /// BIP-173's P2WPKH example address: valid checksum (the engine rejects addresses whose
    /// checksum fails), and published as documentation, so it belongs to no one we could point at.
    static let wallet = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    /// The trader's shop site, listed as a domain.
    static let domain = "vip-menu.example.net"

    /// Whole seconds since 1970 of `start`; every time in the script is before it.
    let start: Int64
    var steps: [(caption: String, kind: Kind, expectedVerdict: String?, fields: [(String, DemoJSON)])] = []

    enum Kind: String { case signup, post, ban }

    init(start: Date) {
        self.start = Int64(start.timeIntervalSince1970.rounded(.down))
    }

    func script() -> DemoScript {
        var story = self
        story.tell()
        return DemoScript(hashBanks: Self.hashBanks, listBanks: Self.listBanks, lexicon: Self.lexicon, steps: story.built())
    }

    static var hashBanks: [DemoHashBank] {
        [DemoHashBank(name: "demo-known-images", category: "demo", images: DemoImages.bankSeeds.map(DemoImages.banked))]
    }

    static var listBanks: [DemoListBank] {
        [DemoListBank(name: "demo-trader-contacts", entries: [
            DemoListEntry(type: "handle", value: "telegram:\(telegramName)"),
            DemoListEntry(type: "wallet", value: wallet),
            DemoListEntry(type: "domain", value: domain),
        ])]
    }

    /// Sensitive categories as placeholder tokens only, the way the repository's fixtures do it:
    /// an operator loads the licensed terms; the demo shows where they would go and what they do.
    static let lexicon = """
        # Demo lexicon: placeholder tokens stand for licensed sensitive terms. Nothing else.
        term content 0.5 SYNTH_TERM_1
        term content 0.5 SYNTH_TERM_2
        term age 0.4 SYNTH_TERM_3

        """

    // MARK: - The people

    struct Person {
        var account: String
        var displayName: String
        var bio: String
        var email: String
        var device: String
        var avatarSeed: Int?
    }

    /// Ordinary users: what most of any platform is, and what must never be acted on.
    static let ordinary: [(person: Person, post: String, pictureSeed: Int?)] = [
        (Person(account: "juniper_rows", displayName: "Juniper Example", bio: "Allotment gardener. Beans, tomatoes, far too many courgettes.",
                email: "juniper@example.org", device: "demo-device-1001", avatarSeed: 11),
         "Rain all morning, sun by three. The beans finally look happy.", 21),
        (Person(account: "tobin_cooks", displayName: "Tobin Example", bio: "Home cook. Weekday soups and the odd pie.",
                email: "tobin@example.org", device: "demo-device-1002", avatarSeed: nil),
         "Tonight: lentil soup with cumin and lemon. Recipe at https://recipes.example.org/lentil-soup", nil),
        (Person(account: "mara_and_biscuit", displayName: "Mara Example", bio: "Biscuit the cat runs this account; I just type.",
                email: "mara@example.org", device: "demo-device-1003", avatarSeed: 13),
         "Biscuit found the sunny spot on the sofa again and will not be moved.", 23),
        (Person(account: "ostin_fc", displayName: "Ostin Example", bio: "Season ticket, row K. Home and away.",
                email: "ostin@example.net", device: "demo-device-1004", avatarSeed: nil),
         "What a match! 2-1 in the last minute and the whole stand was singing.", nil),
        (Person(account: "wren_trails", displayName: "Wren Example", bio: "Weekend hiker, weekday map reader.",
                email: "wren@example.org", device: "demo-device-1005", avatarSeed: 15),
         "Twelve kilometres along the ridge today, clouds below us the whole way.", 25),
        (Person(account: "pell_reads", displayName: "Pell Example", bio: "Book club host. Mysteries, mostly.",
                email: "pell@example.com", device: "demo-device-1006", avatarSeed: nil),
         "Book club picked a lighthouse mystery for next month. Chapter one is great so far.", nil),
        (Person(account: "quill_bakes", displayName: "Quill Example", bio: "Sourdough, slowly.",
                email: "quill@example.org", device: "demo-device-1007", avatarSeed: 17),
         "Sourdough attempt number four: finally an open crumb.", 27),
        (Person(account: "sable_sky", displayName: "Sable Example", bio: "Amateur astronomer with a small telescope.",
                email: "sable@example.net", device: "demo-device-1008", avatarSeed: nil),
         "Clear skies tonight: Jupiter and four of its moons through the small telescope.", nil),
    ]

    /// The trader's persona: what carries over from one account to the next.
    static let traderEmail = "vip.menu.seller@example.net"
    static let traderDevice = "demo-device-7f3a"
    static let traderAvatarSeed = 901

    static func trader(account: String, displayName: String, bio: String) -> Person {
        Person(account: account, displayName: displayName, bio: bio, email: traderEmail, device: traderDevice,
               avatarSeed: traderAvatarSeed)
    }

    // MARK: - The story

    mutating func tell() {
        for (person, post, pictureSeed) in Self.ordinary {
            signup(person, caption: "\(person.displayName) signs up as @\(person.account): an ordinary account, nothing to do.",
                   expect: "allow")
            self.post(person.account, text: post, pictures: pictureSeed.map { [DemoImages.ordinary(seed: $0)] } ?? [],
                      caption: "@\(person.account) posts: \"\(post.prefix(48))\(post.count > 48 ? "…" : "")\": allowed, like most of any platform.",
                      expect: "allow")
        }

        let traderA = Self.trader(
            account: "trader_a", displayName: "VIP Menu",
            bio: "VIP menu 🔥 new packages every week, prices in DM. Find me: t dot me slash \(Self.telegramName)")
        // A listed contact in a bio is evidence on its own (`list`, 0.9, docs/accounts.md), so even this
        // first account is suspended, and the pitch with it is removed.
        signup(traderA, caption: "trader_a signs up, the listed Telegram handle in the bio written as \"t dot me slash…\": removed, account suspended, held for review.",
               expect: "remove")
        post("trader_a",
             text: "VIP menu is open 💰 new packages daily, prices in DM. Pay in BTC: \(Self.wallet) then DM on telegram: t dot me slash \(Self.telegramName)",
             pictures: [],
             caption: "trader_a posts the pitch with the listed wallet and the disguised handle: removed and held for review.",
             expect: "remove")
        post("trader_a", text: "New in the VIP menu today, more in DM.", pictures: [DemoImages.banked(seed: 2)],
             caption: "trader_a posts a picture from the known-images bank: upload blocked, reported, held for review.",
             expect: "block")
        post("trader_a", text: "SYNTH_TERM_1 SYNTH_TERM_2 packages, prices in DM.", pictures: [DemoImages.altered(seed: 3)],
             caption: "trader_a posts a known picture, recoloured and stamped: a new MD5, but PDQ still matches the bank, so blocked.",
             expect: "block")
        ban("trader_a", reason: "solicitation",
            caption: "The platform bans trader_a and tells Bulwark, so the account counts as banned for ban-evasion screening.")

        let traderB = Self.trader(
            account: "trader_b", displayName: "VIP Menu 2",
            bio: "VIP menu 🔥 back with new packages every week, prices in DM.")
        // No contact in the bio this time: what gives trader_b away is what the platform alone sees
        // (device, e-mail, payout wallet) and the avatar, which is why those signals are sent.
        signup(traderB, caption: "trader_b signs up: same avatar, device, e-mail and payout wallet as the banned trader_a: ban evasion, actor suspended, held.",
               expect: "review")
        post("trader_b", text: "VIP menu moved to vip-menu[.]example[.]net, pay in BTC.", pictures: [DemoImages.banked(seed: 4)],
             caption: "trader_b posts another known picture and the listed site written as vip-menu[.]example[.]net: blocked.",
             expect: "block")

        let other = Person(account: "bundle_desk_x", displayName: "Bundle Desk", bio: "Deals and bundles.",
                           email: "bundle.desk@example.com", device: "demo-device-2001", avatarSeed: nil)
        signup(other, caption: "An unrelated account, @bundle_desk_x, signs up with a plain bio: allowed.", expect: "allow")
        post("bundle_desk_x", text: "SYNTH_TERM_3 bundles 💰 prices in DM, telegram @example_bundle_desk",
             pictures: [],
             caption: "@bundle_desk_x posts a pitch with no listed contact: allowed; the default policy only logs pitch language alone (shadow rule).",
             expect: "allow")
    }

    // MARK: - Requests

    mutating func signup(_ person: Person, caption: String, expect: String) {
        var profile: [(String, DemoJSON)] = [
            ("handle", .string(person.account)),
            ("displayName", .string(person.displayName)),
            ("bio", .string(person.bio)),
        ]
        if let seed = person.avatarSeed {
            profile.append(("avatarImage", .string(Self.base64(DemoImages.ordinary(seed: seed).png))))
        }
        var signals: [(String, DemoJSON)] = [
            ("email", .string(DemoDigest.signal(person.email))),
            ("devices", .array([.string(DemoDigest.signal(person.device))])),
        ]
        // The trader's payout wallet on file with the platform, digested like any private signal.
        if person.account.hasPrefix("trader_") {
            signals.append(("payments", .array([.string(DemoDigest.signal(Self.wallet))])))
        }
        profile.append(("signals", .object(signals)))
        steps.append((caption, .signup, expect, [
            ("kind", .string("signup")),
            ("account", .string(person.account)),
            ("profile", .object(profile)),
        ]))
    }

    mutating func post(_ account: String, text: String, pictures: [DemoImage], caption: String, expect: String) {
        var fields: [(String, DemoJSON)] = [
            ("kind", .string("post")),
            ("account", .string(account)),
            ("text", .string(text)),
        ]
        if !pictures.isEmpty {
            fields.append(("media", .array(pictures.enumerated().map { index, picture in
                .object([("id", .string("photo-\(index + 1)")), ("bytes", .string(Self.base64(picture.png)))])
            })))
        }
        steps.append((caption, .post, expect, fields))
    }

    mutating func ban(_ account: String, reason: String, caption: String) {
        steps.append((caption, .ban, nil, [
            ("event", .string("ban")),
            ("id", .string(account)),
            ("reason", .string(reason)),
        ]))
    }

    /// The steps with their ids and times filled in: ids numbered by position (`demo-post-003`),
    /// times spread evenly over the hour before `start`, in order, so that the account graph sees
    /// the signup before the posts and the ban before the comeback.
    func built() -> [DemoStep] {
        steps.enumerated().map { index, step in
            let at = DemoJSON.string(DemoTime.rfc3339(secondsSince1970: start - 3_600 + Int64(index * 3_600 / steps.count)))
            let number = String(index + 1)
            let id = "demo-\(step.kind.rawValue)-" + String(repeating: "0", count: max(0, 3 - number.count)) + number
            switch step.kind {
            case .ban:
                // Account events carry no content id; `at` follows `id` as in docs/api.md.
                var fields = step.fields
                fields.insert(("at", at), at: 2)
                return DemoStep(caption: step.caption, request: .accountEvents(DemoJSON.object(fields).text), expectedVerdict: nil)
            case .signup, .post:
                let fields = [("contentId", DemoJSON.string(id))] + step.fields.prefix(2) + [("at", at)] + step.fields.dropFirst(2)
                return DemoStep(caption: step.caption, request: .content(DemoJSON.object(Array(fields)).text),
                                expectedVerdict: step.expectedVerdict)
            }
        }
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
