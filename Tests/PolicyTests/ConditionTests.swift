import Testing
@testable import Policy

@Suite("Conditions")
struct ConditionTests {
    let post = PolicyInput(kind: .post)

    func media(_ matches: MediaMatchFact...) -> PolicyInput { PolicyInput(kind: .post, mediaMatches: matches) }
    func lists(_ matches: ListMatchFact...) -> PolicyInput { PolicyInput(kind: .post, listMatches: matches) }

    @Test func mediaMatchWithoutFiltersIsAnyMatch() throws {
        #expect(try holds("{media_match: {}}", media(MediaMatchFact(bank: "b", signal: .md5))))
        #expect(try !holds("{media_match: {}}", post))
        // `media_match:` with nothing after it is the same as {}.
        let policy = try Policy.parse(header + "  - id: r\n    when:\n      media_match:\n    then: {actions: [remove], severity: low}\n")
        #expect(policy.rules[0].condition == .mediaMatch(MediaMatchFilter()))
    }

    @Test func mediaMatchFilters() throws {
        let a1 = MediaMatchFact(bank: "ncmec", category: "A1", signal: .pdq, distance: 20)
        let uncategorised = MediaMatchFact(bank: "local", signal: .sha256)
        #expect(try holds("{media_match: {banks: [ncmec, other]}}", media(a1)))
        #expect(try !holds("{media_match: {banks: other}}", media(a1)))
        #expect(try holds("{media_match: {categories: [A1]}}", media(a1)))
        #expect(try !holds("{media_match: {categories: [B2]}}", media(a1)))
        #expect(try !holds("{media_match: {categories: [A1]}}", media(uncategorised)))
        #expect(try !holds("{media_match: {exclude_banks: [ncmec]}}", media(a1)))
        #expect(try holds("{media_match: {exclude_banks: [ncmec]}}", media(a1, uncategorised)))
        #expect(try !holds("{media_match: {exclude_categories: [A1]}}", media(a1)))
        #expect(try holds("{media_match: {exclude_categories: [A1]}}", media(uncategorised)))
        #expect(try holds("{media_match: {signals: [pdq]}}", media(a1)))
        #expect(try !holds("{media_match: {signals: [md5, sha256]}}", media(a1)))
        #expect(try holds("{media_match: {max_distance: 20}}", media(a1)))
        #expect(try !holds("{media_match: {max_distance: 19}}", media(a1)))
        #expect(try holds("{media_match: {max_distance: 0}}", media(uncategorised)))
    }

    @Test func oneSingleMediaMatchMustPassEveryFilter() throws {
        // One match is in the bank, the other is close enough: no single match is both.
        let inBank = MediaMatchFact(bank: "ncmec", category: "A1", signal: .pdq, distance: 60)
        let close = MediaMatchFact(bank: "other", category: "A1", signal: .pdq, distance: 4)
        #expect(try !holds("{media_match: {banks: [ncmec], max_distance: 31}}", media(inBank, close)))
        #expect(try holds("{media_match: {banks: [ncmec], max_distance: 31}}",
                          media(inBank, close, MediaMatchFact(bank: "ncmec", signal: .pdq, distance: 31))))
    }

    @Test func listMatchFilters() throws {
        let url = ListMatchFact(bank: "hotline", type: "url", value: "https://x.example/a")
        let handle = ListMatchFact(bank: "local", type: "handle", value: "telegram:seller")
        #expect(try holds("{list_match: {}}", lists(url)))
        #expect(try !holds("{list_match: {}}", post))
        #expect(try holds("{list_match: {types: [url, domain]}}", lists(url)))
        #expect(try !holds("{list_match: {types: wallet}}", lists(url, handle)))
        #expect(try holds("{list_match: {banks: [local]}}", lists(url, handle)))
        #expect(try !holds("{list_match: {banks: [local], types: [url]}}", lists(url, handle)))
        #expect(try !holds("{list_match: {exclude_banks: [hotline]}}", lists(url)))
        #expect(try holds("{list_match: {exclude_banks: [hotline]}}", lists(url, handle)))
    }

    @Test func solicitation() throws {
        let suspicious = PolicyInput(kind: .post, solicitationScore: 0.55, solicitationBand: .suspicious)
        #expect(try holds("{solicitation: {band: suspicious}}", suspicious))
        #expect(try holds("{solicitation: {band: low}}", suspicious))
        #expect(try !holds("{solicitation: {band: solicitation}}", suspicious))
        #expect(try holds("{solicitation: {min_score: 0.55}}", suspicious))
        #expect(try !holds("{solicitation: {min_score: 0.6}}", suspicious))
        #expect(try !holds("{solicitation: {band: suspicious, min_score: 0.6}}", suspicious))
        #expect(try holds("{solicitation: {band: suspicious, min_score: 0.5}}", suspicious))
        #expect(try holds("{solicitation: {min_score: 0}}", post))
        #expect(try !holds("{solicitation: {band: low}}", post))
    }

    @Test func evasion() throws {
        let review = PolicyInput(kind: .signup, evasion: EvasionFact(risk: 0.6, decision: .review))
        #expect(try holds("{evasion: {min_risk: 0.5}}", review))
        #expect(try !holds("{evasion: {min_risk: 0.61}}", review))
        #expect(try holds("{evasion: {decision: review}}", review))
        #expect(try holds("{evasion: {decision: allow}}", review))
        #expect(try !holds("{evasion: {decision: block}}", review))
        #expect(try !holds("{evasion: {min_risk: 0.5, decision: block}}", review))
        // No evasion fact: false, even for the weakest condition.
        #expect(try !holds("{evasion: {min_risk: 0}}", post))
        #expect(try !holds("{evasion: {decision: allow}}", post))
    }

    @Test func actor() throws {
        let banned = PolicyInput(kind: .post, actor: ActorFact(id: "a1", banned: true, authorBanned: false, accounts: 3))
        #expect(try holds("{actor: {banned: true}}", banned))
        #expect(try !holds("{actor: {banned: false}}", banned))
        #expect(try holds("{actor: {author_banned: false}}", banned))
        #expect(try !holds("{actor: {author_banned: true}}", banned))
        #expect(try holds("{actor: {min_accounts: 3}}", banned))
        #expect(try !holds("{actor: {min_accounts: 4}}", banned))
        #expect(try holds("{actor: {banned: true, min_accounts: 2}}", banned))
        // No actor fact: false, even for `banned: false`.
        #expect(try !holds("{actor: {banned: false}}", post))
    }

    @Test func kindAndRetroactive() throws {
        #expect(try holds("{kind: post}", post))
        #expect(try holds("{kind: [signup, post]}", post))
        #expect(try !holds("{kind: [signup, profile]}", post))
        #expect(try holds("{retroactive: false}", post))
        #expect(try !holds("{retroactive: true}", post))
        #expect(try holds("{retroactive: true}", PolicyInput(kind: .post, retroactive: true)))
    }

    @Test func allAnyNot() throws {
        let input = PolicyInput(kind: .message, solicitationBand: .suspicious)
        #expect(try holds("{all: [{kind: message}, {solicitation: {band: low}}]}", input))
        #expect(try !holds("{all: [{kind: message}, {solicitation: {band: solicitation}}]}", input))
        #expect(try holds("{any: [{kind: post}, {solicitation: {band: low}}]}", input))
        #expect(try !holds("{any: [{kind: post}, {retroactive: true}]}", input))
        #expect(try holds("{not: {kind: post}}", input))
        #expect(try !holds("{not: {kind: message}}", input))
        #expect(try holds("{not: {any: [{kind: post}, {all: [{kind: message}, {retroactive: true}]}]}}", input))
    }

    @Test func compiledTree() throws {
        let policy = try onlyRule(when: "{any: [{kind: [post, message]}, {not: {evasion: {min_risk: 0.5}}}, {actor: {min_accounts: 2}}]}")
        #expect(policy.rules[0].condition == .any([
            .kind([.post, .message]),
            .not(.evasion(minimumRisk: 0.5, minimumDecision: nil)),
            .actor(ActorFilter(minimumAccounts: 2)),
        ]))
    }

    @Test func summaries() throws {
        let condition = try onlyRule(when: """
            {all: [{media_match: {banks: [b], exclude_categories: [canary, x], signals: [pdq], max_distance: 31}}, \
            {list_match: {types: [url]}}, {not: {kind: [post, signup]}}, {solicitation: {band: low, min_score: 0.5}}]}
            """).rules[0].condition
        #expect(condition.summary == "all of (media match in bank b outside categories canary, x by pdq within distance 31; "
            + "list match of type url; not (kind post or signup); solicitation band at least low and score at least 0.5)")
    }
}
