import PDQ
import Signals

/// The kinds of value that can tie two accounts together. Each has a base weight, a strength
/// class and a commonness allowance in ``LinkingConfiguration``.
public enum SignalKind: String, Sendable, Hashable, CaseIterable {
    /// An off-platform handle, `platform:name` (`telegram:vipshop`), from a link, a handle written
    /// as prose, or a disguise the text pipeline undoes.
    case handle
    /// A group or channel invite link (Telegram, Discord, WhatsApp, Signal), canonical.
    case invite
    /// Any other link a bio or name carries, canonical.
    case link
    /// The registrable domain of such a link (weak: many people link the same site).
    case domain
    /// A cryptocurrency address, validated and canonical.
    case wallet
    case email
    case phone
    case device
    case ip
    case payment
    /// An avatar within a PDQ distance of another account's.
    case avatar
    /// A bio that is a near-duplicate of another (MinHash over character 5-grams).
    case bio
    /// The letters of a handle, without digits, separators or order (`vip_sara21` and
    /// `sara.vip23` are both `sara|vip`); used for the platform handle and off-platform names.
    case handlePattern = "handle-pattern"

    /// 4 bits, stored in the top of every index key.
    var code: UInt64 {
        switch self {
        case .handle: 1
        case .invite: 2
        case .link: 3
        case .domain: 4
        case .wallet: 5
        case .email: 6
        case .phone: 7
        case .device: 8
        case .ip: 9
        case .payment: 10
        case .avatar: 11
        case .bio: 12
        case .handlePattern: 13
        }
    }

    static let byCode: [SignalKind?] = {
        var table = [SignalKind?](repeating: nil, count: 16)
        for kind in SignalKind.allCases { table[Int(kind.code)] = kind }
        return table
    }()
}

/// One value an account carries, with the key it is indexed under.
public struct AccountSignal: Sendable, Hashable {
    public var kind: SignalKind
    /// What a reviewer sees: the canonical value (for private signals, what the platform sent).
    public var value: String
    /// `kind` in the top 4 bits, a keyed hash of the value below. Keys live only in memory, so
    /// Swift's per-process random hash seed is an advantage: nobody can craft a value that
    /// collides with someone else's wallet.
    var key: UInt64

    init(kind: SignalKind, value: String) {
        self.kind = kind
        self.value = value
        var hasher = Hasher()
        hasher.combine(kind.code)
        hasher.combine(value)
        self.key = SignalKey.make(kind, UInt64(bitPattern: Int64(hasher.finalize())))
    }

    init(kind: SignalKind, value: String, key: UInt64) {
        self.kind = kind
        self.value = value
        self.key = key
    }
}

enum SignalKey {
    static let payloadMask: UInt64 = (1 << 60) - 1

    static func make(_ kind: SignalKind, _ hash: UInt64) -> UInt64 {
        (kind.code << 60) | (hash & payloadMask)
    }

    static func kind(of key: UInt64) -> SignalKind? {
        SignalKind.byCode[Int(key >> 60)]
    }

    /// The key of an avatar hash: the hash itself folded to 60 bits (PDQ bits are already
    /// uniformly spread; equal avatars must share a key so their accounts share a posting).
    static func avatar(_ hash: PDQHash) -> UInt64 {
        let folded = hash.w0 ^ (hash.w1 &* 0x9E37_79B9_7F4A_7C15) ^ (hash.w2 &* 0xC2B2_AE3D_27D4_EB4F) ^ (hash.w3 &* 0x1656_67B1_9E37_79F9)
        return make(.avatar, folded)
    }
}

/// Everything one profile event contributes: its signals, avatar and bio sketch, and what its text
/// matched on the lists.
struct ProfileSignals {
    var signals: [AccountSignal] = []
    var avatar: PDQHash?
    /// Band keys of the bio's MinHash sketch (empty for short bios).
    var bioBands: [UInt64] = []
    var listMatches: [SignalLists.Match] = []
}

/// Turns a profile into signals: names and bio through the text pipeline, private signals lightly
/// normalised, the handle into its pattern, the bio into a sketch.
struct SignalExtractor: Sendable {
    var scanner: TextScanner
    var limits: ProfileLimits

    func extract(_ profile: AccountProfile) -> ProfileSignals {
        var out = ProfileSignals()
        var seen = Set<UInt64>()
        func add(_ kind: SignalKind, _ value: String) {
            guard !value.isEmpty, value.utf8.count <= limits.maximumValueBytes else { return }
            let signal = AccountSignal(kind: kind, value: value)
            if seen.insert(signal.key).inserted { out.signals.append(signal) }
        }

        // Public text: display name and bio, scanned together so a handle split across them
        // ("✈️" in the name, the name in the bio) is still read.
        let text = [profile.displayName, profile.bio].compactMap { $0 }.joined(separator: "\n")
        if !text.isEmpty {
            let result = scanner.scan(text)
            for finding in result.findings {
                switch finding.kind {
                case .url:
                    guard let url = finding.url else { continue }
                    if let handle = url.handle {
                        add(.handle, handle)
                        addPattern(of: handle, add)
                    } else if url.isInvite {
                        add(.invite, url.string)
                    } else {
                        add(.link, url.string)
                        if let domain = url.registrableDomain { add(.domain, domain) }
                    }
                case .handle:
                    add(.handle, finding.value)
                    addPattern(of: finding.value, add)
                case .wallet: add(.wallet, finding.value)
                case .email: add(.email, Self.normaliseEmail(finding.value))
                case .phone: add(.phone, Self.normalisePhone(finding.value))
                }
            }
            out.listMatches = result.matches
        }
        if let bio = profile.bio { out.bioBands = BioSketch.bands(of: bio) }
        if let handle = profile.handle { addPattern(of: handle, add) }

        let privateSignals = profile.signals
        if let email = privateSignals.email { add(.email, Self.normaliseEmail(email)) }
        if let phone = privateSignals.phone { add(.phone, Self.normalisePhone(phone)) }
        for device in privateSignals.devices.prefix(limits.maximumValuesPerKind) { add(.device, Self.normaliseOpaque(device)) }
        for ip in privateSignals.ips.prefix(limits.maximumValuesPerKind) { add(.ip, Self.normaliseOpaque(ip)) }
        for payment in privateSignals.payments.prefix(limits.maximumValuesPerKind) { add(.payment, Self.normaliseOpaque(payment)) }
        out.avatar = profile.avatarPDQ
        return out
    }

    private func addPattern(of handle: String, _ add: (SignalKind, String) -> Void) {
        // `telegram:name` → the name; the platform is not part of the pattern.
        let name = handle.firstIndex(of: ":").map { String(handle[handle.index(after: $0)...]) } ?? handle
        if let pattern = HandlePattern.of(name) { add(.handlePattern, pattern) }
    }

    /// A 64-hex digest as it is; otherwise trimmed, lower-cased, `+tag` removed from the local part.
    static func normaliseEmail(_ raw: String) -> String {
        let value = normaliseOpaque(raw)
        if isDigest(value) { return value }
        let lower = value.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return lower }
        var local = lower[..<at]
        if let plus = local.firstIndex(of: "+") { local = local[..<plus] }
        return String(local) + String(lower[at...])
    }

    /// A 64-hex digest as it is; otherwise only its digits (`+1 (555) 010-0000` → `15550100000`).
    static func normalisePhone(_ raw: String) -> String {
        let value = normaliseOpaque(raw)
        if isDigest(value) { return value }
        let digits = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0.value >= 0x30 && $0.value <= 0x39 }))
        return digits.isEmpty ? value : digits
    }

    /// Trimmed of surrounding white space; hex digests lower-cased (platforms differ in case).
    static func normaliseOpaque(_ raw: String) -> String {
        let trimmed = raw.trimmingWhitespace()
        return isHex(trimmed) ? trimmed.lowercased() : trimmed
    }

    static func isDigest(_ value: String) -> Bool { value.utf8.count == 64 && isHex(value) }

    static func isHex(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }
}

/// Bounds on what one profile can add to the index: an account is hostile input too.
public struct ProfileLimits: Sendable, Hashable {
    /// Devices, IPs and payments each: values beyond this many are ignored.
    public var maximumValuesPerKind: Int = 32
    /// Longer values are ignored (a device id is not a novel).
    public var maximumValueBytes: Int = 512
    public init() {}
}

/// The letters of a handle as an order-free set of tokens: `vip_sara21`, `sara.vip23` and
/// `SARA_VIP` are all `sara|vip`. Digits and separators are dropped (re-created accounts count
/// up), look-alike letters were already folded by the caller when it matters, and tokens shorter
/// than two letters carry nothing. Patterns with fewer than four letters are too common to keep.
enum HandlePattern {
    static func of(_ handle: String) -> String? {
        var tokens: [String] = []
        var current: [UInt8] = []
        func flush() {
            if current.count >= 2 { tokens.append(String(decoding: current, as: UTF8.self)) }
            current.removeAll(keepingCapacity: true)
        }
        for byte in Normalizer.unicode(handle).bytes {
            switch byte {
            case 0x41...0x5A: current.append(byte | 0x20)
            case 0x61...0x7A, 0x80...0xFF: current.append(byte)
            default: flush()
            }
        }
        flush()
        guard tokens.reduce(0, { $0 + $1.utf8.count }) >= 4 else { return nil }
        return Set(tokens).sorted().joined(separator: "|")
    }
}

/// A MinHash sketch of a bio over character 5-grams of its letters and digits, cut into bands for
/// locality-sensitive lookup: two bios that share a band are candidates, and the number of bands
/// they share estimates how alike they are. Bios shorter than `minimumLength` letters and digits
/// are not sketched: "hi ✨" is everyone's bio.
enum BioSketch {
    static let shingle = 5
    static let bandCount = 8
    static let rowsPerBand = 2
    static let minimumLength = 24
    static let maximumLength = 4_096

    private static let seeds: [UInt64] = (0..<(bandCount * rowsPerBand)).map { mix(UInt64($0) &+ 0x5BD1_E995) }

    static func bands(of bio: String) -> [UInt64] {
        var chars: [UInt32] = []
        chars.reserveCapacity(min(bio.unicodeScalars.count, maximumLength))
        for scalar in bio.unicodeScalars {
            guard chars.count < maximumLength else { break }
            let properties = scalar.properties
            guard properties.isAlphabetic || properties.numericType != nil else { continue }
            if scalar.isASCII, scalar.value >= 0x41, scalar.value <= 0x5A {
                chars.append(scalar.value | 0x20)
            } else {
                chars.append(properties.lowercaseMapping.unicodeScalars.first?.value ?? scalar.value)
            }
        }
        guard chars.count >= minimumLength else { return [] }
        var minima = [UInt64](repeating: .max, count: seeds.count)
        for start in 0...(chars.count - shingle) {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for offset in 0..<shingle {
                h = (h ^ UInt64(chars[start + offset])) &* 0x0000_0100_0000_01B3
            }
            for (i, seed) in seeds.enumerated() {
                let value = mix(h ^ seed)
                if value < minima[i] { minima[i] = value }
            }
        }
        var keys: [UInt64] = []
        keys.reserveCapacity(bandCount)
        for band in 0..<bandCount {
            var h = mix(UInt64(band) &+ 0x1000)
            for row in 0..<rowsPerBand { h = mix(h ^ minima[band * rowsPerBand + row]) }
            keys.append(SignalKey.make(.bio, h))
        }
        return keys
    }

    /// SplitMix64's finaliser: a cheap, well-mixed 64-bit permutation.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
