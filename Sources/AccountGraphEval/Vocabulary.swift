/// Words the simulator builds names and bios from. Everything here is invented or generic;
/// the traders' sales words are commerce words plus placeholder tokens (`SYNTH_TERM_n`) where a
/// licensed lexicon's sensitive terms would go.
enum Vocabulary {
    /// First-name-like stems. Drawn with Zipf weights, so the first few ("anna", "mike", …)
    /// recur among thousands of strangers and handle patterns collide as on a real platform.
    /// Traders draw their persona names from the same list.
    static let firstNames = [
        "anna", "mike", "sara", "maria", "alex", "john", "kate", "lena", "nick", "emma",
        "tom", "leo", "mia", "max", "sam", "nina", "dan", "eva", "ben", "lucy",
        "lina", "mila", "kira", "nika", "olga", "ivan", "omar", "yuki", "ali", "jay",
        "zoe", "liam", "noah", "ella", "ava", "luca", "marco", "sofia", "elena", "david",
        "chris", "paul", "jess", "amy", "tina", "rosa", "ines", "hugo", "igor", "vera",
        "diana", "laura", "nora", "adam", "tara", "ruby", "finn", "ayla", "sven", "maya",
    ]
    static let firstNameWeights: [Double] = firstNames.indices.map { 1 / Double($0 + 2) }

    static let syllables = [
        "ka", "lo", "mi", "ra", "ten", "vo", "sha", "dri", "nel", "po", "zu", "fen", "gra", "bel", "mor",
        "tix", "van", "qui", "sol", "ber", "an", "el", "ri", "to", "mar", "lin", "da", "ko", "sen", "val",
    ]

    static let handleWords = ["photo", "runs", "bakes", "art", "music", "travels", "fit", "reads", "cooks", "draws", "plays", "codes"]
    static let handlePrefixes = ["the", "real", "its", "just", "hey"]

    static let hobbies = [
        "hiking", "coffee addict", "photography", "cat person", "dog mom", "gamer", "runner 🏃", "bookworm 📚",
        "plant parent 🌱", "guitar 🎸", "foodie", "travel ✈️", "yoga", "climbing", "film nerd 🎬", "baking",
        "knitting", "cycling 🚴", "vinyl collector", "chess", "football ⚽", "anime", "board games", "surfing 🏄",
    ]
    static let jobs = [
        "nurse", "teacher", "software engineer", "barista", "student", "designer", "electrician", "accountant",
        "chef", "photographer", "paramedic", "lawyer", "mechanic", "architect", "journalist", "pharmacist",
        "retired", "mom of two", "dad of three", "PhD student",
    ]
    static let cities = [
        "Lisbon", "Austin", "Lyon", "Kraków", "Manchester", "Osaka", "Toronto", "Porto", "Leeds", "Valencia",
        "Denver", "Turin", "Brno", "Cork", "Ghent", "Perth",
    ]
    /// Short bios that many strangers write word for word.
    static let shortBios = ["hi", "love life ✨", "👋", "just vibes", "hello world", "be kind", "☕", "living my best life",
                            "nothing to see here", "🌸"]
    static let emojiBios = ["🌊🌴☀️", "🐶❤️", "⚽️🏆", "🎧🎶", "📷 🌄", "🍕🍝", "🌙✨"]
    static let siteTLDs = ["com", "net", "art", "studio", "io"]
    static let emailDomains = ["example.com", "example.org", "example.net"]

    /// Legitimate businesses whose bios read like a pitch.
    static let businessKinds = ["gym", "salon", "barbers", "nails", "coaching", "bakery", "tattoo", "spa", "cafe",
                                "studio", "dance", "yoga", "detailing"]
    /// Chains whose branches share one Telegram channel.
    static let franchises = ["fitzone", "glowup", "ironhouse", "sweetcrumb", "inkline", "zenflow", "sharpcut", "shinepro"]
    static let businessTemplates = [
        "💪 {Brand} {Kind} | VIP packages & personal training | menu and prices in DM | limited offer: first week free",
        "{Brand} {Kind} 💅 new menu is out! prices in DM • book now, limited offer this month",
        "{Kind} coach 🏋️ online programs, VIP packages from ${n} — DM for prices",
        "🍰 {Brand} — cakes to order, full menu on {chan}, prices in DM",
        "✂️ {Brand} {Kind} | VIP package {n}€ | limited offer | booking {chan}",
        "{Brand} {Kind} ✨ gift cards, VIP membership, price list in DM",
        "🎨 {Brand} {Kind} — new flash menu, deposits via DM, limited offer {n}% off",
        "{Brand} {Kind} 📍 {City} | packages & menu: {chan} | prices in DM",
    ]

    // Traders.

    /// Words traders put next to a persona name to make their platform handles.
    static let traderPrefixes = ["vip", "real", "shop", "club", "official", "its", "xo", "only", "best", "deals"]
    /// Words in traders' Telegram names.
    static let traderTelegramWords = ["store", "shop", "menu", "club", "deals", "box", "vault", "corner", "drops", "market"]
    static let traderEmojis = ["🔥", "✨", "💰", "💎", "🎁", "📦", "⭐", "🍒", "💌", "🔑", "🛒", "💯"]
    /// Placeholders for a licensed lexicon's sensitive terms.
    static let placeholderTokens = ["SYNTH_TERM_1", "SYNTH_TERM_2", "SYNTH_TERM_3", "SYNTH_TERM_4"]
    static let separators = [" | ", " • ", " / ", "\n"]
    /// Bio templates of sales pitches, as segments. `{c}` is the contact (handles, invite,
    /// wallet), `{e1}`…`{e3}` emojis, `{n}` a number, `{t}` the placeholder tokens.
    static let traderTemplates: [[String]] = [
        ["{e1} VIP packages", "new menu every week {e2}", "{t}", "{c}"],
        ["prices in DM {e1}", "full menu ➜ {c}", "limited offer {n}h only {e2}"],
        ["{e1} {t}", "VIP access", "menu & prices: {c}"],
        ["new drops daily {e1}", "{t} {e2}", "DM for menu", "{c}"],
        ["limited offer {e1}", "bundles from {n}$", "{t}", "{e2} {c}"],
        ["{e1}{e2} exclusive menu", "VIP {t}", "payment first", "{c}"],
        ["{e1} private collection", "prices in DM", "{t} {e3}", "{c}"],
        ["restock {e1}", "VIP packages {n}% off", "menu on request", "{c} {e2}"],
    ]
    static let traderNumbers = [10, 12, 15, 20, 24, 25, 30, 48, 50, 72]
    static let banReasons = ["solicitation", "solicitation", "solicitation", "user-reports", "media-match", "spam-links"]
    /// Bios a trader signs up with before putting the pitch in the first edit.
    static let cleanSignupBios = ["hi", "new here ✨", "👋", "hello", "love life ✨", "just vibes"]

    /// Carrier-grade NAT ranges are 100.64.0.0/10; each string is one /24 that a mobile carrier
    /// puts thousands of subscribers behind.
    static let carrierRangeCount = 40
    static let kioskDeviceCount = 30
    static let sharedNetworkCount = 300
    static let defaultAvatarCount = 3
    static let popularPictureCount = 200
    /// Residential /24s drawn by index from a pool this large: with ~8,000 residential users,
    /// a few dozen pairs of strangers share one, as neighbours behind one ISP block do.
    static let residentialPoolSize = 1_000_000
    /// First octets of public unicast space (no 0, 10, 100, 127, 169, 172, 192, ≥ 224).
    static let residentialFirstOctets: [Int] = (1...223).filter { ![0, 10, 100, 127, 169, 172, 192].contains($0) }

    /// Zipf weights 1/(k+1) for `count` items: a few very common, a long tail.
    static func zipf(_ count: Int) -> [Double] { (0..<count).map { 1 / Double($0 + 1) } }
}
