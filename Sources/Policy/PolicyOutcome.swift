/// What a rule asks for. Raw values are the names used in policy files and decisions.
public enum ActionKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Refuse the upload (the content never appears).
    case blockUpload = "block_upload"
    /// Take down content that is already up.
    case remove
    /// Suspend the actor behind the account (every account of it).
    case suspendActor = "suspend_actor"
    /// Put the content in a review queue for a person.
    case holdForReview = "hold_for_review"
    /// File a report with the hotline.
    case report
    /// Explicitly nothing: the rule records that it matched and asks for no action. Never mixed
    /// with other actions in one rule, and never in an outcome's `actions`.
    case allow

    /// The order of `PolicyOutcome.actions`: the most drastic first, review last.
    public static let canonicalOrder: [ActionKind] = [.blockUpload, .remove, .suspendActor, .report, .holdForReview]

    var bit: UInt8 {
        switch self {
        case .blockUpload: 1
        case .remove: 2
        case .suspendActor: 4
        case .holdForReview: 8
        case .report: 16
        case .allow: 32
        }
    }
}

/// How bad a rule's match is: low < medium < high < critical.
public enum Severity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case low, medium, high, critical

    var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        case .critical: 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// What happens to the content itself: allow < review < remove < block.
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Nothing is done to the content.
    case allow
    /// The content is held for a person (`hold_for_review`).
    case review
    /// The content is taken down (`remove`).
    case remove
    /// The upload is refused (`block_upload`).
    case block

    var rank: Int {
        switch self {
        case .allow: 0
        case .review: 1
        case .remove: 2
        case .block: 3
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// A rule whose condition held.
public struct FiredRule: Sendable, Hashable, Codable {
    public var id: String
    public var actions: [ActionKind]
    public var severity: Severity
    public var queue: String?
    /// The rule is in shadow mode: logged, never acted on.
    public var shadow: Bool
    /// Human sentences saying which conditions held, e.g.
    /// "media matched bank ncmec (category A1) by pdq at distance 12".
    public var reasons: [String]

    public init(id: String, actions: [ActionKind], severity: Severity, queue: String?, shadow: Bool, reasons: [String]) {
        self.id = id
        self.actions = actions
        self.severity = severity
        self.queue = queue
        self.shadow = shadow
        self.reasons = reasons
    }
}

/// The decision for one input.
public struct PolicyOutcome: Sendable, Hashable, Codable {
    /// Enforced rules that fired, in policy order.
    public var fired: [FiredRule]
    /// Shadow-mode rules that fired, in policy order: logged, never acted on.
    public var shadow: [FiredRule]
    /// The union of the fired rules' actions in canonical order (block_upload, remove,
    /// suspend_actor, report, hold_for_review); never `allow`. Empty means allow.
    public var actions: [ActionKind]
    public var verdict: Verdict
    /// The highest severity among the fired rules (nil when none fired).
    public var severity: Severity?
    /// The queue of the highest-severity fired rule that has one; among equals, the first in order.
    public var queue: String?

    public init(fired: [FiredRule] = [], shadow: [FiredRule] = []) {
        self.fired = fired
        self.shadow = shadow
        var mask: UInt8 = 0
        var severity: Severity? = nil
        var queue: String? = nil
        var queueSeverity: Severity? = nil
        for rule in fired {
            for action in rule.actions { mask |= action.bit }
            if severity.map({ rule.severity > $0 }) ?? true { severity = rule.severity }
            if let q = rule.queue, queueSeverity.map({ rule.severity > $0 }) ?? true {
                queue = q
                queueSeverity = rule.severity
            }
        }
        actions = mask == 0 ? [] : ActionKind.canonicalOrder.filter { mask & $0.bit != 0 }
        verdict = mask & ActionKind.blockUpload.bit != 0 ? .block
            : mask & ActionKind.remove.bit != 0 ? .remove
            : mask & ActionKind.holdForReview.bit != 0 ? .review
            : .allow
        self.severity = severity
        self.queue = queue
    }

    /// True when nothing is to be done (no action).
    public var isAllow: Bool { actions.isEmpty }
}
