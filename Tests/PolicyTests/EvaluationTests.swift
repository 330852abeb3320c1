import Foundation
import Testing
@testable import Policy

@Suite("Evaluation")
struct EvaluationTests {
    /// Every rule fires on any post (`kind: post`) unless given another condition.
    func policy(_ rules: String) throws -> Policy {
        try Policy.parse("policy: t\nversion: 3\nrules:\n" + rules)
    }

    let post = PolicyInput(kind: .post)

    @Test func shadowRulesAreLoggedNotActedOn() throws {
        let p = try policy("""
              - id: watch
                mode: shadow
                when: {kind: post}
                then: {actions: [block_upload, report], severity: critical, queue: q}
              - id: act
                when: {kind: post}
                then: {actions: [hold_for_review], severity: low, queue: r}
            """)
        let outcome = p.evaluate(post)
        #expect(outcome.fired.map(\.id) == ["act"])
        #expect(outcome.shadow.map(\.id) == ["watch"])
        #expect(outcome.shadow[0].shadow)
        #expect(!outcome.fired[0].shadow)
        #expect(outcome.actions == [.holdForReview])
        #expect(outcome.verdict == .review)
        #expect(outcome.severity == .low)
        #expect(outcome.queue == "r")
    }

    @Test func aFinalEnforcedRuleStopsLaterRules() throws {
        let p = try policy("""
              - id: first
                when: {kind: post}
                then: {actions: [remove], severity: low}
              - id: stop
                when: {kind: post}
                then: {actions: [allow], severity: low}
                final: true
              - id: later
                when: {kind: post}
                then: {actions: [block_upload], severity: high}
              - id: later-shadow
                mode: shadow
                when: {kind: post}
                then: {actions: [block_upload], severity: high}
            """)
        let outcome = p.evaluate(post)
        #expect(outcome.fired.map(\.id) == ["first", "stop"])
        #expect(outcome.shadow.isEmpty)
        #expect(outcome.actions == [.remove])
        // A final rule that does not fire stops nothing.
        let message = p.evaluate(PolicyInput(kind: .message))
        #expect(message.fired.isEmpty)
    }

    @Test func aFinalShadowRuleStopsNothing() throws {
        let p = try policy("""
              - id: trial
                mode: shadow
                when: {kind: post}
                then: {actions: [allow], severity: low}
                final: true
              - id: later
                when: {kind: post}
                then: {actions: [remove], severity: high}
            """)
        let outcome = p.evaluate(post)
        #expect(outcome.shadow.map(\.id) == ["trial"])
        #expect(outcome.fired.map(\.id) == ["later"])
    }

    @Test func actionsAreTheUnionInCanonicalOrder() throws {
        let p = try policy("""
              - id: a
                when: {kind: post}
                then: {actions: [hold_for_review, report], severity: low, queue: q}
              - id: b
                when: {kind: post}
                then: {actions: [suspend_actor, report, block_upload], severity: low, queue: q}
              - id: c
                when: {kind: post}
                then: {actions: [allow], severity: low}
              - id: d
                when: {kind: post}
                then: {actions: [remove], severity: low}
            """)
        let outcome = p.evaluate(post)
        #expect(outcome.actions == [.blockUpload, .remove, .suspendActor, .report, .holdForReview])
        #expect(outcome.fired.map(\.id) == ["a", "b", "c", "d"])
        #expect(outcome.fired[1].actions == [.suspendActor, .report, .blockUpload])
    }

    @Test func verdictIsTheStrongestContentAction() {
        func verdict(_ actions: [ActionKind]) -> Verdict {
            PolicyOutcome(fired: [FiredRule(id: "r", actions: actions, severity: .low, queue: nil, shadow: false, reasons: [])]).verdict
        }
        #expect(verdict([.holdForReview, .remove, .blockUpload]) == .block)
        #expect(verdict([.holdForReview, .remove]) == .remove)
        #expect(verdict([.report, .holdForReview]) == .review)
        #expect(verdict([.suspendActor]) == .allow)
        #expect(verdict([.report]) == .allow)
        #expect(verdict([.allow]) == .allow)
        #expect(PolicyOutcome().verdict == .allow)
        #expect(Verdict.allow < .review && Verdict.review < .remove && Verdict.remove < .block)
        #expect(Severity.low < .medium && Severity.medium < .high && Severity.high < .critical)
        #expect(SolicitationBand.none < .low && SolicitationBand.low < .suspicious && SolicitationBand.suspicious < .solicitation)
        #expect(EvasionDecision.allow < .review && EvasionDecision.review < .block)
    }

    @Test func severityAndQueueChoice() throws {
        let p = try policy("""
              - id: medium-one
                when: {kind: post}
                then: {actions: [hold_for_review], severity: medium, queue: first-medium}
              - id: critical-no-queue
                when: {kind: post}
                then: {actions: [block_upload], severity: critical}
              - id: high-one
                when: {kind: post}
                then: {actions: [hold_for_review], severity: high, queue: first-high}
              - id: high-two
                when: {kind: post}
                then: {actions: [report], severity: high, queue: second-high}
              - id: low-one
                when: {kind: post}
                then: {actions: [report], severity: low, queue: low}
            """)
        let outcome = p.evaluate(post)
        #expect(outcome.severity == .critical)
        // The highest-severity rule with a queue; between the two high ones, the first.
        #expect(outcome.queue == "first-high")
        #expect(outcome.fired.map(\.id) == ["medium-one", "critical-no-queue", "high-one", "high-two", "low-one"])
    }

    @Test func reasonsNameWhatHeld() throws {
        let p = try policy("""
              - id: r
                when:
                  all:
                    - media_match: {categories: [A1]}
                    - list_match: {types: [handle]}
                    - any:
                        - kind: signup
                        - solicitation: {band: suspicious, min_score: 0.5}
                        - evasion: {min_risk: 0.5, decision: review}
                        - actor: {banned: true, min_accounts: 2}
                    - not: {media_match: {banks: [canaries]}}
                    - retroactive: true
                then: {actions: [remove], severity: low}
            """)
        let input = PolicyInput(
            kind: .profile,
            mediaMatches: [MediaMatchFact(bank: "b1", category: "B2", signal: .pdq, distance: 3),
                           MediaMatchFact(bank: "ncmec", category: "A1", signal: .md5)],
            listMatches: [ListMatchFact(bank: "hotline", type: "handle", value: "telegram:seller")],
            solicitationScore: 0.72, solicitationBand: .suspicious,
            evasion: EvasionFact(risk: 0.81, decision: .block, bannedActor: "act-9"),
            actor: ActorFact(id: "act-9", banned: true, accounts: 3),
            retroactive: true)
        let outcome = p.evaluate(input)
        #expect(outcome.fired.first?.reasons == [
            "media matched bank ncmec (category A1) by md5",
            "listed handle telegram:seller (bank hotline)",
            "solicitation band suspicious, score 0.72 (band at least suspicious, score at least 0.5)",
            "evasion risk 0.81, decision block, banned actor act-9 (risk at least 0.5, decision at least review)",
            "actor act-9 is banned, has 3 accounts (at least 2)",
            "not (media match in bank canaries)",
            "retroactive re-evaluation after a new bank entry",
        ])
        #expect(Condition.kind([.post]).reasons(for: post) == ["content is a post"])
    }

    @Test func outcomesEncodeWithSnakeCase() throws {
        let outcome = Policy.default.evaluate(PolicyInput(kind: .post, mediaMatches: [
            MediaMatchFact(bank: "b", category: "A1", signal: .pdq, distance: 1),
        ]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(outcome), as: UTF8.self)
        #expect(json.contains("\"actions\":[\"block_upload\",\"report\",\"hold_for_review\"]"))
        #expect(json.contains("\"verdict\":\"block\""))
        #expect(try JSONDecoder().decode(PolicyOutcome.self, from: Data(json.utf8)) == outcome)
    }

    @Test func inputsDecodeFromSnakeCaseJSONWithDefaults() throws {
        let json = """
            {"kind":"profile","media_matches":[{"bank":"b","signal":"pdq","distance":7,"media_index":2}],
             "solicitation_band":"low","evasion":{"risk":0.4,"decision":"review","banned_actor":"a"},
             "actor":{"id":"a","author_banned":true}}
            """
        let input = try JSONDecoder().decode(PolicyInput.self, from: Data(json.utf8))
        #expect(input == PolicyInput(kind: .profile,
                                     mediaMatches: [MediaMatchFact(bank: "b", signal: .pdq, distance: 7, mediaIndex: 2)],
                                     solicitationBand: .low,
                                     evasion: EvasionFact(risk: 0.4, decision: .review, bannedActor: "a"),
                                     actor: ActorFact(id: "a", authorBanned: true)))
        let encoded = String(decoding: try JSONEncoder().encode(input), as: UTF8.self)
        #expect(encoded.contains("\"solicitation_score\""))
        #expect(encoded.contains("\"media_index\":2"))
        #expect(try JSONDecoder().decode(PolicyInput.self, from: Data(encoded.utf8)) == input)
    }
}
