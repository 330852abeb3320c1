import Foundation
import Yams

extension Policy {
    /// Reads and checks a policy. The whole document is checked: the error thrown is the first
    /// problem by position, with up to 19 more in `more`, each with its line and column.
    public static func parse(_ yaml: String, source: String = "policy") throws(PolicyError) -> Policy {
        guard let root = try YAMLReader.compose(yaml, source: source) else {
            throw PolicyError(source: source, message: "the document is empty; expected a mapping with 'policy', 'version' and 'rules'")
        }
        let reader = YAMLReader(source: source)
        let policy = PolicyParser(reader: reader).policy(root)
        if let error = PolicyError.combining(reader.errors) { throw error }
        guard let policy else {
            throw PolicyError(source: source, message: "the policy could not be read")
        }
        return policy
    }

    /// Reads and checks a policy file (refusing files over 1 MiB before reading them); errors
    /// name the file by `path`.
    public static func load(path: String) throws(PolicyError) -> Policy {
        try parse(readTextFile(path), source: path)
    }
}

/// The text of a file of at most 1 MiB, as UTF-8.
func readTextFile(_ path: String) throws(PolicyError) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw PolicyError(source: path, message: "no such file")
    }
    guard !isDirectory.boolValue else { throw PolicyError(source: path, message: "is a directory, not a file") }
    let attributes: [FileAttributeKey: Any]
    do {
        attributes = try FileManager.default.attributesOfItem(atPath: path)
    } catch {
        throw PolicyError(source: path, message: "cannot read the file: \(error.localizedDescription)")
    }
    if let size = (attributes[.size] as? NSNumber)?.intValue, size > YAMLReader.maximumBytes {
        throw PolicyError(source: path, message: "the document is \(size) bytes; the limit is \(YAMLReader.maximumBytes) (1 MiB)")
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw PolicyError(source: path, message: "cannot read the file")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw PolicyError(source: path, message: "the file is not UTF-8 text")
    }
    return text
}

/// Policy YAML → `Policy`, reporting every problem to the reader.
struct PolicyParser {
    let reader: YAMLReader

    static let topKeys = ["policy", "version", "description", "rules"]
    static let ruleKeys = ["id", "description", "mode", "when", "then", "final"]
    static let thenKeys = ["actions", "severity", "queue"]
    static let conditionKeys = ["all", "any", "not", "media_match", "list_match", "solicitation", "evasion", "actor",
                                "kind", "retroactive"]
    static let mediaKeys = ["banks", "categories", "exclude_banks", "exclude_categories", "signals", "max_distance"]
    static let listKeys = ["types", "banks", "exclude_banks"]
    static let solicitationKeys = ["band", "min_score"]
    static let evasionKeys = ["min_risk", "decision"]
    static let actorKeys = ["banned", "author_banned", "min_accounts"]

    /// Names: rule ids, `[a-z0-9][a-z0-9_-]*`; queues and the policy name also allow capitals,
    /// dots and colons.
    static func isRuleID(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 64 else { return false }
        func ok(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("0"..."9").contains(c) }
        return ok(first) && s.unicodeScalars.allSatisfy { ok($0) || $0 == "-" || $0 == "_" }
    }

    static func isName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 64 else { return false }
        func ok(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) }
        return ok(first) && s.unicodeScalars.allSatisfy { ok($0) || "-_.:".unicodeScalars.contains($0) }
    }

    func policy(_ root: Node) -> Policy? {
        guard case .mapping = root else {
            reader.fail("a policy must be a mapping with 'policy', 'version' and 'rules', got \(YAMLReader.describe(root))", at: root)
            return nil
        }
        guard let entries = reader.mapping(root, "the policy") else { return nil }
        var elsewhere: [String: String] = [:]
        for key in Self.ruleKeys where key != "description" { elsewhere[key] = "in a rule under 'rules'" }
        for key in Self.thenKeys { elsewhere[key] = "under 'then' of a rule" }
        reader.checkKeys(entries, allowed: Self.topKeys, location: "at the top level",
                         synonyms: ["name": "policy", "rule": "rules"], elsewhere: elsewhere)
        var name: String?
        var version: Int?
        var description: String?
        var rules: [Rule]?
        var ok = true
        for entry in entries {
            switch entry.key {
            case "policy":
                name = reader.string(entry.value, "'policy' (the policy's name)")
                if let value = name, !Self.isName(value) {
                    reader.fail("the policy name '\(value)' must be 1 to 64 letters, digits, '-', '_', '.' or ':', starting with a letter or digit", at: entry.value)
                    name = nil
                }
                if name == nil { ok = false }
            case "version":
                version = reader.integer(entry.value, "'version'", in: 1...Int.max)
                if version == nil { ok = false }
            case "description":
                description = reader.string(entry.value, "'description'")
            case "rules":
                rules = self.rules(entry.value)
                if rules == nil { ok = false }
            default:
                break
            }
        }
        let present = Set(entries.map(\.key))
        if !present.contains("policy") { reader.fail("missing 'policy' (the policy's name) at the top level", at: root) }
        if !present.contains("version") { reader.fail("missing 'version' (an integer, at least 1) at the top level", at: root) }
        if !present.contains("rules") { reader.fail("missing 'rules' (the list of rules) at the top level", at: root) }
        guard ok, let name, let version, let rules else { return nil }
        return Policy(name: name, version: version, description: description, rules: rules)
    }

    func rules(_ node: Node) -> [Rule]? {
        guard let items = reader.list(node, "'rules'", single: false) else { return nil }
        var rules: [Rule] = []
        var ok = true
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            guard reader.visit(item) else { return nil }
            if let rule = self.rule(item, number: index + 1, seen: &seen) { rules.append(rule) } else { ok = false }
        }
        return ok ? rules : nil
    }

    func rule(_ node: Node, number: Int, seen: inout [String: Int]) -> Rule? {
        guard let entries = reader.mapping(node, "rule #\(number)") else { return nil }
        // The id first, so that every other message can name the rule.
        var id: String?
        if let entry = entries.first(where: { $0.key == "id" }), let value = reader.string(entry.value, "'id'") {
            if !Self.isRuleID(value) {
                reader.fail("the rule id '\(value)' must be 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit", at: entry.value)
            } else if let line = seen[value] {
                reader.fail("duplicate rule id '\(value)' (first used on line \(line))", at: entry.value)
            } else {
                seen[value] = entry.value.mark?.line ?? 0
                id = value
            }
        }
        let label = id.map { "rule '\($0)'" } ?? "rule #\(number)"
        var elsewhere: [String: String] = [:]
        for key in Self.thenKeys { elsewhere[key] = "under 'then'" }
        for key in Self.conditionKeys { elsewhere[key] = "under 'when'" }
        reader.checkKeys(entries, allowed: Self.ruleKeys, location: "in \(label)",
                         synonyms: ["if": "when", "condition": "when", "do": "then", "action": "then", "name": "id"],
                         elsewhere: elsewhere)

        var description: String?
        var mode = RuleMode.enforce
        var condition: Condition?
        var then: (actions: [ActionKind], severity: Severity, queue: String?)?
        var final = false
        var ok = id != nil
        for entry in entries {
            switch entry.key {
            case "description":
                description = reader.string(entry.value, "'description'")
            case "mode":
                if let value = reader.choice(entry.value, "'mode'", RuleMode.self, noun: "mode") { mode = value } else { ok = false }
            case "when":
                condition = self.condition(entry.value, depth: 1, label: label)
                if condition == nil { ok = false }
            case "then":
                then = self.then(entry.value, label: label)
                if then == nil { ok = false }
            case "final":
                if let value = reader.bool(entry.value, "'final'") { final = value } else { ok = false }
            default:
                break
            }
        }
        let present = Set(entries.map(\.key))
        if !present.contains("id") { reader.fail("missing 'id' in \(label)", at: node) }
        if !present.contains("when") { reader.fail("missing 'when' (the condition) in \(label)", at: node) }
        if !present.contains("then") { reader.fail("missing 'then' (actions and severity) in \(label)", at: node) }
        guard ok, let id, let condition, let then else { return nil }
        return Rule(id: id, description: description, mode: mode, condition: condition, actions: then.actions,
                    severity: then.severity, queue: then.queue, final: final)
    }

    func then(_ node: Node, label: String) -> (actions: [ActionKind], severity: Severity, queue: String?)? {
        guard let entries = reader.mapping(node, "'then' of \(label)") else { return nil }
        reader.checkKeys(entries, allowed: Self.thenKeys, location: "in 'then' of \(label)",
                         synonyms: ["action": "actions", "do": "actions"],
                         elsewhere: ["final": "at the rule level, beside 'then'", "mode": "at the rule level, beside 'then'",
                                     "id": "at the rule level, beside 'then'"])
        var actions: [ActionKind]?
        var severity: Severity?
        var queue: String?
        var ok = true
        for entry in entries {
            switch entry.key {
            case "actions":
                actions = self.actions(entry.value)
                if actions == nil { ok = false }
            case "severity":
                severity = reader.choice(entry.value, "'severity'", Severity.self, noun: "severity")
                if severity == nil { ok = false }
            case "queue":
                queue = reader.string(entry.value, "'queue'")
                if let value = queue, !Self.isName(value) {
                    reader.fail("the queue name '\(value)' must be 1 to 64 letters, digits, '-', '_', '.' or ':', starting with a letter or digit", at: entry.value)
                    queue = nil
                }
                if queue == nil { ok = false }
            default:
                break
            }
        }
        let present = Set(entries.map(\.key))
        if !present.contains("actions") { reader.fail("missing 'actions' in 'then' of \(label)", at: node) }
        if !present.contains("severity") { reader.fail("missing 'severity' (low, medium, high or critical) in 'then' of \(label)", at: node) }
        if let actions, !present.contains("queue"), actions.contains(.holdForReview) || actions.contains(.report) {
            reader.fail("missing 'queue' in 'then' of \(label): it is required when the actions include hold_for_review or report", at: node)
            ok = false
        }
        guard ok, let actions, let severity else { return nil }
        return (actions, severity, queue)
    }

    func actions(_ node: Node) -> [ActionKind]? {
        guard let items = reader.list(node, "'actions'") else { return nil }
        var actions: [ActionKind] = []
        var ok = true
        for item in items {
            guard reader.visit(item) else { return nil }
            guard let action = reader.choice(item, "each of 'actions'", ActionKind.self, noun: "action") else {
                ok = false
                continue
            }
            if actions.contains(action) {
                reader.fail("action '\(action.rawValue)' is listed twice", at: item)
                ok = false
            } else if action == .allow && items.count > 1 {
                reader.fail("'allow' cannot be combined with other actions (a rule either allows or acts)", at: item)
                ok = false
            }
            actions.append(action)
        }
        return ok ? actions : nil
    }

    // MARK: Conditions

    func condition(_ node: Node, depth: Int, label: String) -> Condition? {
        guard reader.visit(node) else { return nil }
        guard depth <= YAMLReader.maximumDepth else {
            reader.fail("conditions are nested more than \(YAMLReader.maximumDepth) levels deep", at: node)
            return nil
        }
        guard case .mapping = node else {
            reader.fail("a condition must be a mapping with one key (\(Self.conditionKeys.joined(separator: ", "))), got \(YAMLReader.describe(node))", at: node)
            return nil
        }
        guard let entries = reader.mapping(node, "a condition") else { return nil }
        var elsewhere: [String: String] = [:]
        for key in ["banks", "exclude_banks"] { elsewhere[key] = "under media_match or list_match" }
        for key in ["categories", "exclude_categories", "signals", "max_distance"] { elsewhere[key] = "under media_match" }
        elsewhere["types"] = "under list_match"
        for key in Self.solicitationKeys { elsewhere[key] = "under solicitation" }
        for key in Self.evasionKeys { elsewhere[key] = "under evasion" }
        for key in Self.actorKeys { elsewhere[key] = "under actor" }
        for key in Self.thenKeys { elsewhere[key] = "under 'then', beside 'when'" }
        reader.checkKeys(entries, allowed: Self.conditionKeys, location: "in \(label)",
                         synonyms: ["and": "all", "or": "any", "none": "not", "media": "media_match", "list": "list_match",
                                    "lists": "list_match", "kinds": "kind"],
                         elsewhere: elsewhere, noun: "condition")
        let known = entries.filter { Self.conditionKeys.contains($0.key) }
        guard known.count == entries.count else { return nil }
        guard let entry = entries.first else {
            reader.fail("empty condition; expected one of: \(Self.conditionKeys.joined(separator: ", "))", at: node)
            return nil
        }
        guard entries.count == 1 else {
            let keys = entries.map { "'\($0.key)'" }.joined(separator: ", ")
            reader.fail("a condition has exactly one key, found \(entries.count): \(keys) (combine them with 'all' or 'any')", at: node)
            return nil
        }
        let value = entry.value
        switch entry.key {
        case "all", "any":
            guard let items = reader.list(value, "'\(entry.key)'", single: false) else { return nil }
            var conditions: [Condition] = []
            var ok = true
            for item in items {
                if let c = condition(item, depth: depth + 1, label: label) { conditions.append(c) } else { ok = false }
            }
            guard ok else { return nil }
            return entry.key == "all" ? .all(conditions) : .any(conditions)
        case "not":
            return condition(value, depth: depth + 1, label: label).map(Condition.not)
        case "media_match":
            return mediaMatch(value).map(Condition.mediaMatch)
        case "list_match":
            return listMatch(value).map(Condition.listMatch)
        case "solicitation":
            return solicitation(value)
        case "evasion":
            return evasion(value)
        case "actor":
            return actor(value).map(Condition.actor)
        case "kind":
            return reader.choices(value, "'kind'", PolicyInput.ContentKind.self, noun: "kind").map { .kind(Set($0)) }
        case "retroactive":
            return reader.bool(value, "'retroactive'").map(Condition.retroactive)
        default:
            return nil
        }
    }

    /// The entries of a filter mapping; `media_match:` with nothing after it counts as `{}`.
    private func filterEntries(_ node: Node, _ name: String, allowed: [String], emptyAllowed: Bool) -> [YAMLReader.Entry]? {
        if emptyAllowed, case .scalar = node, node.tagName == .null { return [] }
        guard let entries = reader.mapping(node, name) else { return nil }
        reader.checkKeys(entries, allowed: allowed, location: "in \(name)",
                         synonyms: ["bank": "banks", "category": "categories", "type": "types", "signal": "signals",
                                    "distance": "max_distance", "score": "min_score", "risk": "min_risk",
                                    "accounts": "min_accounts"])
        guard entries.allSatisfy({ allowed.contains($0.key) }) else { return nil }
        if !emptyAllowed && entries.isEmpty {
            reader.fail("\(name) needs at least one of: \(allowed.joined(separator: ", "))", at: node)
            return nil
        }
        return entries
    }

    func mediaMatch(_ node: Node) -> MediaMatchFilter? {
        guard let entries = filterEntries(node, "media_match", allowed: Self.mediaKeys, emptyAllowed: true) else { return nil }
        var filter = MediaMatchFilter()
        var ok = true
        for entry in entries {
            let what = "'\(entry.key)'"
            switch entry.key {
            case "banks":
                if let v = reader.strings(entry.value, what) { filter.banks = Set(v) } else { ok = false }
            case "categories":
                if let v = reader.strings(entry.value, what) { filter.categories = Set(v) } else { ok = false }
            case "exclude_banks":
                if let v = reader.strings(entry.value, what) { filter.excludeBanks = Set(v) } else { ok = false }
            case "exclude_categories":
                if let v = reader.strings(entry.value, what) { filter.excludeCategories = Set(v) } else { ok = false }
            case "signals":
                if let v = reader.choices(entry.value, what, MediaSignal.self, noun: "signal") { filter.signals = Set(v) } else { ok = false }
            case "max_distance":
                if let v = reader.integer(entry.value, what, in: 0...256) { filter.maxDistance = v } else { ok = false }
            default:
                ok = false
            }
        }
        return ok ? filter : nil
    }

    func listMatch(_ node: Node) -> ListMatchFilter? {
        guard let entries = filterEntries(node, "list_match", allowed: Self.listKeys, emptyAllowed: true) else { return nil }
        var filter = ListMatchFilter()
        var ok = true
        for entry in entries {
            let what = "'\(entry.key)'"
            switch entry.key {
            case "types":
                guard let items = reader.list(entry.value, what) else { ok = false; continue }
                var types: Set<String> = []
                for item in items {
                    guard reader.visit(item) else { return nil }
                    if let t = reader.word(item, "each of 'types'", among: ListMatchFact.types, noun: "list type") {
                        types.insert(t)
                    } else {
                        ok = false
                    }
                }
                filter.types = types
            case "banks":
                if let v = reader.strings(entry.value, what) { filter.banks = Set(v) } else { ok = false }
            case "exclude_banks":
                if let v = reader.strings(entry.value, what) { filter.excludeBanks = Set(v) } else { ok = false }
            default:
                ok = false
            }
        }
        return ok ? filter : nil
    }

    func solicitation(_ node: Node) -> Condition? {
        guard let entries = filterEntries(node, "solicitation", allowed: Self.solicitationKeys, emptyAllowed: false) else { return nil }
        var band: SolicitationBand?
        var score: Double?
        var ok = true
        for entry in entries {
            switch entry.key {
            case "band":
                band = reader.choice(entry.value, "'band'", SolicitationBand.self, noun: "band")
                if band == nil { ok = false }
            case "min_score":
                score = reader.number(entry.value, "'min_score'", in: 0...1)
                if score == nil { ok = false }
            default:
                ok = false
            }
        }
        return ok ? .solicitation(minimumBand: band, minimumScore: score) : nil
    }

    func evasion(_ node: Node) -> Condition? {
        guard let entries = filterEntries(node, "evasion", allowed: Self.evasionKeys, emptyAllowed: false) else { return nil }
        var risk: Double?
        var decision: EvasionDecision?
        var ok = true
        for entry in entries {
            switch entry.key {
            case "min_risk":
                risk = reader.number(entry.value, "'min_risk'", in: 0...1)
                if risk == nil { ok = false }
            case "decision":
                decision = reader.choice(entry.value, "'decision'", EvasionDecision.self, noun: "decision")
                if decision == nil { ok = false }
            default:
                ok = false
            }
        }
        return ok ? .evasion(minimumRisk: risk, minimumDecision: decision) : nil
    }

    func actor(_ node: Node) -> ActorFilter? {
        guard let entries = filterEntries(node, "actor", allowed: Self.actorKeys, emptyAllowed: false) else { return nil }
        var filter = ActorFilter()
        var ok = true
        for entry in entries {
            switch entry.key {
            case "banned":
                if let v = reader.bool(entry.value, "'banned'") { filter.banned = v } else { ok = false }
            case "author_banned":
                if let v = reader.bool(entry.value, "'author_banned'") { filter.authorBanned = v } else { ok = false }
            case "min_accounts":
                if let v = reader.integer(entry.value, "'min_accounts'", in: 1...1_000_000) { filter.minimumAccounts = v } else { ok = false }
            default:
                ok = false
            }
        }
        return ok ? filter : nil
    }
}
