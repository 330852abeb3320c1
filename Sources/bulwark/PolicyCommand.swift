import ArgumentParser
import Foundation
import Policy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check and test policies: the versioned rules that turn signals into decisions.",
        discussion: """
            A policy is a YAML file of rules ("known media on anything: block the upload, report \
            it, hold it for review"); docs/policies.md describes the format. Check a policy before \
            deploying it, and keep a directory of cases (inputs and the decisions they must get) \
            next to it.

            Examples:
              bulwark policy default > my-policy.yaml
              bulwark policy check my-policy.yaml
              bulwark policy test my-policy.yaml --cases policies/cases
            """,
        subcommands: [PolicyCheckCommand.self, PolicyTestCommand.self, PolicyDefaultCommand.self]
    )
}

/// The policy file, or every problem with it on standard error and exit status 1.
private func loadPolicy(_ path: String) throws -> Policy {
    do {
        return try Policy.load(path: path)
    } catch {
        for problem in error.all { printError(problem.description) }
        throw ExitCode(1)
    }
}

struct PolicyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a policy file.",
        discussion: """
            Prints "FILE: policy NAME version V, N rules (S in shadow mode)", or every problem \
            (up to 20) as FILE:LINE:COLUMN: message on standard error, with exit status 1.
            """
    )

    @Argument(help: ArgumentHelp("The policy file (YAML).", valueName: "file"))
    var file: String

    @Flag(name: .shortAndLong, help: "Also print each rule: mode, severity, actions, queue and condition.")
    var verbose = false

    func run() throws {
        let policy = try loadPolicy(file)
        let count = policy.rules.count
        print("\(file): policy \(policy.name) version \(policy.version), \(count) rule\(count == 1 ? "" : "s") "
            + "(\(policy.shadowRuleCount) in shadow mode)")
        guard verbose else { return }
        for rule in policy.rules {
            var line = "  \(rule.id): \(rule.mode.rawValue), \(rule.severity.rawValue), "
                + rule.actions.map(\.rawValue).joined(separator: "+")
            if let queue = rule.queue { line += " -> \(queue)" }
            if rule.final { line += ", final" }
            print(line + "\n    when " + rule.condition.summary)
        }
    }
}

struct PolicyTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a directory of case files against a policy.",
        discussion: """
            Every *.yaml, *.yml and *.json file of the directory (sorted by name) holds a case, or \
            a list of cases:
              name: known media on a post is blocked
              input:
                kind: post
                media_matches: [{bank: b, category: A1, signal: pdq, distance: 12}]
              expect:
                verdict: block
                rules: [known-media]
            Prints "ok   NAME" or "FAIL NAME: what differed; fired: [rules]" per case, then a summary. \
            Exit status 1 when a case fails, a case file is invalid (INVALID FILE:LINE:COLUMN: …) \
            or there is no case at all.
            """
    )

    @Argument(help: ArgumentHelp("The policy file (YAML).", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("The directory of case files.", valueName: "dir"))
    var cases: String

    func run() throws {
        let policy = try loadPolicy(file)
        let report: PolicyTestRunner.Report
        do {
            report = try PolicyTestRunner(policy: policy).run(directory: cases)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        for line in report.lines { print(line) }
        if !report.succeeded { throw ExitCode(1) }
    }
}

struct PolicyDefaultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default",
        abstract: "Print the default policy (YAML), to start your own from."
    )

    func run() throws {
        print(Policy.defaultYAML, terminator: "")
    }
}
