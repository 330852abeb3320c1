import Storage
import Synchronization

/// Group commit for the intake: concurrent requests hand their records here, and one writer
/// stores everything that queued up while the previous transaction ran, in one transaction.
///
/// Every decision is durable before it is answered (content row, actions, audit record), so a
/// commit per request would cap the intake at the database's commit rate (an fsync each on
/// SQLite). Batching keeps that guarantee and pays one commit per batch: under load, batches
/// grow by themselves; with a single client, each request is a batch of one and waits for
/// nothing.
final class IntakeWriter: Sendable {
    typealias Waiter = CheckedContinuation<IntakeOutcome, any Error>

    private struct State {
        var pending: [(record: IntakeRecord, waiter: Waiter)] = []
        var writing = false
    }

    let store: any BulwarkStore
    /// The most records written in one transaction.
    let maximumBatch: Int
    private let state = Mutex(State())

    init(store: any BulwarkStore, maximumBatch: Int = 256) {
        self.store = store
        self.maximumBatch = maximumBatch
    }

    /// Stores one record (or finds that its content id was already decided) and returns when it
    /// is committed.
    func write(_ record: IntakeRecord) async throws -> IntakeOutcome {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            let startWriter = state.withLock { state -> Bool in
                state.pending.append((record, waiter))
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
            let batch = state.withLock { state -> [(record: IntakeRecord, waiter: Waiter)] in
                let count = min(state.pending.count, maximumBatch)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            if batch.isEmpty { return }
            do {
                let outcomes = try await store.recordIntake(batch.map(\.record))
                for (item, outcome) in zip(batch, outcomes) { item.waiter.resume(returning: outcome) }
            } catch {
                // One bad record must not fail the others: write them one at a time, so each
                // request gets its own answer.
                if batch.count == 1 {
                    batch[0].waiter.resume(throwing: error)
                    continue
                }
                for item in batch {
                    do {
                        let outcome = try await store.recordIntake([item.record])
                        item.waiter.resume(returning: outcome[0])
                    } catch {
                        item.waiter.resume(throwing: error)
                    }
                }
            }
        }
    }
}
