/// The default policy. policies/default.yaml holds the same text (a test keeps them identical).
extension Policy {
    public static let defaultYAML: String = """
        # The default Bulwark policy: what the engine's signals lead to.
        #
        # Read it top to bottom: every rule whose condition holds fires, in this order, and the decision
        # is the union of their actions. A rule with `final: true` stops the evaluation when it fires;
        # a rule in `mode: shadow` is logged when it fires and never acted on. Bump `version` on every
        # change: decisions record policy@version. docs/policies.md describes every condition.
        #
        # Check a copy with `bulwark policy check FILE`, and test it with `bulwark policy test FILE
        # --cases policies/cases` before deploying it.
        policy: default
        version: 1
        description: Known media is blocked and reported; listed contacts and ban evasion go to review.

        rules:
          # The operators' canary: a harmless image banked under category `canary` and posted on
          # purpose to check the whole pipeline. It is recorded and nothing is done, and later rules
          # are skipped, but only when the canary is the only signal: a leaked canary attached to a
          # listed link or by a banned actor changes nothing.
          - id: canary
            description: Pipeline canary alone; recorded, never acted on.
            when:
              all:
                - media_match: {categories: [canary]}
                - not:
                    any:
                      - media_match: {exclude_categories: [canary]}
                      - list_match: {}
                      - solicitation: {band: suspicious}
                      - evasion: {decision: review}
                      - actor: {banned: true}
            then:
              actions: [allow]
              severity: low
            final: true

          # Known media in any bank (the engine only passes matches from banks that may act).
          - id: known-media
            description: Media matching a bank entry is blocked, reported and held for review.
            when:
              all:
                - media_match: {exclude_categories: [canary]}
                - retroactive: false
            then:
              actions: [block_upload, report, hold_for_review]
              severity: critical
              queue: known-media

          # The same, found later: a new bank entry matched content that is already up.
          - id: known-media-retroactive
            description: Content already up that matches a new bank entry is removed, reported and held.
            when:
              all:
                - media_match: {exclude_categories: [canary]}
                - retroactive: true
            then:
              actions: [remove, report, hold_for_review]
              severity: critical
              queue: known-media

          # A listed link, handle or wallet together with a sales pitch.
          - id: listed-contact-solicitation
            description: Listed off-platform contact offered with solicitation language.
            when:
              all:
                - list_match: {types: [url, domain, url-md5, url-sha256, handle, wallet]}
                - solicitation: {band: suspicious}
            then:
              actions: [remove, hold_for_review]
              severity: high
              queue: solicitation

          # A listed link on its own.
          - id: listed-link
            description: A link to a listed site or page is removed and held for review.
            when:
              list_match: {types: [url, domain, url-md5, url-sha256]}
            then:
              actions: [remove, hold_for_review]
              severity: medium
              queue: links

          # A listed handle or wallet on its own: a person decides.
          - id: listed-handle-or-wallet
            description: A listed handle or wallet without other signals is held for review.
            when:
              list_match: {types: [handle, wallet]}
            then:
              actions: [hold_for_review]
              severity: medium
              queue: links

          # A signup or profile that the ban-evasion screen ties firmly to a banned actor.
          - id: evasion-block
            description: A banned actor back with a new account is suspended.
            when:
              all:
                - kind: [signup, profile]
                - evasion: {decision: block}
            then:
              actions: [suspend_actor, hold_for_review]
              severity: high
              queue: evasion

          # Weaker evasion evidence: a person looks.
          - id: evasion-review
            description: Accounts with some evidence of ban evasion are held for review.
            when:
              evasion: {min_risk: 0.5}
            then:
              actions: [hold_for_review]
              severity: medium
              queue: evasion

          # An account of a banned actor that is still posting.
          - id: banned-actor-posting
            description: Posts and messages by an actor with a banned account are held for review.
            when:
              all:
                - kind: [post, message]
                - actor: {banned: true}
            then:
              actions: [hold_for_review]
              severity: medium
              queue: evasion

          # Solicitation language alone, without a listed contact. In shadow mode while its precision
          # is measured: it is logged with every decision and never acted on.
          - id: solicitation-language
            description: Strong solicitation language alone (shadow mode while it is measured).
            mode: shadow
            when:
              solicitation: {band: solicitation}
            then:
              actions: [hold_for_review]
              severity: low
              queue: solicitation

        """

    private static let builtIn: Policy = parseBuiltIn()

    private static func parseBuiltIn() -> Policy {
        do throws(PolicyError) {
            return try Policy.parse(defaultYAML, source: "default.yaml")
        } catch {
            fatalError("the built-in default policy is invalid: \(error.report)")
        }
    }

    /// The default policy, parsed once.
    public static var `default`: Policy { builtIn }
}
