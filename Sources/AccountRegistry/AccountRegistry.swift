import AccountGraph
import Foundation
import Logging
import Signals
import Storage

/// The account graph made durable: every event is written to the store's account log first and
/// applied to the in-memory ``AccountGraph`` in log order; at start-up the graph is rebuilt by
/// replaying the log.
///
/// The log, not the graph, is the truth. Processes sharing one PostgreSQL database each keep a
/// graph and stay in step by applying the log in sequence order: before answering for its own
/// event, a process first applies every event other processes logged ahead of it, so all of them
/// reach the same state and the same answers. Without a store (`bulwark accounts replay` with no
/// `--db`), events are applied in memory only.
public actor AccountRegistry {
    private var graph: AccountGraph
    private let store: (any BulwarkStore)?
    private let logger: Logger
    /// The last log sequence applied.
    private var cursor: Int64 = 0
    private var decoder = EventDecoder()
    /// Operations that read or write the log run one at a time, in arrival order. An actor alone
    /// does not give that: while one call awaits the store another may run, and two catch-ups
    /// interleaving would apply an event twice.
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    public init(graph: AccountGraph = AccountGraph(), store: (any BulwarkStore)?, logger: Logger = Logger(label: "bulwark.accounts")) {
        self.graph = graph
        self.store = store
        self.logger = logger
    }

    /// What a start-up replay of the log did.
    public struct LoadReport: Sendable, Hashable {
        public var events: Int
        public var accounts: Int
        public var unreadable: Int
        public var seconds: Double
    }

    /// Applies every logged event not yet applied. Call once at start-up; `record` keeps the graph
    /// in step afterwards.
    public func load(pageSize: Int = 10_000) async throws(StoreError) -> LoadReport {
        await acquire()
        defer { release() }
        let started = ContinuousClock.now
        let (events, unreadable) = try await catchUp(through: nil, pageSize: pageSize, pending: [:]).counts
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return LoadReport(events: events, accounts: graph.accountCount, unreadable: unreadable, seconds: seconds)
    }

    /// Logs and applies one event and returns what applying it did. Bans and appeals for an
    /// account the graph has never seen are answered `.unknownAccount` and not logged.
    public func record(_ event: AccountEvent, extraEvidence: [Evidence] = []) async throws(StoreError) -> AccountGraph.Outcome {
        try await record([event], extraEvidence: [extraEvidence])[0]
    }

    /// Logs a batch of events in one transaction, then applies them in order. `extraEvidence[i]`
    /// (when given) goes with `events[i]` (matches of the account's avatar against media banks).
    public func record(_ events: [AccountEvent], extraEvidence: [[Evidence]] = []) async throws(StoreError) -> [AccountGraph.Outcome] {
        await acquire()
        defer { release() }
        guard let store else {
            return events.enumerated().map { n, event in
                graph.apply(event, extraEvidence: n < extraEvidence.count ? extraEvidence[n] : [])
            }
        }
        // Catch up first, so that "unknown account" is judged against everything logged so far.
        _ = try await catchUp(through: nil, pageSize: 10_000, pending: [:])
        var outcomes = [AccountGraph.Outcome?](repeating: nil, count: events.count)
        var toLog: [(index: Int, event: NewAccountEvent)] = []
        var known = Set<String>()
        for (n, event) in events.enumerated() {
            if case .account(let profile) = event {
                known.insert(profile.id)
            } else if let missing = unknownAccount(in: event, alsoKnown: known) {
                outcomes[n] = .unknownAccount(missing)
                continue
            }
            toLog.append((n, NewAccountEvent(accountId: event.accountID, kind: Self.kind(of: event),
                                             at: Date(timeIntervalSince1970: Double(event.at) / 1_000), payload: event.json)))
        }
        let sequences = try await store.appendAccountEvents(toLog.map(\.event))
        var pending: [Int64: (index: Int, event: AccountEvent, evidence: [Evidence])] = [:]
        for (sequence, entry) in zip(sequences, toLog) {
            pending[sequence] = (entry.index, events[entry.index], entry.index < extraEvidence.count ? extraEvidence[entry.index] : [])
        }
        let result = try await catchUp(through: sequences.last, pageSize: 10_000, pending: pending)
        for (index, outcome) in result.outcomes { outcomes[index] = outcome }
        return outcomes.map { $0 ?? .applied }
    }

    private func unknownAccount(in event: AccountEvent, alsoKnown: Set<String>) -> String? {
        func missing(_ id: String) -> Bool { !graph.contains(id) && !alsoKnown.contains(id) }
        switch event {
        case .account: return nil
        case .unlink(let id, let other, _):
            return missing(id) ? id : missing(other) ? other : nil
        case .ban(let id, _, _), .unban(let id, _), .detach(let id, _):
            return missing(id) ? id : nil
        }
    }

    /// Applies the log after the cursor (through `last` when given). Events this process just
    /// logged are taken from `pending` (no decoding, and with their media evidence); the rest are
    /// decoded from their payloads.
    private func catchUp(through last: Int64?, pageSize: Int,
                         pending: [Int64: (index: Int, event: AccountEvent, evidence: [Evidence])])
        async throws(StoreError) -> (counts: (Int, Int), outcomes: [(Int, AccountGraph.Outcome)])
    {
        guard let store else { return ((0, 0), []) }
        var applied = 0, unreadable = 0
        var outcomes: [(Int, AccountGraph.Outcome)] = []
        while true {
            let page = try await store.accountEvents(after: cursor, limit: pageSize)
            for record in page where record.sequence > cursor {
                if let last, record.sequence > last { return ((applied, unreadable), outcomes) }
                if let mine = pending[record.sequence] {
                    outcomes.append((mine.index, graph.apply(mine.event, extraEvidence: mine.evidence)))
                } else {
                    switch decoder.decode(Array(record.payload.utf8)) {
                    case .success(let decoded): graph.apply(decoded.event)
                    case .failure(let problem):
                        unreadable += 1
                        logger.error("account log record \(record.sequence) is unreadable and was skipped: \(problem.message)")
                    }
                }
                applied += 1
                cursor = record.sequence
            }
            if page.count < pageSize { return ((applied, unreadable), outcomes) }
        }
    }

    static func kind(of event: AccountEvent) -> AccountEventKind {
        switch event {
        case .account: .account
        case .ban: .ban
        case .unban: .unban
        case .unlink: .unlink
        case .detach: .detach
        }
    }

    // MARK: - Reads

    /// Screens a profile without recording it (a dry run, or a check before the platform commits
    /// the signup). Applies what other processes logged first, when the store is shared.
    public func screen(_ profile: AccountProfile, extraEvidence: [Evidence] = []) async throws(StoreError) -> Screening {
        await acquire()
        defer { release() }
        _ = try await catchUp(through: nil, pageSize: 10_000, pending: [:])
        return graph.screen(profile, extraEvidence: extraEvidence)
    }

    public func summary(of id: String) -> AccountGraph.AccountSummary? { graph.summary(of: id) }
    public func actorID(of id: String) -> String? { graph.actorID(of: id) }
    public func actor(of id: String, limit: Int = 1_000) -> AccountGraph.ActorView? { graph.actor(of: id, limit: limit) }
    public func membership(of id: String, limit: Int = 1_000) -> AccountGraph.Membership? { graph.membership(of: id, limit: limit) }

    /// The logged events of an actor's accounts, oldest first, at most `limit`.
    public func timeline(ofActor id: String, limit: Int = 500) async throws(StoreError) -> [AccountEventRecord] {
        await acquire()
        defer { release() }
        guard let store, let actor = graph.actor(of: id, limit: 200) else { return [] }
        var records: [AccountEventRecord] = []
        for account in actor.accounts {
            records += try await store.accountEvents(forAccount: account.id, after: 0, limit: limit)
        }
        records.sort { $0.sequence < $1.sequence }
        return Array(records.prefix(limit))
    }

    /// Replaces the text scanner (lists changed). Later events use it; earlier answers stand.
    public func setScanner(_ scanner: TextScanner) { graph.scanner = scanner }

    public struct Statistics: Sendable, Hashable {
        public var accounts: Int
        public var actors: Int
        public var links: Int
        public var banned: Int
        public var logSequence: Int64
    }

    public var statistics: Statistics {
        Statistics(accounts: graph.accountCount, actors: graph.actorCount, links: graph.linkCount, banned: graph.bannedCount,
                   logSequence: cursor)
    }
}
