/// Rules as data: a named, versioned list of rules read from YAML (see docs/policies.md), that
/// turns the engine's facts about one piece of content into a decision.
///
/// A policy is an immutable value, compiled once from its YAML into a tree of conditions; call
/// ``evaluate(_:)`` from any number of tasks at once.
public struct Policy: Sendable, Hashable {
    public let name: String
    /// At least 1; bumped on every change. Decisions record ``reference`` (name@version).
    public let version: Int
    public let description: String?
    public let rules: [Rule]

    public init(name: String, version: Int, description: String? = nil, rules: [Rule]) {
        self.name = name
        self.version = version
        self.description = description
        self.rules = rules
    }

    /// "name@version", what a decision records.
    public var reference: String { "\(name)@\(version)" }

    /// Rules in shadow mode.
    public var shadowRuleCount: Int { rules.reduce(0) { $0 + ($1.mode == .shadow ? 1 : 0) } }

    /// The decision for one input: every rule in order; an enforced `final` rule that fires
    /// stops the evaluation. Allocates only for the rules that fire (their reasons).
    public func evaluate(_ input: PolicyInput) -> PolicyOutcome {
        var fired: [FiredRule] = []
        var shadow: [FiredRule] = []
        for rule in rules where rule.condition.holds(for: input) {
            var reasons: [String] = []
            rule.condition.collectReasons(for: input, into: &reasons)
            let result = FiredRule(id: rule.id, actions: rule.actions, severity: rule.severity, queue: rule.queue,
                                   shadow: rule.mode == .shadow, reasons: reasons)
            if rule.mode == .shadow {
                shadow.append(result)
            } else {
                fired.append(result)
                if rule.final { break }
            }
        }
        return PolicyOutcome(fired: fired, shadow: shadow)
    }
}

/// Whether a rule acts.
public enum RuleMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// The rule's actions are taken.
    case enforce
    /// The rule is evaluated and logged when it fires, never acted on (and never final).
    case shadow
}

/// One rule: when its condition holds, it asks for its actions.
public struct Rule: Sendable, Hashable {
    public let id: String
    public let description: String?
    public let mode: RuleMode
    public let condition: Condition
    /// Non-empty; either `[allow]` or actions without `allow`.
    public let actions: [ActionKind]
    public let severity: Severity
    public let queue: String?
    /// When this enforced rule fires, later rules are not evaluated.
    public let final: Bool

    public init(id: String, description: String? = nil, mode: RuleMode = .enforce, condition: Condition,
                actions: [ActionKind], severity: Severity, queue: String? = nil, final: Bool = false) {
        self.id = id
        self.description = description
        self.mode = mode
        self.condition = condition
        self.actions = actions
        self.severity = severity
        self.queue = queue
        self.final = final
    }
}

/// A rule's condition, compiled from YAML.
public indirect enum Condition: Sendable, Hashable {
    /// Every condition holds.
    case all([Condition])
    /// At least one condition holds.
    case any([Condition])
    /// The condition does not hold.
    case not(Condition)
    /// At least one single media match passes every filter.
    case mediaMatch(MediaMatchFilter)
    /// At least one single list match passes every filter.
    case listMatch(ListMatchFilter)
    /// The solicitation band is at least `minimumBand` and the score at least `minimumScore`
    /// (each when given).
    case solicitation(minimumBand: SolicitationBand?, minimumScore: Double?)
    /// There is an evasion fact with risk at least `minimumRisk` and decision at least
    /// `minimumDecision` (each when given).
    case evasion(minimumRisk: Double?, minimumDecision: EvasionDecision?)
    /// There is an actor fact that passes the filter.
    case actor(ActorFilter)
    /// The content is of one of these kinds.
    case kind(Set<PolicyInput.ContentKind>)
    /// The input's `retroactive` flag equals this.
    case retroactive(Bool)
}

/// Filters of a `media_match` condition; nil means "any".
public struct MediaMatchFilter: Sendable, Hashable {
    public var banks: Set<String>?
    public var categories: Set<String>?
    public var excludeBanks: Set<String>
    public var excludeCategories: Set<String>
    public var signals: Set<MediaSignal>?
    /// 0…256; compared with the match's distance (always 0 for md5 and sha256).
    public var maxDistance: Int?

    public init(banks: Set<String>? = nil, categories: Set<String>? = nil, excludeBanks: Set<String> = [],
                excludeCategories: Set<String> = [], signals: Set<MediaSignal>? = nil, maxDistance: Int? = nil) {
        self.banks = banks
        self.categories = categories
        self.excludeBanks = excludeBanks
        self.excludeCategories = excludeCategories
        self.signals = signals
        self.maxDistance = maxDistance
    }

    /// Whether one match passes every filter. A match without a category fails `categories`
    /// and passes `excludeCategories`.
    public func accepts(_ match: MediaMatchFact) -> Bool {
        if let banks, !banks.contains(match.bank) { return false }
        if !excludeBanks.isEmpty, excludeBanks.contains(match.bank) { return false }
        if let categories {
            guard let category = match.category, categories.contains(category) else { return false }
        }
        if !excludeCategories.isEmpty, let category = match.category, excludeCategories.contains(category) { return false }
        if let signals, !signals.contains(match.signal) { return false }
        if let maxDistance, match.distance > maxDistance { return false }
        return true
    }
}

/// Filters of a `list_match` condition; nil means "any".
public struct ListMatchFilter: Sendable, Hashable {
    public var types: Set<String>?
    public var banks: Set<String>?
    public var excludeBanks: Set<String>

    public init(types: Set<String>? = nil, banks: Set<String>? = nil, excludeBanks: Set<String> = []) {
        self.types = types
        self.banks = banks
        self.excludeBanks = excludeBanks
    }

    public func accepts(_ match: ListMatchFact) -> Bool {
        if let types, !types.contains(match.type) { return false }
        if let banks, !banks.contains(match.bank) { return false }
        if !excludeBanks.isEmpty, excludeBanks.contains(match.bank) { return false }
        return true
    }
}

/// Filters of an `actor` condition; nil means "any". The condition is false when the input has
/// no actor fact, whatever the filters.
public struct ActorFilter: Sendable, Hashable {
    public var banned: Bool?
    public var authorBanned: Bool?
    public var minimumAccounts: Int?

    public init(banned: Bool? = nil, authorBanned: Bool? = nil, minimumAccounts: Int? = nil) {
        self.banned = banned
        self.authorBanned = authorBanned
        self.minimumAccounts = minimumAccounts
    }

    public func accepts(_ actor: ActorFact) -> Bool {
        if let banned, actor.banned != banned { return false }
        if let authorBanned, actor.authorBanned != authorBanned { return false }
        if let minimumAccounts, actor.accounts < minimumAccounts { return false }
        return true
    }
}
