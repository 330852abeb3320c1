import AccountGraph

/// The size, length and seed of a simulated platform history.
public struct SimulationConfig: Sendable, Hashable {
    public var seed: UInt64 = 1
    /// People who use the platform normally and are never banned.
    public var ordinaryUsers = 20_000
    /// Banned actors who keep coming back with new accounts.
    public var traders = 150
    /// Length of the period (at least 1 is used).
    public var days = 60
    /// The first millisecond of the period (default 2026-01-01T00:00:00Z).
    public var start: Milliseconds = 1_767_225_600_000

    public init(seed: UInt64 = 1, ordinaryUsers: Int = 20_000, traders: Int = 150, days: Int = 60,
                start: Milliseconds = 1_767_225_600_000) {
        self.seed = seed
        self.ordinaryUsers = ordinaryUsers
        self.traders = traders
        self.days = days
        self.start = start
    }
}

/// The truth about one simulated account: who is behind it and what it kept from its actor's
/// persona. Only the eval sees labels; the engine sees nothing but the events.
public struct AccountLabel: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case ordinary
        /// An account of trader actor `actor` (0-based, in generation order).
        case trader(actor: Int)
    }

    public var role: Role
    /// 0 for an actor's first account (and for every ordinary account), then 1, 2, … in order
    /// of creation.
    public var incarnation: Int
    /// A trader account created after at least one account of its actor was banned.
    public var recreated: Bool
    /// The classes of persona signal the account shows, sorted by name (empty for ordinary
    /// accounts). Public: `telegram` (the handle written plainly), `telegram-disguised` (written
    /// with a disguise docs/text-signals.md documents as caught), `telegram-missed-disguise` (one
    /// it documents as missed), `invite`, `wallet`, `avatar` (the persona picture, re-altered),
    /// `handle-pattern` (the platform handle is a re-arrangement of the persona's stem),
    /// `bio` (a near-duplicate of the persona's bio). Private: `device`, `ip` (the persona's home
    /// /24), `phone`, `payment`, `email` (the persona's clear address with a different
    /// sub-address or case). An actor's first account shows the whole persona.
    public var carried: [String]
    /// The carried public signals appear only at the account's first profile edit; its signup
    /// showed none of them (the private ones are seen at signup as always).
    public var carriedFromEdit: Bool
    /// The account's signup time.
    public var createdAt: Milliseconds

    public init(role: Role, incarnation: Int = 0, recreated: Bool = false, carried: [String] = [],
                carriedFromEdit: Bool = false, createdAt: Milliseconds) {
        self.role = role
        self.incarnation = incarnation
        self.recreated = recreated
        self.carried = carried
        self.carriedFromEdit = carriedFromEdit
        self.createdAt = createdAt
    }

    /// The actor of a trader account, nil for an ordinary one.
    public var actor: Int? {
        if case .trader(let actor) = role { return actor }
        return nil
    }
}

/// A labelled platform history: what the engine is fed (`events`) and the truth (`labels`).
public struct Simulation: Sendable {
    /// Signups, profile edits and bans, by ascending `at` (ties in a fixed order).
    public var events: [AccountEvent]
    /// Every account id of `events`, with its truth.
    public var labels: [String: AccountLabel]

    public init(events: [AccountEvent], labels: [String: AccountLabel]) {
        self.events = events
        self.labels = labels
    }

    /// A deterministic history for `config`: the same config always gives the same events and
    /// labels, on every machine and toolchain (the simulator uses its own PRNG and draw
    /// arithmetic). What is simulated, and why, is documented in Generator.swift.
    public static func generate(_ config: SimulationConfig) -> Simulation {
        var generator = SimulationGenerator(config: config)
        return generator.run()
    }
}
