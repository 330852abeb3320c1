/// Terms that score how much a post reads like a sales pitch, loaded at run time: operators load
/// the licensed lists they hold; the repository ships only a neutral default for commerce and
/// off-platform words (``Lexicon/builtIn``).
///
/// ## File format
/// One directive per line; `#` starts a comment line; words are matched on the normalised, lower-
/// case text, whole words only, and a word ending in `*` matches any word it begins.
///
///     category NAME cap C           # the most this category adds to the score (0…1)
///     band solicitation 0.7         # score from which a post is in the band
///     band suspicious 0.4
///     term CATEGORY WEIGHT words…   # a word or consecutive words ("price list")
///     near CATEGORY WEIGHT N a… | b…  # both within N words, either order ("vip" near "package*")
///     emoji CATEGORY WEIGHT 💰💰     # a sequence of emoji (variation selectors ignored)
///     signal CATEGORY WEIGHT KIND   # what extraction found: link, offplatform-link, shortener,
///                                   # invite, handle, email, phone, wallet, price, list-match
///
/// A category's score is the sum of its distinct hits' weights, capped; the post's score is the
/// sum over categories, capped at 1. Caps are what keep a gym's "VIP packages, prices on our
/// Telegram" (commerce + off-platform) below the solicitation band while still letting any
/// sensitive-category hit lift it over.
public struct Lexicon: Sendable {
    public struct Term: Sendable, Hashable {
        public var category: String
        public var weight: Double
        public var words: [String]
        /// The text as the lexicon wrote it (shown in explanations).
        public var label: String
        var line: Int
    }

    public struct Near: Sendable, Hashable {
        public var category: String
        public var weight: Double
        public var distance: Int
        public var left: [String]
        public var right: [String]
        public var label: String
    }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "lexicon line \(line): \(reason)" }
    }

    public private(set) var caps: [String: Double] = [:]
    public private(set) var solicitationBand = 0.7
    public private(set) var suspiciousBand = 0.4
    public private(set) var terms: [Term] = []
    public private(set) var nears: [Near] = []
    /// Extraction kinds → (category, weight).
    public private(set) var signals: [String: (category: String, weight: Double)] = [:]
    /// Terms by first word (exact) and by first-word prefix (for "word*").
    private var byFirstWord: [String: [Int]] = [:]
    private var prefixTerms: [Int] = []

    public static let signalKinds: Set<String> = [
        "link", "offplatform-link", "shortener", "invite", "handle", "email", "phone", "wallet", "price", "list-match",
    ]

    /// The default cap of a category no `category` line names.
    public static let defaultCap = 0.3

    public init() {}

    /// Parses a lexicon; every malformed line is an error naming the line.
    public init(parsing text: String) throws(ParseError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let number = lineNumber
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let directive = parts[0].lowercased()
            func value(_ index: Int, _ what: String) throws(ParseError) -> Double {
                guard index < parts.count, let value = Double(parts[index]), value.isFinite, value >= 0 else {
                    throw ParseError(line: number, reason: "expected \(what) (a number ≥ 0) at word \(index + 1)")
                }
                return value
            }
            switch directive {
            case "category":
                guard parts.count == 4, parts[2].lowercased() == "cap" else {
                    throw ParseError(line: number, reason: "expected `category NAME cap C`")
                }
                caps[parts[1].lowercased()] = min(1, try value(3, "a cap"))
            case "band":
                guard parts.count == 3 else { throw ParseError(line: number, reason: "expected `band solicitation|suspicious SCORE`") }
                let score = try value(2, "a score")
                switch parts[1].lowercased() {
                case "solicitation": solicitationBand = score
                case "suspicious": suspiciousBand = score
                default: throw ParseError(line: number, reason: "unknown band \"\(parts[1].prefix(40))\"; expected solicitation or suspicious")
                }
            case "term", "emoji":
                guard parts.count >= 4 else { throw ParseError(line: number, reason: "expected `\(directive) CATEGORY WEIGHT TEXT`") }
                let weight = try value(2, "a weight")
                let label = parts[3...].joined(separator: " ")
                let words = Self.words(of: label, keepStar: true)
                guard !words.isEmpty else { throw ParseError(line: number, reason: "the \(directive) has no words or emoji") }
                terms.append(Term(category: parts[1].lowercased(), weight: weight, words: words, label: label, line: number))
            case "near":
                guard parts.count >= 7, let bar = parts.firstIndex(of: "|"), bar > 4, bar < parts.count - 1 else {
                    throw ParseError(line: number, reason: "expected `near CATEGORY WEIGHT N words… | words…`")
                }
                let weight = try value(2, "a weight")
                guard let distance = Int(parts[3]), (1...50).contains(distance) else {
                    throw ParseError(line: number, reason: "the distance must be a whole number of words from 1 to 50")
                }
                let left = Self.words(of: parts[4..<bar].joined(separator: " "), keepStar: true)
                let right = Self.words(of: parts[(bar + 1)...].joined(separator: " "), keepStar: true)
                guard !left.isEmpty, !right.isEmpty else { throw ParseError(line: number, reason: "both sides of `|` need words") }
                nears.append(Near(category: parts[1].lowercased(), weight: weight, distance: distance, left: left, right: right,
                                  label: parts[4...].joined(separator: " ")))
            case "signal":
                guard parts.count == 4 else { throw ParseError(line: number, reason: "expected `signal CATEGORY WEIGHT KIND`") }
                let kind = parts[3].lowercased()
                guard Self.signalKinds.contains(kind) else {
                    throw ParseError(line: number, reason: "unknown signal \"\(kind.prefix(40))\"; expected one of \(Self.signalKinds.sorted().joined(separator: ", "))")
                }
                signals[kind] = (parts[1].lowercased(), try value(2, "a weight"))
            default:
                throw ParseError(line: number, reason: "unknown directive \"\(directive.prefix(40))\"; expected category, band, term, near, emoji or signal")
            }
        }
        guard suspiciousBand <= solicitationBand else {
            throw ParseError(line: lineNumber, reason: "the suspicious band must start at or below the solicitation band")
        }
        rebuildIndex()
    }

    /// Adds another lexicon's terms and settings to this one (later files win on settings).
    public mutating func merge(_ other: Lexicon) {
        for (k, v) in other.caps { caps[k] = v }
        for (k, v) in other.signals { signals[k] = v }
        if other.solicitationBand != 0.7 || other.suspiciousBand != 0.4 {
            solicitationBand = other.solicitationBand
            suspiciousBand = other.suspiciousBand
        }
        terms += other.terms
        nears += other.nears
        rebuildIndex()
    }

    private mutating func rebuildIndex() {
        byFirstWord = [:]
        prefixTerms = []
        for (index, term) in terms.enumerated() {
            if term.words[0].hasSuffix("*") { prefixTerms.append(index) } else { byFirstWord[term.words[0], default: []].append(index) }
        }
    }

    public func cap(of category: String) -> Double { caps[category] ?? Self.defaultCap }

    // MARK: - Words

    /// A word of normalised text: lower-case letters and digits, or one emoji, or a currency sign.
    public struct Word: Sendable, Hashable {
        public var text: String
        /// UTF-8 offsets in the original text.
        public var span: Range<Int>
    }

    /// The words of a lexicon entry or keyword (normalised like posts).
    static func words(of text: String, keepStar: Bool = false) -> [String] {
        let view = Normalizer.defang(Normalizer.unicode(text))
        var words = words(in: view).map(\.text)
        if keepStar {
            // "package*": the "*" is not a word character; re-attach it.
            let stars = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.hasSuffix("*") }
            if stars.count == words.count { for (k, star) in stars.enumerated() where star { words[k] += "*" } }
        }
        return words
    }

    /// Splits a view into words: runs of ASCII letters, digits and "_" or non-ASCII letters, each
    /// emoji on its own, currency signs on their own.
    static func words(in view: TextView) -> [Word] {
        let b = view.bytes
        var words: [Word] = []
        var i = 0
        while i < b.count {
            let c = b[i]
            if ASCII.isAlnum(c) {
                var j = i
                while j < b.count, ASCII.isAlnum(b[j]) || b[j] == 0x5F || b[j] == 0x27 && j + 1 < b.count && ASCII.isAlpha(b[j + 1]) { j += 1 }
                words.append(Word(text: ASCII.lowercased(b[i..<j]), span: view.originalRange(of: i..<j)))
                i = j
            } else if c == 0x24 {
                words.append(Word(text: "$", span: view.originalRange(of: i..<(i + 1))))
                i += 1
            } else if c >= 0x80 {
                let (scalar, width) = URLSyntax.decodeScalar(b, at: i)
                guard let scalar else { i += 1; continue }
                let p = scalar.properties
                if p.isAlphabetic || p.numericType != nil {
                    var j = i + width
                    while j < b.count {
                        if ASCII.isAlnum(b[j]) { j += 1; continue }
                        guard b[j] >= 0x80 else { break }
                        let (next, w) = URLSyntax.decodeScalar(b, at: j)
                        guard let next, next.properties.isAlphabetic || next.properties.numericType != nil
                                || next.properties.generalCategory == .nonspacingMark else { break }
                        j += w
                    }
                    words.append(Word(text: String(decoding: b[i..<j], as: UTF8.self).lowercased(), span: view.originalRange(of: i..<j)))
                    i = j
                } else if p.isEmoji && scalar.value > 0xFF || p.generalCategory == .currencySymbol || p.generalCategory == .otherSymbol {
                    // Skin-tone modifiers belong to the emoji before them; drop them as words.
                    if !(0x1F3FB...0x1F3FF).contains(scalar.value) {
                        words.append(Word(text: String(scalar), span: view.originalRange(of: i..<(i + width))))
                    }
                    i += width
                } else {
                    i += width
                }
            } else {
                i += 1
            }
        }
        return words
    }

    // MARK: - Matching

    /// One term, proximity rule or extraction signal that contributed to a score.
    public struct Hit: Sendable, Hashable {
        /// "term", "near", "emoji", or "signal".
        public var kind: String
        public var category: String
        public var weight: Double
        /// The lexicon's text of the term, or the signal kind.
        public var label: String
        /// Where in the original text (UTF-8 offsets).
        public var span: Range<Int>
    }

    @inline(__always) private static func wordMatches(_ pattern: String, _ word: String) -> Bool {
        pattern.hasSuffix("*") ? word.hasPrefix(pattern.dropLast()) && !word.isEmpty : pattern == word
    }

    private static func sequenceAt(_ words: [Word], _ position: Int, _ pattern: [String]) -> Bool {
        guard position + pattern.count <= words.count else { return false }
        for (k, p) in pattern.enumerated() where !wordMatches(p, words[position + k].text) { return false }
        return true
    }

    /// Every term and proximity hit in a text's words; a term counts once however often it occurs
    /// (its first occurrence is reported).
    func hits(in words: [Word]) -> [Hit] {
        var hits: [Hit] = []
        var seenTerms = Set<Int>()
        for (position, word) in words.enumerated() {
            var candidates = byFirstWord[word.text] ?? []
            for index in prefixTerms where Self.wordMatches(terms[index].words[0], word.text) { candidates.append(index) }
            for index in candidates where !seenTerms.contains(index) {
                let term = terms[index]
                guard Self.sequenceAt(words, position, term.words) else { continue }
                seenTerms.insert(index)
                let span = word.span.lowerBound..<words[position + term.words.count - 1].span.upperBound
                let isEmoji = term.words.allSatisfy { $0.unicodeScalars.first.map { $0.properties.isEmoji && $0.value > 0xFF } ?? false }
                hits.append(Hit(kind: isEmoji ? "emoji" : "term", category: term.category, weight: term.weight, label: term.label, span: span))
            }
        }
        for near in nears {
            var lefts: [Int] = [], rights: [Int] = []
            for position in words.indices {
                if Self.sequenceAt(words, position, near.left) { lefts.append(position) }
                if Self.sequenceAt(words, position, near.right) { rights.append(position) }
            }
            search: for l in lefts {
                for r in rights where abs(r - l) <= near.distance && r != l {
                    let a = min(l, r), z = max(l + near.left.count, r + near.right.count) - 1
                    hits.append(Hit(kind: "near", category: near.category, weight: near.weight, label: near.label,
                                    span: words[a].span.lowerBound..<words[min(z, words.count - 1)].span.upperBound))
                    break search
                }
            }
        }
        return hits
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
