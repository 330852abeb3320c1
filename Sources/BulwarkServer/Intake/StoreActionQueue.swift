import Delivery
import Foundation
import Signals
import Storage

/// The store's outbox as the delivery worker's queue. Every delivery and every dead letter is
/// written to the audit log in the same transaction as the status change, so the log says
/// exactly which actions reached the platform and when.
struct StoreActionQueue: ActionQueue {
    let store: any BulwarkStore
    /// Deliveries finish several at a time (the worker sends concurrently): their completions are
    /// committed together.
    let completions: GroupCommitter<ActionCompletion, Bool>

    init(store: any BulwarkStore) {
        self.store = store
        completions = GroupCommitter(maximumBatch: 512) { batch in try await store.completeActions(batch) }
    }

    func claim(owner: String, limit: Int, now: Date, lease: Duration) async throws -> [QueuedAction] {
        try await store.claimActions(owner: owner, limit: limit, now: now, lease: lease).map {
            QueuedAction(id: $0.id, idempotencyKey: $0.idempotencyKey, action: $0.action, payload: $0.payload,
                         attempts: $0.attempts, createdAt: $0.createdAt)
        }
    }

    func complete(_ action: QueuedAction, owner: String, at: Date) async throws -> Bool {
        let detail = "{\"action\":\(JSONString.quote(action.action)),\"attempt\":\(action.attempts + 1)}"
        return try await completions.write(ActionCompletion(id: action.id, owner: owner, at: at, audit: NewAuditEvent(
            at: at, kind: "action.delivered", actor: "system", subject: action.idempotencyKey, detail: detail)))
    }

    func fail(_ action: QueuedAction, owner: String, error: String, retryAt: Date?) async throws {
        // Retries are routine and would flood the log; a dead letter is an event people must see.
        let audit = retryAt == nil ? NewAuditEvent(
            at: Date(), kind: "action.dead", actor: "system", subject: action.idempotencyKey,
            detail: "{\"action\":\(JSONString.quote(action.action)),\"attempts\":\(action.attempts + 1),"
                + "\"error\":\(JSONString.quote(String(error.prefix(200))))}") : nil
        _ = try await store.failAction(id: action.id, owner: owner, error: error, retryAt: retryAt, audit: audit)
    }
}
