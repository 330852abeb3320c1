import Foundation

/// How long preserved items are kept by default, and when the clock starts.
///
/// US providers must preserve reported material for a year (18 U.S.C. § 2258A(h), as amended by
/// the REPORT Act), so the default period is 365 days counted from the report when there is one,
/// else from preservation. Operators may keep items longer; nothing here shortens a period.
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// One year of 365 days, in seconds.
    public static let oneYear: TimeInterval = 365 * 24 * 60 * 60
    /// The default: 365 days, counted from the report.
    public static let standard = RetentionPolicy()

    /// How long an item is kept once its clock starts.
    public var defaultPeriod: TimeInterval
    /// Whether a report (re)starts the clock; when false it always runs from preservation.
    public var fromReport: Bool

    public init(defaultPeriod: TimeInterval = RetentionPolicy.oneYear, fromReport: Bool = true) {
        self.defaultPeriod = defaultPeriod
        self.fromReport = fromReport
    }

    /// The record of an item preserved at `preservedAt` (and reported at `reportedAt`, if it was).
    public func start(itemId: String, contentDigest: String, preservedAt: Date, reportedAt: Date? = nil) -> RetentionRecord {
        RetentionRecord(itemId: itemId, contentDigest: contentDigest, preservedAt: preservedAt, reportedAt: reportedAt,
                        policy: self)
    }
}

/// A legal hold: a reason the item must be kept regardless of its retention period (litigation,
/// a law-enforcement preservation request). Only releasing it lifts it.
public struct LegalHold: Sendable, Hashable, Codable {
    /// The caller's id for the hold (a matter or request number), unique on the item.
    public var id: String
    public var reason: String
    public var placedBy: String
    public var placedAt: Date

    public init(id: String, reason: String, placedBy: String, placedAt: Date) {
        self.id = id
        self.reason = reason
        self.placedBy = placedBy
        self.placedAt = placedAt
    }
}

/// What remains of a destroyed item: when, by whom, why, and the digest of what it was, so a
/// later question ("did you hold this file?") can still be answered without the material.
public struct Tombstone: Sendable, Hashable, Codable {
    public var at: Date
    public var by: String
    public var reason: String
    /// SHA-256 of the destroyed plaintext (the envelope's ``SealedItem/contentDigest``).
    public var contentDigest: String
    /// Whether it was destroyed before its retention period ended (a court order, a survivor's request).
    public var forced: Bool

    public init(at: Date, by: String, reason: String, contentDigest: String, forced: Bool) {
        self.at = at
        self.by = by
        self.reason = reason
        self.contentDigest = contentDigest
        self.forced = forced
    }
}

/// The retention state of one preserved item, as a pure state machine: each transition returns
/// the new record or a ``RetentionError``, and time is always passed in, never read from a clock.
///
/// Storing the record and writing the matching ``AccessEvent`` is the caller's job; once a record
/// is destroyed, the caller deletes the item's wrapped key (and, usually, its ciphertext).
public struct RetentionRecord: Sendable, Hashable, Codable {
    public var itemId: String
    /// SHA-256 of the item's plaintext, carried into the tombstone.
    public var contentDigest: String
    public var preservedAt: Date
    /// When the item was reported (the latest report, when there were several).
    public var reportedAt: Date?
    /// The item may not be destroyed (without force) before this.
    public var retainUntil: Date
    /// Active holds; destruction is refused while there is any.
    public var legalHolds: [LegalHold]
    /// Set once the item is destroyed; a destroyed record refuses every further transition.
    public var destroyed: Tombstone?
    /// The policy the record's clock follows.
    public var policy: RetentionPolicy

    public init(itemId: String, contentDigest: String, preservedAt: Date, reportedAt: Date? = nil,
                policy: RetentionPolicy = .standard) {
        self.itemId = itemId
        self.contentDigest = contentDigest
        self.preservedAt = preservedAt
        self.reportedAt = reportedAt
        self.policy = policy
        let start = policy.fromReport ? max(preservedAt, reportedAt ?? preservedAt) : preservedAt
        self.retainUntil = start.addingTimeInterval(policy.defaultPeriod)
        self.legalHolds = []
        self.destroyed = nil
    }

    /// The item was reported at `at`: with a policy counting from the report, the clock restarts
    /// there (`retainUntil` = report + period), but never moves earlier than it already is.
    public func reported(at: Date) throws(RetentionError) -> RetentionRecord {
        try refuseIfDestroyed()
        var next = self
        next.reportedAt = max(reportedAt ?? at, at)
        if policy.fromReport {
            next.retainUntil = max(retainUntil, at.addingTimeInterval(policy.defaultPeriod))
        }
        return next
    }

    /// Keeps the item until at least `until`. Asking for a date before the current `retainUntil`
    /// is refused (``RetentionError/wouldShorten(itemId:retainUntil:requested:)``); the same date is a no-op.
    public func extend(until: Date) throws(RetentionError) -> RetentionRecord {
        try refuseIfDestroyed()
        guard until >= retainUntil else {
            throw .wouldShorten(itemId: itemId, retainUntil: retainUntil, requested: until)
        }
        var next = self
        next.retainUntil = until
        return next
    }

    /// Places a legal hold. Its id, reason and `placedBy` must not be empty, and its id must not
    /// already be on the item.
    public func placeHold(_ hold: LegalHold) throws(RetentionError) -> RetentionRecord {
        try refuseIfDestroyed()
        for (field, value) in [("id", hold.id), ("reason", hold.reason), ("who placed it", hold.placedBy)]
        where value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw .invalidHold(itemId: itemId, reason: "the hold's \(field) is empty")
        }
        guard !legalHolds.contains(where: { $0.id == hold.id }) else {
            throw .holdAlreadyPlaced(itemId: itemId, holdId: hold.id)
        }
        var next = self
        next.legalHolds.append(hold)
        return next
    }

    /// Releases the active hold `id`. Find the hold first with ``hold(id:)`` to audit what was released.
    public func releaseHold(id: String) throws(RetentionError) -> RetentionRecord {
        try refuseIfDestroyed()
        guard let index = legalHolds.firstIndex(where: { $0.id == id }) else {
            throw .holdNotFound(itemId: itemId, holdId: id)
        }
        var next = self
        next.legalHolds.remove(at: index)
        return next
    }

    /// The active hold with this id.
    public func hold(id: String) -> LegalHold? {
        legalHolds.first { $0.id == id }
    }

    /// Destroys the item, leaving a ``Tombstone``. Refused while any hold is active (even when
    /// forced), before `retainUntil` unless `force` (destruction on request: a court order, a
    /// survivor's request, recorded in `reason`), without a reason or actor, and for an item
    /// already destroyed.
    public func destroy(at: Date, by: String, reason: String, force: Bool = false) throws(RetentionError) -> RetentionRecord {
        try refuseIfDestroyed()
        guard legalHolds.isEmpty else { throw .underLegalHold(itemId: itemId, holdIds: legalHolds.map(\.id)) }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
              !by.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .reasonRequired(itemId: itemId)
        }
        let early = at < retainUntil
        guard !early || force else { throw .notYetDue(itemId: itemId, retainUntil: retainUntil) }
        var next = self
        next.destroyed = Tombstone(at: at, by: by, reason: reason, contentDigest: contentDigest, forced: early)
        return next
    }

    /// Whether the item should now be destroyed: its period has ended, no hold is active, and it
    /// has not been destroyed yet.
    public func isDue(now: Date) -> Bool {
        destroyed == nil && legalHolds.isEmpty && now >= retainUntil
    }

    private func refuseIfDestroyed() throws(RetentionError) {
        if let tombstone = destroyed { throw .alreadyDestroyed(itemId: itemId, at: tombstone.at) }
    }
}

/// The ids of the records that are due for destruction at `now` (``RetentionRecord/isDue(now:)``),
/// in the order given.
public func dueForDestruction(_ records: [RetentionRecord], now: Date) -> [String] {
    records.filter { $0.isDue(now: now) }.map(\.itemId)
}
