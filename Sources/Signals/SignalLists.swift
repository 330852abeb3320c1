import Crypto
import WalletAddress

/// The kinds of list entry, as hotlines and signal-sharing programmes distribute them.
public enum ListType: String, Sendable, Hashable, CaseIterable, Codable {
    /// A URL; matches the same page and everything under it (path prefix), on any scheme.
    case url
    /// A host; matches it and its subdomains.
    case domain
    /// `platform:name`; a Telegram handle also matches t.me links to the name.
    case handle
    /// A cryptocurrency address; matched on its canonical form (bech32 and ETH case-insensitive).
    case wallet
    /// A word or phrase; matched on whole words of the normalised text.
    case keyword
    /// MD5 (hex) of a canonical URL, as hotline URL lists are distributed.
    case urlMD5 = "url-md5"
    /// SHA-256 (hex) of a canonical URL.
    case urlSHA256 = "url-sha256"
}

/// One list entry as loaded: the value exactly as the list wrote it, and where it came from.
public struct ListItem: Sendable, Hashable {
    public var id: Int64
    public var bankId: Int64
    public var type: ListType
    public var value: String

    public init(id: Int64, bankId: Int64, type: ListType, value: String) {
        self.id = id
        self.bankId = bankId
        self.type = type
        self.value = value
    }
}

/// What a bank means to list matching, applied when results are read (disabling a bank of a
/// million entries is one record).
public struct ListBank: Sendable, Hashable {
    public var id: Int64
    public var name: String
    public var enabled: Bool
    /// A negative (allow) list: its entries suppress other banks' matches of the same target.
    public var isNegative: Bool

    public init(id: Int64, name: String, enabled: Bool = true, isNegative: Bool = false) {
        self.id = id
        self.name = name
        self.enabled = enabled
        self.isNegative = isNegative
    }
}

/// A list entry that cannot be matched, with the reason (reported at load, never fatal).
public struct ListItemProblem: Sendable, Hashable, CustomStringConvertible {
    public var entry: ListItem
    public var reason: String
    public var description: String { "\(entry.type.rawValue) \(entry.value): \(reason)" }
}

/// List entries indexed by canonical lookup key. Lookups are dictionary probes: a post with a
/// handful of links costs a few dozen probes whatever the number of entries.
///
/// A value type: a follower applies changes to its copy and publishes the result; readers keep
/// the snapshot they started with.
public struct SignalLists: Sendable {
    /// Lookup key → ids of entries. Keys are prefixed by kind: `u:` URL without scheme, `d:` host,
    /// `h:` handle, `w:` wallet, `m:`/`s:` URL digests.
    private var index: [String: [Int64]] = [:]
    /// Keywords by their first word (lower case), with all their words.
    private var keywordIndex: [String: [(words: [String], id: Int64)]] = [:]
    public private(set) var entries: [Int64: ListItem] = [:]
    public private(set) var banks: [Int64: ListBank] = [:]
    private var keysById: [Int64: [String]] = [:]
    public private(set) var hasURLDigests = false

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public mutating func setBank(_ bank: ListBank) { banks[bank.id] = bank }

    public mutating func removeBank(id: Int64) {
        banks[id] = nil
        for (entryId, entry) in entries where entry.bankId == id { remove(entryId: entryId) }
    }

    /// Adds (or replaces) an entry. Returns a problem when the value cannot be matched as its type
    /// says (the entry is still kept under its literal value, so nothing is silently lost).
    @discardableResult
    public mutating func add(_ entry: ListItem) -> ListItemProblem? {
        if entries[entry.id] != nil { remove(entryId: entry.id) }
        let (keys, problem) = Self.keys(for: entry)
        entries[entry.id] = entry
        keysById[entry.id] = keys
        for key in keys {
            if key.hasPrefix("k:") {
                let words = key.dropFirst(2).split(separator: " ").map(String.init)
                if let first = words.first { keywordIndex[first, default: []].append((words, entry.id)) }
            } else {
                index[key, default: []].append(entry.id)
            }
        }
        if entry.type == .urlMD5 || entry.type == .urlSHA256 { hasURLDigests = true }
        return problem
    }

    public mutating func remove(entryId: Int64) {
        guard let keys = keysById.removeValue(forKey: entryId) else { return }
        entries[entryId] = nil
        for key in keys {
            if key.hasPrefix("k:") {
                let first = key.dropFirst(2).split(separator: " ").first.map(String.init) ?? ""
                keywordIndex[first]?.removeAll { $0.id == entryId }
                if keywordIndex[first]?.isEmpty == true { keywordIndex[first] = nil }
            } else {
                index[key]?.removeAll { $0 == entryId }
                if index[key]?.isEmpty == true { index[key] = nil }
            }
        }
    }

    // MARK: - Keys

    /// The lookup keys of a list entry.
    static func keys(for entry: ListItem) -> ([String], ListItemProblem?) {
        let value = entry.value.trimmingASCIIWhitespace()
        func problem(_ reason: String) -> ListItemProblem { ListItemProblem(entry: entry, reason: reason) }
        switch entry.type {
        case .url:
            guard let url = CanonicalURL.parse(value) else {
                return (["u:" + value], problem("not a URL Bulwark can read; matched only as written"))
            }
            var keys = ["u:" + urlKey(url)]
            if let handle = url.handle { keys.append("h:" + handle) }
            return (keys, nil)
        case .domain:
            var text = value.lowercased()
            if let range = text.firstRange(of: "://") { text = String(text[range.upperBound...]) }
            if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
            guard let url = CanonicalURL.parse(text), url.path == "/" else {
                return (["d:" + text], problem("not a host name; matched only as written"))
            }
            return (["d:" + stripWWW(url.host)], nil)
        case .handle:
            guard let colon = value.firstIndex(of: ":") else {
                return (["h:" + value.lowercased()], problem("a handle is written platform:name"))
            }
            let platform = Services.canonicalPlatform(String(value[..<colon]).trimmingASCIIWhitespace())
            var name = String(value[value.index(after: colon)...]).trimmingASCIIWhitespace()
            if name.hasPrefix("@") { name.removeFirst() }
            if platform == "whatsapp" || platform == "viber" { name = CanonicalURL.digitsOnly(name) }
            return (["h:" + platform + ":" + name.lowercased()], nil)
        case .wallet:
            if let wallet = WalletParser.parse(Substring(value)) { return (["w:" + wallet.canonical], nil) }
            return (["w:" + value], problem("not a valid address of a known chain (checksum or format); matched only as written"))
        case .keyword:
            let words = Lexicon.words(of: value)
            guard !words.isEmpty else { return ([], problem("no words in the keyword")) }
            return (["k:" + words.joined(separator: " ")], nil)
        case .urlMD5, .urlSHA256:
            let hex = value.lowercased()
            let length = entry.type == .urlMD5 ? 32 : 64
            guard hex.utf8.count == length, hex.utf8.allSatisfy(Hex.isHex) else {
                return ([], problem("expected \(length) hex digits"))
            }
            return ([(entry.type == .urlMD5 ? "m:" : "s:") + hex], nil)
        }
    }

    static func stripWWW(_ host: String) -> String {
        host.hasPrefix("www.") && host.utf8.count > 4 ? String(host.dropFirst(4)) : host
    }

    /// A URL's key: host (without "www.") and the rest, without the scheme.
    static func urlKey(_ url: CanonicalURL) -> String {
        var copy = url
        copy.host = stripWWW(url.host)
        return copy.withoutScheme
    }

    // MARK: - Matching

    /// One match of a finding or keyword against an entry.
    public struct Match: Sendable, Hashable {
        public var entry: ListItem
        public var bank: ListBank
        /// What in the post matched, canonical (the URL, handle, wallet, or keyword words).
        public var target: String
        public var span: Range<Int>
    }

    /// Every entry of an enabled, positive bank that one finding matches, after negative banks.
    func matches(for finding: Finding) -> [Match] {
        let keys = lookupKeys(for: finding)
        var positive: [Match] = []
        var suppressed = false
        var seen = Set<Int64>()
        for key in keys {
            guard let ids = index[key] else { continue }
            for id in ids where seen.insert(id).inserted {
                guard let entry = entries[id], let bank = banks[entry.bankId], bank.enabled else { continue }
                if bank.isNegative { suppressed = true; continue }
                positive.append(Match(entry: entry, bank: bank, target: finding.value, span: finding.span))
            }
        }
        return suppressed ? [] : positive
    }

    /// The keys under which a finding is looked up: the URL, its path prefixes, its host and
    /// parent domains down to the registrable one, its service handle, its digests.
    func lookupKeys(for finding: Finding) -> [String] {
        switch finding.kind {
        case .url:
            guard let url = finding.url else { return [] }
            var keys: [String] = []
            let host = Self.stripWWW(url.host)
            var base = url
            base.host = host
            base.query = nil
            base.fragment = nil
            keys.append("u:" + Self.urlKey(url))
            // Path prefixes on segment boundaries, the root included.
            var prefix = host + (url.port.map { ":\($0)" } ?? "")
            keys.append("u:" + prefix + "/")
            let segments = url.path.split(separator: "/")
            for segment in segments.dropLast(url.query == nil ? 1 : 0) {
                prefix += "/" + segment
                keys.append("u:" + prefix)
            }
            // Host and parents, down to the registrable domain.
            var domain = Substring(host)
            let stop = url.registrableDomain.map(Self.stripWWW)
            while true {
                keys.append("d:" + domain)
                if let stop, domain == stop { break }
                guard let dot = domain.firstIndex(of: ".") else { break }
                domain = domain[domain.index(after: dot)...]
                if !domain.contains(".") { break }
            }
            if let handle = url.handle { keys.append("h:" + handle) }
            if hasURLDigests {
                for text in Self.digestForms(of: url) {
                    keys.append("m:" + Hex.encode(Insecure.MD5.hash(data: Array(text.utf8))))
                    keys.append("s:" + Hex.encode(SHA256.hash(data: Array(text.utf8))))
                }
            }
            return keys
        case .email:
            guard let at = finding.value.lastIndex(of: "@") else { return [] }
            var keys: [String] = []
            var domain = finding.value[finding.value.index(after: at)...]
            while domain.contains(".") {
                keys.append("d:" + Self.stripWWW(String(domain)))
                guard let dot = domain.firstIndex(of: ".") else { break }
                domain = domain[domain.index(after: dot)...]
            }
            return keys
        case .handle:
            return ["h:" + finding.value]
        case .wallet:
            return ["w:" + finding.value]
        case .phone:
            return []
        }
    }

    /// The spellings of a URL whose digests hotline lists may carry: both schemes, with and
    /// without a trailing slash and "www.".
    static func digestForms(of url: CanonicalURL) -> [String] {
        var forms: [String] = []
        let rest = url.withoutScheme
        let hosts = [url.host] + (url.host.hasPrefix("www.") ? [stripWWW(url.host)] : ["www." + url.host])
        for scheme in ["https://", "http://"] {
            for host in hosts {
                let body = host + rest.dropFirst(url.host.utf8.count)
                forms.append(scheme + body)
                if body.hasSuffix("/") { forms.append(scheme + body.dropLast()) } else if url.query == nil { forms.append(scheme + body + "/") }
            }
        }
        return forms
    }

    /// Keyword entries found in a text's words.
    func keywordMatches(_ words: [Lexicon.Word]) -> [Match] {
        guard !keywordIndex.isEmpty else { return [] }
        var result: [Match] = []
        for (position, word) in words.enumerated() {
            guard let candidates = keywordIndex[word.text] else { continue }
            for candidate in candidates where position + candidate.words.count <= words.count {
                var ok = true
                for (k, w) in candidate.words.enumerated() where words[position + k].text != w { ok = false; break }
                guard ok, let entry = entries[candidate.id], let bank = banks[entry.bankId], bank.enabled, !bank.isNegative else { continue }
                let span = word.span.lowerBound..<words[position + candidate.words.count - 1].span.upperBound
                result.append(Match(entry: entry, bank: bank, target: candidate.words.joined(separator: " "), span: span))
            }
        }
        return result
    }
}

// MARK: - List files

/// Reads list files: one entry per line, `TYPE VALUE`; `#` at the start of a line (after
/// optional spaces) starts a comment, as does ` #` after the value for every type but `url`
/// (where `#` can be part of the URL). Blank lines are skipped.
public enum ListFile {
    public struct LineError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The longest value accepted (a URL list line longer than this is an error, not a crash).
    public static let maximumValueLength = 4096

    /// Parses a list file's text. Malformed lines are returned as errors, with their numbers;
    /// the good lines are still returned.
    public static func parse(_ text: String) -> (entries: [(type: ListType, value: String, line: Int)], errors: [LineError]) {
        var entries: [(ListType, String, Int)] = []
        var errors: [LineError] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                errors.append(LineError(line: number, reason: "expected `TYPE VALUE` (types: \(ListType.allCases.map(\.rawValue).joined(separator: ", ")))"))
                continue
            }
            let typeName = trimmed[..<space].lowercased()
            guard let type = ListType(rawValue: typeName) else {
                errors.append(LineError(line: number, reason: "unknown type \"\(String(typeName.prefix(40)))\"; expected one of \(ListType.allCases.map(\.rawValue).joined(separator: ", "))"))
                continue
            }
            var value = trimmed[space...].drop { $0 == " " || $0 == "\t" }
            if type != .url, let comment = value.firstRange(of: " #") ?? value.firstRange(of: "\t#") { value = value[..<comment.lowerBound] }
            while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
            guard !value.isEmpty else {
                errors.append(LineError(line: number, reason: "the \(type.rawValue) has no value"))
                continue
            }
            guard value.utf8.count <= maximumValueLength else {
                errors.append(LineError(line: number, reason: "the value is \(value.utf8.count) bytes; the limit is \(maximumValueLength)"))
                continue
            }
            entries.append((type, String(value), number))
        }
        return (entries, errors)
    }
}
