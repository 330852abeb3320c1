import HashIndex
import PDQ
import Signals

/// Why two accounts are one actor: one shared value and the weight it carried when the link was made.
public struct LinkReason: Sendable, Hashable {
    public var kind: SignalKind
    /// The value as the account that made the link carried it ("" when it came from an earlier
    /// version of that profile, whose text the graph does not keep).
    public var value: String
    public var weight: Double
    var key: UInt64
}

/// A link between two accounts, with its explanation.
public struct Link: Sendable, Hashable {
    public var score: Double
    /// When the link was made (the platform time of the event that made it).
    public var at: Milliseconds
    public var reasons: [LinkReason]
}

/// The account graph: every account's signals, the links between accounts, the actors (clusters)
/// they form, and which of them are banned; and the screen that asks, for a signup or a profile
/// edit, whether a banned actor is back.
///
/// A value-type state machine with no I/O, in the manner of PostgresNIO's connection state:
/// events go in (``apply(_:)``), answers come out, and whoever owns the value decides where
/// events come from and where they are kept. The server keeps one inside an actor and writes
/// every event to the store's account log first; `bulwark accounts replay` feeds it from stdin.
/// Given the same events in the same order it reaches the same state, which is how a restart
/// rebuilds it.
///
/// ## How a screen decides
/// The profile's signals (off-platform handles, invites, links and wallets read from its name and
/// bio by the text pipeline; e-mail, phone, devices, IP networks and payment ids from the
/// platform; the avatar's PDQ; a sketch of the bio; the pattern of its handles) are looked up in
/// an index from each value to the accounts that carry it. Every account reached this way gives
/// evidence, weighted by kind and discounted as the value grows common (a carrier-NAT range or a
/// default avatar links strangers). Evidence toward accounts whose actor is banned is grouped by
/// actor and combined (noisy-OR over the strongest evidence of each kind); weak kinds count only
/// in pairs. The best actor's combined weight is the risk; thresholds turn it into a decision.
///
/// Links between accounts are made from the same evidence, discounted by commonness only, so
/// that bans never change who is linked to whom. When a value later becomes common, the links it
/// made are re-examined and cut if nothing else holds them.
public struct AccountGraph {
    public var configuration: LinkingConfiguration
    var extractor: SignalExtractor
    var index: SignalIndex
    /// Distinct avatar hashes, each under its avatar key.
    let avatars: PDQIndex
    var avatarKeys: Set<UInt64> = []

    var ids: [String] = []
    var position: [String: UInt32] = [:]
    var created: [Milliseconds] = []
    var updated: [Milliseconds] = []
    /// `notBanned` when the account is not banned.
    var bannedAt: [Milliseconds] = []
    var banReasons: [UInt32: String] = [:]
    var actorOf: [UInt32] = []
    var keys: [[UInt64]] = []
    /// Members of actors with more than one account (an actor is named by one of its members).
    var members: [UInt32: [UInt32]] = [:]
    /// Banned members per actor, for actors with any.
    var bannedMembers: [UInt32: Int32] = [:]
    var edges: [UInt32: [UInt32: Link]] = [:]
    /// Account pairs an appeal separated: never linked again, never evidence for each other.
    var severed: Set<UInt64> = []

    static let notBanned = Milliseconds.min
    /// An account stops gaining keys beyond this many (one account editing its bio ten thousand
    /// times must not grow the index without bound).
    public static let maximumKeysPerAccount = 512

    public init(configuration: LinkingConfiguration = LinkingConfiguration(), scanner: TextScanner = TextScanner(),
                limits: ProfileLimits = ProfileLimits(), expectedAccounts: Int = 0) {
        self.configuration = configuration
        self.extractor = SignalExtractor(scanner: scanner, limits: limits)
        self.index = SignalIndex(expectedKeys: expectedAccounts * 8)
        self.avatars = PDQIndex(expectedCount: expectedAccounts / 2)
        ids.reserveCapacity(expectedAccounts)
        position.reserveCapacity(expectedAccounts)
    }

    /// The text scanner used on names and bios (replace it to load new lists or a lexicon).
    public var scanner: TextScanner {
        get { extractor.scanner }
        set { extractor.scanner = newValue }
    }

    public var accountCount: Int { ids.count }
    public var bannedCount: Int { bannedAt.reduce(0) { $1 == Self.notBanned ? $0 : $0 + 1 } }
    public var linkCount: Int { edges.values.reduce(0) { $0 + $1.count } / 2 }
    public var actorCount: Int { ids.count - members.values.reduce(0) { $0 + $1.count - 1 } }

    /// Approximate memory held by the index structures, in bytes (for benchmarks).
    public var approximateBytes: Int {
        index.approximateBytes + avatars.statistics.indexedBytes + ids.count * (16 + 8 * 3 + 4 + 40)
            + keys.reduce(0) { $0 + $1.capacity * 8 } + position.capacity * 24
    }

    // MARK: - Events

    /// What applying an event did.
    public enum Outcome: Sendable, Hashable {
        /// An account event: the screen's answer.
        case screened(Screening)
        /// A ban, unban, unlink or detach was applied.
        case applied
        /// The event names an account the graph has never seen (nothing changed).
        case unknownAccount(String)
    }

    /// Applies one event. Account events are screened first (against the state before the
    /// event), then recorded, linked and merged into actors.
    @discardableResult
    public mutating func apply(_ event: AccountEvent, extraEvidence: [Evidence] = []) -> Outcome {
        switch event {
        case .account(let profile):
            return .screened(record(profile, extraEvidence: extraEvidence))
        case .ban(let id, let at, let reason):
            guard let account = position[id] else { return .unknownAccount(id) }
            ban(account, at: at, reason: reason)
            return .applied
        case .unban(let id, _):
            guard let account = position[id] else { return .unknownAccount(id) }
            unban(account)
            return .applied
        case .unlink(let id, let other, _):
            guard let a = position[id] else { return .unknownAccount(id) }
            guard let b = position[other] else { return .unknownAccount(other) }
            unlink(a, b)
            return .applied
        case .detach(let id, _):
            guard let account = position[id] else { return .unknownAccount(id) }
            for other in members[actorOf[Int(account)]] ?? [] where other != account {
                severed.insert(Self.pair(account, other))
            }
            for neighbour in edges[account]?.keys.sorted() ?? [] { unlink(account, neighbour) }
            return .applied
        }
    }

    /// Screens a profile without recording it: what `apply` would answer, with nothing changed.
    public func screen(_ profile: AccountProfile, extraEvidence: [Evidence] = []) -> Screening {
        let extracted = extractor.extract(profile)
        return evaluate(profile, extracted, extraEvidence: extraEvidence).screening
    }

    // MARK: - Queries

    public func contains(_ id: String) -> Bool { position[id] != nil }

    public func isBanned(_ id: String) -> Bool {
        guard let account = position[id] else { return false }
        return bannedAt[Int(account)] != Self.notBanned
    }

    /// The actor an account belongs to, named by one of its accounts' ids.
    public func actorID(of id: String) -> String? {
        position[id].map { ids[Int(actorOf[Int($0)])] }
    }

    /// One account as the graph knows it.
    public struct AccountSummary: Sendable, Hashable {
        public var id: String
        public var createdAt: Milliseconds
        public var updatedAt: Milliseconds
        public var bannedAt: Milliseconds?
        public var banReason: String?
        public var signalCount: Int
    }

    /// An actor: its accounts, the links that join them, and what they share.
    public struct ActorView: Sendable, Hashable {
        public var id: String
        public var banned: Bool
        public var accounts: [AccountSummary]
        public var links: [(a: String, b: String, link: Link)]
        /// Values carried by the links, each with the accounts that share it, most shared first.
        public var sharedSignals: [(kind: SignalKind, value: String, accounts: [String])]

        public static func == (lhs: ActorView, rhs: ActorView) -> Bool {
            lhs.id == rhs.id && lhs.accounts == rhs.accounts && lhs.links.count == rhs.links.count
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(id) }
    }

    public func summary(of id: String) -> AccountSummary? {
        position[id].map(summary)
    }

    func summary(_ account: UInt32) -> AccountSummary {
        let i = Int(account)
        return AccountSummary(id: ids[i], createdAt: created[i], updatedAt: updated[i],
                              bannedAt: bannedAt[i] == Self.notBanned ? nil : bannedAt[i],
                              banReason: banReasons[account], signalCount: keys[i].count)
    }

    /// What a decision needs to know about an account's actor, without the links and shared
    /// values `actor(of:)` gathers: its name, whether any account is banned, how many accounts
    /// it has, and up to `limit` of their ids (for fanning out a suspension). Cheap enough to ask
    /// for every post.
    public struct Membership: Sendable, Hashable {
        public var actor: String
        public var banned: Bool
        public var accountBanned: Bool
        public var count: Int
        public var accounts: [String]
    }

    public func membership(of id: String, limit: Int = 1_000) -> Membership? {
        guard let account = position[id] else { return nil }
        let label = actorOf[Int(account)]
        let group = members[label] ?? [label]
        let listed = group.count <= limit ? group.sorted() : Array(group.sorted().prefix(limit))
        return Membership(actor: ids[Int(label)], banned: (bannedMembers[label] ?? 0) > 0,
                          accountBanned: bannedAt[Int(account)] != Self.notBanned, count: group.count,
                          accounts: listed.map { ids[Int($0)] })
    }

    /// The actor of an account (or the actor named `id`), with up to `limit` accounts in order of creation.
    public func actor(of id: String, limit: Int = 1_000) -> ActorView? {
        guard let account = position[id] else { return nil }
        let label = actorOf[Int(account)]
        let group = (members[label] ?? [label]).sorted()
        var links: [(a: String, b: String, link: Link)] = []
        var shared: [UInt64: (kind: SignalKind, value: String, accounts: Set<UInt32>)] = [:]
        for a in group {
            for (b, link) in edges[a] ?? [:] where a < b {
                links.append((ids[Int(a)], ids[Int(b)], link))
                for reason in link.reasons {
                    var entry = shared[reason.key] ?? (reason.kind, reason.value, [])
                    if entry.value.isEmpty { entry.value = reason.value }
                    entry.accounts.insert(a)
                    entry.accounts.insert(b)
                    shared[reason.key] = entry
                }
            }
        }
        links.sort { $0.link.at < $1.link.at }
        let sharedSignals = shared.values
            .map { (kind: $0.kind, value: $0.value, accounts: $0.accounts.sorted().map { ids[Int($0)] }) }
            .sorted { ($0.accounts.count, $1.kind.rawValue, $1.value) > ($1.accounts.count, $0.kind.rawValue, $0.value) }
        return ActorView(id: ids[Int(label)], banned: (bannedMembers[label] ?? 0) > 0,
                         accounts: group.prefix(limit).map(summary), links: Array(links.prefix(limit)),
                         sharedSignals: sharedSignals)
    }

    // MARK: - Recording

    mutating func record(_ profile: AccountProfile, extraEvidence: [Evidence]) -> Screening {
        let extracted = extractor.extract(profile)
        let (screening, links) = evaluate(profile, extracted, extraEvidence: extraEvidence)

        let account: UInt32
        if let existing = position[profile.id] {
            account = existing
            updated[Int(account)] = max(updated[Int(account)], profile.at)
        } else {
            account = UInt32(ids.count)
            ids.append(profile.id)
            position[profile.id] = account
            created.append(profile.at)
            updated.append(profile.at)
            bannedAt.append(Self.notBanned)
            actorOf.append(account)
            keys.append([])
        }

        let banned = bannedAt[Int(account)] != Self.notBanned
        var newKeys = extracted.signals.map(\.key) + extracted.bioBands
        if let avatar = extracted.avatar {
            let key = SignalKey.avatar(avatar)
            newKeys.append(key)
            if avatarKeys.insert(key).inserted { avatars.insert(avatar, id: key) }
        }
        var becameCommon: [UInt64] = []
        var held = Set(keys[Int(account)])
        for key in newKeys where held.insert(key).inserted {
            guard keys[Int(account)].count < Self.maximumKeysPerAccount else { break }
            keys[Int(account)].append(key)
            let count = index.add(key, account: account, banned: banned)
            if let kind = SignalKey.kind(of: key), count - 1 == 2 * configuration.policy(kind).allowance + 1 {
                becameCommon.append(key)
            }
        }

        for other in links.keys.sorted() where !severed.contains(Self.pair(account, other)) {
            link(account, other, reasons: links[other]!, at: profile.at)
        }
        for key in becameCommon { reexamineLinks(citing: key) }

        var result = screening
        result.actor = ids[Int(actorOf[Int(account)])]
        return result
    }

    mutating func ban(_ account: UInt32, at: Milliseconds, reason: String?) {
        let i = Int(account)
        if let reason { banReasons[account] = reason }
        guard bannedAt[i] == Self.notBanned else { return }
        bannedAt[i] = at
        for key in keys[i] { index.adjustBanned(key, account: account, delta: 1) }
        bannedMembers[actorOf[i], default: 0] += 1
    }

    mutating func unban(_ account: UInt32) {
        let i = Int(account)
        guard bannedAt[i] != Self.notBanned else { return }
        bannedAt[i] = Self.notBanned
        banReasons[account] = nil
        for key in keys[i] { index.adjustBanned(key, account: account, delta: -1) }
        let label = actorOf[i]
        let remaining = (bannedMembers[label] ?? 1) - 1
        bannedMembers[label] = remaining > 0 ? remaining : nil
    }

    // MARK: - Actors

    static func pair(_ a: UInt32, _ b: UInt32) -> UInt64 {
        a < b ? UInt64(a) << 32 | UInt64(b) : UInt64(b) << 32 | UInt64(a)
    }

    mutating func link(_ a: UInt32, _ b: UInt32, reasons: [LinkReason], at: Milliseconds) {
        var link = edges[a]?[b] ?? Link(score: 0, at: at, reasons: [])
        for reason in reasons {
            if let existing = link.reasons.firstIndex(where: { $0.key == reason.key }) {
                if reason.weight > link.reasons[existing].weight { link.reasons[existing] = reason }
            } else {
                link.reasons.append(reason)
            }
        }
        link.score = linkScore(link.reasons)
        edges[a, default: [:]][b] = link
        edges[b, default: [:]][a] = link
        merge(actorOf[Int(a)], actorOf[Int(b)])
    }

    func linkScore(_ reasons: [LinkReason]) -> Double {
        var byKind: [SignalKind: Double] = [:]
        for reason in reasons { byKind[reason.kind] = max(byKind[reason.kind] ?? 0, reason.weight) }
        return configuration.combineForLink(byKind)
    }

    mutating func merge(_ x: UInt32, _ y: UInt32) {
        guard x != y else { return }
        let xs = members[x] ?? [x], ys = members[y] ?? [y]
        // The smaller group is renamed (each account moves O(log n) times); on a tie the actor
        // keeps the name of its older account.
        let keepX = xs.count != ys.count ? xs.count > ys.count : x < y
        let (keep, drop, moved) = keepX ? (x, y, ys) : (y, x, xs)
        for account in moved { actorOf[Int(account)] = keep }
        members[keep, default: [keep]].append(contentsOf: moved)
        members[drop] = nil
        if let banned = bannedMembers.removeValue(forKey: drop) { bannedMembers[keep, default: 0] += banned }
    }

    mutating func unlink(_ a: UInt32, _ b: UInt32) {
        severed.insert(Self.pair(a, b))
        guard edges[a]?[b] != nil else { return }
        removeEdge(a, b)
        resplit(actorOf[Int(a)])
    }

    mutating func removeEdge(_ a: UInt32, _ b: UInt32) {
        edges[a]?[b] = nil
        edges[b]?[a] = nil
        if edges[a]?.isEmpty == true { edges[a] = nil }
        if edges[b]?.isEmpty == true { edges[b] = nil }
    }

    /// Recomputes the components of an actor after links were cut: the part holding the account
    /// the actor is named after keeps the name, every other part is named after its first account.
    mutating func resplit(_ label: UInt32) {
        guard let group = members[label] else { return }
        var unassigned = Set(group)
        var components: [[UInt32]] = []
        // The named account's component first, so it keeps the name.
        for start in [label] + group.sorted() where unassigned.contains(start) {
            var component: [UInt32] = [start]
            unassigned.remove(start)
            var next = 0
            while next < component.count {
                for neighbour in (edges[component[next]]?.keys ?? [:].keys).sorted() where unassigned.remove(neighbour) != nil {
                    component.append(neighbour)
                }
                next += 1
            }
            components.append(component)
        }
        guard components.count > 1 else { return }
        members[label] = nil
        bannedMembers[label] = nil
        for (n, component) in components.enumerated() {
            let name = n == 0 ? label : component.min()!
            for account in component { actorOf[Int(account)] = name }
            if component.count > 1 { members[name] = component }
            let banned = component.reduce(Int32(0)) { $0 + (bannedAt[Int($1)] == Self.notBanned ? 0 : 1) }
            if banned > 0 { bannedMembers[name] = banned }
        }
    }

    /// A value just became common: links it made are re-scored without it, and cut when nothing
    /// else holds them (the kiosk device that joined its first few users must not keep them joined).
    mutating func reexamineLinks(citing key: UInt64) {
        var holders: [UInt32] = []
        index.forEachAccount(key, limit: .max) { holders.append($0) }
        var touched = Set<UInt32>()
        for a in holders {
            for (b, var link) in (edges[a] ?? [:]).sorted(by: { $0.key < $1.key }) where a < b && link.reasons.contains(where: { $0.key == key }) {
                link.reasons.removeAll { $0.key == key }
                let score = linkScore(link.reasons)
                if link.reasons.isEmpty || score < configuration.linkThreshold {
                    removeEdge(a, b)
                    touched.insert(actorOf[Int(a)])
                } else {
                    link.score = score
                    edges[a]?[b] = link
                    edges[b]?[a] = link
                }
            }
        }
        for label in touched.sorted() { resplit(label) }
    }
}

extension LinkingConfiguration {
    /// As `combine`, for joining accounts: only kinds that `linksAlone` can join by themselves;
    /// a shared device, picture or network joins only with a second kind beside it.
    func combineForLink(_ byKind: [SignalKind: Double]) -> Double {
        var miss = 1.0
        var strong = false
        var weakKinds = 0
        for (kind, weight) in byKind where weight > 0 {
            miss *= 1 - weight
            if policy(kind).linksAlone && weight >= 0.5 { strong = true } else if weight >= minimumCorroboration { weakKinds += 1 }
        }
        let score = 1 - miss
        return strong || weakKinds >= 2 ? score : min(score, uncorroboratedCap)
    }
}
