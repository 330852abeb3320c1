import AccountRegistry
import Foundation
import HashIndex
import Logging
import Metrics
import PDQ
import Policy
import ServiceLifecycle
import Signals
import Storage
import Synchronization

/// Finds content that was posted before its hash was known.
///
/// The intake keeps the hashes of recent media (never the media) for a window. This service
/// follows the bank change feed from a cursor kept in the database, and matches each new (or
/// re-enabled) entry against those hashes: MD5 and SHA-256 by an indexed lookup, PDQ through an
/// in-memory index of the window's hashes. Each hit is re-decided by the policy as a
/// retroactive decision (`retroactive: true`; an upload that can no longer be blocked is
/// removed instead) and its actions go through the outbox like any other.
///
/// Decision ids and idempotency keys derive from the content and the entry, so several
/// processes following the same feed enqueue each action once, and a restart that re-reads a
/// page of the feed does no harm.
final class RetroactiveMatcher: Sendable {
    static let cursorName = "retroactive-matcher"

    struct Row: Sendable {
        var contentId: String
        var mediaIndex: Int
        var at: Date
    }

    private struct State {
        var rows: [UInt64: Row] = [:]
        var lastMediaId: Int64 = 0
        var cursor: Int64 = 0
        var banks: [Int64: BankState] = [:]
        var loaded = false
        var lastPurge = Date.distantPast
    }

    let store: any BulwarkStore
    let accounts: AccountRegistry
    let policy: PolicyHolder
    let window: Duration
    let logger: Logger
    let onActions: @Sendable () -> Void
    private let index = PDQIndex()
    private let state = Mutex(State())

    init(store: any BulwarkStore, accounts: AccountRegistry, policy: PolicyHolder, window: Duration, logger: Logger,
         onActions: @escaping @Sendable () -> Void) {
        self.store = store
        self.accounts = accounts
        self.policy = policy
        self.window = window
        self.logger = logger
        self.onActions = onActions
    }

    var windowStart: Date { Date().addingTimeInterval(-Double(window.components.seconds)) }

    /// Reads the cursor (starting at the feed's current end on first use: entries that existed
    /// before retroactive matching was enabled are not matched) and the window's PDQ hashes.
    func load() async throws(StoreError) {
        var cursor = try await store.cursor(named: Self.cursorName)
        if cursor == nil {
            let current = try await store.currentSequence()
            try await store.saveCursor(named: Self.cursorName, sequence: current)
            cursor = current
        }
        var banks: [Int64: BankState] = [:]
        for bank in try await store.listBanks() {
            banks[bank.id] = BankState(sequence: 0, id: bank.id, name: bank.name, enabled: bank.enabled, pdqThreshold: bank.pdqThreshold,
                                       isNegative: bank.isNegative, category: bank.category, action: bank.action, deleted: false)
        }
        state.withLock {
            $0.cursor = cursor ?? 0
            $0.banks = banks
            $0.loaded = true
        }
        try await refreshMedia()
    }

    /// Rows re-read behind the highest id seen. On PostgreSQL, ids are handed out at insert and
    /// transactions commit in any order, so a row with a lower id can appear after a higher one
    /// was read; re-reading a trailing stretch of ids (and skipping those already indexed) picks
    /// such stragglers up.
    static let stragglerIds: Int64 = 5_000

    /// Adds recent media rows written since the last look (by any process) to the PDQ index.
    func refreshMedia() async throws(StoreError) {
        let since = windowStart
        var after = state.withLock { max(0, $0.lastMediaId - Self.stragglerIds) }
        while true {
            let page = try await store.recentMediaWithPDQ(since: since, after: after, limit: 10_000)
            guard let last = page.last else { return }
            after = last.id
            var entries: [(hash: PDQHash, id: UInt64)] = []
            state.withLock { state in
                for record in page where state.rows[UInt64(record.id)] == nil {
                    guard let bytes = record.media.pdq, let hash = PDQHash(bytes: bytes) else { continue }
                    entries.append((hash, UInt64(record.id)))
                    state.rows[UInt64(record.id)] = Row(contentId: record.media.contentId, mediaIndex: record.media.mediaIndex,
                                                        at: record.media.at)
                }
                state.lastMediaId = max(state.lastMediaId, last.id)
            }
            index.insert(contentsOf: entries)
            if page.count < 10_000 { return }
        }
    }

    /// One round: new media, new bank changes, and (hourly) the window's purge. Returns the
    /// number of retroactive decisions made.
    @discardableResult
    func poll() async throws(StoreError) -> Int {
        if !state.withLock({ $0.loaded }) { try await load() }
        try await refreshMedia()
        var decisions = 0
        while true {
            let cursor = state.withLock { $0.cursor }
            let changes = try await store.changes(after: cursor, limit: 1_000)
            guard let last = changes.last else { break }
            for change in changes {
                switch change {
                case .bank(let bank):
                    state.withLock { $0.banks[bank.id] = bank.deleted ? nil : bank }
                case .entry(let entry):
                    decisions += try await match(entry)
                }
            }
            try await store.saveCursor(named: Self.cursorName, sequence: last.sequence)
            state.withLock { $0.cursor = last.sequence }
            if changes.count < 1_000 { break }
        }
        try await purgeIfDue()
        return decisions
    }

    func run(every interval: Duration) async {
        while !Task.isCancelled {
            do {
                try await poll()
            } catch {
                logger.error("retroactive matching failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    private func purgeIfDue() async throws(StoreError) {
        let due = state.withLock { Date().timeIntervalSince($0.lastPurge) > 3_600 }
        guard due else { return }
        let cutoff = windowStart
        let removed = try await store.purgeRecentMedia(before: cutoff)
        let expired = state.withLock { state -> [UInt64] in
            state.lastPurge = Date()
            let ids = state.rows.filter { $0.value.at < cutoff }.map(\.key)
            for id in ids { state.rows[id] = nil }
            return ids
        }
        for id in expired { _ = index.remove(id: id) }
        if removed > 0 { logger.info("recent media hashes past the window purged", metadata: ["rows": "\(removed)"]) }
    }

    /// Matches one bank entry against the window.
    private func match(_ entry: EntryState) async throws(StoreError) -> Int {
        guard !entry.deleted, entry.entryEnabled, entry.bankEnabled, !entry.isNegative, !entry.quarantined else { return 0 }
        let bank = state.withLock { $0.banks[entry.bankId] }
        guard let bank, bank.category != Canary.category else { return 0 }
        var hits: [(row: Row, distance: Int, signal: MediaSignal)] = []
        let since = windowStart
        switch entry.signalType {
        case .pdq:
            guard let hash = PDQHash(bytes: entry.digest.bytes) else { return 0 }
            let found: [PDQMatch]
            do { found = try index.search(hash, radius: entry.pdqThreshold) } catch { return 0 }
            state.withLock { state in
                for match in found {
                    if let row = state.rows[match.id], row.at >= since { hits.append((row, match.distance, .pdq)) }
                }
            }
        case .md5, .sha256:
            let hex = entry.digest.hex
            let records = entry.signalType == .md5 ? try await store.recentMedia(md5: hex, since: since)
                                                   : try await store.recentMedia(sha256: hex, since: since)
            let signal: MediaSignal = entry.signalType == .md5 ? .md5 : .sha256
            hits = records.map { (Row(contentId: $0.media.contentId, mediaIndex: $0.media.mediaIndex, at: $0.media.at), 0, signal) }
        }
        var decisions = 0
        var seen = Set<String>()
        for hit in hits where seen.insert(hit.row.contentId).inserted {
            if try await decide(contentId: hit.row.contentId, entry: entry, bank: bank, distance: hit.distance,
                                signal: hit.signal, mediaIndex: hit.row.mediaIndex) {
                decisions += 1
            }
        }
        return decisions
    }

    /// Re-decides one item of content with the new match; returns whether actions were enqueued.
    private func decide(contentId: String, entry: EntryState, bank: BankState, distance: Int, signal: MediaSignal,
                        mediaIndex: Int) async throws(StoreError) -> Bool {
        let decisionId = "r_" + IntakePipeline.hexDigest(Array("retro:\(contentId):\(entry.id)".utf8)).prefix(32)
        // Another process (or an earlier run over the same page) already made this decision.
        guard try await store.actions(decisionId: decisionId).isEmpty else { return false }
        guard let content = try await store.content(id: contentId),
              let kind = PolicyInput.ContentKind(rawValue: content.kind) else { return false }
        let account = content.accountId
        var actorFact: ActorFact?
        var members: [String] = []
        if let account, let membership = await accounts.membership(of: account, limit: IntakePipeline.maximumFanOut) {
            actorFact = ActorFact(id: membership.actor, banned: membership.banned, authorBanned: membership.accountBanned,
                                  accounts: membership.count)
            members = membership.accounts
        }
        let loaded = policy.current
        let input = PolicyInput(kind: kind, mediaMatches: [MediaMatchFact(bank: bank.name, category: bank.category, signal: signal,
                                                                           distance: distance, mediaIndex: mediaIndex)],
                                listMatches: [], solicitationScore: 0, solicitationBand: .none, evasion: nil, actor: actorFact,
                                retroactive: true)
        let outcome = loaded.policy.evaluate(input)
        // The upload happened: what would have blocked it now takes it down.
        var kinds: [ActionKind] = []
        for action in outcome.actions {
            let mapped: ActionKind = action == .blockUpload ? .remove : action
            if !kinds.contains(mapped) { kinds.append(mapped) }
        }
        guard !kinds.isEmpty else { return false }
        let match = "\"match\":{\"bank\":\(JSONString.quote(bank.name)),\"signal\":\"\(signal.rawValue)\",\"distance\":\(distance),"
            + "\"media\":\(mediaIndex),\"entryId\":\(entry.id)}"
        let actions = ActionPlan.actions(kinds, context: ActionPlan.Context(
            decisionId: decisionId, contentId: contentId, kind: kind.rawValue, account: account, outcome: outcome,
            policy: loaded.label, retroactive: true, decidedAt: IntakePipeline.isoTime(IntakePipeline.nowMillis()), extra: match),
            actorAccounts: members)
        let detail = "{\"contentId\":\(JSONString.quote(contentId)),\"entryId\":\(entry.id),\"bank\":\(JSONString.quote(bank.name)),"
            + "\"signal\":\"\(signal.rawValue)\",\"distance\":\(distance),\"verdict\":\"\(outcome.verdict.rawValue)\","
            + "\"actions\":[\(actions.map { JSONString.quote($0.idempotencyKey) }.joined(separator: ","))],"
            + "\"rules\":[\(outcome.fired.map { JSONString.quote($0.id) }.joined(separator: ","))],"
            + "\"policy\":\(JSONString.quote(loaded.label)),\"policyDigest\":\"\(loaded.digest)\"}"
        let ids = try await store.enqueueActions(actions, audit: [NewAuditEvent(
            at: Date(), kind: "decision.retroactive", actor: "system", subject: decisionId, detail: detail)])
        Counter(label: "bulwark_retroactive_decisions_total", dimensions: [("bank", bank.name)]).increment()
        logger.notice("content matched a new bank entry after it was posted", metadata: [
            "decision": "\(decisionId)", "bank": "\(bank.name)", "entry": "\(entry.id)",
            "actions": "\(ids.compactMap { $0 }.count)",
        ])
        onActions()
        return true
    }
}

/// Runs the retroactive matcher until shutdown.
struct RetroactiveService: Service {
    let matcher: RetroactiveMatcher
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await matcher.run(every: interval)
        }
    }
}
