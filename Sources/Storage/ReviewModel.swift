import Foundation

// Human review: the cases decisions open for people, the reviewers and their sessions, the
// evidence vault and report drafts. As elsewhere, storage never looks inside the JSON texts it
// keeps here (case item summaries, case event details, retention records, tombstones,
// completeness checks); the server writes and reads them, so their shape can change without a
// migration. Times are stored to the millisecond.

// MARK: - Cases

/// Where a case is in its life. Open, escalated and confirmed cases are *active*: they are in a
/// queue and new items of their actor join them. The others are decided and stay as history.
public enum CaseStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case open
    case escalated
    case confirmed
    case cleared
    case reported
    case closed

    /// Whether the case still waits for a person (and collects its actor's new items).
    public var isActive: Bool { self == .open || self == .escalated || self == .confirmed }
}

/// What a decision that needs a person adds to its actor's case, recorded with the decision by
/// `recordIntake` (so a crash never leaves a decision without its case item, or the reverse).
public struct NewCaseItem: Sendable, Hashable {
    /// The actor the case is about: the actor id, or `account:<id>` when the account has none.
    /// An actor has at most one active case.
    public var actorKey: String
    /// The actor's accounts now (at most 10,000; may be empty). An item whose actor has no active
    /// case joins an active case holding one of these accounts, so linked accounts are reviewed
    /// together.
    public var accounts: [String]
    /// 0 (low) … 3 (critical); the case takes the highest of its items.
    public var severity: Int
    /// The queue the item belongs in: 1–64 bytes without control characters.
    public var queue: String
    /// What the reviewer sees about the item, as JSON text (at most 1 MiB).
    public var summary: String

    public init(actorKey: String, accounts: [String], severity: Int, queue: String, summary: String) {
        self.actorKey = actorKey
        self.accounts = accounts
        self.severity = severity
        self.queue = queue
        self.summary = summary
    }
}

/// A case as stored.
public struct CaseRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var actorKey: String
    public var status: CaseStatus
    /// The highest severity of its items (0...3).
    public var severity: Int
    public var queue: String
    /// The platform time of the item that opened it.
    public var openedAt: Date
    public var updatedAt: Date
    /// The platform time of its latest item.
    public var lastItemAt: Date
    public var itemCount: Int
    /// The reviewer holding it, while `assignedUntil` is in the future (nil when unassigned).
    public var assignedTo: Int64?
    public var assignedUntil: Date?
    public var decidedAt: Date?
    public var decidedBy: String?
    public var reason: String?

    public init(id: Int64, actorKey: String, status: CaseStatus, severity: Int, queue: String, openedAt: Date,
                updatedAt: Date, lastItemAt: Date, itemCount: Int, assignedTo: Int64?, assignedUntil: Date?,
                decidedAt: Date?, decidedBy: String?, reason: String?) {
        self.id = id
        self.actorKey = actorKey
        self.status = status
        self.severity = severity
        self.queue = queue
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.lastItemAt = lastItemAt
        self.itemCount = itemCount
        self.assignedTo = assignedTo
        self.assignedUntil = assignedUntil
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.reason = reason
    }
}

/// One decided piece of content in a case.
public struct CaseItemRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var caseId: Int64
    public var contentId: String
    public var decisionId: String
    public var accountId: String?
    /// The content's kind (`post`, `profile`…).
    public var kind: String
    /// The content's platform time.
    public var at: Date
    public var severity: Int
    public var queue: String
    /// The summary JSON exactly as recorded.
    public var summary: String

    public init(id: Int64, caseId: Int64, contentId: String, decisionId: String, accountId: String?, kind: String,
                at: Date, severity: Int, queue: String, summary: String) {
        self.id = id
        self.caseId = caseId
        self.contentId = contentId
        self.decisionId = decisionId
        self.accountId = accountId
        self.kind = kind
        self.at = at
        self.severity = severity
        self.queue = queue
        self.summary = summary
    }
}

/// Something that happened to a case (a note, an escalation, a decision), in its timeline.
public struct CaseEventRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var caseId: Int64
    public var at: Date
    /// Who: `reviewer:<name>`, `system`…
    public var actor: String
    /// What, as a dotted name (`note`, `decision`, `escalation`…).
    public var kind: String
    /// The details as JSON text.
    public var detail: String

    public init(id: Int64, caseId: Int64, at: Date, actor: String, kind: String, detail: String) {
        self.id = id
        self.caseId = caseId
        self.at = at
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}

/// A case event to append.
public struct NewCaseEvent: Sendable, Hashable {
    public var at: Date
    public var actor: String
    public var kind: String
    /// JSON text, at most 1 MiB.
    public var detail: String

    public init(at: Date, actor: String, kind: String, detail: String) {
        self.at = at
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}

/// One queue at a glance: how bad its worst active case is, how many it holds, and how long the
/// oldest has waited.
public struct QueueSummary: Sendable, Hashable {
    public var queue: String
    public var maxSeverity: Int
    public var count: Int
    public var oldestOpenedAt: Date

    public init(queue: String, maxSeverity: Int, count: Int, oldestOpenedAt: Date) {
        self.queue = queue
        self.maxSeverity = maxSeverity
        self.count = count
        self.oldestOpenedAt = oldestOpenedAt
    }
}

// MARK: - Reviewers and sessions

/// What a reviewer may do; the server enforces it, storage only keeps it.
public enum ReviewerRole: String, Sendable, Hashable, CaseIterable, Codable {
    case reviewer
    case specialist
    case admin
}

/// A person who reviews cases.
public struct Reviewer: Sendable, Hashable, Identifiable {
    public var id: Int64
    /// Unique, 1–64 bytes of letters, digits, `.`, `_` and `-`.
    public var name: String
    public var role: ReviewerRole
    public var createdAt: Date
    /// When the reviewer was disabled (nil while active). A disabled reviewer has no sessions.
    public var disabledAt: Date?

    public init(id: Int64, name: String, role: ReviewerRole, createdAt: Date, disabledAt: Date?) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
        self.disabledAt = disabledAt
    }
}

/// A session to create after a login. Only the SHA-256 of the session token is stored, so a
/// copy of the database cannot be used to sign in.
public struct NewSession: Sendable, Hashable {
    /// SHA-256 of the session token, 64 hex characters.
    public var tokenHash: String
    public var reviewerId: Int64
    public var createdAt: Date
    public var expiresAt: Date
    /// When the reviewer's shift started (the per-shift budgets count from it).
    public var shiftStartedAt: Date

    public init(tokenHash: String, reviewerId: Int64, createdAt: Date, expiresAt: Date, shiftStartedAt: Date) {
        self.tokenHash = tokenHash
        self.reviewerId = reviewerId
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.shiftStartedAt = shiftStartedAt
    }
}

/// A live session with its reviewer.
public struct SessionRecord: Sendable, Hashable {
    public var tokenHash: String
    public var reviewer: Reviewer
    public var createdAt: Date
    public var expiresAt: Date
    public var shiftStartedAt: Date
    /// Queue-rotation state the server keeps per session; storage only stores the integers.
    public var severeStreak: Int
    public var cooldown: Int

    public init(tokenHash: String, reviewer: Reviewer, createdAt: Date, expiresAt: Date, shiftStartedAt: Date,
                severeStreak: Int, cooldown: Int) {
        self.tokenHash = tokenHash
        self.reviewer = reviewer
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.shiftStartedAt = shiftStartedAt
        self.severeStreak = severeStreak
        self.cooldown = cooldown
    }
}

// MARK: - Evidence vault

/// What a vault item preserves.
public enum VaultItemKind: String, Sendable, Hashable, CaseIterable, Codable {
    case media
    case metadata
    case signals
}

/// Evidence to preserve, sealed by the server (encrypted under a data key that is itself wrapped
/// and stored inside `sealed`), recorded with the decision by `recordIntake`.
public struct NewVaultItem: Sendable, Hashable {
    /// Unique, 1–256 bytes; a retried intake reuses it, so the item is stored once.
    public var itemId: String
    public var contentId: String
    public var kind: VaultItemKind
    /// The media item's position in the content, for `.media`.
    public var mediaIndex: Int?
    /// The sealed bytes (ciphertext and wrapped key); never empty.
    public var sealed: [UInt8]
    /// The id of the key that wrapped the data key.
    public var keyId: String
    /// SHA-256 of the plaintext, 64 hex characters: proves what was preserved.
    public var contentDigest: String
    /// The plaintext's size in bytes.
    public var size: Int
    public var contentType: String?
    public var md5: String?
    public var sha256: String?
    /// The PDQ hash as 64 hex characters.
    public var pdq: String?
    public var preservedAt: Date
    /// When the sweep may destroy it (unless held).
    public var retainUntil: Date
    /// Why it is kept and for how long, as JSON text the server writes.
    public var retention: String

    public init(itemId: String, contentId: String, kind: VaultItemKind, mediaIndex: Int?, sealed: [UInt8], keyId: String,
                contentDigest: String, size: Int, contentType: String?, md5: String?, sha256: String?, pdq: String?,
                preservedAt: Date, retainUntil: Date, retention: String) {
        self.itemId = itemId
        self.contentId = contentId
        self.kind = kind
        self.mediaIndex = mediaIndex
        self.sealed = sealed
        self.keyId = keyId
        self.contentDigest = contentDigest
        self.size = size
        self.contentType = contentType
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.preservedAt = preservedAt
        self.retainUntil = retainUntil
        self.retention = retention
    }
}

/// A vault item as stored. Once destroyed, `sealed` is nil (the wrapped data key went with it, so
/// no copy of the ciphertext elsewhere can be opened) and `tombstone` says what was destroyed.
public struct VaultItemRecord: Sendable, Hashable, Identifiable {
    public var itemId: String
    public var contentId: String
    public var kind: VaultItemKind
    public var mediaIndex: Int?
    public var sealed: [UInt8]?
    public var keyId: String
    public var contentDigest: String
    public var size: Int
    public var contentType: String?
    public var md5: String?
    public var sha256: String?
    public var pdq: String?
    public var preservedAt: Date
    public var retainUntil: Date
    /// A held item is never swept, whatever `retainUntil` says (legal hold, open report).
    public var held: Bool
    public var retention: String
    public var destroyedAt: Date?
    public var tombstone: String?

    public var id: String { itemId }

    public init(itemId: String, contentId: String, kind: VaultItemKind, mediaIndex: Int?, sealed: [UInt8]?, keyId: String,
                contentDigest: String, size: Int, contentType: String?, md5: String?, sha256: String?, pdq: String?,
                preservedAt: Date, retainUntil: Date, held: Bool, retention: String, destroyedAt: Date?,
                tombstone: String?) {
        self.itemId = itemId
        self.contentId = contentId
        self.kind = kind
        self.mediaIndex = mediaIndex
        self.sealed = sealed
        self.keyId = keyId
        self.contentDigest = contentDigest
        self.size = size
        self.contentType = contentType
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.preservedAt = preservedAt
        self.retainUntil = retainUntil
        self.held = held
        self.retention = retention
        self.destroyedAt = destroyedAt
        self.tombstone = tombstone
    }
}

// MARK: - Reports

/// Where a report to a hotline is. `sending` is entered only from `draft` or `failed`, under a row
/// lock, so two clicks cannot send one report twice.
public enum ReportStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case draft
    case sending
    case submitted
    case failed
    case retracted
}

/// A report draft to save for a case.
public struct NewReportDraft: Sendable, Hashable {
    public var caseId: Int64
    public var createdBy: String
    /// The report document, as the hotline's API takes it (at most 1 MiB, without NUL).
    public var xml: String
    /// What the report still lacks, as JSON text.
    public var completeness: String
    public var score: Int
    /// The vault item ids to attach.
    public var fileItems: [String]

    public init(caseId: Int64, createdBy: String, xml: String, completeness: String, score: Int, fileItems: [String]) {
        self.caseId = caseId
        self.createdBy = createdBy
        self.xml = xml
        self.completeness = completeness
        self.score = score
        self.fileItems = fileItems
    }
}

/// A report as stored.
public struct ReportRecord: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var caseId: Int64
    public var status: ReportStatus
    public var createdAt: Date
    public var updatedAt: Date
    public var createdBy: String
    public var xml: String
    public var completeness: String
    public var score: Int
    public var fileItems: [String]
    /// The hotline's id for the submitted report.
    public var remoteId: Int64?
    /// Why the last attempt to send failed (at most 1,000 characters).
    public var lastError: String?

    public init(id: Int64, caseId: Int64, status: ReportStatus, createdAt: Date, updatedAt: Date, createdBy: String,
                xml: String, completeness: String, score: Int, fileItems: [String], remoteId: Int64?, lastError: String?) {
        self.id = id
        self.caseId = caseId
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.xml = xml
        self.completeness = completeness
        self.score = score
        self.fileItems = fileItems
        self.remoteId = remoteId
        self.lastError = lastError
    }
}
