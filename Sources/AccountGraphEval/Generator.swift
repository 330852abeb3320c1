import AccountGraph
import PDQ
import WalletAddress

/// Builds a labelled platform history: ordinary users who are never banned, and trader actors
/// who are banned again and again and come back with new accounts.
///
/// What it simulates, and why:
/// - **Ordinary users** sign up at a uniform time in the period and edit their profile 0–3 times
///   later. Their handles come from first-name stems drawn with Zipf weights ("anna", "mike", …)
///   or from syllables, plus digits and words, so handle patterns collide among strangers as on a
///   real platform. Bios come from many templates: hobbies, jobs, short bios that hundreds write
///   word for word ("hi", "love life ✨"), their own Telegram channel, their own site, tip wallets,
///   and gyms, salons and coaches whose "VIP packages, menu, prices in DM" read like a pitch
///   (some are franchise branches sharing one channel). Avatars: ~25% one of 3 stock avatars,
///   ~15% a copy (0–6 bits off) of one of 200 popular pictures, the rest unique. E-mail and
///   phone are unique (e-mail missing for ~5%, phone for ~40%), sent as 64-hex pseudo-HMACs,
///   except ~20% of users whose e-mail arrives in clear (`name92@example.com`). Devices: 1–2 of
///   their own, and ~5% also use one of 30 kiosk devices. IPs: ~60% from 40 carrier-NAT /24s,
///   the rest a residential /24 from a pool where a few strangers collide; ~10% also connect
///   from one of 300 campus/office/café networks (Zipf: a few with hundreds of users); edits
///   come from a session IP (home, work, or mobile). ~10% have a payment id. ~2% live in
///   households of two that share a device and an IP.
/// - **Trader actors** each have a persona: 1–2 Telegram names, sometimes an invite, a wallet,
///   a base avatar, 1–2 devices, a home /24, often a phone, sometimes a payout account, a handle
///   stem ("vip" + "sara"), a pitch style (template, emojis, placeholder tokens). ~8% of actors
///   use an ordinary user's own picture as their base avatar (impersonation), and ~8% live on a
///   shared campus or office network: both put innocent users near banned accounts. An actor runs
///   2–12 accounts: each lives 6 h–5 d until its ban; the next appears 1–48 h after the ban, or
///   (15%) while the previous one still runs. The first account shows the whole persona. Every
///   later one keeps a random non-empty part of it (see ``chooseCarried``): 20% keep one class,
///   5% of re-creations keep only weak ones (home /24 + handle pattern + near-duplicate bio), the
///   rest several. A kept Telegram name is written plainly (67%), with a disguise the text
///   pipeline documents as caught (30%), or one it documents as missed (3%). The avatar is the
///   base with 4–24 bits flipped, re-altered at every account. E-mails are new each time
///   (except, for actors whose e-mail arrives in clear, an occasional sub-address of the old
///   one); a phone may be reused. 25% of accounts sign up clean and put the kept public signals
///   in the first edit, 3 min–4 h later. What is not kept is replaced by fresh values, and by
///   noise that is not evidence: carrier-NAT IPs, shared networks, stock avatars, popular
///   pictures, kiosks, a new throwaway Telegram name.
/// - **Bans** are the platform's own, at fixed times: the simulation is open-loop, so an engine's
///   decisions do not change who is banned when.
///
/// Account ids are "acct-" + 10 random base36 characters for everyone, drawn from one stream;
/// the role is only in the labels.
struct SimulationGenerator {
    static let minute: Milliseconds = 60_000
    static let hour: Milliseconds = 3_600_000
    static let day: Milliseconds = 86_400_000

    let config: SimulationConfig
    let end: Milliseconds
    /// The trader personas of the last `run()`, by actor (for tests).
    var personas: [Persona] = []

    var world: World
    var idRandom: SimRandom
    var events: [(at: Milliseconds, seq: Int, event: AccountEvent)] = []
    var labels: [String: AccountLabel] = [:]
    var takenIDs: Set<String> = []
    var takenHandles: Set<String> = []
    /// Telegram names, sites and clear e-mail addresses handed out so far (each is one person's).
    var takenNames: Set<String> = []
    /// Ordinary users' own pictures, some of which traders steal.
    var ordinaryOwnAvatars: [PDQHash] = []

    init(config: SimulationConfig) {
        self.config = config
        end = config.start + Milliseconds(max(config.days, 1)) * Self.day
        var worldRandom = SimRandom(seed: config.seed, stream: 1)
        world = World(&worldRandom)
        idRandom = SimRandom(seed: config.seed, stream: 2)
    }

    mutating func run() -> Simulation {
        events = []
        labels = [:]
        takenIDs = []
        takenHandles = []
        takenNames = []
        ordinaryOwnAvatars = []
        personas = []
        var ordinaryRandom = SimRandom(seed: config.seed, stream: 3)
        generateOrdinary(&ordinaryRandom)
        var traderRandom = SimRandom(seed: config.seed, stream: 4)
        generateTraders(&traderRandom)
        events.sort { ($0.at, $0.seq) < ($1.at, $1.seq) }
        return Simulation(events: events.map(\.event), labels: labels)
    }

    // MARK: - Shared helpers

    mutating func newID() -> String {
        while true {
            let id = "acct-" + idRandom.base36(10)
            if takenIDs.insert(id).inserted { return id }
        }
    }

    mutating func emit(_ event: AccountEvent) {
        guard event.at < end else { return }
        events.append((event.at, events.count, event))
    }

    mutating func claimHandle(_ candidate: String) -> Bool { takenHandles.insert(candidate).inserted }
    mutating func claimName(_ candidate: String) -> Bool { takenNames.insert(candidate).inserted }

    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    static func nameStem(_ rng: inout SimRandom) -> String {
        if rng.chance(0.6) { return Vocabulary.firstNames[rng.weighted(Vocabulary.firstNameWeights)] }
        return Self.word(&rng, syllables: rng.int(2...3))
    }

    static func word(_ rng: inout SimRandom, syllables count: Int) -> String {
        var s = ""
        for _ in 0..<count { s += rng.pick(Vocabulary.syllables) }
        return s
    }

    static func twoDigits(_ rng: inout SimRandom) -> String {
        let n = rng.below(100)
        return n < 10 ? "0\(n)" : "\(n)"
    }

    /// An ordinary-looking handle: stem plus digits, a surname, a word or a prefix. Taken
    /// handles are skipped (handles are unique), so common stems spread over many patterns.
    mutating func ordinaryHandle(_ rng: inout SimRandom, stem: String) -> String {
        for attempt in 0..<12 {
            let sep = rng.pick(["_", "."])
            let candidate: String
            switch rng.weighted([20, 14, 12, 10, 8, 6, 8, 10, 2, attempt == 0 ? 2 : 0]) {
            case 0: candidate = stem + Self.twoDigits(&rng)
            case 1: candidate = stem + "_" + Self.twoDigits(&rng)
            case 2: candidate = stem + String(rng.int(1965...2008))
            case 3: candidate = stem + "." + Self.word(&rng, syllables: 2)
            case 4: candidate = stem + "_" + Self.word(&rng, syllables: 3)
            case 5: candidate = Self.word(&rng, syllables: 2) + "." + stem + String(rng.int(1...9))
            case 6: candidate = rng.pick(Vocabulary.handlePrefixes) + sep + stem + (rng.chance(0.5) ? Self.twoDigits(&rng) : "")
            case 7: candidate = stem + sep + rng.pick(Vocabulary.handleWords) + (rng.chance(0.4) ? Self.twoDigits(&rng) : "")
            case 8: candidate = stem + sep + rng.pick(["vip", "official", "shop", "club"]) + (rng.chance(0.5) ? Self.twoDigits(&rng) : "")
            default: candidate = stem
            }
            if claimHandle(candidate) { return candidate }
        }
        while true {
            let candidate = stem + "_" + rng.base36(6)
            if claimHandle(candidate) { return candidate }
        }
    }

    mutating func ordinaryDisplayName(_ rng: inout SimRandom, stem: String) -> String {
        let name = Self.capitalized(stem)
        switch rng.weighted([30, 30, 20, 10, 10]) {
        case 0: return name
        case 1: return name + " " + Self.capitalized(Self.word(&rng, syllables: rng.int(2...3)))
        case 2: return name + " " + Self.capitalized(rng.pick(Vocabulary.syllables)).prefix(1) + "."
        case 3: return stem
        default: return name + " " + rng.pick(["🌊", "✨", "🌻", "🎧", "⚡️", "🌙"])
        }
    }

    /// A unique clear e-mail address, `local@example.x`.
    mutating func clearEmail(_ rng: inout SimRandom, stem: String) -> String {
        while true {
            let local: String
            switch rng.below(3) {
            case 0: local = stem + String(rng.int(1...999))
            case 1: local = stem + "." + Self.word(&rng, syllables: 2)
            default: local = stem + "_" + Self.twoDigits(&rng) + Self.word(&rng, syllables: 1)
            }
            let address = local + "@" + rng.pick(Vocabulary.emailDomains)
            if claimName(address) { return address }
        }
    }

    /// A name from `make` that nobody has yet; after a few tries, with digits worked in (before
    /// a `.suffix`, so a site keeps its top-level domain).
    mutating func uniqueName(_ rng: inout SimRandom, _ make: (inout SimRandom) -> String) -> String {
        for _ in 0..<8 {
            let candidate = make(&rng)
            if claimName(candidate) { return candidate }
        }
        while true {
            let base = make(&rng)
            let digits = String(rng.int(100...99_999))
            let candidate: String
            if let dot = base.lastIndex(of: ".") {
                candidate = String(base[..<dot]) + digits + String(base[dot...])
            } else {
                candidate = base + digits
            }
            if claimName(candidate) { return candidate }
        }
    }

    static func walletText(_ address: String, chain: Chain, _ rng: inout SimRandom) -> String {
        let ticker: String
        switch chain {
        case .bitcoin: ticker = "BTC"
        case .ethereum: ticker = "ETH"
        case .litecoin: ticker = "LTC"
        case .tron: ticker = "USDT (TRC20)"
        case .monero: ticker = "XMR"
        case .dogecoin: ticker = "DOGE"
        case .bitcoinCash: ticker = "BCH"
        }
        switch rng.below(4) {
        case 0: return "\(ticker) ➜ \(address)"
        case 1: return "pay: \(address)"
        case 2: return "\(ticker): \(address)"
        default: return "(\(address))"
        }
    }

    // MARK: - Ordinary users

    enum BioKind: CaseIterable { case none, short, emoji, hobbies, job, jobHobby, channel, site, business, wallet, quote }
    static let bioKindWeights: [Double] = [12, 12, 5, 20, 12, 10, 6, 6, 10, 1.5, 5.5]

    struct Business {
        var brand: String
        var kind: String
        var channel: String?
        var number: Int
        var city: String
    }

    struct OrdinaryUser {
        var id: String
        var stem: String
        var handle: String
        var displayName: String
        var bioKind: BioKind
        var bio: String?
        var avatar: PDQHash?
        var email: String?
        var phone: String?
        var devices: [String]
        var homeIP: String
        var homeIsCarrier: Bool
        /// A campus, office or café network the user also connects from (~10%).
        var workIP: String?
        var payment: String?
        var channel: String?
        var site: String?
        var wallet: String?
        var business: Business?
        var signupAt: Milliseconds
    }

    mutating func generateOrdinary(_ rng: inout SimRandom) {
        var users: [OrdinaryUser] = []
        users.reserveCapacity(config.ordinaryUsers)
        for _ in 0..<max(config.ordinaryUsers, 0) { users.append(makeOrdinaryUser(&rng)) }
        // Households: two people, one home connection and one shared tablet.
        var i = 0
        while i + 1 < users.count {
            if rng.chance(0.02) {
                if users[i].homeIsCarrier {
                    users[i].homeIP = world.randomResidential(&rng)
                    users[i].homeIsCarrier = false
                }
                users[i + 1].homeIP = users[i].homeIP
                users[i + 1].homeIsCarrier = false
                let shared = users[i].devices[0]
                if !users[i + 1].devices.contains(shared) { users[i + 1].devices.append(shared) }
            }
            i += 2
        }
        for user in users { emitOrdinary(user, &rng) }
    }

    mutating func makeOrdinaryUser(_ rng: inout SimRandom) -> OrdinaryUser {
        let id = newID()
        let signupAt = config.start + rng.int64(0...(end - config.start - 1))
        let bioKind = BioKind.allCases[rng.weighted(Self.bioKindWeights)]
        var business: Business? = nil
        let stem: String
        let handle: String
        let displayName: String
        if bioKind == .business {
            let franchise = rng.chance(0.25)
            let brand = franchise ? rng.pick(Vocabulary.franchises) : Self.word(&rng, syllables: rng.int(2...3))
            let kind = rng.pick(Vocabulary.businessKinds)
            var channel: String? = nil
            if franchise {
                channel = brand + "_official"
            } else if rng.chance(0.5) {
                channel = uniqueName(&rng) { r in brand + "_" + kind + (r.chance(0.5) ? "" : String(r.int(1...99))) }
            }
            business = Business(brand: brand, kind: kind, channel: channel, number: rng.pick([10, 15, 20, 25, 30, 40, 50]),
                                city: rng.pick(Vocabulary.cities))
            stem = brand
            var candidate = brand + rng.pick(["_", ".", ""]) + kind
            while !claimHandle(candidate) { candidate = brand + "_" + kind + String(rng.int(1...999)) }
            handle = candidate
            displayName = Self.capitalized(brand) + " " + Self.capitalized(kind)
        } else {
            stem = Self.nameStem(&rng)
            handle = ordinaryHandle(&rng, stem: stem)
            displayName = ordinaryDisplayName(&rng, stem: stem)
        }
        let email: String?
        let emailDraw = rng.unit()
        if emailDraw < 0.05 { email = nil } else if emailDraw < 0.25 { email = clearEmail(&rng, stem: stem) } else { email = rng.digest() }
        let phone: String? = rng.chance(0.6) ? rng.digest() : nil
        var devices = [rng.digest()]
        if rng.chance(0.3) { devices.append(rng.digest()) }
        if rng.chance(0.05) { devices.append(world.kiosk(&rng)) }
        let homeIsCarrier = rng.chance(0.6)
        let homeIP = homeIsCarrier ? world.carrier(&rng) : world.randomResidential(&rng)
        let workIP: String? = rng.chance(0.1) ? world.sharedNetwork(&rng) : nil
        let payment: String? = rng.chance(0.1) ? rng.digest() : nil
        var user = OrdinaryUser(id: id, stem: stem, handle: handle, displayName: displayName, bioKind: bioKind, bio: nil,
                                avatar: nil, email: email, phone: phone, devices: devices, homeIP: homeIP,
                                homeIsCarrier: homeIsCarrier, workIP: workIP, payment: payment, channel: nil, site: nil, wallet: nil,
                                business: business, signupAt: signupAt)
        switch bioKind {
        case .channel:
            user.channel = uniqueName(&rng) { r in
                handle.replacingDots() + r.pick(["_news", "_daily", "_photos", "_channel", "_notes", "_memes"])
            }
        case .site:
            user.site = uniqueName(&rng) { r in
                stem + (r.chance(0.5) ? Vocabulary.handleWords[r.below(Vocabulary.handleWords.count)] : Self.word(&r, syllables: 2))
                    + "." + r.pick(Vocabulary.siteTLDs)
            }
        case .wallet:
            let chain: Chain = rng.chance(0.6) ? .bitcoin : .ethereum
            user.wallet = Self.walletText(WalletSamples.address(chain: chain, seed: rng.bytes(64), variant: rng.below(4)),
                                          chain: chain, &rng)
        default: break
        }
        user.bio = ordinaryBio(user, &rng)
        user.avatar = ordinaryAvatar(&rng)
        return user
    }

    mutating func ordinaryAvatar(_ rng: inout SimRandom) -> PDQHash {
        let x = rng.unit()
        if x < 0.25 { return world.defaultAvatar(&rng) }
        if x < 0.40 { return world.popularPicture(&rng) }
        let own = rng.pdq()
        ordinaryOwnAvatars.append(own)
        return own
    }

    func hobbyList(_ rng: inout SimRandom) -> String {
        var picked: [String] = []
        let count = rng.int(2...4)
        while picked.count < count {
            let h = rng.pick(Vocabulary.hobbies)
            if !picked.contains(h) { picked.append(h) }
        }
        return picked.joined(separator: rng.pick([" | ", " • ", ", ", " / "]))
    }

    func ordinaryBio(_ user: OrdinaryUser, _ rng: inout SimRandom) -> String? {
        switch user.bioKind {
        case .none: return nil
        case .short: return rng.pick(Vocabulary.shortBios)
        case .emoji: return rng.pick(Vocabulary.emojiBios)
        case .hobbies: return hobbyList(&rng)
        case .job:
            let job = rng.pick(Vocabulary.jobs), city = rng.pick(Vocabulary.cities)
            switch rng.below(4) {
            case 0: return "\(job) in \(city)"
            case 1: return "\(job) @ \(Self.capitalized(Self.word(&rng, syllables: 2))) Labs. opinions my own"
            case 2: return "\(city) 📍 \(job)"
            default: return "\(job). \(rng.pick(Vocabulary.shortBios))"
            }
        case .jobHobby:
            return "\(rng.pick(Vocabulary.jobs)) by day, \(rng.pick(Vocabulary.hobbies)) by night"
        case .channel:
            let link = "t.me/" + (user.channel ?? user.handle)
            switch rng.below(4) {
            case 0: return "my telegram channel \(link)"
            case 1: return "📣 news & memes: \(link)"
            case 2: return "\(hobbyList(&rng)) | I post daily on \(link)"
            default: return "photos on telegram \(link)"
            }
        case .site:
            let site = user.site ?? "example.com"
            switch rng.below(4) {
            case 0: return "portfolio → \(site)"
            case 1: return "\(rng.pick(Vocabulary.jobs)) • \(site)"
            case 2: return "shop my prints: https://\(site)"
            default: return "blog: \(site)"
            }
        case .business:
            guard let b = user.business else { return nil }
            var template = rng.pick(Vocabulary.businessTemplates)
            if b.channel == nil && template.contains("{chan}") { template = Vocabulary.businessTemplates[0] }
            return template
                .replacing("{Brand}", with: Self.capitalized(b.brand))
                .replacing("{Kind}", with: b.kind)
                .replacing("{City}", with: b.city)
                .replacing("{n}", with: String(b.number))
                .replacing("{chan}", with: "t.me/" + (b.channel ?? ""))
        case .wallet:
            return "\(rng.pick(["support my art", "tips ☕", "coffee fund", "donations"])): \(user.wallet ?? "")"
        case .quote:
            return rng.pick(["carpe diem", "stay curious", "less is more", "one day at a time", "good vibes only ✌️"])
        }
    }

    mutating func emitOrdinary(_ user: OrdinaryUser, _ rng: inout SimRandom) {
        var user = user
        labels[user.id] = AccountLabel(role: .ordinary, createdAt: user.signupAt)
        func profile(_ user: OrdinaryUser, at: Milliseconds, ip: String) -> AccountProfile {
            AccountProfile(id: user.id, at: at, handle: user.handle, displayName: user.displayName, bio: user.bio,
                           avatarPDQ: user.avatar,
                           signals: PrivateSignals(email: user.email, phone: user.phone, devices: user.devices, ips: [ip],
                                                   payments: user.payment.map { [$0] } ?? []))
        }
        let signupIP = user.workIP.map { rng.chance(0.3) ? $0 : user.homeIP } ?? user.homeIP
        emit(.account(profile(user, at: user.signupAt, ip: signupIP)))
        let editCount = rng.weighted([35, 30, 20, 15])
        guard editCount > 0, user.signupAt + 1 < end else { return }
        var times = (0..<editCount).map { _ in rng.int64((user.signupAt + 1)...(end - 1)) }
        times.sort()
        for at in times {
            if rng.chance(0.6) {
                if user.bioKind != .business && user.bioKind != .channel && user.bioKind != .site && user.bioKind != .wallet
                    && rng.chance(0.2) {
                    user.bioKind = [BioKind.none, .short, .emoji, .hobbies, .job, .jobHobby, .quote][rng.below(7)]
                }
                user.bio = ordinaryBio(user, &rng)
            }
            if rng.chance(0.25) { user.avatar = ordinaryAvatar(&rng) }
            if rng.chance(0.08) && user.business == nil { user.displayName = ordinaryDisplayName(&rng, stem: user.stem) }
            if rng.chance(0.08) { user.devices.append(rng.digest()) }
            let ip: String
            // Home 70% (60% for those with a work network, which takes 20%), else on the move.
            let draw = rng.unit()
            if draw < 0.6 {
                ip = user.homeIP
            } else if draw < 0.8, let work = user.workIP {
                ip = work
            } else if draw < 0.7 {
                ip = user.homeIP
            } else {
                ip = user.homeIsCarrier && rng.chance(0.5) ? world.randomResidential(&rng) : world.carrier(&rng)
            }
            emit(.account(profile(user, at: at, ip: ip)))
        }
    }
}

extension String {
    /// The text with every `.` replaced by `_` (a handle turned into a Telegram-style name).
    func replacingDots() -> String {
        var out = ""
        for ch in self { out.append(ch == "." ? "_" : ch) }
        return out
    }

    /// Runs of spaces collapsed to one, spaces at both ends removed.
    func squeezed() -> String {
        var out = ""
        var lastWasSpace = true
        for ch in self {
            if ch == " " {
                if !lastWasSpace { out.append(ch) }
                lastWasSpace = true
            } else {
                out.append(ch)
                lastWasSpace = false
            }
        }
        while out.last == " " { out.removeLast() }
        return out
    }
}
