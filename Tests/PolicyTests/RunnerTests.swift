import Foundation
import Testing
@testable import Policy

@Suite("Case files and the test runner")
struct RunnerTests {
    let runner = PolicyTestRunner(policy: .default)

    @Test func theShippedCasesPass() throws {
        let report = try runner.run(directory: Fixtures.casesDirectory)
        #expect(report.invalidFiles.isEmpty, "\(report.invalidFiles.map(\.report))")
        #expect(report.results.count >= 10)
        for result in report.results where !result.passed { Issue.record("\(result.line)") }
        #expect(report.succeeded)
        #expect(report.summary == "\(report.results.count) passed, 0 failed")
        #expect(report.lines.last == report.summary)
        #expect(report.files == report.files.sorted())
        #expect(report.files.contains { $0.hasSuffix(".json") })
        // Every rule of the default policy is exercised by some case, shadow rules included.
        let exercised = Set(report.results.flatMap { $0.outcome.fired.map(\.id) + $0.outcome.shadow.map(\.id) })
        #expect(exercised == Set(Policy.default.rules.map(\.id)))
    }

    @Test func aCaseFile() throws {
        let cases = try PolicyCase.parse("""
            name: known media
            input:
              kind: post
              media_matches: [{bank: known-hashes, category: A1, signal: pdq, distance: 12}]
            expect:
              verdict: block
              actions: [block_upload, report, hold_for_review]
              rules: [known-media]
              shadow: []
              severity: critical
              queue: known-media
            """, source: "cases/known.yaml")
        #expect(cases.count == 1)
        let c = cases[0]
        #expect(c.name == "known media")
        #expect(c.location == "cases/known.yaml:1")
        #expect(c.input == PolicyInput(kind: .post, mediaMatches: [MediaMatchFact(bank: "known-hashes", category: "A1", signal: .pdq, distance: 12)]))
        #expect(c.expect == PolicyCase.Expectation(verdict: .block, actions: [.blockUpload, .report, .holdForReview],
                                                   rules: ["known-media"], shadow: [], severity: .some(.critical),
                                                   queue: .some("known-media")))
        #expect(runner.run(c).passed)
        #expect(runner.run(c).line == "ok   known media")
    }

    @Test func aFailingCaseSaysWhatDiffered() throws {
        let cases = try PolicyCase.parse("""
            name: listed link only
            input:
              kind: post
              list_matches: [{bank: hotline, type: url, value: "https://x.example/"}]
              solicitation_band: solicitation
              solicitation_score: 0.9
            expect:
              verdict: remove
              actions: [remove]
              rules: [listed-link]
              shadow: []
              severity: medium
              queue: links
            """, source: "c.yaml")
        let result = runner.run(cases[0])
        #expect(!result.passed)
        #expect(result.line == "FAIL listed link only: expected actions [remove], got [remove, hold_for_review]; "
            + "expected rules [listed-link], got [listed-contact-solicitation, listed-link]; "
            + "expected shadow rules [], got [solicitation-language]; expected severity medium, got high; "
            + "expected queue links, got solicitation; fired: [listed-contact-solicitation, listed-link]; shadow: [solicitation-language]")
    }

    @Test func nullMeansNoneAndUnknownRulesAreCalledOut() throws {
        let cases = try PolicyCase.parse("""
            - name: nothing
              input: {kind: post}
              expect: {severity: null, queue: null, rules: [no-such-rule]}
            - input: {kind: post, actor: {id: a, banned: true}}
              expect: {severity: ~}
            """, source: "dir/list.yml")
        #expect(cases.map(\.name) == ["nothing", "list #2"])
        #expect(runner.run(cases[0]).line == "FAIL nothing: expected rules [no-such-rule], got []; rule 'no-such-rule' is not in policy default@1; fired: []")
        #expect(runner.run(cases[1]).line == "FAIL list #2: expected severity none, got medium; fired: [banned-actor-posting]")
    }

    @Test func invalidCaseFilesReportLineAndColumn() throws {
        func error(_ yaml: String) -> PolicyError? {
            do {
                _ = try PolicyCase.parse(yaml, source: "case.yaml")
                return nil
            } catch {
                return error
            }
        }
        let typo = try #require(error("name: x\ninput:\n  kind: post\n  media_match: []\nexpect: {verdict: allow}\n"))
        #expect(typo.description == "case.yaml:4:3: unknown key 'media_match' in 'input'; expected one of: kind, media_matches, "
            + "list_matches, solicitation_score, solicitation_band, evasion, actor, retroactive (did you mean 'media_matches'?)")
        let badSignal = try #require(error("input:\n  kind: post\n  media_matches: [{bank: b, signal: phash}]\nexpect: {verdict: allow}\n"))
        #expect(badSignal.description == "case.yaml:3:37: unknown signal 'phash'; expected one of: pdq, md5, sha256")
        let missing = try #require(error("input:\n  kind: post\n  list_matches: [{bank: b, type: url}]\nexpect: {verdict: allow}\n"))
        #expect(missing.description == "case.yaml:3:18: missing 'value' in a list match")
        let noKind = try #require(error("input: {retroactive: true}\nexpect: {verdict: allow}\n"))
        #expect(noKind.description == "case.yaml:1:8: missing 'kind' (post, profile, signup or message) in 'input'")
        let emptyExpect = try #require(error("input: {kind: post}\nexpect: {}\n"))
        #expect(emptyExpect.description == "case.yaml:2:9: 'expect' must give at least one of: verdict, actions, rules, shadow, severity, queue")
        let misplaced = try #require(error("input: {kind: post}\nverdict: allow\n"))
        #expect(misplaced.all.map(\.description) == [
            "case.yaml:1:1: missing 'expect' in case 'case'",
            "case.yaml:2:1: unknown key 'verdict' in a case; expected one of: name, input, expect ('verdict' goes under 'expect')",
        ])
        let allow = try #require(error("input: {kind: post}\nexpect: {actions: [allow]}\n"))
        #expect(allow.description == "case.yaml:2:20: 'allow' is never among an outcome's actions; expect no action with actions: []")
        let syntax = try #require(error("input: {kind: post\n"))
        #expect(syntax.line == 2)
        let notACase = try #require(error("just text\n"))
        #expect(notACase.description == "case.yaml:1:1: a case file must be a case (a mapping with name, input and expect) or a list of cases, got the string 'just text'")
    }

    @Test func aDirectoryWithPassingFailingInvalidAndOtherFiles() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ name: String, _ text: String) throws {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        try write("b-fails.yml", "name: wrong\ninput: {kind: post}\nexpect: {verdict: block}\n")
        try write("a-passes.json", "{\"name\": \"clean\", \"input\": {\"kind\": \"post\"}, \"expect\": {\"verdict\": \"allow\"}}\n")
        try write("c-invalid.yaml", "name: broken\ninput: {kind: posting}\nexpect: {verdict: allow}\n")
        try write("notes.txt", "not a case\n")
        try FileManager.default.createDirectory(atPath: directory + "/sub.yaml", withIntermediateDirectories: false)

        let report = try runner.run(directory: directory)
        #expect(report.files == [directory + "/a-passes.json", directory + "/b-fails.yml", directory + "/c-invalid.yaml"])
        #expect(report.results.map(\.testCase.name) == ["clean", "wrong"])
        #expect(report.passedCount == 1)
        #expect(report.failedCount == 1)
        #expect(!report.succeeded)
        #expect(report.lines == [
            "ok   clean",
            "FAIL wrong: expected verdict block, got allow; fired: []",
            "INVALID \(directory)/c-invalid.yaml:2:15: unknown kind 'posting'; expected one of: post, profile, signup, message (did you mean 'post'?)",
            "1 passed, 1 failed, 1 invalid case file",
        ])
    }

    @Test func emptyAndMissingDirectories() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = try runner.run(directory: directory)
        #expect(!report.succeeded)
        #expect(report.summary == "0 passed, 0 failed (no cases found)")
        #expect(throws: PolicyError(source: directory + "/missing", message: "no such directory")) {
            try runner.run(directory: directory + "/missing")
        }
        try "x".write(toFile: directory + "/file", atomically: true, encoding: .utf8)
        #expect(throws: PolicyError(source: directory + "/file", message: "not a directory")) {
            try runner.run(directory: directory + "/file")
        }
    }

    @Test func policyFilesAreLoadedWithTheirPathInErrors() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/p.yaml"
        try "policy: p\nversion: 1\nrules:\n  - id: r\n    when: {kind: post}\n    then: {actions: [remove], severity: lo}\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Policy.load(path: path)
            Issue.record("loaded an invalid policy")
        } catch {
            #expect(error.description == "\(path):6:41: unknown severity 'lo'; expected one of: low, medium, high, critical (did you mean 'low'?)")
        }
        let big = directory + "/big.yaml"
        try Data(repeating: UInt8(ascii: "#"), count: (1 << 20) + 1).write(to: URL(fileURLWithPath: big))
        do {
            _ = try Policy.load(path: big)
            Issue.record("loaded an oversized policy")
        } catch {
            #expect(error.description == "\(big): the document is 1048577 bytes; the limit is 1048576 (1 MiB)")
        }
        #expect(throws: PolicyError(source: directory + "/none.yaml", message: "no such file")) {
            try Policy.load(path: directory + "/none.yaml")
        }
    }
}
