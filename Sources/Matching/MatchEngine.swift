import Foundation
import HashIndex
import Logging
import PDQ
import Storage
import Synchronization

/// One bank entry that a query matched.
public struct Match: Sendable, Hashable {
    public var entryId: Int64
    public var bankId: Int64
    public var bankName: String
    public var signalType: SignalType
    /// Hamming distance for PDQ (0 for exact digests).
    public var distance: Int
    /// The bank's threshold at match time (PDQ).
    public var threshold: Int
    /// The entry matched, but it is quarantined (it matched too many distinct items): it must
    /// not drive automatic actions until a curator looks at it.
    public var quarantined: Bool
    /// The entry is in a negative bank (a known false positive).
    public var fromNegativeBank: Bool
    /// A negative-bank entry also matched this query, so this positive match should not act.
    public var suppressed: Bool
    public var category: String?
    public var action: String?
    /// Which dihedral variant of the query matched (nil: the original or an exact digest).
    public var variant: PDQDihedral?

    /// Whether this match may drive an automatic action.
    public var actionable: Bool { !quarantined && !suppressed && !fromNegativeBank }
}

/// What to match.
public struct MatchQuery: Sendable {
    /// PDQ of the media; with `dihedral`, the eight variants in ``PDQDihedral`` order.
    public var pdq: PDQHash?
    public var dihedral: [PDQHash]?
    public var md5: String?
    public var sha256: String?
    /// Identifies the matched item for flood counting (the platform's content id or the media's
    /// SHA-256). Without it, the PDQ hex (or digest) is used.
    public var itemKey: String?

    public init(pdq: PDQHash? = nil, dihedral: [PDQHash]? = nil, md5: String? = nil, sha256: String? = nil, itemKey: String? = nil) {
        self.pdq = pdq
        self.dihedral = dihedral
        self.md5 = md5
        self.sha256 = sha256
        self.itemKey = itemKey
    }
}

/// Status of the in-memory index, for `/readyz` and `/v1/index/status`.
public struct IndexStatus: Sendable {
    public var ready: Bool
    public var sequence: Int64
    public var pdqCount: Int
    public var md5Count: Int
    public var sha256Count: Int
    public var bankCount: Int
    public var lastAppliedAt: Date?
    public var loadSeconds: Double?
}

/// When an entry stops driving actions because it matches too much.
public struct FloodPolicy: Sendable {
    /// Distinct items an entry may match within `window` before it is quarantined.
    public var maximumItems: Int
    public var window: Duration

    public init(maximumItems: Int = 1_000, window: Duration = .seconds(3_600)) {
        self.maximumItems = max(maximumItems, 1)
        self.window = window
    }
}

/// Matches media hashes against every enabled bank, from memory.
///
/// The engine holds all PDQ hashes in one multi-index (``PDQIndex``) and the digests in hash
/// sets; bank settings (enabled, threshold, negative) are applied when results are read, so
/// changing a bank of millions of entries costs nothing here. It is filled from a storage
/// snapshot at start and then follows the storage change feed, so an entry added or disabled by
/// any process sharing the database matches (or stops matching) here within the poll interval.
public final class MatchEngine: Sendable {
    private struct State {
        var banks: [Int64: BankState] = [:]
        var quarantined: Set<Int64> = []
        var sequence: Int64 = 0
        var ready = false
        var lastAppliedAt: Date?
        var loadSeconds: Double?
        var maximumRadius = 31
    }

    private let store: any BulwarkStore
    private let logger: Logger
    private let pdq = PDQIndex()
    private let md5 = ExactDigestSet(kind: .md5)
    private let sha256 = ExactDigestSet(kind: .sha256)
    private let state = Mutex(State())
    private let flood: FloodGuard

    public init(store: any BulwarkStore, flood: FloodPolicy = FloodPolicy(), logger: Logger = Logger(label: "bulwark.match")) {
        self.store = store
        self.logger = logger
        self.flood = FloodGuard(policy: flood)
    }

    // Index ids carry the bank id (high 24 bits) and the entry id (low 40 bits), so results can
    // be filtered by bank without a per-entry table in memory.
    static func indexId(entry: Int64, bank: Int64) -> UInt64 { UInt64(bank) << 40 | UInt64(entry) & 0xFF_FFFF_FFFF }
    static func split(_ id: UInt64) -> (entry: Int64, bank: Int64) { (Int64(id & 0xFF_FFFF_FFFF), Int64(id >> 40)) }

    // MARK: - Loading and following

    /// Loads every entry from storage. Until it finishes, ``status`` reports not ready.
    public func load() async throws(StoreError) {
        let started = ContinuousClock.now
        let snapshot = try await store.loadAll(pageSize: 100_000, bankId: nil)
        state.withLock { state in
            for bank in snapshot.banks { state.banks[bank.id] = bank }
            state.sequence = snapshot.sequence
            state.maximumRadius = Self.radius(state.banks)
        }
        var hashes: [PDQHash] = []
        var ids: [UInt64] = []
        var loaded = 0
        for try await page in snapshot.entries {
            for entry in page {
                loaded += 1
                guard !entry.deleted, entry.entryEnabled else { continue }
                if entry.quarantined { _ = state.withLock { $0.quarantined.insert(entry.id) } }
                let id = Self.indexId(entry: entry.id, bank: entry.bankId)
                switch entry.signalType {
                case .pdq:
                    if let hash = PDQHash(entry.value) {
                        hashes.append(hash)
                        ids.append(id)
                    }
                default:
                    insertDigest(entry, id: id)
                }
            }
        }
        do {
            try pdq.bulkLoad(hashes, ids: ids)
        } catch {
            // Bulk loading cannot fail on valid input sizes; fall back to inserts.
            pdq.insert(contentsOf: zip(hashes, ids).map { (hash: $0, id: $1) })
        }
        let seconds = (ContinuousClock.now - started).seconds
        state.withLock {
            $0.ready = true
            $0.lastAppliedAt = Date()
            $0.loadSeconds = seconds
        }
        logger.info("index loaded", metadata: ["entries": "\(loaded)", "pdq": "\(hashes.count)", "seconds": "\(String(format: "%.2f", seconds))"])
        // Anything that changed while the snapshot was read is replayed from the feed.
        _ = try await poll()
    }

    /// Applies changes recorded since the last poll; returns how many were applied.
    @discardableResult
    public func poll(limit: Int = 10_000) async throws(StoreError) -> Int {
        var total = 0
        while true {
            let after = state.withLock { $0.sequence }
            let changes = try await store.changes(after: after, limit: limit)
            if changes.isEmpty { break }
            apply(changes)
            total += changes.count
            if changes.count < limit { break }
        }
        return total
    }

    /// Polls the change feed until the task is cancelled.
    public func follow(every interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            do {
                try await poll()
            } catch {
                logger.warning("change feed poll failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Applies change-feed records (states, so applying one twice is harmless).
    public func apply(_ changes: [Change]) {
        for change in changes {
            switch change {
            case .bank(let bank):
                state.withLock { state in
                    if bank.deleted { state.banks[bank.id] = nil } else { state.banks[bank.id] = bank }
                    state.maximumRadius = Self.radius(state.banks)
                }
            case .entry(let entry):
                let id = Self.indexId(entry: entry.id, bank: entry.bankId)
                // Remove first: a state may repeat, and ids may hold several hashes.
                switch entry.signalType {
                case .pdq: _ = pdq.remove(id: id)
                default: removeDigest(entry, id: id)
                }
                if !entry.deleted && entry.entryEnabled {
                    switch entry.signalType {
                    case .pdq: if let hash = PDQHash(entry.value) { pdq.insert(hash, id: id) }
                    default: insertDigest(entry, id: id)
                    }
                }
                state.withLock { state in
                    if entry.quarantined && !entry.deleted { state.quarantined.insert(entry.id) } else { state.quarantined.remove(entry.id) }
                }
            }
            state.withLock { state in
                state.sequence = max(state.sequence, change.sequence)
                state.lastAppliedAt = Date()
            }
        }
    }

    private func digestSet(_ type: SignalType) -> ExactDigestSet? {
        switch type {
        case .md5: return md5
        case .sha256: return sha256
        default: return nil
        }
    }

    private func insertDigest(_ entry: EntryState, id: UInt64) {
        guard let set = digestSet(entry.signalType), let bytes = try? ExactDigestSet.bytes(hex: entry.value) else { return }
        _ = try? set.insert(bytes, id: id)
    }

    private func removeDigest(_ entry: EntryState, id: UInt64) {
        guard let set = digestSet(entry.signalType), let bytes = try? ExactDigestSet.bytes(hex: entry.value) else { return }
        _ = try? set.remove(bytes, id: id)
    }

    private static func radius(_ banks: [Int64: BankState]) -> Int {
        banks.values.filter(\.enabled).map(\.pdqThreshold).max() ?? 31
    }

    // MARK: - Matching

    /// Every enabled bank's entries that match the query, closest first.
    ///
    /// PDQ matches are within each bank's own threshold. When a negative bank matches, the other
    /// matches are marked `suppressed`. Entries that match more distinct items than the flood
    /// policy allows are quarantined (here at once, and in storage for every other process).
    /// `includeDisabledBanks` is for raw lookups (HMA's `/m/raw_lookup`), which ignore bank state.
    public func match(_ query: MatchQuery, includeDisabledBanks: Bool = false) -> [Match] {
        let (banks, quarantined, radius) = state.withLock { ($0.banks, $0.quarantined, $0.maximumRadius) }
        var best: [UInt64: (distance: Int, type: SignalType, variant: PDQDihedral?)] = [:]
        var queries: [(PDQHash, PDQDihedral?)] = []
        if let variants = query.dihedral, variants.count == 8 {
            for (variant, hash) in zip(PDQDihedral.allCases, variants) { queries.append((hash, variant == .original ? nil : variant)) }
        } else if let hash = query.pdq {
            queries.append((hash, nil))
        }
        for (hash, variant) in queries {
            guard let found = try? pdq.search(hash, radius: radius) else { continue }
            for match in found where best[match.id].map({ match.distance < $0.distance }) ?? true {
                best[match.id] = (match.distance, .pdq, variant)
            }
        }
        for (type, hex) in [(SignalType.md5, query.md5), (SignalType.sha256, query.sha256)] {
            guard let hex, let set = digestSet(type), let bytes = try? ExactDigestSet.bytes(hex: hex.lowercased()),
                  let ids = try? set.lookup(bytes) else { continue }
            for id in ids { best[id] = (0, type, nil) }
        }
        var matches: [Match] = []
        for (id, hit) in best {
            let (entry, bankId) = Self.split(id)
            guard let bank = banks[bankId], bank.enabled || includeDisabledBanks else { continue }
            if hit.type == .pdq && hit.distance > bank.pdqThreshold { continue }
            matches.append(Match(
                entryId: entry, bankId: bankId, bankName: bank.name, signalType: hit.type, distance: hit.distance,
                threshold: bank.pdqThreshold, quarantined: quarantined.contains(entry), fromNegativeBank: bank.isNegative,
                suppressed: false, category: bank.category, action: bank.action, variant: hit.variant))
        }
        if matches.contains(where: \.fromNegativeBank) {
            for i in matches.indices where !matches[i].fromNegativeBank { matches[i].suppressed = true }
        }
        matches.sort { ($0.distance, $0.bankId, $0.entryId) < ($1.distance, $1.bankId, $1.entryId) }
        recordFlood(matches, query: query)
        return matches
    }

    private func recordFlood(_ matches: [Match], query: MatchQuery) {
        guard !matches.isEmpty else { return }
        let key = query.itemKey ?? query.sha256 ?? query.md5 ?? query.pdq?.hex ?? ""
        for match in matches where !match.quarantined && !match.fromNegativeBank {
            guard flood.record(entry: match.entryId, item: key) else { continue }
            state.withLock { _ = $0.quarantined.insert(match.entryId) }
            logger.warning("entry quarantined: it matched too many distinct items", metadata: [
                "entry": "\(match.entryId)", "bank": "\(match.bankName)",
                "limit": "\(flood.policy.maximumItems)", "window": "\(flood.policy.window)",
            ])
            let store = self.store
            let entry = match.entryId
            let reason = "matched more than \(flood.policy.maximumItems) distinct items within \(flood.policy.window)"
            Task { _ = try? await store.quarantineEntry(id: entry, reason: reason) }
        }
    }

    /// The index's state.
    public var status: IndexStatus {
        state.withLock { state in
            IndexStatus(ready: state.ready, sequence: state.sequence, pdqCount: pdq.count, md5Count: md5.count,
                        sha256Count: sha256.count, bankCount: state.banks.count, lastAppliedAt: state.lastAppliedAt,
                        loadSeconds: state.loadSeconds)
        }
    }

    public var isReady: Bool { state.withLock { $0.ready } }
}

/// Counts the distinct items each entry matches within a sliding window.
final class FloodGuard: Sendable {
    let policy: FloodPolicy
    private let counters = Mutex<[Int64: [Int: ContinuousClock.Instant]]>([:])

    init(policy: FloodPolicy) {
        self.policy = policy
    }

    /// Records a match; returns true exactly once, when the entry goes over the limit.
    func record(entry: Int64, item: String) -> Bool {
        let now = ContinuousClock.now
        let horizon = now - policy.window
        let key = item.hashValue
        let limit = policy.maximumItems
        return counters.withLock { counters in
            // Mutated in place: no copy of an entry's set per match.
            if let count = counters[entry]?.count, count > limit { return false }  // already reported
            counters[entry, default: [:]][key] = now
            if counters[entry]!.count > limit {
                counters[entry]!.filter { $0.value < horizon }.forEach { counters[entry]!.removeValue(forKey: $0.key) }
            }
            return counters[entry]!.count > limit
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
