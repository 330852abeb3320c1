/// What the engine knows about one piece of content when the policy decides: the facts, never the
/// content. Every signal is computed elsewhere (media matching, text signals, the account graph);
/// the policy only reads them.
///
/// Codable with snake_case keys (`media_matches`, `solicitation_band`, …), the form of the `input`
/// of a case file. Decoding fills what is missing with the same defaults as case files: no matches,
/// score 0, band `none`, no evasion or actor fact, not retroactive.
public struct PolicyInput: Sendable, Hashable, Codable {
    /// What the content is.
    public enum ContentKind: String, Sendable, Hashable, Codable, CaseIterable {
        case post, profile, signup, message
    }

    public var kind: ContentKind
    /// Media matches that may act (the engine has already dropped quarantined and negative banks).
    public var mediaMatches: [MediaMatchFact]
    public var listMatches: [ListMatchFact]
    /// 0…1.
    public var solicitationScore: Double
    public var solicitationBand: SolicitationBand
    /// The ban-evasion screen, present for profiles and signups (account screening).
    public var evasion: EvasionFact?
    /// What the account graph knows about the author's actor.
    public var actor: ActorFact?
    /// True when old content is evaluated again because a bank gained an entry.
    public var retroactive: Bool

    public init(kind: ContentKind, mediaMatches: [MediaMatchFact] = [], listMatches: [ListMatchFact] = [],
                solicitationScore: Double = 0, solicitationBand: SolicitationBand = .none,
                evasion: EvasionFact? = nil, actor: ActorFact? = nil, retroactive: Bool = false) {
        self.kind = kind
        self.mediaMatches = mediaMatches
        self.listMatches = listMatches
        self.solicitationScore = solicitationScore
        self.solicitationBand = solicitationBand
        self.evasion = evasion
        self.actor = actor
        self.retroactive = retroactive
    }

    enum CodingKeys: String, CodingKey {
        case kind
        case mediaMatches = "media_matches"
        case listMatches = "list_matches"
        case solicitationScore = "solicitation_score"
        case solicitationBand = "solicitation_band"
        case evasion, actor, retroactive
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(ContentKind.self, forKey: .kind)
        mediaMatches = try c.decodeIfPresent([MediaMatchFact].self, forKey: .mediaMatches) ?? []
        listMatches = try c.decodeIfPresent([ListMatchFact].self, forKey: .listMatches) ?? []
        solicitationScore = try c.decodeIfPresent(Double.self, forKey: .solicitationScore) ?? 0
        solicitationBand = try c.decodeIfPresent(SolicitationBand.self, forKey: .solicitationBand) ?? .none
        evasion = try c.decodeIfPresent(EvasionFact.self, forKey: .evasion)
        actor = try c.decodeIfPresent(ActorFact.self, forKey: .actor)
        retroactive = try c.decodeIfPresent(Bool.self, forKey: .retroactive) ?? false
    }
}

/// How a media item matched a bank.
public enum MediaSignal: String, Sendable, Hashable, Codable, CaseIterable {
    case pdq, md5, sha256
}

/// One media item of the content matched one bank entry.
public struct MediaMatchFact: Sendable, Hashable, Codable {
    public var bank: String
    /// The entry's category code, if the bank gives one (neutral codes such as `A1`, or `canary`).
    public var category: String?
    public var signal: MediaSignal
    /// Hamming distance for PDQ; 0 for the exact hashes.
    public var distance: Int
    /// Which media item of the content (0-based).
    public var mediaIndex: Int

    public init(bank: String, category: String? = nil, signal: MediaSignal, distance: Int = 0, mediaIndex: Int = 0) {
        self.bank = bank
        self.category = category
        self.signal = signal
        self.distance = distance
        self.mediaIndex = mediaIndex
    }

    enum CodingKeys: String, CodingKey {
        case bank, category, signal, distance
        case mediaIndex = "media_index"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        bank = try c.decode(String.self, forKey: .bank)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        signal = try c.decode(MediaSignal.self, forKey: .signal)
        distance = try c.decodeIfPresent(Int.self, forKey: .distance) ?? 0
        mediaIndex = try c.decodeIfPresent(Int.self, forKey: .mediaIndex) ?? 0
    }
}

/// Text of the content matched one list entry.
public struct ListMatchFact: Sendable, Hashable, Codable {
    public var bank: String
    /// The entry type: url, domain, handle, wallet, keyword, url-md5, url-sha256.
    public var type: String
    /// The entry as the list wrote it.
    public var value: String

    public init(bank: String, type: String, value: String) {
        self.bank = bank
        self.type = type
        self.value = value
    }

    /// The list entry types the text pipeline knows.
    public static let types = ["url", "domain", "handle", "wallet", "keyword", "url-md5", "url-sha256"]
}

/// How strongly a text reads as solicitation: none < low < suspicious < solicitation.
public enum SolicitationBand: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case none, low, suspicious, solicitation

    var rank: Int {
        switch self {
        case .none: 0
        case .low: 1
        case .suspicious: 2
        case .solicitation: 3
        }
    }

    public static func < (lhs: SolicitationBand, rhs: SolicitationBand) -> Bool { lhs.rank < rhs.rank }
}

/// The ban-evasion screen's decision: allow < review < block.
public enum EvasionDecision: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case allow, review, block

    var rank: Int {
        switch self {
        case .allow: 0
        case .review: 1
        case .block: 2
        }
    }

    public static func < (lhs: EvasionDecision, rhs: EvasionDecision) -> Bool { lhs.rank < rhs.rank }
}

/// The ban-evasion screen of the account behind a profile or signup.
public struct EvasionFact: Sendable, Hashable, Codable {
    /// 0…1.
    public var risk: Double
    public var decision: EvasionDecision
    /// The banned actor the account most likely belongs to.
    public var bannedActor: String?

    public init(risk: Double, decision: EvasionDecision, bannedActor: String? = nil) {
        self.risk = risk
        self.decision = decision
        self.bannedActor = bannedActor
    }

    enum CodingKeys: String, CodingKey {
        case risk, decision
        case bannedActor = "banned_actor"
    }
}

/// What the account graph knows about the actor behind the author.
public struct ActorFact: Sendable, Hashable, Codable {
    public var id: String
    /// Any account of the actor is banned.
    public var banned: Bool
    /// The authoring account itself is banned.
    public var authorBanned: Bool
    /// Accounts the actor is known to run.
    public var accounts: Int

    public init(id: String, banned: Bool = false, authorBanned: Bool = false, accounts: Int = 1) {
        self.id = id
        self.banned = banned
        self.authorBanned = authorBanned
        self.accounts = accounts
    }

    enum CodingKeys: String, CodingKey {
        case id, banned
        case authorBanned = "author_banned"
        case accounts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        banned = try c.decodeIfPresent(Bool.self, forKey: .banned) ?? false
        authorBanned = try c.decodeIfPresent(Bool.self, forKey: .authorBanned) ?? false
        accounts = try c.decodeIfPresent(Int.self, forKey: .accounts) ?? 1
    }
}
