/// The Public Suffix List (https://publicsuffix.org): which parts of a host name are controlled
/// by a registry ("com", "co.uk", "github.io") rather than by whoever registered the name below.
/// Bulwark uses it to reduce a URL's host to the domain someone registered ("a.b.example.co.uk"
/// → "example.co.uk"), which is what block lists and reputation are keyed by, and to decide
/// whether "word.word" in prose is a domain at all.
///
/// Hosts passed in are expected in canonical ASCII form, as `IDNA.toASCII` produces: punycode
/// labels, no trailing dot. ASCII letters are matched case-insensitively anyway; results are
/// slices of the argument, so they keep its case.
///
/// Lookups walk the host from its last label leftwards, hashing as they go, and probe one
/// open-addressing table per label until no listed rule can extend the suffix seen so far; they
/// allocate nothing. A host with empty labels is malformed: `publicSuffix(of:)` never looks past
/// an empty label, and `registrableDomain(of:)` returns nil.
public struct PublicSuffixList: Sendable {
    /// The list embedded in the library (Sources/DomainNames/Data/public_suffix_list.dat, compiled
    /// in by scripts/gen-psl.sh), parsed on first use.
    public static let shared = PublicSuffixList(parsing: publicSuffixListText)

    /// Whether rules from the list's PRIVATE section (suffixes that companies hand out, such as
    /// "github.io" or "blogspot.com") count. The default, true, is what browsers do for cookies
    /// and what separates one user's site from another's on shared hosting; set it to false (or
    /// use `icannOnly`) to get the domain as registered with an ICANN registry ("github.io"
    /// rather than "alice.github.io").
    public var includesPrivateRules = true

    /// This list with only the ICANN section's rules in effect.
    public var icannOnly: PublicSuffixList {
        var copy = self
        copy.includesPrivateRules = false
        return copy
    }

    // A class reference, so copying the list (into a lookup's closure context, say) costs one
    // retain rather than one per array.
    private let table: SuffixTable
    /// The number of rules parsed.
    let ruleCount: Int
    /// Rules that could not be used (a "*" other than as the whole leftmost label, a name that is
    /// not a valid host), kept for tests and diagnostics.
    var droppedRules: [String] { table.droppedRules }

    /// Parses the list's text format: one rule per line, read up to the first white space; lines
    /// starting with "//" are comments; "*.ck" is a wildcard (any one label under "ck"), "!www.ck"
    /// an exception to a wildcard; "// ===BEGIN PRIVATE DOMAINS===" through "// ===END PRIVATE
    /// DOMAINS===" delimit the private section, and rules outside it count as ICANN rules.
    /// Rules written in Unicode ("公司.cn") are stored in their ASCII form ("xn--55qx5d.cn") so
    /// that they match hosts from `IDNA.toASCII`.
    public init(parsing text: String) {
        var flagsByName: [String: UInt8] = [:]
        var isPrivate = false
        var ruleCount = 0
        var dropped: [String] = []

        for rawLine in text.utf8.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }) {
            let line = Substring(rawLine).drop(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("//") {
                if line.hasPrefix("// ===BEGIN PRIVATE DOMAINS===") {
                    isPrivate = true
                } else if line.hasPrefix("// ===END PRIVATE DOMAINS===")
                    || line.hasPrefix("// ===BEGIN ICANN DOMAINS===") {
                    isPrivate = false
                }
                continue
            }
            let rule = line.prefix(while: { $0 != " " && $0 != "\t" })
            if rule.isEmpty { continue }
            ruleCount += 1

            var name = rule
            var kind = RuleFlags.rule
            if name.hasPrefix("!") {
                name = name.dropFirst()
                kind = RuleFlags.exception
            } else if name.hasPrefix("*.") {
                name = name.dropFirst(2)
                kind = RuleFlags.wildcard
            }
            guard !name.contains("*"), let ascii = IDNA.toASCII(name),
                  kind != RuleFlags.exception || ascii.utf8.contains(IDNA.dot) else {
                dropped.append(String(rule))
                continue
            }
            let section = isPrivate ? RuleFlags.privateMask : RuleFlags.icannMask
            flagsByName[ascii, default: 0] |= kind & section
            // Every suffix of a rule is a node, so a lookup knows to keep going left.
            var suffix = ascii[...]
            while true {
                flagsByName[String(suffix), default: 0] |= RuleFlags.node & section
                guard let dotIndex = suffix.utf8.firstIndex(of: IDNA.dot) else { break }
                suffix = suffix[suffix.utf8.index(after: dotIndex)...]
            }
        }
        table = SuffixTable(flagsByName, droppedRules: dropped)
        self.ruleCount = ruleCount
    }

    /// The public suffix of `host` by the PSL algorithm: the longest matching rule, with an
    /// exception rule prevailing and the implicit rule "*" (any single last label) applying when
    /// nothing else matches, so "example.zzz" has the suffix "zzz". A host that is itself a
    /// suffix is returned whole; an empty host or one ending in a dot gives an empty suffix.
    public func publicSuffix(of host: Substring) -> Substring {
        let start = withContiguousUTF8(host) { suffixStart($0) }
        return host[host.utf8.index(host.utf8.startIndex, offsetBy: start)...]
    }

    /// The registrable domain of `host` (its public suffix plus one more label: "example.co.uk"
    /// for "www.example.co.uk"), or nil when there is none: the host is itself a public suffix
    /// ("co.uk", "com", "localhost" by the implicit rule) or is malformed (empty, a leading or
    /// trailing dot, an empty label).
    public func registrableDomain(of host: Substring) -> Substring? {
        let start: Int? = withContiguousUTF8(host) { p in
            let n = p.count
            guard n > 0, p[0] != IDNA.dot, p[n - 1] != IDNA.dot else { return nil }
            for i in 1..<n where p[i] == IDNA.dot && p[i - 1] == IDNA.dot { return nil }
            let suffix = suffixStart(p)
            guard suffix > 0 else { return nil }
            var start = suffix - 1  // the dot before the suffix
            while start > 0 && p[start - 1] != IDNA.dot { start -= 1 }
            return start
        }
        guard let start else { return nil }
        return host[host.utf8.index(host.utf8.startIndex, offsetBy: start)...]
    }

    /// Whether the host's last label is a top-level domain the list knows (some rule in effect
    /// ends in it, including wildcard-only TLDs such as "bd"). Meant for telling "example.com"
    /// from "file.txt" or "e.g" in prose; false for an empty host, a trailing dot and unlisted
    /// names such as "localhost" or "zzz".
    public func hasKnownTLD(_ host: Substring) -> Bool {
        let mask = flagMask
        return withContiguousUTF8(host) { p in
            var h = SuffixTable.seed
            var i = p.count
            while i > 0 && p[i - 1] != IDNA.dot {
                i -= 1
                h = SuffixTable.step(h, IDNA.lowerASCII(p[i]))
            }
            guard i < p.count else { return false }
            return table.flags(hash: h, host: p, start: i) & mask & RuleFlags.node != 0
        }
    }

    // MARK: - Matching

    private var flagMask: UInt8 { includesPrivateRules ? 0xFF : RuleFlags.icannMask }

    /// The UTF-8 offset where the public suffix of `p` starts.
    ///
    /// The suffixes of the host are visited shortest first: s1 = last label, s2 = last two
    /// labels, ... . The hash of each is the previous hash continued over the new bytes (the
    /// hash runs right to left), so the whole walk costs one pass over the bytes it covers. It
    /// stops at the first suffix that is no rule's suffix, since no longer rule can match then.
    private func suffixStart(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        let n = p.count
        let mask = flagMask
        var h = SuffixTable.seed
        var position = n  // start of the suffix matched so far (s0 = "" at the end)
        var result = n
        var parentIsWildcard = false
        var labels = 0
        while true {
            var i = position
            if labels > 0 {
                i -= 1  // the dot before the previous suffix
                h = SuffixTable.step(h, IDNA.dot)
            }
            let labelEnd = i
            while i > 0 && p[i - 1] != IDNA.dot {
                i -= 1
                h = SuffixTable.step(h, IDNA.lowerASCII(p[i]))
            }
            if i == labelEnd { break }  // empty label: nothing to the left counts
            labels += 1
            let flags = table.flags(hash: h, host: p, start: i) & mask
            if flags & RuleFlags.exception != 0 {
                // "!www.ck": the public suffix is the rule minus its leftmost label, and an
                // exception prevails over every other rule.
                return position
            }
            if labels == 1 || parentIsWildcard || flags & RuleFlags.rule != 0 {
                result = i  // longer matches replace shorter ones
            }
            guard flags & RuleFlags.node != 0, i > 0 else { break }
            parentIsWildcard = flags & RuleFlags.wildcard != 0
            position = i
        }
        return result
    }
}

/// Per-name flags, each in an ICANN and a PRIVATE variant (even and odd bits), so one table
/// serves both `includesPrivateRules` settings.
enum RuleFlags {
    /// The name is a rule.
    static let rule: UInt8 = 0b0000_0011
    /// "*.name" is a rule.
    static let wildcard: UInt8 = 0b0000_1100
    /// "!name" is a rule.
    static let exception: UInt8 = 0b0011_0000
    /// The name is a suffix of some rule (or a rule itself).
    static let node: UInt8 = 0b1100_0000
    static let icannMask: UInt8 = 0b0101_0101
    static let privateMask: UInt8 = 0b1010_1010
}

/// Runs `body` on the UTF-8 bytes of `text`, copying only if they are not contiguous in memory
/// (never for native Swift strings).
@inline(__always)
func withContiguousUTF8<R>(_ text: Substring, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = String(text)
    return copy.withUTF8(body)
}

/// An immutable open-addressing hash table from lower-case ASCII names to `RuleFlags`, with the
/// names' bytes in one buffer. Lookups take a hash computed by the caller over the name's bytes
/// from last to first, which lets `suffixStart` extend a suffix's hash a label at a time. The
/// contents are fixed, so the longest probe sequence is fixed too: crafted hosts cannot make
/// lookups slower than the table's worst cluster.
///
/// The storage is raw memory owned by this object, so lookups touch no reference counts and no
/// bounds checks; it is written only in `init`, which is why the class is safe to share between
/// threads (`@unchecked Sendable`).
final class SuffixTable: @unchecked Sendable {
    private struct Slot {
        var tag: UInt32 = 0
        var offset: UInt32 = 0
        var length: UInt16 = 0  // 0: empty slot (no name is empty)
        var flags: UInt8 = 0
    }

    private let slots: UnsafeMutableBufferPointer<Slot>
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let mask: Int
    private let maxLength: Int
    let droppedRules: [String]

    static let seed: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a offset basis

    @inline(__always)
    static func step(_ h: UInt64, _ byte: UInt8) -> UInt64 {
        (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3  // FNV-1a prime
    }

    /// Mixes all bits into the low ones (FNV alone leaves the low bits of short keys weak).
    @inline(__always)
    private static func finish(_ h: UInt64) -> UInt64 {
        var x = h
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    init(_ flagsByName: [String: UInt8], droppedRules: [String]) {
        var capacity = 16
        while capacity < flagsByName.count * 5 / 2 { capacity *= 2 }  // load factor ≤ 0.4
        let slots = UnsafeMutableBufferPointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot())
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(
            capacity: max(1, flagsByName.keys.reduce(0) { $0 + $1.utf8.count }))
        var used = 0
        var maxLength = 0
        let mask = capacity - 1
        for (name, flags) in flagsByName {
            var h = Self.seed
            for byte in name.utf8.reversed() { h = Self.step(h, byte) }
            let f = Self.finish(h)
            var i = Int(truncatingIfNeeded: f) & mask
            while slots[i].length != 0 { i = (i + 1) & mask }
            let length = name.utf8.count
            slots[i] = Slot(tag: UInt32(truncatingIfNeeded: f >> 32), offset: UInt32(used),
                            length: UInt16(length), flags: flags)
            _ = UnsafeMutableBufferPointer(rebasing: bytes[used...]).initialize(from: name.utf8)
            used += length
            maxLength = max(maxLength, length)
        }
        self.slots = slots
        self.bytes = bytes
        self.mask = mask
        self.maxLength = maxLength
        self.droppedRules = droppedRules
    }

    deinit {
        slots.deallocate()
        bytes.deallocate()
    }

    /// The flags of the name `host[start...]` (ASCII letters compared case-insensitively), whose
    /// reversed bytes hash to `hash`, or 0 if the name is not in the table.
    @inline(__always)
    func flags(hash: UInt64, host: UnsafeBufferPointer<UInt8>, start: Int) -> UInt8 {
        let length = host.count - start
        guard length <= maxLength else { return 0 }
        let f = Self.finish(hash)
        let tag = UInt32(truncatingIfNeeded: f >> 32)
        var i = Int(truncatingIfNeeded: f) & mask
        let slots = UnsafePointer(self.slots.baseAddress.unsafelyUnwrapped)
        let bytes = UnsafePointer(self.bytes.baseAddress.unsafelyUnwrapped)
        let host = host.baseAddress.unsafelyUnwrapped + start
        while true {
            let slot = slots[i]
            if slot.length == 0 { return 0 }
            if slot.tag == tag && Int(slot.length) == length {
                let name = bytes + Int(slot.offset)
                var j = 0
                while j < length && name[j] == IDNA.lowerASCII(host[j]) { j += 1 }
                if j == length { return slot.flags }
            }
            i = (i + 1) & mask
        }
    }
}
