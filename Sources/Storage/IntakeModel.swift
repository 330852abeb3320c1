import AuditChain
import Foundation

// Content intake, the actions outbox, the audit log and recent media: what the server keeps about
// the content it decides on. Storage never looks inside the JSON texts it holds (responses,
// payloads, audit details); the server writes and reads them, so their shape can evolve without a
// schema migration. Every identifier here (content, decision, account, idempotency key, actor…)
// is the caller's opaque text: 1–256 bytes of UTF-8 without control characters.

// MARK: - Audit log

/// An event to append to the audit log. The store numbers it and chains it to the record before
/// it (see `AuditRecord` in AuditChain), in the same transaction as the change it records, so the
/// log never claims something that was rolled back nor misses something that was committed.
public struct NewAuditEvent: Sendable, Hashable {
    /// When it happened (stored to the millisecond, which is what the hash covers).
    public var at: Date
    /// What happened, as a dotted name: `decision`, `action.delivered`, `policy.loaded`…
    public var kind: String
    /// Who did it: `api-key:<prefix>`, `system`, `cli`, `reviewer:<name>`.
    public var actor: String
    /// What it was done to: a decision id, a bank name, an action's idempotency key.
    public var subject: String
    /// The details as JSON text: at most 1 MiB of UTF-8, without NUL. Hashed as bytes, never parsed.
    public var detail: String

    public init(at: Date, kind: String, actor: String, subject: String, detail: String) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.detail = detail
    }
}

/// The end of the audit chain: the last record's number and hash (0 and `AuditChain.genesis`
/// while the log is empty). A verifier compares it with the last record it reads, which is how
/// records removed from the end are noticed; publishing it elsewhere from time to time protects
/// against someone who can rewrite both.
public struct AuditHead: Sendable, Hashable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }
}

// MARK: - Content

/// A piece of content the server decided on, as the intake records it. The platform's content id
/// is the idempotency key of the whole intake: a retried request finds this record and gets the
/// stored response back instead of a second decision (and a second set of actions).
public struct NewContent: Sendable, Hashable {
    /// The platform's id for the content.
    public var contentId: String
    /// The id of the decision taken about it, unique across all content (actions and audit
    /// records refer to it).
    public var decisionId: String
    /// What the content is (`post`, `profile`, `signup`, `message`…).
    public var kind: String
    /// The platform's id for the author, when there is one (for an account's history).
    public var accountId: String?
    /// The platform's time for the content (stored to the millisecond).
    public var at: Date
    /// The content-level outcome (`allow`, `review`, `remove`, `block`…), kept in a column of its
    /// own so reports need not parse the response.
    public var verdict: String
    /// A digest of the request as received (e.g. hex SHA-256), so a retry that reuses a content
    /// id with a different body can be told apart from a true replay.
    public var requestDigest: String
    /// The response sent for this content, as JSON text (at most 1 MiB of UTF-8, without NUL),
    /// returned as is to a replay.
    public var response: String

    public init(contentId: String, decisionId: String, kind: String, accountId: String?, at: Date, verdict: String,
                requestDigest: String, response: String) {
        self.contentId = contentId
        self.decisionId = decisionId
        self.kind = kind
        self.accountId = accountId
        self.at = at
        self.verdict = verdict
        self.requestDigest = requestDigest
        self.response = response
    }
}

/// Content as the store holds it: what was recorded, and when.
public struct ContentRecord: Sendable, Hashable {
    public var contentId: String
    public var decisionId: String
    public var kind: String
    public var accountId: String?
    /// The platform's time for the content, to the millisecond.
    public var at: Date
    public var verdict: String
    public var requestDigest: String
    /// The response exactly as recorded.
    public var response: String
    /// When this store recorded it (the store's clock, to the millisecond).
    public var recordedAt: Date

    public init(contentId: String, decisionId: String, kind: String, accountId: String?, at: Date, verdict: String,
                requestDigest: String, response: String, recordedAt: Date) {
        self.contentId = contentId
        self.decisionId = decisionId
        self.kind = kind
        self.accountId = accountId
        self.at = at
        self.verdict = verdict
        self.requestDigest = requestDigest
        self.response = response
        self.recordedAt = recordedAt
    }
}

// MARK: - Actions outbox

/// An action for the platform (remove a post, suspend accounts…) to put in the outbox. It is
/// delivered at least once; the idempotency key travels with every delivery so the platform can
/// make it exactly once, and the store accepts each key once, so enqueueing is idempotent too.
public struct NewAction: Sendable, Hashable {
    /// Unique per action, derived deterministically from the decision (e.g. `<decision>:<action>`),
    /// so re-deciding the same content enqueues nothing new.
    public var idempotencyKey: String
    /// The decision the action carries out.
    public var decisionId: String
    /// The content it concerns, if any (an account suspension may concern none).
    public var contentId: String?
    /// What to do, as the platform's webhook names it (`remove`, `suspend_actor`…).
    public var action: String
    /// The account it acts on, if any.
    public var targetAccount: String?
    /// The webhook's body, as JSON text (at most 1 MiB of UTF-8, without NUL).
    public var payload: String

    public init(idempotencyKey: String, decisionId: String, contentId: String?, action: String, targetAccount: String?,
                payload: String) {
        self.idempotencyKey = idempotencyKey
        self.decisionId = decisionId
        self.contentId = contentId
        self.action = action
        self.targetAccount = targetAccount
        self.payload = payload
    }
}

/// Where an action is in its life: waiting for (another) delivery attempt, delivered, or given up
/// on (a dead letter, kept until an operator retries it).
public enum ActionStatus: String, Sendable, Hashable, CaseIterable {
    case pending
    case delivered
    case dead
}

/// An action as the outbox holds it.
public struct ActionRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var idempotencyKey: String
    public var decisionId: String
    public var contentId: String?
    public var action: String
    public var targetAccount: String?
    public var payload: String
    public var status: ActionStatus
    /// Delivery attempts made so far, successful or not (reset to 0 by an operator's retry of a
    /// dead letter).
    public var attempts: Int
    public var createdAt: Date
    /// When a pending action is next due; a worker claims it only from then on.
    public var nextAttemptAt: Date
    public var deliveredAt: Date?
    /// Why the last attempt failed (at most 1,000 characters), kept after a retry for the record.
    public var lastError: String?

    public init(id: Int64, idempotencyKey: String, decisionId: String, contentId: String?, action: String,
                targetAccount: String?, payload: String, status: ActionStatus, attempts: Int, createdAt: Date,
                nextAttemptAt: Date, deliveredAt: Date?, lastError: String?) {
        self.id = id
        self.idempotencyKey = idempotencyKey
        self.decisionId = decisionId
        self.contentId = contentId
        self.action = action
        self.targetAccount = targetAccount
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.createdAt = createdAt
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// The outbox at a glance, for metrics and the health page: a growing pending count or an old
/// `oldestPendingCreatedAt` means delivery is falling behind; dead letters need an operator.
public struct OutboxStats: Sendable, Hashable {
    public var pending: Int
    public var dead: Int
    public var delivered: Int
    /// When the oldest pending action was enqueued (nil when none is pending).
    public var oldestPendingCreatedAt: Date?

    public init(pending: Int, dead: Int, delivered: Int, oldestPendingCreatedAt: Date?) {
        self.pending = pending
        self.dead = dead
        self.delivered = delivered
        self.oldestPendingCreatedAt = oldestPendingCreatedAt
    }
}

// MARK: - Recent media

/// The hashes of one media item of recently decided content. Only hashes are kept, never media
/// bytes: enough to match the item against a hash added to a bank later (retroactive matching),
/// nothing a breach could turn back into the media.
public struct RecentMedia: Sendable, Hashable {
    public var contentId: String
    public var decisionId: String
    /// The item's position in the content (0 for the first).
    public var mediaIndex: Int
    /// When the content was seen; purges and lookups go by this time.
    public var at: Date
    /// The PDQ hash, exactly 32 bytes (nil when the item could not be hashed perceptually).
    public var pdq: [UInt8]?
    /// MD5 of the file, 32 hex characters (stored lowercase).
    public var md5: String?
    /// SHA-256 of the file, 64 hex characters (stored lowercase).
    public var sha256: String?

    public init(contentId: String, decisionId: String, mediaIndex: Int, at: Date, pdq: [UInt8]?, md5: String?,
                sha256: String?) {
        self.contentId = contentId
        self.decisionId = decisionId
        self.mediaIndex = mediaIndex
        self.at = at
        self.pdq = pdq
        self.md5 = md5
        self.sha256 = sha256
    }
}

/// A recent media item as stored, with its row id (the cursor of `recentMediaWithPDQ`).
public struct RecentMediaRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var media: RecentMedia

    public init(id: Int64, media: RecentMedia) {
        self.id = id
        self.media = media
    }
}

// MARK: - Intake

/// Everything one decided piece of content writes, recorded together in one transaction so that
/// a crash leaves either all of it or none: the content row, its actions, the hashes of its media
/// and its audit events, and, for content that needs a person, its case item and preserved
/// evidence.
public struct IntakeRecord: Sendable, Hashable {
    public var content: NewContent
    public var actions: [NewAction]
    public var audit: [NewAuditEvent]
    public var media: [RecentMedia]
    /// The item to add to its actor's case, when the decision needs review.
    public var caseItem: NewCaseItem?
    /// Evidence to preserve in the vault (an item id already stored is skipped, so a retried
    /// intake stores each item once).
    public var evidence: [NewVaultItem]

    public init(content: NewContent, actions: [NewAction] = [], audit: [NewAuditEvent] = [], media: [RecentMedia] = [],
                caseItem: NewCaseItem? = nil, evidence: [NewVaultItem] = []) {
        self.content = content
        self.actions = actions
        self.audit = audit
        self.media = media
        self.caseItem = caseItem
        self.evidence = evidence
    }
}

/// What `recordIntake` did with one record.
public enum IntakeOutcome: Sendable, Hashable {
    /// The record was written; these are its audit records as chained.
    case recorded(audit: [AuditRecord])
    /// The content id was already recorded (by an earlier request, another process, or an
    /// earlier record of the same batch): nothing of this record was written, and this is what
    /// is stored, to answer the replay with.
    case existing(ContentRecord)
}

/// One delivered action, for `completeActions`.
public struct ActionCompletion: Sendable, Hashable {
    public var id: Int64
    /// The lease owner that delivered it; the row changes only if it still holds the lease.
    public var owner: String
    public var at: Date
    /// Appended to the audit log in the same transaction, when the row changed.
    public var audit: NewAuditEvent?

    public init(id: Int64, owner: String, at: Date, audit: NewAuditEvent? = nil) {
        self.id = id
        self.owner = owner
        self.at = at
        self.audit = audit
    }
}
