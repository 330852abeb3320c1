import Logging
import Signals
import Storage
import Synchronization

/// The text scanner of a running server: list entries loaded from the banks in storage and kept
/// current by following the list change feed, with the lexicon the operator configured.
///
/// Readers take the current scanner (a value: the lists are copy-on-write dictionaries) and scan
/// outside the lock, so a scan never waits for an update and an update never waits for a scan.
public final class ListFollower: Sendable {
    private struct State {
        var scanner: TextScanner
        var sequence: Int64 = 0
        var ready = false
        var problems = 0
    }

    private let store: any BulwarkStore
    private let logger: Logger
    private let state: Mutex<State>

    public init(store: any BulwarkStore, lexicon: Lexicon = .builtIn, logger: Logger = Logger(label: "bulwark.lists")) {
        self.store = store
        self.logger = logger
        self.state = Mutex(State(scanner: TextScanner(lexicon: lexicon)))
    }

    /// Whether the lists have been loaded.
    public var isReady: Bool { state.withLock { $0.ready } }

    /// Number of list entries loaded (enabled or not).
    public var entryCount: Int { state.withLock { $0.scanner.lists.count } }

    /// The scanner as of now.
    public var scanner: TextScanner { state.withLock { $0.scanner } }

    /// Scans one text with the current lists.
    public func scan(_ text: String) -> TextScanner.Result { scanner.scan(text) }

    /// Loads every list entry, then replays what changed meanwhile.
    public func load() async throws(StoreError) {
        let snapshot = try await store.loadAllLists(pageSize: 50_000, bankId: nil)
        var lists = SignalLists()
        for bank in snapshot.banks where !bank.deleted {
            lists.setBank(ListBank(id: bank.id, name: bank.name, enabled: bank.enabled, isNegative: bank.isNegative))
        }
        var problems = 0
        for try await page in snapshot.entries {
            for entry in page where !entry.deleted && entry.entryEnabled {
                if Self.add(entry, to: &lists) { problems += 1 }
            }
        }
        let loaded = lists.count
        state.withLock { state in
            state.scanner.lists = lists
            state.sequence = snapshot.sequence
            state.ready = true
            state.problems = problems
        }
        logger.info("lists loaded", metadata: ["entries": "\(loaded)", "unreadable": "\(problems)"])
        _ = try await poll()
    }

    /// Adds one stored entry; true when its value could not be read as its type.
    private static func add(_ entry: ListEntryState, to lists: inout SignalLists) -> Bool {
        guard let type = ListType(rawValue: entry.signalType.rawValue) else { return true }
        return lists.add(ListItem(id: entry.id, bankId: entry.bankId, type: type, value: entry.value)) != nil
    }

    /// Applies list changes recorded since the last poll; returns how many were applied.
    @discardableResult
    public func poll(limit: Int = 10_000) async throws(StoreError) -> Int {
        var total = 0
        while true {
            let after = state.withLock { $0.sequence }
            let changes = try await store.listChanges(after: after, limit: limit)
            if changes.isEmpty { break }
            apply(changes)
            total += changes.count
            if changes.count < limit { break }
        }
        return total
    }

    /// Applies change-feed records (states, so applying one twice is harmless).
    public func apply(_ changes: [ListChange]) {
        state.withLock { state in
            for change in changes {
                switch change {
                case .bank(let bank):
                    if bank.deleted {
                        state.scanner.lists.removeBank(id: bank.id)
                    } else {
                        state.scanner.lists.setBank(ListBank(id: bank.id, name: bank.name, enabled: bank.enabled, isNegative: bank.isNegative))
                    }
                case .entry(let entry):
                    if entry.deleted || !entry.entryEnabled {
                        state.scanner.lists.remove(entryId: entry.id)
                    } else if Self.add(entry, to: &state.scanner.lists) {
                        state.problems += 1
                    }
                }
                state.sequence = max(state.sequence, change.sequence)
            }
        }
    }

    /// Polls the list feed until the task is cancelled.
    public func follow(every interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            do {
                try await poll()
            } catch {
                logger.warning("list feed poll failed; retrying", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
