import Foundation

// The account event log: an append-only record of what happened to accounts on the platform
// (signups and profile edits, bans, and the appeals that undo them). The account graph keeps its
// state in memory and rebuilds it at start-up by replaying this log, so the log, not the graph,
// is the durable truth. Storage never looks inside an event: the payload is JSON text that the
// account graph writes and reads, so the graph can add fields without a schema migration.

/// What happened to an account, as the account graph records it.
public enum AccountEventKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// The account signed up or edited its profile (payload: the profile).
    case account
    /// The platform banned the account (payload: the reason).
    case ban
    /// An appeal reversed a ban.
    case unban
    /// An appeal split a wrong link between two accounts (the payload names the other account).
    case unlink
    /// An appeal detached the account from its actor.
    case detach
}

/// An event to append to the log.
public struct NewAccountEvent: Sendable, Hashable {
    /// The platform's id for the account: 1–256 bytes of UTF-8 without control characters.
    public var accountId: String
    public var kind: AccountEventKind
    /// The platform's time for the event (stored with millisecond precision).
    public var at: Date
    /// JSON text written by the account graph; stored and returned byte for byte. At most 1 MiB
    /// of UTF-8, without NUL (which no JSON text contains and PostgreSQL cannot store).
    public var payload: String

    public init(accountId: String, kind: AccountEventKind, at: Date, payload: String) {
        self.accountId = accountId
        self.kind = kind
        self.at = at
        self.payload = payload
    }
}

/// An event as the log holds it.
public struct AccountEventRecord: Sendable, Hashable {
    /// Position in the log: strictly increasing in commit order (numbered from the shared change
    /// counter, so not dense). A reader that continues after the last sequence it read never
    /// misses an event, however many processes append.
    public var sequence: Int64
    public var accountId: String
    public var kind: AccountEventKind
    /// The platform's time for the event, to the millisecond.
    public var at: Date
    /// When this store recorded the event (the store's clock); the same for every event appended
    /// in one call.
    public var recordedAt: Date
    /// The JSON text exactly as appended.
    public var payload: String

    public init(sequence: Int64, accountId: String, kind: AccountEventKind, at: Date, recordedAt: Date, payload: String) {
        self.sequence = sequence
        self.accountId = accountId
        self.kind = kind
        self.at = at
        self.recordedAt = recordedAt
        self.payload = payload
    }
}
