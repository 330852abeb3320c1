import Foundation
@testable import Policy

enum Fixtures {
    /// The repository (through the symlinks of a scratch package, if any).
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var casesDirectory: String { repository.appendingPathComponent("policies/cases").path }
    static var defaultPolicyFile: String { repository.appendingPathComponent("policies/default.yaml").path }

    /// A fresh empty directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "policy-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// The error of parsing `yaml`, or nil when it parses.
func parseError(_ yaml: String, source: String = "t.yaml") -> PolicyError? {
    do {
        _ = try Policy.parse(yaml, source: source)
        return nil
    } catch {
        return error
    }
}

/// A policy with one rule: `when:` followed by `condition` (flow YAML on one line).
func onlyRule(when condition: String, then: String = "{actions: [remove], severity: low}") throws -> Policy {
    try Policy.parse("""
        policy: t
        version: 1
        rules:
          - id: r
            when: \(condition)
            then: \(then)
        """)
}

/// Whether a one-line condition holds for the input.
func holds(_ condition: String, _ input: PolicyInput) throws -> Bool {
    try onlyRule(when: condition).rules[0].condition.holds(for: input)
}

/// Header lines 1–3 of the policies in the validation tests; the first rule starts on line 4.
let header = "policy: p\nversion: 1\nrules:\n"
