import EvidenceVault
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Destroys preserved evidence whose retention period has ended and that no legal hold keeps:
/// the envelope (ciphertext and wrapped data key) is deleted, a tombstone with the item's digest
/// remains, and the destruction is written to the audit log.
struct VaultSweeper: Sendable {
    let store: any BulwarkStore
    let logger: Logger

    /// One pass; returns how many items were destroyed.
    @discardableResult
    func sweep(now: Date = Date()) async throws(StoreError) -> Int {
        var destroyed = 0
        while true {
            let due = try await store.vaultItemsDue(now: now, limit: 500)
            if due.isEmpty { break }
            var progressed = false
            for record in due {
                guard let retention = EvidenceKeeper.retention(record.retention) else {
                    logger.error("a preserved item's retention record is unreadable; it was not destroyed", metadata: ["item": "\(record.itemId)"])
                    continue
                }
                let next: RetentionRecord
                do {
                    next = try retention.destroy(at: now, by: "system:retention", reason: "retention period ended")
                } catch {
                    // The record (the authority) disagrees with the sweep's index: keep the item.
                    logger.warning("a preserved item was not destroyed", metadata: ["item": "\(record.itemId)", "reason": "\(error)"])
                    continue
                }
                guard let tombstone = next.destroyed else { continue }
                let audit = AccessEvent.destroyed(next).map { EvidenceKeeper.audit($0, subjectContent: record.contentId) }
                _ = try await store.destroyVaultItem(itemId: record.itemId, at: now, tombstone: EvidenceKeeper.json(tombstone),
                                                     retention: EvidenceKeeper.json(next), audit: audit.map { [$0] } ?? [])
                destroyed += 1
                progressed = true
            }
            if !progressed || due.count < 500 { break }
        }
        if destroyed > 0 { logger.notice("destroyed evidence past its retention period", metadata: ["items": "\(destroyed)"]) }
        return destroyed
    }
}

struct VaultSweepService: Service {
    let sweeper: VaultSweeper
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await sweeper.sweep() } catch {
                    sweeper.logger.error("the retention sweep failed; it runs again later", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
