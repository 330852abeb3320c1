import WalletAddress

/// A labelled synthetic corpus for measuring the text pipeline: a list file of known targets,
/// a fixture lexicon with placeholder tokens, and posts that carry listed targets through every
/// disguise, benign look-alikes that must not match, and ordinary posts that merely mention
/// Telegram, VIP packages or prices.
///
/// Everything is generated from a seed, so a run can be repeated exactly. Sensitive categories
/// appear only as the neutral placeholder tokens `SYNTH_TERM_1`…`SYNTH_TERM_4`.
public struct EvalCorpus: Sendable {
    public struct Post: Sendable {
        public var id: String
        public var text: String
        /// What the post tests: a disguise class for listed targets ("fullwidth", "cyrillic",
        /// "bracket-dot", …) or a benign class ("lookalike-handle", "gym-vip", …).
        public var disguise: String
        /// The list entries (as the list file writes them) this post must match; empty for benign posts.
        public var expected: [String]
        /// Whether the post is a sales pitch (for the solicitation band's precision and recall).
        public var solicitation: Bool
        /// True for benign look-alikes: any list match on them is a false positive.
        public var lookalike: Bool
    }

    /// The list file: `TYPE VALUE` per line.
    public var listFile: String
    /// The fixture lexicon: the sensitive categories as placeholder tokens.
    public var lexiconFile: String
    public var posts: [Post]
}

/// SplitMix64: small, fast, and the same sequence on every platform.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &self)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// A listed target of the eval, by kind.
enum EvalTarget {
    case telegram(String), telegramInvite(String), discord(String), domain(String), fileURL(String, String)
    case wallet(String), whatsapp(String)
}

public enum EvalCorpusGenerator {
    static let syllables = ["ka", "lo", "mi", "ra", "ten", "vo", "sha", "dri", "nel", "po", "zu", "fen", "gra", "bel", "mor", "tix", "van", "qui", "sol", "ber"]

    static func word(_ rng: inout SeededRandom, syllables count: Int) -> String {
        (0..<count).map { _ in rng.pick(syllables) }.joined()
    }

    static func handleName(_ rng: inout SeededRandom) -> String {
        var name = word(&rng, syllables: Int.random(in: 2...3, using: &rng))
        if rng.chance(0.5) { name += String(Int.random(in: 1...999, using: &rng)) }
        if rng.chance(0.3) { name = rng.pick(["the", "real", "vip", "x"]) + "_" + name }
        return name
    }

    static func inviteCode(_ rng: inout SeededRandom, length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in rng.pick(alphabet) })
    }

    /// A random valid address of a chain, from the module's encoders.
    static func wallet(_ rng: inout SeededRandom) -> String {
        let chain = rng.pick([Chain.bitcoin, .bitcoin, .ethereum, .litecoin, .tron, .monero])
        return WalletSamples.address(chain: chain, seed: rng.bytes(64), variant: Int.random(in: 0...3, using: &rng))
    }

    /// Generates the corpus. `targets` listed targets, each posted `postsPerTarget` times in
    /// rotating disguises; as many benign posts again.
    public static func generate(seed: UInt64 = 1, targets: Int = 200, postsPerTarget: Int = 12) -> EvalCorpus {
        var rng = SeededRandom(seed: seed)
        var list = ["# Synthetic list for `bulwark text eval` (seed \(seed)). Nothing here names a real account."]
        var posts: [EvalCorpus.Post] = []
        var used = Set<String>()
        func fresh(_ make: (inout SeededRandom) -> String) -> String {
            while true {
                let value = make(&rng)
                if used.insert(value.lowercased()).inserted { return value }
            }
        }

        var listed: [(target: EvalTarget, entry: String)] = []
        for k in 0..<targets {
            switch k % 7 {
            case 0, 1:
                let name = fresh(handleName)
                let entry = rng.chance(0.5) ? "url https://t.me/\(name)" : "handle telegram:\(name)"
                listed.append((.telegram(name), entry))
            case 2:
                let code = fresh { inviteCode(&$0, length: 16) }
                listed.append((.telegramInvite(code), "url https://t.me/+\(code)"))
            case 3:
                let code = fresh { inviteCode(&$0, length: Int.random(in: 7...10, using: &$0)) }
                listed.append((.discord(code), "url https://discord.gg/\(code)"))
            case 4:
                let host = fresh { word(&$0, syllables: 3) + "-" + $0.pick(["files", "vault", "cloud", "share"]) } + "." + rng.pick(["net", "io", "xyz", "cc", "to"])
                if rng.chance(0.5) {
                    listed.append((.domain(host), "domain \(host)"))
                } else {
                    let path = "/f/" + inviteCode(&rng, length: 10)
                    listed.append((.fileURL(host, path), "url https://\(host)\(path)"))
                }
            case 5:
                let address = fresh(wallet)
                listed.append((.wallet(address), "wallet \(address)"))
            default:
                let number = "44" + String(Int.random(in: 7_000_000_000...7_999_999_999, using: &rng))
                listed.append((.whatsapp(number), "handle whatsapp:+\(number)"))
            }
        }
        list += listed.map(\.entry)

        let pitch = ["VIP menu", "new packages", "full collection", "price list", "instant access", "private content"]
        let sensitive = ["SYNTH_TERM_1", "SYNTH_TERM_2", "SYNTH_TERM_3", "SYNTH_TERM_4"]
        var postNumber = 0
        func add(_ text: String, _ disguise: String, _ expected: [String], solicitation: Bool, lookalike: Bool = false) {
            postNumber += 1
            posts.append(.init(id: "p\(postNumber)", text: text, disguise: disguise, expected: expected,
                               solicitation: solicitation, lookalike: lookalike))
        }
        func frame(_ link: String) -> String {
            let before = rng.pick(["", "\(rng.pick(pitch)) 🔥 ", "\(rng.pick(sensitive)) \(rng.pick(pitch)) → ", "dm for prices, ", "all here: "])
            let after = rng.pick(["", " 💰", " (fast)", ". \(rng.pick(sensitive))", "!!"])
            return before + link + after
        }

        // Listed targets through every disguise.
        for (index, item) in listed.enumerated() {
            let value = String(item.entry.split(separator: " ", maxSplits: 1)[1])
            for round in 0..<postsPerTarget {
                let (text, disguise) = Disguise.apply(item.target, round: round + index, rng: &rng)
                add(frame(text), disguise, [value], solicitation: true)
            }
        }

        // Benign look-alikes and ordinary posts.
        let benignCount = listed.count * postsPerTarget
        for k in 0..<benignCount {
            let item = listed[k % listed.count]
            switch k % 10 {
            case 0:
                // A similar but different handle or code.
                switch item.target {
                case .telegram(let name):
                    add("follow my channel t.me/\(Disguise.nearMiss(name, rng: &rng))", "lookalike-handle", [], solicitation: false, lookalike: true)
                case .telegramInvite(let code):
                    add("our study group: t.me/+\(Disguise.flipCase(code, rng: &rng))", "lookalike-invite", [], solicitation: false, lookalike: true)
                case .discord(let code):
                    add("gaming server discord.gg/\(Disguise.flipCase(code, rng: &rng))", "lookalike-invite", [], solicitation: false, lookalike: true)
                case .domain(let host), .fileURL(let host, _):
                    add("my portfolio: \(rng.pick(["my", "not", "best"]))\(host)/work", "lookalike-domain", [], solicitation: false, lookalike: true)
                case .wallet(let address):
                    add("tips welcome \(Disguise.oneWrongCharacter(address, rng: &rng))", "lookalike-wallet", [], solicitation: false, lookalike: true)
                case .whatsapp(let number):
                    add("bakery orders whatsapp +\(number.dropLast())\(number.last == "1" ? "2" : "1")", "lookalike-phone", [], solicitation: false, lookalike: true)
                }
            case 1:
                add("Gym VIP packages from $\(Int.random(in: 20...90, using: &rng)) a month, DM us or join our Telegram t.me/\(fresh(handleName))_gym", "benign-gym-vip", [], solicitation: false, lookalike: true)
            case 2:
                add("Web design packages: landing page $\(Int.random(in: 100...900, using: &rng)), full site on request. Telegram: @\(fresh(handleName))_studio", "benign-prices", [], solicitation: false, lookalike: true)
            case 3:
                add("Our book club moved to Telegram, channel t.me/\(fresh(handleName))books — new members welcome!", "benign-telegram", [], solicitation: false, lookalike: true)
            case 4:
                add("Concert tonight! VIP package includes meet & greet 🎸 tickets at \(word(&rng, syllables: 2))tickets.com", "benign-vip", [], solicitation: false, lookalike: true)
            case 5:
                add("Donations for the animal shelter: \(WalletSamples.address(chain: .bitcoin, seed: rng.bytes(64), variant: 2)) thank you", "benign-wallet", [], solicitation: false, lookalike: true)
            case 6:
                add("Selling my old bike, $\(Int.random(in: 40...200, using: &rng)), message me on whatsapp +1 555 \(Int.random(in: 100...999, using: &rng)) \(Int.random(in: 1000...9999, using: &rng))", "benign-sale", [], solicitation: false, lookalike: true)
            case 7:
                add("Read the docs at docs.\(word(&rng, syllables: 2)).org/guide and ask in discord.gg/\(inviteCode(&rng, length: 8))", "benign-links", [], solicitation: false, lookalike: true)
            case 8:
                add("what a day... going to the gym then dinner. telegram me later?", "benign-chat", [], solicitation: false)
            default:
                // Unlisted trader posts: placeholder sensitive terms with a pitch and a handle.
                add("\(rng.pick(sensitive)) \(rng.pick(pitch)), \(rng.pick(["tg", "telegram", "✈️"])): @\(fresh(handleName)) \(rng.pick(["💰", "", "prices in dm"]))", "unlisted-solicitation", [], solicitation: true)
            }
        }
        let lexicon = """
            # Fixture lexicon: sensitive categories as neutral placeholder tokens only.
            term content 0.5 SYNTH_TERM_1
            term content 0.5 SYNTH_TERM_3
            term age 0.4 SYNTH_TERM_2
            term age 0.4 SYNTH_TERM_4
            """
        return EvalCorpus(listFile: list.joined(separator: "\n") + "\n", lexiconFile: lexicon + "\n", posts: posts)
    }
}
