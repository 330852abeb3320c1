import Foundation
import Yams

/// A test case for a policy: an input and what the policy should decide for it. Case files are
/// YAML (JSON is YAML): one case as a mapping, or several as a list of mappings.
///
/// ```yaml
/// name: known media on a post is blocked and reported
/// input:
///   kind: post
///   media_matches: [{bank: known-hashes, category: A1, signal: pdq, distance: 12}]
/// expect:
///   verdict: block
///   actions: [block_upload, report, hold_for_review]
///   rules: [known-media]
///   shadow: []
///   severity: critical
///   queue: known-media
/// ```
public struct PolicyCase: Sendable, Hashable {
    public var name: String
    public var input: PolicyInput
    public var expect: Expectation
    /// "file:line" of the case, for messages.
    public var location: String

    public init(name: String, input: PolicyInput, expect: Expectation, location: String = "") {
        self.name = name
        self.input = input
        self.expect = expect
        self.location = location
    }

    /// What the outcome must be; nil is "not checked".
    public struct Expectation: Sendable, Hashable {
        public var verdict: Verdict?
        /// Compared as a set.
        public var actions: Set<ActionKind>?
        /// The exact set of enforced rules that fired.
        public var rules: Set<String>?
        /// The exact set of shadow rules that fired.
        public var shadow: Set<String>?
        /// `.some(nil)`: no rule may fire (YAML `severity: null`).
        public var severity: Severity??
        /// `.some(nil)`: no queue (YAML `queue: null`).
        public var queue: String??

        public init(verdict: Verdict? = nil, actions: Set<ActionKind>? = nil, rules: Set<String>? = nil,
                    shadow: Set<String>? = nil, severity: Severity?? = nil, queue: String?? = nil) {
            self.verdict = verdict
            self.actions = actions
            self.rules = rules
            self.shadow = shadow
            self.severity = severity
            self.queue = queue
        }
    }

    /// The cases of one case file; `source` names the file in errors (all problems of the file,
    /// each with line and column, up to 20).
    public static func parse(_ yaml: String, source: String) throws(PolicyError) -> [PolicyCase] {
        guard let root = try YAMLReader.compose(yaml, source: source) else {
            throw PolicyError(source: source, message: "the case file is empty; expected a case (name, input, expect) or a list of cases")
        }
        let reader = YAMLReader(source: source)
        let defaultName = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        var cases: [PolicyCase] = []
        switch root {
        case .sequence(let items) where !items.isEmpty:
            for (index, item) in items.enumerated() {
                guard reader.visit(item) else { break }
                if let c = CaseParser(reader: reader).testCase(item, defaultName: "\(defaultName) #\(index + 1)") { cases.append(c) }
            }
        case .mapping:
            if let c = CaseParser(reader: reader).testCase(root, defaultName: defaultName) { cases.append(c) }
        default:
            reader.fail("a case file must be a case (a mapping with name, input and expect) or a list of cases, got \(YAMLReader.describe(root))", at: root)
        }
        if let error = PolicyError.combining(reader.errors) { throw error }
        return cases
    }

    /// The cases of a case file on disk (at most 1 MiB).
    public static func load(path: String) throws(PolicyError) -> [PolicyCase] {
        try parse(readTextFile(path), source: path)
    }

    /// The differences between an outcome and the expectation; empty when the case passes.
    public func mismatches(_ outcome: PolicyOutcome) -> [String] {
        var problems: [String] = []
        func list(_ values: [String]) -> String { "[" + values.joined(separator: ", ") + "]" }
        if let verdict = expect.verdict, verdict != outcome.verdict {
            problems.append("expected verdict \(verdict.rawValue), got \(outcome.verdict.rawValue)")
        }
        if let actions = expect.actions, actions != Set(outcome.actions) {
            let expected = ActionKind.allCases.filter(actions.contains).sorted { a, b in
                (ActionKind.canonicalOrder.firstIndex(of: a) ?? 99) < (ActionKind.canonicalOrder.firstIndex(of: b) ?? 99)
            }
            problems.append("expected actions \(list(expected.map(\.rawValue))), got \(list(outcome.actions.map(\.rawValue)))")
        }
        if let rules = expect.rules, rules != Set(outcome.fired.map(\.id)) {
            problems.append("expected rules \(list(rules.sorted())), got \(list(outcome.fired.map(\.id)))")
        }
        if let shadow = expect.shadow, shadow != Set(outcome.shadow.map(\.id)) {
            problems.append("expected shadow rules \(list(shadow.sorted())), got \(list(outcome.shadow.map(\.id)))")
        }
        if let severity = expect.severity, severity != outcome.severity {
            problems.append("expected severity \(severity?.rawValue ?? "none"), got \(outcome.severity?.rawValue ?? "none")")
        }
        if let queue = expect.queue, queue != outcome.queue {
            problems.append("expected queue \(queue ?? "none"), got \(outcome.queue ?? "none")")
        }
        return problems
    }
}

/// Runs case files against a policy and reports one line per case.
public struct PolicyTestRunner: Sendable {
    public let policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    /// The result of one case.
    public struct CaseResult: Sendable, Hashable {
        public var testCase: PolicyCase
        public var outcome: PolicyOutcome
        /// Empty when the case passed.
        public var mismatches: [String]

        public var passed: Bool { mismatches.isEmpty }

        /// `ok   name`, or `FAIL name: expected actions [..], got [..]; fired: [..]`.
        public var line: String {
            if passed { return "ok   \(testCase.name)" }
            var text = "FAIL \(testCase.name): " + mismatches.joined(separator: "; ")
            text += "; fired: [" + outcome.fired.map(\.id).joined(separator: ", ") + "]"
            if !outcome.shadow.isEmpty { text += "; shadow: [" + outcome.shadow.map(\.id).joined(separator: ", ") + "]" }
            return text
        }
    }

    /// The results of a directory of case files.
    public struct Report: Sendable, Hashable {
        public var results: [CaseResult] = []
        /// Case files that could not be read, with every problem.
        public var invalidFiles: [PolicyError] = []
        /// The case files read, sorted.
        public var files: [String] = []
        /// Results and invalid files in file order, for ``lines``.
        var order: [Item] = []

        enum Item: Sendable, Hashable {
            case result(Int)
            case invalid(Int)
        }

        mutating func append(_ result: CaseResult) {
            order.append(.result(results.count))
            results.append(result)
        }

        mutating func append(invalid error: PolicyError) {
            order.append(.invalid(invalidFiles.count))
            invalidFiles.append(error)
        }

        public var passedCount: Int { results.count(where: \.passed) }
        public var failedCount: Int { results.count - passedCount }
        /// Every case passed, no case file was invalid, and there was at least one case.
        public var succeeded: Bool { failedCount == 0 && invalidFiles.isEmpty && !results.isEmpty }

        /// "N passed, N failed", with the invalid files and an empty directory called out.
        public var summary: String {
            var text = "\(passedCount) passed, \(failedCount) failed"
            if !invalidFiles.isEmpty { text += ", \(invalidFiles.count) invalid case file\(invalidFiles.count == 1 ? "" : "s")" }
            if results.isEmpty && invalidFiles.isEmpty { text += " (no cases found)" }
            return text
        }

        /// One line per case (and per problem of an invalid file, "INVALID file:line:column: …"),
        /// in file order, then the summary.
        public var lines: [String] {
            var lines: [String] = []
            for item in order {
                switch item {
                case .result(let index): lines.append(results[index].line)
                case .invalid(let index): lines.append(contentsOf: invalidFiles[index].all.map { "INVALID \($0.description)" })
                }
            }
            lines.append(summary)
            return lines
        }
    }

    public func run(_ testCase: PolicyCase) -> CaseResult {
        let outcome = policy.evaluate(testCase.input)
        var mismatches = testCase.mismatches(outcome)
        let known = Set(policy.rules.map(\.id))
        let named = (testCase.expect.rules ?? []).union(testCase.expect.shadow ?? [])
        for id in named.sorted() where !known.contains(id) {
            mismatches.append("rule '\(id)' is not in policy \(policy.reference)")
        }
        return CaseResult(testCase: testCase, outcome: outcome, mismatches: mismatches)
    }

    /// Extensions of case files.
    public static let caseFileExtensions: Set<String> = ["yaml", "yml", "json"]

    /// Runs every *.yaml, *.yml and *.json file of a directory (not its subdirectories), in name
    /// order. Throws when the directory cannot be listed.
    public func run(directory: String) throws(PolicyError) -> Report {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw PolicyError(source: directory, message: "no such directory")
        }
        guard isDirectory.boolValue else { throw PolicyError(source: directory, message: "not a directory") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw PolicyError(source: directory, message: "cannot list the directory: \(error.localizedDescription)")
        }
        var report = Report()
        for name in names.sorted() where Self.caseFileExtensions.contains((name as NSString).pathExtension.lowercased()) {
            let path = (directory as NSString).appendingPathComponent(name)
            var isSubdirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isSubdirectory), !isSubdirectory.boolValue else { continue }
            report.files.append(path)
            do {
                for testCase in try PolicyCase.load(path: path) { report.append(run(testCase)) }
            } catch {
                report.append(invalid: error)
            }
        }
        return report
    }
}

/// Case-file YAML → `PolicyCase`, strict about keys like the policy reader.
struct CaseParser {
    let reader: YAMLReader

    static let caseKeys = ["name", "input", "expect"]
    static let inputKeys = ["kind", "media_matches", "list_matches", "solicitation_score", "solicitation_band", "evasion",
                            "actor", "retroactive"]
    static let mediaKeys = ["bank", "category", "signal", "distance", "media_index"]
    static let listKeys = ["bank", "type", "value"]
    static let evasionKeys = ["risk", "decision", "banned_actor"]
    static let actorKeys = ["id", "banned", "author_banned", "accounts"]
    static let expectKeys = ["verdict", "actions", "rules", "shadow", "severity", "queue"]

    func testCase(_ node: Node, defaultName: String) -> PolicyCase? {
        guard let entries = reader.mapping(node, "a case") else { return nil }
        var elsewhere: [String: String] = [:]
        for key in Self.inputKeys { elsewhere[key] = "under 'input'" }
        for key in Self.expectKeys { elsewhere[key] = "under 'expect'" }
        reader.checkKeys(entries, allowed: Self.caseKeys, location: "in a case", elsewhere: elsewhere)
        var name = defaultName
        var input: PolicyInput?
        var expect: PolicyCase.Expectation?
        var ok = true
        for entry in entries {
            switch entry.key {
            case "name":
                if let value = reader.string(entry.value, "'name'") { name = value } else { ok = false }
            case "input":
                input = self.input(entry.value)
                if input == nil { ok = false }
            case "expect":
                expect = self.expectation(entry.value)
                if expect == nil { ok = false }
            default:
                ok = false
            }
        }
        if !entries.contains(where: { $0.key == "input" }) { reader.fail("missing 'input' in case '\(name)'", at: node) }
        if !entries.contains(where: { $0.key == "expect" }) { reader.fail("missing 'expect' in case '\(name)'", at: node) }
        guard ok, let input, let expect else { return nil }
        return PolicyCase(name: name, input: input, expect: expect, location: "\(reader.source):\(node.mark?.line ?? 1)")
    }

    func input(_ node: Node) -> PolicyInput? {
        guard let entries = reader.mapping(node, "'input'") else { return nil }
        reader.checkKeys(entries, allowed: Self.inputKeys, location: "in 'input'",
                         synonyms: ["media": "media_matches", "media_match": "media_matches", "list_match": "list_matches",
                                    "lists": "list_matches", "band": "solicitation_band", "score": "solicitation_score"])
        var input = PolicyInput(kind: .post)
        var ok = entries.allSatisfy { Self.inputKeys.contains($0.key) }
        for entry in entries {
            switch entry.key {
            case "kind":
                if let v = reader.choice(entry.value, "'kind'", PolicyInput.ContentKind.self, noun: "kind") { input.kind = v } else { ok = false }
            case "media_matches":
                if let v = records(entry.value, "'media_matches'", mediaMatch) { input.mediaMatches = v } else { ok = false }
            case "list_matches":
                if let v = records(entry.value, "'list_matches'", listMatch) { input.listMatches = v } else { ok = false }
            case "solicitation_score":
                if let v = reader.number(entry.value, "'solicitation_score'", in: 0...1) { input.solicitationScore = v } else { ok = false }
            case "solicitation_band":
                if let v = reader.choice(entry.value, "'solicitation_band'", SolicitationBand.self, noun: "band") {
                    input.solicitationBand = v
                } else {
                    ok = false
                }
            case "evasion":
                if let v = evasion(entry.value) { input.evasion = v } else { ok = false }
            case "actor":
                if let v = actor(entry.value) { input.actor = v } else { ok = false }
            case "retroactive":
                if let v = reader.bool(entry.value, "'retroactive'") { input.retroactive = v } else { ok = false }
            default:
                break
            }
        }
        if !entries.contains(where: { $0.key == "kind" }) {
            reader.fail("missing 'kind' (post, profile, signup or message) in 'input'", at: node)
            ok = false
        }
        return ok ? input : nil
    }

    /// A list of mappings (an empty list is fine: no matches).
    private func records<T>(_ node: Node, _ what: String, _ read: (Node) -> T?) -> [T]? {
        guard case .sequence(let items) = node else {
            reader.fail("\(what) must be a list, got \(YAMLReader.describe(node))", at: node)
            return nil
        }
        var values: [T] = []
        var ok = true
        for item in items {
            guard reader.visit(item) else { return nil }
            if let value = read(item) { values.append(value) } else { ok = false }
        }
        return ok ? values : nil
    }

    private func fields(_ node: Node, _ what: String, allowed: [String], required: [String]) -> [YAMLReader.Entry]? {
        guard let entries = reader.mapping(node, what) else { return nil }
        reader.checkKeys(entries, allowed: allowed, location: "in \(what)")
        var ok = entries.allSatisfy { allowed.contains($0.key) }
        for key in required where !entries.contains(where: { $0.key == key }) {
            reader.fail("missing '\(key)' in \(what)", at: node)
            ok = false
        }
        return ok ? entries : nil
    }

    func mediaMatch(_ node: Node) -> MediaMatchFact? {
        guard let entries = fields(node, "a media match", allowed: Self.mediaKeys, required: ["bank", "signal"]) else { return nil }
        var fact = MediaMatchFact(bank: "", signal: .pdq)
        var ok = true
        for entry in entries {
            switch entry.key {
            case "bank": if let v = reader.string(entry.value, "'bank'") { fact.bank = v } else { ok = false }
            case "category": if let v = reader.string(entry.value, "'category'") { fact.category = v } else { ok = false }
            case "signal": if let v = reader.choice(entry.value, "'signal'", MediaSignal.self, noun: "signal") { fact.signal = v } else { ok = false }
            case "distance": if let v = reader.integer(entry.value, "'distance'", in: 0...256) { fact.distance = v } else { ok = false }
            case "media_index": if let v = reader.integer(entry.value, "'media_index'", in: 0...Int.max) { fact.mediaIndex = v } else { ok = false }
            default: ok = false
            }
        }
        return ok ? fact : nil
    }

    func listMatch(_ node: Node) -> ListMatchFact? {
        guard let entries = fields(node, "a list match", allowed: Self.listKeys, required: Self.listKeys) else { return nil }
        var fact = ListMatchFact(bank: "", type: "", value: "")
        var ok = true
        for entry in entries {
            switch entry.key {
            case "bank": if let v = reader.string(entry.value, "'bank'") { fact.bank = v } else { ok = false }
            case "type": if let v = reader.word(entry.value, "'type'", among: ListMatchFact.types, noun: "list type") { fact.type = v } else { ok = false }
            case "value": if let v = reader.string(entry.value, "'value'") { fact.value = v } else { ok = false }
            default: ok = false
            }
        }
        return ok ? fact : nil
    }

    func evasion(_ node: Node) -> EvasionFact? {
        guard let entries = fields(node, "'evasion'", allowed: Self.evasionKeys, required: ["risk", "decision"]) else { return nil }
        var fact = EvasionFact(risk: 0, decision: .allow)
        var ok = true
        for entry in entries {
            switch entry.key {
            case "risk": if let v = reader.number(entry.value, "'risk'", in: 0...1) { fact.risk = v } else { ok = false }
            case "decision": if let v = reader.choice(entry.value, "'decision'", EvasionDecision.self, noun: "decision") { fact.decision = v } else { ok = false }
            case "banned_actor": if let v = reader.string(entry.value, "'banned_actor'") { fact.bannedActor = v } else { ok = false }
            default: ok = false
            }
        }
        return ok ? fact : nil
    }

    func actor(_ node: Node) -> ActorFact? {
        guard let entries = fields(node, "'actor'", allowed: Self.actorKeys, required: ["id"]) else { return nil }
        var fact = ActorFact(id: "")
        var ok = true
        for entry in entries {
            switch entry.key {
            case "id": if let v = reader.string(entry.value, "'id'") { fact.id = v } else { ok = false }
            case "banned": if let v = reader.bool(entry.value, "'banned'") { fact.banned = v } else { ok = false }
            case "author_banned": if let v = reader.bool(entry.value, "'author_banned'") { fact.authorBanned = v } else { ok = false }
            case "accounts": if let v = reader.integer(entry.value, "'accounts'", in: 0...Int.max) { fact.accounts = v } else { ok = false }
            default: ok = false
            }
        }
        return ok ? fact : nil
    }

    func expectation(_ node: Node) -> PolicyCase.Expectation? {
        guard let entries = reader.mapping(node, "'expect'") else { return nil }
        reader.checkKeys(entries, allowed: Self.expectKeys, location: "in 'expect'",
                         synonyms: ["fired": "rules", "action": "actions"])
        var expect = PolicyCase.Expectation()
        var ok = entries.allSatisfy { Self.expectKeys.contains($0.key) }
        func isNull(_ node: Node) -> Bool { if case .scalar = node, node.tagName == .null { return true } else { return false } }
        for entry in entries {
            switch entry.key {
            case "verdict":
                if let v = reader.choice(entry.value, "'verdict'", Verdict.self, noun: "verdict") { expect.verdict = v } else { ok = false }
            case "actions":
                if case .sequence(let items) = entry.value, let allow = items.first(where: { $0.string == "allow" }) {
                    reader.fail("'allow' is never among an outcome's actions; expect no action with actions: []", at: allow)
                    ok = false
                } else if let v = wordSet(entry.value, "'actions'", ActionKind.allCases.filter { $0 != .allow }.map(\.rawValue), noun: "action") {
                    expect.actions = Set(v.compactMap(ActionKind.init(rawValue:)))
                } else {
                    ok = false
                }
            case "rules":
                if let v = nameSet(entry.value, "'rules'") { expect.rules = v } else { ok = false }
            case "shadow":
                if let v = nameSet(entry.value, "'shadow'") { expect.shadow = v } else { ok = false }
            case "severity":
                if isNull(entry.value) {
                    expect.severity = .some(nil)
                } else if let v = reader.choice(entry.value, "'severity'", Severity.self, noun: "severity") {
                    expect.severity = .some(v)
                } else {
                    ok = false
                }
            case "queue":
                if isNull(entry.value) {
                    expect.queue = .some(nil)
                } else if let v = reader.string(entry.value, "'queue'") {
                    expect.queue = .some(v)
                } else {
                    ok = false
                }
            default:
                break
            }
        }
        if entries.isEmpty {
            reader.fail("'expect' must give at least one of: \(Self.expectKeys.joined(separator: ", "))", at: node)
            ok = false
        }
        return ok ? expect : nil
    }

    /// A list that may be empty (`[]` is an expectation too: nothing).
    private func elements(_ node: Node, _ what: String) -> [Node]? {
        switch node {
        case .sequence(let items): return Array(items)
        case .scalar where node.tagName != .null: return [node]
        default:
            reader.fail("\(what) must be a list, got \(YAMLReader.describe(node))", at: node)
            return nil
        }
    }

    private func wordSet(_ node: Node, _ what: String, _ names: [String], noun: String) -> [String]? {
        guard let items = elements(node, what) else { return nil }
        var values: [String] = []
        var ok = true
        for item in items {
            guard reader.visit(item) else { return nil }
            if let v = reader.word(item, "each of \(what)", among: names, noun: noun) { values.append(v) } else { ok = false }
        }
        return ok ? values : nil
    }

    private func nameSet(_ node: Node, _ what: String) -> Set<String>? {
        guard let items = elements(node, what) else { return nil }
        var values: Set<String> = []
        var ok = true
        for item in items {
            guard reader.visit(item) else { return nil }
            if let v = reader.string(item, "each of \(what)") { values.insert(v) } else { ok = false }
        }
        return ok ? values : nil
    }
}
