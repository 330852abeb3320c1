import AccountGraph
import PDQ
import WalletAddress

/// How a trader writes a sales pitch: which template, which emojis, which number, which
/// separator and which placeholder tokens. Kept whole, it makes near-duplicate bios.
struct PitchStyle: Sendable, Hashable {
    var template: Int
    var emojis: [String]
    var number: Int
    var separator: String
    var tokens: [String]
}

/// A trader actor's persona: everything its accounts can carry from one to the next.
struct Persona: Sendable {
    enum Invite: Sendable, Hashable {
        case telegram(code: String)
        case discord(code: String)
    }

    var actor: Int
    /// The name in handles ("sara").
    var name: String
    /// The word handles pair the name with ("vip").
    var prefix: String
    /// Telegram names (1–2), each with `_` or digits so prose forms are reported, not only listed.
    var telegram: [String]
    var invite: Invite?
    var wallet: String
    var walletChain: Chain
    /// The base picture; every account shows it with 4–24 bits flipped. For ~8% of actors it is
    /// an ordinary user's own picture, stolen (that user is never to blame for it).
    var avatar: PDQHash
    var avatarStolen: Bool
    var devices: [String]
    /// The home /24 (for ~8% of actors a shared campus or office network).
    var ip: String
    var phone: String?
    var payment: String?
    /// The clear e-mail address, for actors whose e-mail reaches Bulwark in clear.
    var email: String?
    var style: PitchStyle
    /// The classes an account of this actor can carry, sorted ("telegram" stands for every form).
    var classes: [String]
}

/// How an account writes a kept Telegram name.
enum TelegramForm: Sendable {
    /// `t.me/name`, `https://t.me/name`, `tg: @name`.
    case plain
    /// A disguise docs/text-signals.md (and BENCHMARKS.md's spot checks) document as caught.
    case disguised
    /// A disguise they document as missed: `tele gram: name`, `tme/name`, `t me name`, an
    /// accented `tēlegram`.
    case missed

    var label: String {
        switch self {
        case .plain: "telegram"
        case .disguised: "telegram-disguised"
        case .missed: "telegram-missed-disguise"
        }
    }
}

extension SimulationGenerator {
    /// Classes visible on the profile (as opposed to private signals only the platform sees).
    static let publicClasses: Set<String> = [
        "telegram", "telegram-disguised", "telegram-missed-disguise", "invite", "wallet", "avatar", "bio", "handle-pattern",
    ]
    /// How likely an account that keeps a single class keeps this one: what a trader needs to do
    /// business (the Telegram name, the wallet) far more often than what is hard to change.
    static func singleWeight(_ signal: String) -> Double {
        switch signal {
        case "telegram": 30
        case "wallet": 18
        case "device": 12
        case "avatar": 10
        case "invite": 8
        case "phone": 6
        case "payment": 4
        case "ip": 4
        case "bio": 3
        case "handle-pattern": 3
        case "email": 2
        default: 1
        }
    }

    /// How likely an account that keeps several classes keeps this one.
    static func includeProbability(_ signal: String) -> Double {
        switch signal {
        case "telegram": 0.7
        case "invite": 0.6
        case "wallet": 0.5
        case "avatar": 0.5
        case "device": 0.5
        case "payment": 0.5
        case "bio": 0.5
        case "ip": 0.45
        case "handle-pattern": 0.45
        case "phone": 0.4
        case "email": 0.15
        default: 0.4
        }
    }

    static let weakOnlyClasses = ["bio", "handle-pattern", "ip"]

    mutating func generateTraders(_ rng: inout SimRandom) {
        for actor in 0..<max(config.traders, 0) {
            let persona = makePersona(actor, &rng)
            personas.append(persona)
            runActor(persona, &rng)
        }
    }

    mutating func makePersona(_ actor: Int, _ rng: inout SimRandom) -> Persona {
        let name = rng.chance(0.8) ? Vocabulary.firstNames[rng.weighted(Vocabulary.firstNameWeights)] : Self.word(&rng, syllables: 2)
        let prefix = rng.pick(Vocabulary.traderPrefixes)
        var telegram: [String] = []
        for _ in 0..<(rng.chance(0.35) ? 2 : 1) {
            telegram.append(uniqueName(&rng) { r in
                let word = r.pick(Vocabulary.traderTelegramWords)
                switch r.below(3) {
                case 0: return name + "_" + word + Self.twoDigits(&r)
                case 1: return prefix + name + "_" + Self.twoDigits(&r)
                default: return name + word + "_" + Self.twoDigits(&r)
                }
            })
        }
        var invite: Persona.Invite? = nil
        if rng.chance(0.35) { invite = rng.chance(0.75) ? .telegram(code: rng.code(16)) : .discord(code: rng.code(8)) }
        let chains: [Chain] = [.bitcoin, .ethereum, .litecoin, .tron, .monero]
        let chain = chains[rng.weighted([45, 25, 8, 10, 12])]
        let wallet = WalletSamples.address(chain: chain, seed: rng.bytes(64), variant: rng.below(4))
        var devices = [rng.digest()]
        if rng.chance(0.4) { devices.append(rng.digest()) }
        let ip = rng.chance(0.08) ? world.sharedNetwork(&rng) : world.randomResidential(&rng)
        let avatarStolen = !ordinaryOwnAvatars.isEmpty && rng.chance(0.08)
        let avatar = avatarStolen ? rng.pick(ordinaryOwnAvatars) : rng.pdq()
        let phone: String? = rng.chance(0.7) ? rng.digest() : nil
        let payment: String? = rng.chance(0.35) ? rng.digest() : nil
        let email: String? = rng.chance(0.2) ? clearEmail(&rng, stem: name) : nil
        var emojis: [String] = []
        while emojis.count < 3 {
            let e = rng.pick(Vocabulary.traderEmojis)
            if !emojis.contains(e) { emojis.append(e) }
        }
        var tokens: [String] = []
        if rng.chance(0.65) {
            tokens.append(rng.pick(Vocabulary.placeholderTokens))
            if rng.chance(0.4) {
                let second = rng.pick(Vocabulary.placeholderTokens)
                if second != tokens[0] { tokens.append(second) }
            }
        }
        let style = PitchStyle(template: rng.below(Vocabulary.traderTemplates.count), emojis: emojis,
                               number: rng.pick(Vocabulary.traderNumbers), separator: rng.pick(Vocabulary.separators), tokens: tokens)
        var classes = ["avatar", "bio", "device", "handle-pattern", "ip", "telegram", "wallet"]
        if invite != nil { classes.append("invite") }
        if phone != nil { classes.append("phone") }
        if payment != nil { classes.append("payment") }
        if email != nil { classes.append("email") }
        classes.sort()
        return Persona(actor: actor, name: name, prefix: prefix, telegram: telegram, invite: invite, wallet: wallet,
                       walletChain: chain, avatar: avatar, avatarStolen: avatarStolen, devices: devices, ip: ip, phone: phone, payment: payment,
                       email: email, style: style, classes: classes)
    }

    /// The accounts of one actor, one after another: each lives 6 h–5 d until its ban; the next
    /// appears 1–48 h after the ban, or (15%) while the previous one still runs.
    mutating func runActor(_ persona: Persona, _ rng: inout SimRandom) {
        let count = rng.int(2...12)
        let period = end - config.start
        var t = config.start + rng.int64(0...max(period * 55 / 100, 0))
        var banTimes: [Milliseconds] = []
        for incarnation in 0..<count {
            guard t < end else { break }
            let created = t
            let life = rng.int64((6 * Self.hour)...(5 * Self.day))
            let banAt = created + life
            let recreated = banTimes.contains { $0 < created }
            let id = emitTraderAccount(persona, incarnation: incarnation, created: created, banAt: banAt, recreated: recreated, &rng)
            if banAt < end {
                banTimes.append(banAt)
                emit(.ban(id: id, at: banAt, reason: rng.pick(Vocabulary.banReasons)))
            }
            if rng.chance(0.15) {
                t = created + life * Milliseconds(rng.int(20...90)) / 100
            } else {
                t = banAt + rng.int64(Self.hour...(48 * Self.hour))
            }
        }
    }

    /// The classes a later account keeps: 5% of re-creations only the weak trio, 20% of
    /// accounts exactly one class, the rest each class by its own odds (at least two).
    func chooseCarried(_ persona: Persona, recreated: Bool, _ rng: inout SimRandom) -> [String] {
        if recreated && rng.chance(0.05) { return Self.weakOnlyClasses }
        let pool = persona.classes
        let weights = pool.map(Self.singleWeight)
        if rng.chance(0.2) { return [pool[rng.weighted(weights)]] }
        var chosen: [String] = []
        for signal in pool where rng.chance(Self.includeProbability(signal)) { chosen.append(signal) }
        while chosen.count < 2 {
            let signal = pool[rng.weighted(weights)]
            if !chosen.contains(signal) { chosen.append(signal) }
        }
        return chosen.sorted()
    }

    mutating func patternHandle(_ persona: Persona, _ rng: inout SimRandom) -> String {
        let n = persona.name, p = persona.prefix
        while true {
            let d = Self.twoDigits(&rng)
            let candidate: String
            switch rng.below(6) {
            case 0: candidate = "\(p)_\(n)\(d)"
            case 1: candidate = "\(p).\(n)_\(d)"
            case 2: candidate = "\(n).\(p)\(d)"
            case 3: candidate = "\(n)_\(p)_\(d)"
            case 4: candidate = "\(p)_\(n)_\(d)"
            default: candidate = "\(n).\(p).\(d)"
            }
            if claimHandle(candidate) { return candidate }
        }
    }

    static func fullwidth(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { scalar in
            (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
        }))
    }

    /// A Telegram name as an account writes it.
    static func telegramText(_ name: String, form: TelegramForm, _ rng: inout SimRandom) -> String {
        switch form {
        case .plain:
            return rng.pick(["t.me/\(name)", "https://t.me/\(name)", "tg: @\(name)"])
        case .disguised:
            // Not `t e l e g r a m : name`: spaced letters are a "bolder reading" the pipeline
            // reports only with a list match, so without lists the name is not extracted.
            switch rng.below(13) {
            case 0: return "t [.] me/\(name)"
            case 1: return "t[.]me/\(name)"
            case 2: return "t(dot)me/\(name)"
            case 3: return "hxxps://t[.]me/\(name)"
            case 4: return "t . me / \(name)"
            case 5: return "t dot me slash \(name)"
            case 6: return "telegram - \(name)"
            case 7: return "\u{2708}\u{FE0F} \(name)"
            case 8: return "@\(name) on telegram"
            case 9: return fullwidth("t.me/\(name)")
            case 10: return "t.m\u{0435}/\(name)"            // Cyrillic е
            case 11: return "t\u{200B}.me/\(name)"           // zero-width space
            default: return "telegram.dog/\(name)"
            }
        case .missed:
            return rng.pick(["tele gram: \(name)", "tme/\(name)", "t me \(name)", "t\u{0113}legram: \(name)"])
        }
    }

    static func inviteText(_ invite: Persona.Invite, _ rng: inout SimRandom) -> String {
        switch invite {
        case .telegram(let code): rng.pick(["join t.me/+\(code)", "t.me/joinchat/\(code)", "group: t.me/+\(code)"])
        case .discord(let code): rng.pick(["discord.gg/\(code)", "server: discord.gg/\(code)"])
        }
    }

    /// A bio from `style`; `mutate` makes it a near-duplicate (another number, an emoji
    /// swapped, another separator, a segment dropped, an emoji added).
    static func pitch(_ style: PitchStyle, contact: String, mutate: Bool, _ rng: inout SimRandom) -> String {
        var style = style
        var segments = Vocabulary.traderTemplates[style.template]
        if mutate {
            if rng.chance(0.5) { style.number = rng.pick(Vocabulary.traderNumbers) }
            if rng.chance(0.3) { style.emojis[rng.below(style.emojis.count)] = rng.pick(Vocabulary.traderEmojis) }
            if rng.chance(0.2) { style.separator = rng.pick(Vocabulary.separators) }
            if rng.chance(0.2) {
                let droppable = segments.indices.filter { !segments[$0].contains("{c}") }
                if !droppable.isEmpty { segments.remove(at: rng.pick(droppable)) }
            }
        }
        var parts: [String] = []
        for segment in segments {
            let text = segment
                .replacing("{e1}", with: style.emojis[0])
                .replacing("{e2}", with: style.emojis[1])
                .replacing("{e3}", with: style.emojis[2])
                .replacing("{n}", with: String(style.number))
                .replacing("{t}", with: style.tokens.joined(separator: " "))
                .replacing("{c}", with: contact.isEmpty ? "DM me" : contact)
                .squeezed()
            if !text.isEmpty { parts.append(text) }
        }
        var bio = parts.joined(separator: style.separator)
        if mutate && rng.chance(0.15) { bio += " " + rng.pick(Vocabulary.traderEmojis) }
        return bio
    }

    /// A style unlike the persona's (another template), for accounts that do not keep the bio.
    func freshStyle(unlike persona: Persona, _ rng: inout SimRandom) -> PitchStyle {
        let count = Vocabulary.traderTemplates.count
        var emojis: [String] = []
        while emojis.count < 3 {
            let e = rng.pick(Vocabulary.traderEmojis)
            if !emojis.contains(e) { emojis.append(e) }
        }
        return PitchStyle(template: (persona.style.template + 1 + rng.below(count - 1)) % count, emojis: emojis,
                          number: rng.pick(Vocabulary.traderNumbers), separator: rng.pick(Vocabulary.separators),
                          tokens: rng.chance(0.6) ? [rng.pick(Vocabulary.placeholderTokens)] : [])
    }

    /// Emits the signup and edits of one trader account and records its label; returns its id.
    mutating func emitTraderAccount(_ persona: Persona, incarnation: Int, created: Milliseconds, banAt: Milliseconds,
                                    recreated: Bool, _ rng: inout SimRandom) -> String {
        let id = newID()
        let first = incarnation == 0
        let kept = first ? persona.classes : chooseCarried(persona, recreated: recreated, &rng)
        func has(_ signal: String) -> Bool { kept.contains(signal) }
        var form: TelegramForm? = nil
        if has("telegram") {
            if first {
                form = .plain
            } else {
                let x = rng.unit()
                form = x < 0.03 ? .missed : x < 0.33 ? .disguised : .plain
            }
        }
        let carried = kept.map { $0 == "telegram" ? (form ?? .plain).label : $0 }.sorted()
        // (Not when the first edit could fall after the period: the label would promise signals
        // the history never shows.)
        let fromEdit = carried.contains(where: Self.publicClasses.contains) && rng.chance(0.25) && created + 4 * Self.hour < end

        // Public profile.
        let handle = has("handle-pattern") ? patternHandle(persona, &rng)
            : ordinaryHandle(&rng, stem: Self.nameStem(&rng))
        let signupHandle = fromEdit && has("handle-pattern") ? ordinaryHandle(&rng, stem: Self.nameStem(&rng)) : handle
        let displayName: String
        switch rng.below(3) {
        case 0: displayName = Self.capitalized(persona.name) + " " + rng.pick(Vocabulary.traderEmojis)
        case 1: displayName = persona.prefix.uppercased() + " " + Self.capitalized(persona.name)
        default: displayName = ordinaryDisplayName(&rng, stem: Self.nameStem(&rng))
        }
        var contactParts: [String] = []
        if let form {
            let names = first || (persona.telegram.count > 1 && rng.chance(0.3)) ? persona.telegram : [rng.pick(persona.telegram)]
            for name in names { contactParts.append(Self.telegramText(name, form: form, &rng)) }
        }
        if has("invite"), let invite = persona.invite { contactParts.append(Self.inviteText(invite, &rng)) }
        if has("wallet") { contactParts.append(Self.walletText(persona.wallet, chain: persona.walletChain, &rng)) }
        if contactParts.isEmpty {
            // Nothing kept to point buyers to: a new throwaway name, a new wallet, or on-platform DMs.
            switch rng.weighted([45, 15, 40]) {
            case 0:
                let fresh = uniqueName(&rng) { r in
                    r.pick(Vocabulary.traderTelegramWords) + "_" + r.base36(5) + Self.twoDigits(&r)
                }
                contactParts.append(Self.telegramText(fresh, form: rng.chance(0.7) ? .plain : .disguised, &rng))
            case 1:
                let chain = persona.walletChain
                contactParts.append(Self.walletText(WalletSamples.address(chain: chain, seed: rng.bytes(64), variant: rng.below(4)),
                                                    chain: chain, &rng))
            default: break
            }
        }
        let contact = contactParts.joined(separator: " ")
        let style = has("bio") ? persona.style : freshStyle(unlike: persona, &rng)
        func avatar(_ rng: inout SimRandom) -> PDQHash? {
            if has("avatar") { return rng.flipping(persona.avatar, bits: rng.int(4...24)) }
            let x = rng.unit()
            if x < 0.55 { return rng.pdq() }
            if x < 0.80 { return world.defaultAvatar(&rng) }
            if x < 0.92 { return world.popularPicture(&rng) }
            return nil
        }

        // Private signals.
        var devices: [String]
        if first {
            devices = persona.devices
        } else if has("device") {
            devices = persona.devices.filter { _ in rng.chance(0.6) }
            if devices.isEmpty { devices = [rng.pick(persona.devices)] }
            if rng.chance(0.25) { devices.append(rng.digest()) }
        } else {
            devices = [rng.digest()]
        }
        if rng.chance(0.03) { devices.append(world.kiosk(&rng)) }
        var homeIP = persona.ip
        if !has("ip") {
            // Noise: a carrier, a shared network or another home, never the persona's own /24.
            while homeIP == persona.ip {
                let x = rng.unit()
                homeIP = x < 0.45 ? world.carrier(&rng) : x < 0.55 ? world.sharedNetwork(&rng) : world.randomResidential(&rng)
            }
        }
        let phone: String? = has("phone") ? persona.phone : rng.chance(0.5) ? rng.digest() : nil
        let email: String
        if let base = persona.email {
            if first {
                email = base
            } else if has("email") {
                // Same mailbox: a sub-address or other capitals, which normalisation undoes.
                let at = base.firstIndex(of: "@")!
                email = rng.chance(0.6) ? String(base[..<at]) + "+" + String(rng.int(2...99)) + String(base[at...])
                    : Self.capitalized(base)
            } else {
                email = clearEmail(&rng, stem: persona.name)
            }
        } else {
            email = rng.digest()
        }
        let payment: String? = has("payment") ? persona.payment : rng.chance(0.1) ? rng.digest() : nil
        func signals(_ ip: String) -> PrivateSignals {
            PrivateSignals(email: email, phone: phone, devices: devices, ips: [ip], payments: payment.map { [$0] } ?? [])
        }
        func sessionIP(_ rng: inout SimRandom) -> String { rng.chance(0.8) ? homeIP : world.carrier(&rng) }

        // Timeline: signup, maybe a first edit soon after, 0–2 later edits, all before the ban.
        var currentAvatar = avatar(&rng)
        if fromEdit {
            let cleanBio: String? = rng.chance(0.5) ? nil : rng.pick(Vocabulary.cleanSignupBios)
            let cleanAvatar: PDQHash? = rng.chance(0.5) ? nil : world.defaultAvatar(&rng)
            emit(.account(AccountProfile(id: id, at: created, handle: signupHandle, displayName: displayName, bio: cleanBio,
                                         avatarPDQ: cleanAvatar, signals: signals(homeIP))))
        } else {
            emit(.account(AccountProfile(id: id, at: created, handle: handle, displayName: displayName,
                                         bio: Self.pitch(style, contact: contact, mutate: !first, &rng),
                                         avatarPDQ: currentAvatar, signals: signals(homeIP))))
        }
        var last = created
        var firstEdit: Milliseconds? = nil
        if fromEdit {
            firstEdit = created + rng.int64((3 * Self.minute)...(4 * Self.hour))
        } else if rng.chance(0.4) {
            firstEdit = created + rng.int64((10 * Self.minute)...max(10 * Self.minute, (banAt - created) / 2))
        }
        if let at = firstEdit {
            emit(.account(AccountProfile(id: id, at: at, handle: handle, displayName: displayName,
                                         bio: Self.pitch(style, contact: contact, mutate: !first || !fromEdit, &rng),
                                         avatarPDQ: currentAvatar, signals: signals(sessionIP(&rng)))))
            last = at
        }
        var later = (0..<rng.weighted([50, 35, 15])).map { _ in rng.int64((last + 1)...max(last + 1, banAt - 1)) }
        later.sort()
        for at in later {
            if rng.chance(0.3) { currentAvatar = avatar(&rng) }
            emit(.account(AccountProfile(id: id, at: at, handle: handle, displayName: displayName,
                                         bio: Self.pitch(style, contact: contact, mutate: true, &rng),
                                         avatarPDQ: currentAvatar, signals: signals(sessionIP(&rng)))))
        }
        labels[id] = AccountLabel(role: .trader(actor: persona.actor), incarnation: incarnation, recreated: recreated,
                                  carried: carried, carriedFromEdit: fromEdit, createdAt: created)
        return id
    }
}
