import Testing
@testable import Policy

/// Every check on load, with the exact line and column of the problem.
@Suite("Validation")
struct ValidationTests {
    /// Header, then one rule (id `r`) from line 4: `when` on line 5 and `then` on line 6 unless
    /// replaced.
    func rule(when: String = "{kind: post}", then: String = "{actions: [remove], severity: low}", extra: String = "") -> String {
        header + "  - id: r\n    when: \(when)\n    then: \(then)\n" + extra
    }

    func expectError(_ yaml: String, _ line: Int?, _ column: Int?, _ message: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = parseError(yaml) else {
            Issue.record("parsed without error", sourceLocation: sourceLocation)
            return
        }
        #expect(error.line == line, "\(error.report)", sourceLocation: sourceLocation)
        #expect(error.column == column, "\(error.report)", sourceLocation: sourceLocation)
        #expect(error.message == message, sourceLocation: sourceLocation)
    }

    @Test func theExampleMessage() throws {
        let yaml = header + "  - id: known-media\n    sevrity: critical\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n"
        let error = try #require(parseError(yaml, source: "default.yaml"))
        #expect(error.description == "default.yaml:5:5: unknown key 'sevrity' in rule 'known-media'; expected one of: "
            + "id, description, mode, when, then, final (did you mean 'severity' under 'then'?)")
        #expect(error.more.isEmpty)
    }

    @Test func unknownKeysWithSuggestions() {
        expectError("polcy: p\nversion: 1\nrules:\n  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n",
                    1, 1, "unknown key 'polcy' at the top level; expected one of: policy, version, description, rules (did you mean 'policy'?)")
        expectError(rule(extra: "    severity: low\n"), 7, 5,
                    "unknown key 'severity' in rule 'r'; expected one of: id, description, mode, when, then, final ('severity' goes under 'then')")
        expectError(rule(then: "{actions: [remove], severity: low, finale: true}"), 6, 46,
                    "unknown key 'finale' in 'then' of rule 'r'; expected one of: actions, severity, queue (did you mean 'final' at the rule level, beside 'then'?)")
        expectError(rule(when: "{media-match: {}}"), 5, 12,
                    "unknown condition 'media-match' in rule 'r'; expected one of: all, any, not, media_match, list_match, solicitation, evasion, actor, kind, retroactive (did you mean 'media_match'?)")
        expectError(rule(when: "{media_match: {bank: [b]}}"), 5, 26,
                    "unknown key 'bank' in media_match; expected one of: banks, categories, exclude_banks, exclude_categories, signals, max_distance (did you mean 'banks'?)")
        expectError(rule(when: "{max_distance: 3}"), 5, 12,
                    "unknown condition 'max_distance' in rule 'r'; expected one of: all, any, not, media_match, list_match, solicitation, evasion, actor, kind, retroactive ('max_distance' goes under media_match)")
        expectError(rule(when: "{or: [{kind: post}]}"), 5, 12,
                    "unknown condition 'or' in rule 'r'; expected one of: all, any, not, media_match, list_match, solicitation, evasion, actor, kind, retroactive (did you mean 'any'?)")
    }

    @Test func wrongTypes() {
        expectError(header.replacingOccurrences(of: "version: 1", with: "version: \"1\"") + "  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n",
                    2, 10, "'version' must be a whole number of at least 1, got the string '1'")
        expectError(rule(when: "post"), 5, 11,
                    "a condition must be a mapping with one key (all, any, not, media_match, list_match, solicitation, evasion, actor, kind, retroactive), got the string 'post'")
        expectError(rule(then: "[remove]"), 6, 11, "'then' of rule 'r' must be a mapping, got a list")
        expectError(rule(when: "{retroactive: sometimes}"), 5, 25, "'retroactive' must be true or false, got the string 'sometimes'")
        expectError(rule(extra: "    final: \"true\"\n"), 7, 12, "'final' must be true or false, got the string 'true'")
        expectError(rule(when: "{kind: {post: true}}"), 5, 18, "'kind' must be a list or a single value, got a mapping")
        expectError(rule(when: "{media_match: {max_distance: near}}"), 5, 40,
                    "'max_distance' must be a whole number from 0 to 256, got the string 'near'")
        expectError(rule(when: "{solicitation: {min_score: high}}"), 5, 38,
                    "'min_score' must be a number from 0 to 1, got the string 'high'")
        expectError(rule(then: "{actions: [remove], severity: low, queue: [a]}"), 6, 53, "'queue' must be a string, got a list")
        expectError(header + "  - [id, r]\n", 4, 5, "rule #1 must be a mapping, got a list")
        expectError("policy: p\nversion: 1\nrules: {id: r}\n", 3, 8, "'rules' must be a list, got a mapping")
        expectError(rule(when: "{all: {kind: post}}"), 5, 17, "'all' must be a list, got a mapping")
    }

    @Test func unknownWords() {
        expectError(rule(then: "{actions: [remove, suspend], severity: low}"), 6, 30,
                    "unknown action 'suspend'; expected one of: block_upload, remove, suspend_actor, hold_for_review, report, allow (did you mean 'suspend_actor'?)")
        expectError(rule(then: "{actions: [remove], severity: hihg}"), 6, 41,
                    "unknown severity 'hihg'; expected one of: low, medium, high, critical (did you mean 'high'?)")
        expectError(rule(when: "{kind: [post, comment]}"), 5, 25,
                    "unknown kind 'comment'; expected one of: post, profile, signup, message")
        expectError(rule(when: "{media_match: {signals: [pdq, sha1]}}"), 5, 41,
                    "unknown signal 'sha1'; expected one of: pdq, md5, sha256")
        expectError(rule(when: "{list_match: {types: [url, urls]}}"), 5, 38,
                    "unknown list type 'urls'; expected one of: url, domain, handle, wallet, keyword, url-md5, url-sha256 (did you mean 'url'?)")
        expectError(rule(when: "{solicitation: {band: high}}"), 5, 33,
                    "unknown band 'high'; expected one of: none, low, suspicious, solicitation")
        expectError(rule(when: "{evasion: {decision: blocked}}"), 5, 32,
                    "unknown decision 'blocked'; expected one of: allow, review, block (did you mean 'block'?)")
        expectError(rule(extra: "    mode: shadw\n"), 7, 11, "unknown mode 'shadw'; expected one of: enforce, shadow (did you mean 'shadow'?)")
    }

    @Test func emptyLists() {
        expectError(rule(then: "{actions: [], severity: low}"), 6, 21, "'actions' must not be empty")
        expectError(rule(when: "{any: []}"), 5, 17, "'any' must not be empty")
        expectError(rule(when: "{media_match: {banks: []}}"), 5, 33, "'banks' must not be empty")
        expectError(rule(when: "{kind: []}"), 5, 18, "'kind' must not be empty")
        expectError("policy: p\nversion: 1\nrules: []\n", 3, 8, "'rules' must not be empty")
    }

    @Test func emptyConditionsAndFilters() {
        expectError(rule(when: "{}"), 5, 11,
                    "empty condition; expected one of: all, any, not, media_match, list_match, solicitation, evasion, actor, kind, retroactive")
        expectError(rule(when: "{kind: post, retroactive: true}"), 5, 11,
                    "a condition has exactly one key, found 2: 'kind', 'retroactive' (combine them with 'all' or 'any')")
        expectError(rule(when: "{solicitation: {}}"), 5, 26, "solicitation needs at least one of: band, min_score")
        expectError(rule(when: "{evasion: {}}"), 5, 21, "evasion needs at least one of: min_risk, decision")
        expectError(rule(when: "{actor: {}}"), 5, 19, "actor needs at least one of: banned, author_banned, min_accounts")
    }

    @Test func duplicateRuleIDs() {
        let yaml = rule() + "  - id: other\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n"
            + "  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n"
        expectError(yaml, 10, 9, "duplicate rule id 'r' (first used on line 4)")
    }

    @Test func missingRequiredFields() {
        expectError("version: 1\nrules:\n  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n",
                    1, 1, "missing 'policy' (the policy's name) at the top level")
        expectError("policy: p\nrules:\n  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n",
                    1, 1, "missing 'version' (an integer, at least 1) at the top level")
        expectError("policy: p\nversion: 1\n", 1, 1, "missing 'rules' (the list of rules) at the top level")
        expectError(header + "  - when: {kind: post}\n    then: {actions: [remove], severity: low}\n", 4, 5, "missing 'id' in rule #1")
        expectError(header + "  - id: r\n    then: {actions: [remove], severity: low}\n", 4, 5, "missing 'when' (the condition) in rule 'r'")
        expectError(header + "  - id: r\n    when: {kind: post}\n", 4, 5, "missing 'then' (actions and severity) in rule 'r'")
        expectError(rule(then: "{severity: low}"), 6, 11, "missing 'actions' in 'then' of rule 'r'")
        expectError(rule(then: "{actions: [remove]}"), 6, 11, "missing 'severity' (low, medium, high or critical) in 'then' of rule 'r'")
        expectError(rule(then: "{actions: [remove, report], severity: low}"), 6, 11,
                    "missing 'queue' in 'then' of rule 'r': it is required when the actions include hold_for_review or report")
        expectError(rule(then: "{actions: [hold_for_review], severity: low}"), 6, 11,
                    "missing 'queue' in 'then' of rule 'r': it is required when the actions include hold_for_review or report")
    }

    @Test func badVersionsAndNames() {
        let rest = "rules:\n  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n"
        expectError("policy: p\nversion: 0\n" + rest, 2, 10, "'version' must be at least 1, got 0")
        expectError("policy: p\nversion: -3\n" + rest, 2, 10, "'version' must be at least 1, got -3")
        expectError("policy: p\nversion: 1.5\n" + rest, 2, 10, "'version' must be a whole number of at least 1, got the number 1.5")
        expectError("policy: p\nversion:\n" + rest, 2, 9, "'version' must be a whole number of at least 1, got nothing (null)")
        expectError("policy: my policy\nversion: 1\n" + rest, 1, 9,
                    "the policy name 'my policy' must be 1 to 64 letters, digits, '-', '_', '.' or ':', starting with a letter or digit")
        expectError(header + "  - id: Known Media\n    when: {kind: post}\n    then: {actions: [remove], severity: low}\n", 4, 9,
                    "the rule id 'Known Media' must be 1 to 64 lower-case letters, digits, '-' or '_', starting with a letter or digit")
    }

    @Test func actionCombinations() {
        expectError(rule(then: "{actions: [allow, remove], severity: low}"), 6, 22,
                    "'allow' cannot be combined with other actions (a rule either allows or acts)")
        expectError(rule(then: "{actions: [remove, allow], severity: low}"), 6, 30,
                    "'allow' cannot be combined with other actions (a rule either allows or acts)")
        expectError(rule(then: "{actions: [remove, remove], severity: low}"), 6, 30, "action 'remove' is listed twice")
    }

    @Test func numbersOutOfRange() {
        expectError(rule(when: "{media_match: {max_distance: 257}}"), 5, 40, "'max_distance' must be from 0 to 256, got 257")
        expectError(rule(when: "{media_match: {max_distance: -1}}"), 5, 40, "'max_distance' must be from 0 to 256, got -1")
        expectError(rule(when: "{solicitation: {min_score: 1.5}}"), 5, 38, "'min_score' must be from 0 to 1, got 1.5")
        expectError(rule(when: "{evasion: {min_risk: -0.1}}"), 5, 32, "'min_risk' must be from 0 to 1, got -0.1")
        expectError(rule(when: "{actor: {min_accounts: 0}}"), 5, 34, "'min_accounts' must be from 1 to 1000000, got 0")
    }

    @Test func documentsThatAreNotMappings() {
        expectError("- a\n- b\n", 1, 1, "a policy must be a mapping with 'policy', 'version' and 'rules', got a list")
        expectError("just words\n", 1, 1, "a policy must be a mapping with 'policy', 'version' and 'rules', got the string 'just words'")
        expectError("", nil, nil, "the document is empty; expected a mapping with 'policy', 'version' and 'rules'")
        expectError("# only a comment\n", nil, nil, "the document is empty; expected a mapping with 'policy', 'version' and 'rules'")
    }

    @Test func invalidYAMLSyntax() {
        expectError(rule(when: "{kind: post"), 6, 9,
                    "invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at 5:11)")
        expectError("policy: p\n  version: 1\n", 2, 10, "invalid YAML: mapping values are not allowed in this context")
        expectError("policy: p\nversion: 1\n---\npolicy: q\n", 3, 1,
                    "invalid YAML: but found another document (expected a single document in the stream at 1:1)")
        expectError("policy: \u{1}\n", 1, 9, "invalid YAML: control characters are not allowed")
        expectError("policy: p\npolicy: q\nversion: 1\n", 1, 1, "key 'policy' appears more than once in the same mapping (this is the first)")
        expectError("policy: *nothing\n", 1, 9, "invalid YAML: found undefined alias")
    }

    @Test func hugeDocumentsAreRefusedBeforeParsing() throws {
        let yaml = rule() + String(repeating: "# padding to make the document large\n", count: 30_000)
        let error = try #require(parseError(yaml))
        #expect(error.line == nil)
        #expect(error.message == "the document is \(yaml.utf8.count) bytes; the limit is 1048576 (1 MiB)")
        #expect(error.description == "t.yaml: the document is \(yaml.utf8.count) bytes; the limit is 1048576 (1 MiB)")
    }

    @Test func deepNestingIsRefused() throws {
        // 31 `not`s around a condition: 32 levels, the limit.
        let ok = String(repeating: "{not: ", count: 31) + "{kind: post}" + String(repeating: "}", count: 31)
        let policy = try Policy.parse(rule(when: ok))
        #expect(policy.evaluate(PolicyInput(kind: .message)).fired.count == 1)
        // 32 `not`s: the 33rd level is refused where it starts.
        let deep = String(repeating: "{not: ", count: 32) + "{kind: post}" + String(repeating: "}", count: 32)
        expectError(rule(when: deep), 5, 11 + 6 * 32, "conditions are nested more than 32 levels deep")
        // Nesting beyond YAML's own limit (1000) is a syntax error, not a crash.
        let flow = "policy: " + String(repeating: "[", count: 2_000) + String(repeating: "]", count: 2_000)
        let error = try #require(parseError(flow))
        #expect(error.message == "invalid YAML: nested more than 1000 levels deep")
    }

    @Test func aliasesThatExpandTooFarAreCutShort() throws {
        // Aliases inside aliases: 2^25 conditions once expanded.
        var yaml = header.replacingOccurrences(of: "rules:\n", with: "")
        yaml += "x0: &a0 [{kind: post}, {kind: post}]\n"
        for i in 1...24 { yaml += "x\(i): &a\(i) [{all: *a\(i - 1)}, {all: *a\(i - 1)}]\n" }
        yaml += "rules:\n  - id: r\n    when: {all: *a24}\n    then: {actions: [remove], severity: low}\n"
        let error = try #require(parseError(yaml))
        let all = error.all.map(\.message)
        #expect(all.contains("the document has more than 100000 values (after expanding aliases); the rest is not read"))
        // Ordinary anchors and aliases are fine.
        let reuse = header + "  - id: a\n    when: &media {media_match: {}}\n    then: &act {actions: [remove], severity: low}\n"
            + "  - id: b\n    when: *media\n    then: *act\n"
        #expect(try Policy.parse(reuse).rules.map(\.condition) == [.mediaMatch(MediaMatchFilter()), .mediaMatch(MediaMatchFilter())])
    }

    @Test func allProblemsAreReportedInOrderUpTo20() throws {
        let yaml = rule(when: "{kind: [post, comment]}", then: "{actions: [remove, suspend], severity: hihg}")
        let error = try #require(parseError(yaml))
        #expect(error.all.map { "\($0.line!):\($0.column!)" } == ["5:25", "6:30", "6:50"])
        #expect(error.report.split(separator: "\n").count == 3)
        #expect(error.report.hasPrefix("t.yaml:5:25: unknown kind 'comment'"))

        var many = header
        for i in 0..<30 { many += "  - id: r\(i)\n    when: {kind: nope}\n    then: {actions: [remove], severity: low}\n" }
        let capped = try #require(parseError(many))
        #expect(capped.all.count == PolicyError.limit)
        #expect(capped.all.map(\.line) == (0..<20).map { Optional(5 + 3 * $0) })
    }

    @Test func didYouMean() {
        #expect(YAMLReader.suggestion(for: "sevrity", among: ["actions", "severity", "queue"]) == "severity")
        #expect(YAMLReader.suggestion(for: "Severity", among: ["severity"]) == "severity")
        #expect(YAMLReader.suggestion(for: "qeueu", among: ["queue"]) == "queue")
        #expect(YAMLReader.suggestion(for: "exclude_category", among: PolicyParser.mediaKeys) == "exclude_categories")
        #expect(YAMLReader.suggestion(for: "block", among: ActionKind.allCases.map(\.rawValue)) == "block_upload")
        #expect(YAMLReader.suggestion(for: "review", among: ActionKind.allCases.map(\.rawValue)) == "hold_for_review")
        #expect(YAMLReader.suggestion(for: "zzz", among: ["all", "any", "not"]) == nil)
        #expect(YAMLReader.suggestion(for: "description", among: ["actions", "severity", "queue"]) == nil)
        #expect(YAMLReader.editDistance("ab", "ba") == 1)
        #expect(YAMLReader.editDistance("kitten", "sitting") == 3)
        #expect(YAMLReader.editDistance("", "abc") == 3)
    }

    @Test func stringsStayTheTextTheyAre() throws {
        // YAML 1.1 would read NO as false and 1 as a number; names are kept as written.
        let policy = try onlyRule(when: "{media_match: {banks: [NO, 1], categories: [on]}}")
        #expect(policy.rules[0].condition == .mediaMatch(MediaMatchFilter(banks: ["NO", "1"], categories: ["on"])))
    }
}
