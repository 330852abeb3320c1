import Foundation

/// What a caller writes to the audit log after a vault or retention operation. The vault does
/// not write the log itself (it does no I/O); these values carry everything a record needs:
/// what happened, to which item, who did it, when and why, and the item's digest and key id.
///
/// None of the fields holds key material or plaintext.
public struct AccessEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case sealed, opened, rewrapped, reported, extended, held, released, destroyed
    }

    public var kind: Kind
    public var itemId: String
    public var actor: String
    public var at: Date
    public var reason: String?
    /// SHA-256 of the item's plaintext, when known.
    public var contentDigest: String?
    /// The master key now wrapping the item's data key (sealed, opened, rewrapped).
    public var masterKeyId: String?
    /// The legal hold concerned (held, released).
    public var holdId: String?

    public init(kind: Kind, itemId: String, actor: String, at: Date, reason: String? = nil,
                contentDigest: String? = nil, masterKeyId: String? = nil, holdId: String? = nil) {
        self.kind = kind
        self.itemId = itemId
        self.actor = actor
        self.at = at
        self.reason = reason
        self.contentDigest = contentDigest
        self.masterKeyId = masterKeyId
        self.holdId = holdId
    }

    /// `item` was sealed (preserved).
    public static func sealed(_ item: SealedItem, by actor: String, at: Date, reason: String? = nil) -> AccessEvent {
        AccessEvent(kind: .sealed, itemId: item.itemId, actor: actor, at: at, reason: reason,
                    contentDigest: item.contentDigest, masterKeyId: item.masterKeyId)
    }

    /// `item` was opened; every opening of evidence should be logged with its reason (a review, a report).
    public static func opened(_ item: SealedItem, by actor: String, at: Date, reason: String) -> AccessEvent {
        AccessEvent(kind: .opened, itemId: item.itemId, actor: actor, at: at, reason: reason,
                    contentDigest: item.contentDigest, masterKeyId: item.masterKeyId)
    }

    /// `item` (the rewrapped envelope) now has its data key under its `masterKeyId`.
    public static func rewrapped(_ item: SealedItem, from previousKeyId: String, by actor: String, at: Date) -> AccessEvent {
        AccessEvent(kind: .rewrapped, itemId: item.itemId, actor: actor, at: at,
                    reason: "rewrapped from master key \(previousKeyId)",
                    contentDigest: item.contentDigest, masterKeyId: item.masterKeyId)
    }

    /// The item's retention clock was restarted by a report (`record` is the record after it).
    public static func reported(_ record: RetentionRecord, by actor: String, at: Date) -> AccessEvent {
        AccessEvent(kind: .reported, itemId: record.itemId, actor: actor, at: at,
                    reason: "kept until \(record.retainUntil.ISO8601Format())", contentDigest: record.contentDigest)
    }

    /// The item's retention was extended (`record` is the record after it).
    public static func extended(_ record: RetentionRecord, by actor: String, at: Date, reason: String) -> AccessEvent {
        AccessEvent(kind: .extended, itemId: record.itemId, actor: actor, at: at,
                    reason: "\(reason) (kept until \(record.retainUntil.ISO8601Format()))",
                    contentDigest: record.contentDigest)
    }

    /// `hold` was placed on item `itemId`.
    public static func held(_ hold: LegalHold, itemId: String) -> AccessEvent {
        AccessEvent(kind: .held, itemId: itemId, actor: hold.placedBy, at: hold.placedAt, reason: hold.reason,
                    holdId: hold.id)
    }

    /// `hold` was released from item `itemId`.
    public static func released(_ hold: LegalHold, itemId: String, by actor: String, at: Date,
                                reason: String) -> AccessEvent {
        AccessEvent(kind: .released, itemId: itemId, actor: actor, at: at, reason: reason, holdId: hold.id)
    }

    /// The record was destroyed; nil if it was not.
    public static func destroyed(_ record: RetentionRecord) -> AccessEvent? {
        guard let tombstone = record.destroyed else { return nil }
        return AccessEvent(kind: .destroyed, itemId: record.itemId, actor: tombstone.by, at: tombstone.at,
                           reason: tombstone.forced ? "forced: \(tombstone.reason)" : tombstone.reason,
                           contentDigest: tombstone.contentDigest)
    }
}
