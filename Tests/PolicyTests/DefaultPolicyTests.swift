import Foundation
import Testing
@testable import Policy

@Suite("The default policy")
struct DefaultPolicyTests {
    @Test func parsesWithItsRules() throws {
        let policy = Policy.default
        #expect(policy.name == "default")
        #expect(policy.version == 1)
        #expect(policy.reference == "default@1")
        #expect(policy.rules.map(\.id) == [
            "canary", "known-media", "known-media-retroactive", "listed-contact-solicitation", "listed-link",
            "listed-handle-or-wallet", "evasion-block", "evasion-review", "banned-actor-posting", "solicitation-language",
        ])
        #expect(policy.shadowRuleCount == 1)
        #expect(policy.rules.first { $0.id == "solicitation-language" }?.mode == .shadow)
        #expect(policy.rules[0].final)
        #expect(policy.rules[0].actions == [.allow])
        let knownMedia = try #require(policy.rules.first { $0.id == "known-media" })
        #expect(knownMedia.actions == [.blockUpload, .report, .holdForReview])
        #expect(knownMedia.severity == .critical)
        #expect(knownMedia.queue == "known-media")
        #expect(knownMedia.condition == .all([
            .mediaMatch(MediaMatchFilter(excludeCategories: ["canary"])), .retroactive(false),
        ]))
    }

    @Test func theShippedFileIsTheBuiltInText() throws {
        let file = try String(contentsOfFile: Fixtures.defaultPolicyFile, encoding: .utf8)
        #expect(file == Policy.defaultYAML)
        #expect(try Policy.load(path: Fixtures.defaultPolicyFile) == Policy.default)
    }

    @Test func knownMediaIsBlockedReportedAndQueued() {
        let outcome = Policy.default.evaluate(PolicyInput(kind: .post, mediaMatches: [
            MediaMatchFact(bank: "ncmec", category: "A1", signal: .pdq, distance: 12),
        ]))
        #expect(outcome.verdict == .block)
        #expect(outcome.actions == [.blockUpload, .report, .holdForReview])
        #expect(outcome.fired.map(\.id) == ["known-media"])
        #expect(outcome.fired[0].reasons == ["media matched bank ncmec (category A1) by pdq at distance 12",
                                             "not a retroactive re-evaluation"])
        #expect(outcome.severity == .critical)
        #expect(outcome.queue == "known-media")
    }

    @Test func aCanaryAloneStopsEvaluationButNotWithOtherSignals() {
        let canary = MediaMatchFact(bank: "canaries", category: "canary", signal: .sha256)
        let alone = Policy.default.evaluate(PolicyInput(kind: .post, mediaMatches: [canary]))
        #expect(alone.fired.map(\.id) == ["canary"])
        #expect(alone.actions.isEmpty)
        #expect(alone.verdict == .allow)
        #expect(alone.severity == .low)
        #expect(alone.queue == nil)

        let withBannedActor = Policy.default.evaluate(PolicyInput(kind: .post, mediaMatches: [canary],
                                                                  actor: ActorFact(id: "x", banned: true)))
        #expect(withBannedActor.fired.map(\.id) == ["banned-actor-posting"])
        let withOtherMedia = Policy.default.evaluate(PolicyInput(kind: .post, mediaMatches: [
            canary, MediaMatchFact(bank: "ncmec", category: "A1", signal: .md5),
        ]))
        #expect(withOtherMedia.fired.map(\.id) == ["known-media"])
    }

    @Test func anOrdinaryPostIsAllowed() {
        let outcome = Policy.default.evaluate(PolicyInput(kind: .post, solicitationScore: 0.1, solicitationBand: .low))
        #expect(outcome == PolicyOutcome())
        #expect(outcome.isAllow)
        #expect(outcome.verdict == .allow)
    }

    @Test func evaluationIsFast() {
        let policy = Policy.default
        let inputs = [
            PolicyInput(kind: .post, solicitationScore: 0.2, solicitationBand: .low),
            PolicyInput(kind: .post, listMatches: [ListMatchFact(bank: "hotline", type: "url", value: "https://x.example/")],
                        solicitationScore: 0.7, solicitationBand: .suspicious),
            PolicyInput(kind: .signup, evasion: EvasionFact(risk: 0.3, decision: .allow), actor: ActorFact(id: "a")),
            PolicyInput(kind: .message, mediaMatches: [MediaMatchFact(bank: "b", category: "A1", signal: .pdq, distance: 20)]),
        ]
        let clock = ContinuousClock()
        var fired = 0
        let elapsed = clock.measure {
            for i in 0..<20_000 { fired += policy.evaluate(inputs[i % inputs.count]).fired.count }
        }
        #expect(fired == 5_000 * 3)  // 2 rules for the link, 1 for the media, none for the others
        // 20,000 evaluations (10 per post would be plenty) in well under a second even in a debug build.
        #expect(elapsed < .seconds(5), "20000 evaluations took \(elapsed)")
    }
}
