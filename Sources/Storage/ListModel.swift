import Foundation

// List entries: the text signals (URLs, domains, platform handles, crypto wallets, keywords, and
// the URL digests hotlines distribute) that a bank can hold beside, or instead of, media hashes.
// They live in the same banks, so a bank's policy (enabled, category, action, negative) applies
// to them unchanged; they have their own table, ids, change feed and snapshot because their
// values are text of any length, not fixed-size digests, and their followers (the text matcher)
// are not the media index.

/// The kind of value a list entry holds. Values are kept exactly as the list wrote them (trimmed
/// of surrounding whitespace); normalising them for matching is the matcher's job, so that a
/// better normaliser later never needs a data migration and an export gives back what was
/// imported. Only the two digest types have a canonical form (lowercase hex).
public enum ListSignalType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A URL as a hotline lists it: with or without a scheme, possibly with a path, query or
    /// fragment (`http://example.org/a?b#c`, `example.org/gallery/12`).
    case url
    /// A host or registrable domain (`example.org`, `cdn.example.org`): every URL on it matches.
    case domain
    /// An account on a platform, written `platform:name`, e.g. `telegram:somechannel`, so the same
    /// name on two platforms is two entries.
    case handle
    /// A cryptocurrency address (Bitcoin, Ethereum, Monero…) that payments for abuse material go to.
    case wallet
    /// A term or phrase used to advertise or find abuse material.
    case keyword
    /// The MD5 of a canonical URL, 32 hex characters: hotlines distribute URL lists as digests
    /// so the list itself does not point anyone at the material.
    case urlMD5 = "url-md5"
    /// The SHA-256 of a canonical URL, 64 hex characters (the stronger form of `url-md5`).
    case urlSHA256 = "url-sha256"

    public var description: String { rawValue }

    /// Looks a type up by the name a person or a file writes: case-insensitive, with `_`
    /// accepted for `-` (`URL_MD5`), so a list written by another tool's conventions still reads.
    public init?(name: String) {
        guard name.utf8.count <= 16 else { return nil }
        self.init(rawValue: name.lowercased().replacingOccurrences(of: "_", with: "-"))
    }

    /// The number of hex characters of a digest type's value (nil for the text types).
    public var hexLength: Int? {
        switch self {
        case .urlMD5: 32
        case .urlSHA256: 64
        default: nil
        }
    }

    /// The value as the store keeps it: trimmed of surrounding whitespace, and for the digest
    /// types lowercased. Throws `.invalidListValue` (which never repeats the value: lists of
    /// abuse URLs are as sensitive as hash lists) when the store would refuse it. Callers that
    /// must check a whole batch before writing any of it (the importer, the HTTP API) use this.
    public func canonicalValue(_ value: String) throws(StoreError) -> String {
        try Validate.listValue(value, type: self)
    }
}

/// One list entry in a bank, with the metadata a hotline or curator attached to it.
public struct ListEntry: Sendable, Hashable, Identifiable {
    /// Unique among list entries (a separate id space from hash entries).
    public var id: Int64
    public var bankId: Int64
    public var signalType: ListSignalType
    /// The value as the list wrote it, trimmed; lowercase hex for the digest types.
    public var value: String
    /// Where the entry came from, e.g. `iwf`, `ncmec`, `case:1234`.
    public var source: String?
    /// The id the source uses for this entry, to report back or reconcile.
    public var externalId: String?
    public var category: String?
    public var addedAt: Date
    public var addedBy: String?
    public var note: String?
    /// A disabled entry stops matching at once and can be re-enabled.
    public var enabled: Bool

    public init(id: Int64, bankId: Int64, signalType: ListSignalType, value: String, source: String?,
                externalId: String?, category: String?, addedAt: Date, addedBy: String?, note: String?, enabled: Bool) {
        self.id = id
        self.bankId = bankId
        self.signalType = signalType
        self.value = value
        self.source = source
        self.externalId = externalId
        self.category = category
        self.addedAt = addedAt
        self.addedBy = addedBy
        self.note = note
        self.enabled = enabled
    }
}

/// What a caller supplies to add a list entry. `value` is trimmed and, for the digest types,
/// lowercased by the store; `addedAt` defaults to now (imports pass the source's date).
public struct NewListEntry: Sendable, Hashable {
    public var signalType: ListSignalType
    public var value: String
    public var source: String?
    public var externalId: String?
    public var category: String?
    public var addedAt: Date?
    public var addedBy: String?
    public var note: String?
    public var enabled: Bool

    public init(signalType: ListSignalType, value: String, source: String? = nil, externalId: String? = nil,
                category: String? = nil, addedAt: Date? = nil, addedBy: String? = nil, note: String? = nil,
                enabled: Bool = true) {
        self.signalType = signalType
        self.value = value
        self.source = source
        self.externalId = externalId
        self.category = category
        self.addedAt = addedAt
        self.addedBy = addedBy
        self.note = note
        self.enabled = enabled
    }

    /// Checks the entry exactly as `addListEntries` will (value and metadata), without writing,
    /// so a caller can refuse a mixed batch of hashes and list entries before writing any of it.
    public func validate() throws(StoreError) {
        _ = try ValidListEntry(index: 0, self, now: 0)
    }
}

/// How many list entries of one type a bank holds, for `bank list` and status pages.
public struct ListEntryCount: Sendable, Hashable {
    public var bankId: Int64
    public var signalType: ListSignalType
    public var total: Int64
    public var enabled: Int64

    public init(bankId: Int64, signalType: ListSignalType, total: Int64, enabled: Int64) {
        self.bankId = bankId
        self.signalType = signalType
        self.total = total
        self.enabled = enabled
    }
}

// MARK: - List change feed

/// The matching-relevant state of one list entry, as a text matcher needs it. Returned by
/// `loadAllLists` (every entry) and `listChanges(after:limit:)` (entries changed since a sequence
/// number). It is the entry's *current* state, so applying the same record twice is harmless.
public struct ListEntryState: Sendable, Hashable {
    /// The change-feed position of the entry's latest change.
    public var sequence: Int64
    public var id: Int64
    public var bankId: Int64
    public var signalType: ListSignalType
    /// The value as stored (see `ListEntry.value`); a deletion still carries it, to unindex.
    public var value: String
    /// The entry's own enabled flag.
    public var entryEnabled: Bool
    /// The bank's enabled flag when this record was read.
    public var bankEnabled: Bool
    /// True for a deletion: drop the entry.
    public var deleted: Bool
    /// Whether the bank was negative (known false positives) when this record was read.
    public var isNegative: Bool

    public init(sequence: Int64, id: Int64, bankId: Int64, signalType: ListSignalType, value: String,
                entryEnabled: Bool, bankEnabled: Bool, deleted: Bool, isNegative: Bool) {
        self.sequence = sequence
        self.id = id
        self.bankId = bankId
        self.signalType = signalType
        self.value = value
        self.entryEnabled = entryEnabled
        self.bankEnabled = bankEnabled
        self.deleted = deleted
        self.isNegative = isNegative
    }

    /// Whether the entry should match right now: present, enabled, in an enabled bank.
    public var isActive: Bool { !deleted && entryEnabled && bankEnabled }
}

/// One record of the list change feed, ordered by `sequence`. Bank records are the same as in
/// the hash feed (`Change.bank`): a follower applies a bank's `enabled` and `isNegative` to all
/// the list entries it holds for that bank, and drops them all when the bank is deleted.
public enum ListChange: Sendable, Hashable {
    case bank(BankState)
    case entry(ListEntryState)

    public var sequence: Int64 {
        switch self {
        case .bank(let state): state.sequence
        case .entry(let state): state.sequence
        }
    }
}

/// The full current list state for a text matcher starting up: every bank, every list entry
/// (streamed in pages), and the sequence to follow `listChanges(after:)` from afterwards.
public struct ListSnapshot: Sendable {
    /// Read before anything else: every change up to here is reflected in `banks` and `entries`.
    /// Pages may also reflect later changes; replaying those from `listChanges(after: sequence)`
    /// is harmless because feed records are states, not deltas.
    public var sequence: Int64
    public var banks: [BankState]
    /// Every list entry (enabled or not, so re-enabling needs no reload), in ascending id order.
    public var entries: Pages<ListEntryState>

    /// For test doubles of `BulwarkStore`; real snapshots come from `loadAllLists`.
    public init(sequence: Int64, banks: [BankState], entries: Pages<ListEntryState>) {
        self.sequence = sequence
        self.banks = banks
        self.entries = entries
    }
}

// MARK: - Validation shared by the store and `NewListEntry.validate()`

/// A list entry that passed validation, in the form the database stores.
struct ValidListEntry: Sendable {
    let index: Int
    let key: ListEntryKey
    let source, externalId, category, addedBy, note: String?
    let addedAt: Int64
    let enabled: Bool

    init(index: Int, _ entry: NewListEntry, now: Int64) throws(StoreError) {
        self.index = index
        key = ListEntryKey(signalType: entry.signalType,
                           value: try Validate.listValue(entry.value, type: entry.signalType))
        source = try Validate.text(entry.source, field: "source")
        externalId = try Validate.text(entry.externalId, field: "external id")
        category = try Validate.text(entry.category, field: "category")
        addedBy = try Validate.text(entry.addedBy, field: "added by")
        note = try Validate.text(entry.note, field: "note", limit: Validate.noteLimit)
        addedAt = entry.addedAt.map(Millis.from) ?? now
        enabled = entry.enabled
    }
}

/// What makes two list entries of a bank the same entry: the type and the value's exact bytes.
/// Not `String` equality, which treats canonically equivalent Unicode (a precomposed `é` and `e`
/// plus a combining accent) as equal while both databases compare bytes: keying a batch by
/// `String` would merge two rows the database keeps apart.
struct ListEntryKey: Hashable, Sendable {
    let signalType: ListSignalType
    let bytes: [UInt8]

    init(signalType: ListSignalType, value: String) {
        self.signalType = signalType
        bytes = Array(value.utf8)
    }

    init(signalType: ListSignalType, bytes: [UInt8]) {
        self.signalType = signalType
        self.bytes = bytes
    }

    var value: String { String(decoding: bytes, as: UTF8.self) }
}
