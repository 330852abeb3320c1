/// What a screen decides for a signup or a profile edit.
public enum Decision: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Nothing ties the account to a banned actor strongly enough to act.
    case allow
    /// Evidence worth a person's look: hold or queue, do not act automatically.
    case review
    /// Strong evidence that a banned actor is back: block or suspend.
    case block

    private var rank: Int {
        switch self {
        case .allow: 0
        case .review: 1
        case .block: 2
        }
    }

    public static func < (lhs: Decision, rhs: Decision) -> Bool { lhs.rank < rhs.rank }
}

/// One reason behind a screen's risk: a signal the screened account shares with an account of a
/// banned actor (or a media or list match of its own), with the weight it carried.
public struct Evidence: Sendable, Hashable {
    /// What kind of signal: see ``SignalKind`` (plus `avatar-bank` and `list` for matches of the
    /// account's own avatar or text against banks, and `timing` for creation soon after a ban).
    public var kind: String
    /// The shared value as the screened account carries it (a canonical handle, a wallet, a
    /// digest of a private signal, an avatar hash); never the other account's private data.
    public var value: String
    /// The other account (nil for matches against banks and lists).
    public var account: String?
    /// The weight this evidence added, after its commonness discount, in [0, 1].
    public var weight: Double
    /// A sentence for the reviewer: how close, how common, which bank.
    public var detail: String

    public init(kind: String, value: String, account: String?, weight: Double, detail: String) {
        self.kind = kind
        self.value = value
        self.account = account
        self.weight = weight
        self.detail = detail
    }
}

/// The answer for one signup or profile edit.
public struct Screening: Sendable, Hashable {
    public var accountID: String
    public var at: Milliseconds
    /// How likely the account belongs to a banned actor (or carries banned media or a listed
    /// target), in [0, 1].
    public var risk: Double
    public var decision: Decision
    /// The banned account the screened one most likely belongs to (nil when none).
    public var bannedMatch: String?
    /// The actor of `bannedMatch` (an actor is named after one of its accounts).
    public var bannedActor: String?
    /// The screened account's own actor after this event.
    public var actor: String?
    /// Strongest first.
    public var evidence: [Evidence]
    /// True for the first event of this account id (signup), false for an edit.
    public var isSignup: Bool

    public init(accountID: String, at: Milliseconds, risk: Double = 0, decision: Decision = .allow, bannedMatch: String? = nil,
                bannedActor: String? = nil, actor: String? = nil, evidence: [Evidence] = [], isSignup: Bool = true) {
        self.accountID = accountID
        self.at = at
        self.risk = risk
        self.decision = decision
        self.bannedMatch = bannedMatch
        self.bannedActor = bannedActor
        self.actor = actor
        self.evidence = evidence
        self.isSignup = isSignup
    }
}
