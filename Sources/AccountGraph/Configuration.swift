/// How much each kind of shared value says, and when it stops saying it.
///
/// The weights are the engine's opinion, not a law: a platform back-tests its own history with
/// `bulwark accounts replay` and adjusts. Every figure here is reflected in the evidence a screen
/// returns, so a reviewer can always see why an account was held.
public struct LinkingConfiguration: Sendable, Hashable {
    /// One kind's part in linking.
    public struct KindPolicy: Sendable, Hashable {
        /// The weight of the evidence when the value is rare, in [0, 1].
        public var weight: Double
        /// Strong evidence can decide alone; weak evidence (an IP network, a handle pattern, a
        /// look-alike bio) counts only with a second, different kind beside it.
        public var strong: Bool
        /// How many other accounts may carry the value before it counts as common. Beyond that,
        /// the weight falls as `allowance / n`, unless most of the accounts that carry it are
        /// banned (a trader's wallet on forty banned accounts is not "common").
        public var allowance: Int
        /// Whether this kind alone joins two accounts into one actor. Values people own (a
        /// wallet, a handle, an e-mail, a payment card) do; values people share without knowing
        /// each other (a kiosk's device, a picture, a network) need a second kind beside them.
        public var linksAlone: Bool

        public init(weight: Double, strong: Bool, allowance: Int, linksAlone: Bool) {
            self.weight = weight
            self.strong = strong
            self.allowance = allowance
            self.linksAlone = linksAlone
        }
    }

    public var kinds: [SignalKind: KindPolicy] = [
        .handle: KindPolicy(weight: 0.9, strong: true, allowance: 12, linksAlone: true),
        .invite: KindPolicy(weight: 0.9, strong: true, allowance: 12, linksAlone: true),
        .link: KindPolicy(weight: 0.75, strong: true, allowance: 8, linksAlone: true),
        .domain: KindPolicy(weight: 0.3, strong: false, allowance: 4, linksAlone: false),
        .wallet: KindPolicy(weight: 0.95, strong: true, allowance: 12, linksAlone: true),
        .email: KindPolicy(weight: 0.9, strong: true, allowance: 4, linksAlone: true),
        .phone: KindPolicy(weight: 0.8, strong: true, allowance: 4, linksAlone: true),
        .device: KindPolicy(weight: 0.8, strong: true, allowance: 4, linksAlone: false),
        .ip: KindPolicy(weight: 0.3, strong: false, allowance: 3, linksAlone: false),
        .payment: KindPolicy(weight: 0.95, strong: true, allowance: 4, linksAlone: true),
        .avatar: KindPolicy(weight: 0.8, strong: false, allowance: 4, linksAlone: false),
        .bio: KindPolicy(weight: 0.5, strong: false, allowance: 4, linksAlone: false),
        .handlePattern: KindPolicy(weight: 0.35, strong: false, allowance: 3, linksAlone: false),
    ]

    /// Weak evidence lighter than this does not count as the second kind that corroborates.
    public var minimumCorroboration: Double = 0.1

    /// Avatars within this PDQ distance are compared at all (the exchanges' usual match radius).
    public var avatarRadius: Int = 31
    /// Up to this distance an avatar match is strong evidence; beyond, weak.
    public var avatarStrongDistance: Int = 20
    /// The avatar weight falls linearly from `kinds[.avatar].weight` at distance 0 to this at
    /// `avatarRadius`.
    public var avatarWeightAtRadius: Double = 0.4
    /// Two bios are near-duplicates when they share at least this many of the sketch's 8 bands.
    public var bioMinimumBands: Int = 3

    /// An account created within this long after a ban of an actor it is linked to adds weak
    /// "timing" evidence (traders come back within hours).
    public var timingWindow: Milliseconds = 72 * 3_600_000
    public var timingWeight: Double = 0.15

    /// Risk at or above which a screen answers `review`.
    public var reviewThreshold: Double = 0.5
    /// Risk at or above which a screen answers `block`.
    public var blockThreshold: Double = 0.85
    /// Risk from weak evidence alone, with fewer than two kinds of it, stays below this.
    public var uncorroboratedCap: Double = 0.45
    /// Two accounts are joined into one actor when the evidence between them reaches this (with
    /// the same corroboration rule). Links use commonness only, never ban state: who is banned
    /// must not change who is who.
    public var linkThreshold: Double = 0.6
    /// Own text that matches a list (a listed Telegram handle in the bio) adds this much risk.
    public var listMatchWeight: Double = 0.9

    /// Postings longer than this are not walked for one screen (a value this common carries no
    /// weight unless nearly all its accounts are banned, and then a sample suffices).
    public var maximumPostingsWalked: Int = 4_096
    /// Bio sketch bands held by more accounts than this are skipped: a bio shared that widely is
    /// a template, and its weight would be nearly nothing anyway.
    public var maximumBioBandPostings: Int = 64
    /// Evidence lighter than this is dropped before grouping.
    public var minimumWeight: Double = 0.02

    public init() {}

    func policy(_ kind: SignalKind) -> KindPolicy {
        kinds[kind] ?? KindPolicy(weight: 0, strong: false, allowance: 1, linksAlone: false)
    }

    /// Weight of a value carried by `others` other accounts, `banned` of them banned, when it is
    /// used as evidence *toward a banned actor*. Two things discount it: commonness (beyond the
    /// kind's allowance, `allowance / others`) and the share of its holders that are *not* banned
    /// (a device shared by one banned account and two others says less than a device whose every
    /// holder was banned). A value nearly all of whose holders are banned keeps its weight however
    /// many there are: that is a trader's wallet, not a popular one.
    func screenWeight(_ base: Double, allowance: Int, others: Int, banned: Int) -> Double {
        guard others > 0 else { return 0 }
        let n = Double(others), b = Double(min(banned, others))
        let commonness = min(1, Double(allowance) / n)
        let share = b / n
        return base * min(1, max(share * share, commonness * (1 + b) / (1 + n)))
    }

    /// Weight of the same value when it is used to join two accounts into one actor.
    func linkWeight(_ base: Double, allowance: Int, others: Int) -> Double {
        guard others > allowance else { return base }
        return base * Double(allowance) / Double(others)
    }

    /// Noisy-OR over the strongest evidence of each kind, with the corroboration rule: unless
    /// one strong kind weighs at least 0.5, it takes two kinds of at least
    /// `minimumCorroboration` to go above `uncorroboratedCap`. `extra` (creation timing) adds to
    /// the total but never corroborates: someone signs up within hours of every ban.
    func combine(_ byKind: [SignalKind: Double], extra: [Double] = []) -> Double {
        var miss = 1.0
        var strong = false
        var weakKinds = 0
        for (kind, weight) in byKind where weight > 0 {
            miss *= 1 - weight
            if policy(kind).strong && weight >= 0.5 { strong = true } else if weight >= minimumCorroboration { weakKinds += 1 }
        }
        for weight in extra where weight > 0 { miss *= 1 - weight }
        let risk = 1 - miss
        return strong || weakKinds >= 2 ? risk : min(risk, uncorroboratedCap)
    }

    func decision(for risk: Double) -> Decision {
        risk >= blockThreshold ? .block : risk >= reviewThreshold ? .review : .allow
    }
}
