/// The whole text pipeline for one post, bio or name: normalise, extract, match lists, score.
/// A value with no I/O: build one from lists and a lexicon, call ``scan(_:)`` from any number of
/// tasks at once.
public struct TextScanner: Sendable {
    public var lists: SignalLists
    public var lexicon: Lexicon
    /// Texts longer than this many UTF-8 bytes are scanned up to here and flagged `truncated`
    /// (a post is not a document; this bounds the work any single input can cause).
    public var maximumTextBytes: Int

    public static let defaultMaximumTextBytes = 1 << 20

    public init(lists: SignalLists = SignalLists(), lexicon: Lexicon = .builtIn, maximumTextBytes: Int = defaultMaximumTextBytes) {
        self.lists = lists
        self.lexicon = lexicon
        self.maximumTextBytes = maximumTextBytes
    }

    /// The result for one text. Everything that is reported is canonical; every position is a
    /// UTF-8 byte range of the original text.
    public struct Result: Sendable {
        public var urls: [String] = []
        public var handles: [String] = []
        public var wallets: [String] = []
        public var emails: [String] = []
        public var phones: [String] = []
        /// Invite links (Telegram, Discord, WhatsApp and Signal groups), canonical, also in `urls`.
        public var invites: [String] = []
        /// URLs on link shorteners (never followed), also in `urls`.
        public var shortened: [String] = []
        public var findings: [Finding] = []
        public var matches: [SignalLists.Match] = []
        public var hits: [Lexicon.Hit] = []
        /// 0…1.
        public var score: Double = 0
        public var band: Band = .none
        /// The text was longer than the scanner's limit; only its beginning was scanned.
        public var truncated = false
    }

    /// How strongly a text reads as solicitation.
    public enum Band: String, Sendable, Hashable, CaseIterable {
        case none, low, suspicious, solicitation
    }

    public func scan(_ text: String) -> Result {
        var result = Result()
        var input = text
        if text.utf8.count > maximumTextBytes {
            result.truncated = true
            let head = Array(text.utf8.prefix(maximumTextBytes + 1))
            var end = maximumTextBytes
            while end > 0, head[end] & 0xC0 == 0x80 { end -= 1 }  // not inside a character
            input = String(decoding: head[..<end], as: UTF8.self)
        }
        let unicode = Normalizer.unicode(input)
        let strict = Normalizer.defang(unicode)
        var findings = Extractor.extract(strict)
        var seen = Set(findings.map { FindingKey(kind: $0.kind, value: $0.value) })
        if Normalizer.mayHaveSpelledOutLinks(strict) {
            let bold = Normalizer.aggressive(strict)
            for finding in Extractor.extract(bold, strength: .listOnly) where seen.insert(FindingKey(kind: finding.kind, value: finding.value)).inserted {
                findings.append(finding)
            }
        }

        // Matches, and which findings count.
        var matchedEntries = Set<Int64>()
        for finding in findings {
            let matches = lists.matches(for: finding)
            let counts = finding.strength == .strong || !matches.isEmpty || finding.url?.isOffPlatform == true
            guard counts else { continue }
            result.findings.append(finding)
            for match in matches where matchedEntries.insert(match.entry.id).inserted { result.matches.append(match) }
        }
        let words = Lexicon.words(in: strict)
        for match in lists.keywordMatches(words) where matchedEntries.insert(match.entry.id).inserted {
            result.matches.append(match)
        }

        // Reported values, in order of appearance, each once.
        result.findings.sort { $0.span.lowerBound < $1.span.lowerBound }
        var reported = Set<FindingKey>()
        for finding in result.findings where reported.insert(FindingKey(kind: finding.kind, value: finding.value)).inserted {
            switch finding.kind {
            case .url:
                result.urls.append(finding.value)
                if finding.url?.isInvite == true { result.invites.append(finding.value) }
                if finding.url?.isShortener == true { result.shortened.append(finding.value) }
            case .handle: result.handles.append(finding.value)
            case .wallet: result.wallets.append(finding.value)
            case .email: result.emails.append(finding.value)
            case .phone: result.phones.append(finding.value)
            }
        }

        // Score.
        var hits = lexicon.hits(in: words)
        func signal(_ kind: String, _ span: Range<Int>) {
            guard let (category, weight) = lexicon.signals[kind] else { return }
            hits.append(Lexicon.Hit(kind: "signal", category: category, weight: weight, label: kind, span: span))
        }
        var signalled = Set<String>()
        for finding in result.findings {
            var kinds: [String] = []
            switch finding.kind {
            case .url:
                kinds.append(finding.url?.isOffPlatform == true ? "offplatform-link" : "link")
                if finding.url?.isShortener == true { kinds.append("shortener") }
                if finding.url?.isInvite == true { kinds.append("invite") }
            case .handle: kinds.append("handle")
            case .wallet: kinds.append("wallet")
            case .email: kinds.append("email")
            case .phone: kinds.append("phone")
            }
            for kind in kinds where signalled.insert(kind).inserted { signal(kind, finding.span) }
        }
        if let price = Self.price(in: words) { signal("price", price) }
        if let first = result.matches.first { signal("list-match", first.span) }
        result.hits = hits
        var byCategory: [String: Double] = [:]
        for hit in hits { byCategory[hit.category, default: 0] += hit.weight }
        var score = 0.0
        for (category, sum) in byCategory { score += min(sum, lexicon.cap(of: category)) }
        result.score = (min(1, score) * 1000).rounded() / 1000
        result.band = result.score >= lexicon.solicitationBand ? .solicitation
            : result.score >= lexicon.suspiciousBand ? .suspicious
            : result.score > 0 ? .low : .none
        return result
    }

    private struct FindingKey: Hashable {
        var kind: Finding.Kind
        var value: String
    }

    static let currencyWords: Set<String> = ["$", "€", "£", "usd", "eur", "gbp", "dollars", "dollar", "bucks", "usdt", "btc", "euro", "euros"]

    /// A price: a currency sign or word next to a number ("$30", "30 usd", "€ 5").
    static func price(in words: [Lexicon.Word]) -> Range<Int>? {
        for (k, word) in words.enumerated() where currencyWords.contains(word.text) {
            for neighbour in [k - 1, k + 1] where neighbour >= 0 && neighbour < words.count {
                let text = words[neighbour].text
                if let first = text.utf8.first, ASCII.isDigit(first) {
                    return min(word.span.lowerBound, words[neighbour].span.lowerBound)..<max(word.span.upperBound, words[neighbour].span.upperBound)
                }
            }
        }
        return nil
    }
}
