extension Condition {
    /// Whether the condition holds for the input. No allocation: only comparisons and set lookups.
    public func holds(for input: PolicyInput) -> Bool {
        switch self {
        case .all(let conditions):
            for condition in conditions where !condition.holds(for: input) { return false }
            return true
        case .any(let conditions):
            for condition in conditions where condition.holds(for: input) { return true }
            return false
        case .not(let condition):
            return !condition.holds(for: input)
        case .mediaMatch(let filter):
            for match in input.mediaMatches where filter.accepts(match) { return true }
            return false
        case .listMatch(let filter):
            for match in input.listMatches where filter.accepts(match) { return true }
            return false
        case .solicitation(let band, let score):
            if let band, input.solicitationBand < band { return false }
            if let score, input.solicitationScore < score { return false }
            return true
        case .evasion(let risk, let decision):
            guard let evasion = input.evasion else { return false }
            if let risk, evasion.risk < risk { return false }
            if let decision, evasion.decision < decision { return false }
            return true
        case .actor(let filter):
            guard let actor = input.actor else { return false }
            return filter.accepts(actor)
        case .kind(let kinds):
            return kinds.contains(input.kind)
        case .retroactive(let wanted):
            return input.retroactive == wanted
        }
    }

    /// Sentences for the parts of a condition that hold (call only when it holds): every part of
    /// `all`, every part of `any` that holds, the first media or list match that passes.
    public func reasons(for input: PolicyInput) -> [String] {
        var reasons: [String] = []
        collectReasons(for: input, into: &reasons)
        return reasons
    }

    func collectReasons(for input: PolicyInput, into reasons: inout [String]) {
        switch self {
        case .all(let conditions):
            for condition in conditions { condition.collectReasons(for: input, into: &reasons) }
        case .any(let conditions):
            for condition in conditions where condition.holds(for: input) {
                condition.collectReasons(for: input, into: &reasons)
            }
        case .not(let condition):
            reasons.append("not (\(condition.summary))")
        case .mediaMatch(let filter):
            guard let match = input.mediaMatches.first(where: filter.accepts) else { return }
            var sentence = "media matched bank \(match.bank)"
            if let category = match.category { sentence += " (category \(category))" }
            sentence += " by \(match.signal.rawValue)"
            if match.signal == .pdq { sentence += " at distance \(match.distance)" }
            reasons.append(sentence)
        case .listMatch(let filter):
            guard let match = input.listMatches.first(where: filter.accepts) else { return }
            reasons.append("listed \(match.type) \(match.value) (bank \(match.bank))")
        case .solicitation(let band, let score):
            var sentence = "solicitation band \(input.solicitationBand.rawValue), score \(Self.format(input.solicitationScore))"
            var limits: [String] = []
            if let band { limits.append("band at least \(band.rawValue)") }
            if let score { limits.append("score at least \(Self.format(score))") }
            sentence += " (\(limits.joined(separator: ", ")))"
            reasons.append(sentence)
        case .evasion(let risk, let decision):
            guard let evasion = input.evasion else { return }
            var sentence = "evasion risk \(Self.format(evasion.risk)), decision \(evasion.decision.rawValue)"
            if let actor = evasion.bannedActor { sentence += ", banned actor \(actor)" }
            var limits: [String] = []
            if let risk { limits.append("risk at least \(Self.format(risk))") }
            if let decision { limits.append("decision at least \(decision.rawValue)") }
            sentence += " (\(limits.joined(separator: ", ")))"
            reasons.append(sentence)
        case .actor(let filter):
            guard let actor = input.actor else { return }
            var parts: [String] = []
            if let banned = filter.banned { parts.append(banned ? "is banned" : "is not banned") }
            if let authorBanned = filter.authorBanned {
                parts.append(authorBanned ? "the author's account is banned" : "the author's account is not banned")
            }
            if let minimum = filter.minimumAccounts { parts.append("has \(actor.accounts) accounts (at least \(minimum))") }
            reasons.append("actor \(actor.id) " + parts.joined(separator: ", "))
        case .kind:
            reasons.append("content is a \(input.kind.rawValue)")
        case .retroactive(let wanted):
            reasons.append(wanted ? "retroactive re-evaluation after a new bank entry" : "not a retroactive re-evaluation")
        }
    }

    /// The condition in words, e.g. "media match outside categories canary"; used for `not` in
    /// reasons and by `bulwark policy check`.
    public var summary: String {
        switch self {
        case .all(let conditions):
            return "all of (" + conditions.map(\.summary).joined(separator: "; ") + ")"
        case .any(let conditions):
            return "any of (" + conditions.map(\.summary).joined(separator: "; ") + ")"
        case .not(let condition):
            return "not (\(condition.summary))"
        case .mediaMatch(let f):
            var text = "media match"
            if let banks = f.banks { text += " in \(Self.list("bank", banks))" }
            if !f.excludeBanks.isEmpty { text += " outside \(Self.list("bank", f.excludeBanks))" }
            if let categories = f.categories { text += " with \(Self.list("category", categories, plural: "categories"))" }
            if !f.excludeCategories.isEmpty {
                text += " outside \(Self.list("category", f.excludeCategories, plural: "categories"))"
            }
            if let signals = f.signals { text += " by " + signals.map(\.rawValue).sorted().joined(separator: " or ") }
            if let distance = f.maxDistance { text += " within distance \(distance)" }
            return text
        case .listMatch(let f):
            var text = "list match"
            if let types = f.types { text += " of \(Self.list("type", types))" }
            if let banks = f.banks { text += " in \(Self.list("bank", banks))" }
            if !f.excludeBanks.isEmpty { text += " outside \(Self.list("bank", f.excludeBanks))" }
            return text
        case .solicitation(let band, let score):
            var parts: [String] = []
            if let band { parts.append("band at least \(band.rawValue)") }
            if let score { parts.append("score at least \(Self.format(score))") }
            return "solicitation " + parts.joined(separator: " and ")
        case .evasion(let risk, let decision):
            var parts: [String] = []
            if let risk { parts.append("risk at least \(Self.format(risk))") }
            if let decision { parts.append("decision at least \(decision.rawValue)") }
            return "evasion " + parts.joined(separator: " and ")
        case .actor(let f):
            var parts: [String] = []
            if let banned = f.banned { parts.append(banned ? "banned" : "not banned") }
            if let authorBanned = f.authorBanned { parts.append(authorBanned ? "author banned" : "author not banned") }
            if let minimum = f.minimumAccounts { parts.append("at least \(minimum) accounts") }
            return "actor " + parts.joined(separator: ", ")
        case .kind(let kinds):
            return "kind " + PolicyInput.ContentKind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: " or ")
        case .retroactive(let wanted):
            return wanted ? "retroactive" : "not retroactive"
        }
    }

    private static func list(_ noun: String, _ values: Set<String>, plural: String? = nil) -> String {
        let sorted = values.sorted()
        return (sorted.count == 1 ? noun : plural ?? noun + "s") + " " + sorted.joined(separator: ", ")
    }

    /// A score or risk with at most three decimals: 0.6 → "0.6", 0.72549 → "0.725".
    static func format(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 1e12 else { return "\(value)" }
        let rounded = (value * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return "\(rounded)"
    }
}
