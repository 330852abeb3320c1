import Storage
import Synchronization

/// Group commit: concurrent callers hand their items here, and one writer stores everything that
/// queued up while the previous transaction ran, in one transaction.
///
/// Every decision is durable before it is answered (content row, actions, audit record), and
/// every delivery is recorded before the next round; a commit per item would cap both at the
/// database's commit rate (an fsync each on SQLite). Batching keeps the guarantee and pays one
/// commit per batch: under load, batches grow by themselves; a lone caller is a batch of one and
/// waits for nothing.
final class GroupCommitter<Item: Sendable, Outcome: Sendable>: Sendable {
    typealias Waiter = CheckedContinuation<Outcome, any Error>

    private struct State {
        var pending: [(item: Item, waiter: Waiter)] = []
        var writing = false
    }

    /// Writes a batch in one transaction and returns one outcome per item, in order.
    let writeBatch: @Sendable ([Item]) async throws -> [Outcome]
    /// The most items written in one transaction.
    let maximumBatch: Int
    private let state = Mutex(State())

    init(maximumBatch: Int = 256, writeBatch: @escaping @Sendable ([Item]) async throws -> [Outcome]) {
        self.maximumBatch = maximumBatch
        self.writeBatch = writeBatch
    }

    /// Writes one item (in some batch) and returns its outcome once the batch is committed.
    func write(_ item: Item) async throws -> Outcome {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            let startWriter = state.withLock { state -> Bool in
                state.pending.append((item, waiter))
                guard !state.writing else { return false }
                state.writing = true
                return true
            }
            if startWriter {
                Task { await self.drain() }
            }
        }
    }

    /// Writes batches until nothing is pending. Only one drain runs at a time (`writing`).
    private func drain() async {
        while true {
            let batch = state.withLock { state -> [(item: Item, waiter: Waiter)] in
                let count = min(state.pending.count, maximumBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await writeBatch(batch.map(\.item))
                guard outcomes.count == batch.count else { throw StoreError.databaseFailure("a batch write returned the wrong number of outcomes") }
                for (entry, outcome) in zip(batch, outcomes) { entry.waiter.resume(returning: outcome) }
            } catch {
                // One bad item must not fail the others: write them one at a time, so each
                // caller gets its own answer.
                if batch.count == 1 {
                    batch[0].waiter.resume(throwing: error)
                    continue
                }
                for entry in batch {
                    do {
                        let outcome = try await writeBatch([entry.item])
                        guard let first = outcome.first else { throw StoreError.databaseFailure("a batch write returned no outcome") }
                        entry.waiter.resume(returning: first)
                    } catch {
                        entry.waiter.resume(throwing: error)
                    }
                }
            }
        }
    }
}

/// The intake's group commit: decisions with their actions, audit records and media hashes.
typealias IntakeWriter = GroupCommitter<IntakeRecord, IntakeOutcome>

extension GroupCommitter where Item == IntakeRecord, Outcome == IntakeOutcome {
    convenience init(store: any BulwarkStore, maximumBatch: Int = 256) {
        self.init(maximumBatch: maximumBatch) { records in try await store.recordIntake(records) }
    }
}
