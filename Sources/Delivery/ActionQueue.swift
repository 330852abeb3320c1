import Foundation

/// One action taken out of the outbox for delivery: what the worker needs to send it and to
/// decide what happens when sending fails.
///
/// The worker never parses `payload`: it is the request body, byte for byte, so the signature the
/// receiver checks covers exactly what the intake stored.
public struct QueuedAction: Sendable, Hashable {
    /// The outbox row's id, for the queue's own bookkeeping.
    public var id: Int64
    /// Stable across every attempt, sent as `Bulwark-Idempotency-Key`: delivery is at-least-once,
    /// and this key is what lets the receiver make it exactly-once. Safe to log.
    public var idempotencyKey: String
    /// The action's kind (`remove`, `suspend_actor`, …), sent as `Bulwark-Action` and used as a
    /// metric label; a small, fixed vocabulary.
    public var action: String
    /// The JSON body, as the intake produced it. Carries platform ids: never logged.
    public var payload: String
    /// Failed attempts so far (0 on the first try). The attempt being made is `attempts + 1`.
    public var attempts: Int
    /// When the action entered the outbox; delivery lag is measured from here.
    public var createdAt: Date

    public init(id: Int64, idempotencyKey: String, action: String, payload: String, attempts: Int, createdAt: Date) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.action = action
        self.payload = payload
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// The durable outbox as the worker sees it: leases instead of locks, so a crashed worker's
/// actions come back by themselves when its lease runs out.
///
/// The store behind it (SQLite or PostgreSQL) is adapted to this protocol outside this module,
/// which keeps `Delivery` free of storage dependencies and lets tests use an in-memory queue.
/// Every method may throw when the store is unreachable; the worker logs, ends the round and
/// tries again later, and the leases make that safe.
public protocol ActionQueue: Sendable {
    /// Leases up to `limit` due actions (pending, next attempt due at `now`, no live lease) to
    /// `owner` until `now + lease`, oldest due first. Two workers must never get the same action
    /// while a lease is live.
    func claim(owner: String, limit: Int, now: Date, lease: Duration) async throws -> [QueuedAction]

    /// Marks the action delivered, if `owner` still holds its lease. Returns false when the lease
    /// was lost (it ran out and another worker claimed the action): nothing is written then, and
    /// the action may be delivered twice, which the idempotency key makes harmless.
    func complete(_ action: QueuedAction, owner: String, at: Date) async throws -> Bool

    /// Records a failed attempt (`error` is a short reason, never the payload) and releases the
    /// lease. `retryAt` is when to try again; nil moves the action to the dead letters, where it
    /// stays until someone retries it by hand. Does nothing if `owner` no longer holds the lease.
    func fail(_ action: QueuedAction, owner: String, error: String, retryAt: Date?) async throws
}
