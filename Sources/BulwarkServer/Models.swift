import Foundation
import Hummingbird
import Matching
import MediaDecode
import MediaHashing
import PDQ
import Storage

// JSON shapes of the /v1 API. Field names are camelCase; hashes are lowercase hex.

struct HashesJSON: Codable, Sendable {
    var pdq: String
    var quality: Int
    var md5: String
    var sha256: String
    var width: Int
    var height: Int
    var format: String
    var dihedral: [String]?

    init(_ h: MediaHashes) {
        pdq = h.pdq.hex
        quality = h.quality
        md5 = h.md5
        sha256 = h.sha256
        width = h.width
        height = h.height
        format = h.format.rawValue
        dihedral = h.dihedral?.map(\.hex)
    }
}

extension HashesJSON: ResponseEncodable {}

struct MatchJSON: Codable, Sendable {
    var bank: String
    var bankId: Int64
    var entryId: Int64
    var signalType: String
    var distance: Int
    var threshold: Int
    var quarantined: Bool
    var negative: Bool
    var suppressed: Bool
    var actionable: Bool
    var category: String?
    var action: String?
    var variant: String?
    var entry: EntryJSON?

    init(_ m: Match, entry: BankEntry?) {
        bank = m.bankName
        bankId = m.bankId
        entryId = m.entryId
        signalType = m.signalType.rawValue
        distance = m.distance
        threshold = m.threshold
        quarantined = m.quarantined
        negative = m.fromNegativeBank
        suppressed = m.suppressed
        actionable = m.actionable
        category = entry?.category ?? m.category
        action = m.action
        variant = m.variant?.description
        self.entry = entry.map { EntryJSON($0, includeValue: false) }
    }
}

struct MatchResponseJSON: Codable, Sendable, ResponseEncodable {
    var hashes: HashesJSON?
    var query: MatchRequestJSON?
    var matches: [MatchJSON]
}

struct MatchRequestJSON: Codable, Sendable {
    var pdq: String?
    var md5: String?
    var sha256: String?
    var dihedral: Bool?
    var itemKey: String?
}

struct BankJSON: Codable, Sendable, ResponseEncodable {
    var id: Int64
    var name: String
    var enabled: Bool
    var pdqThreshold: Int
    var category: String?
    var action: String?
    var negative: Bool
    var createdAt: Date
    var updatedAt: Date
    var counts: [String: Int64]?

    init(_ b: Bank, counts: [EntryCount]? = nil, listCounts: [ListEntryCount] = []) {
        id = b.id
        name = b.name
        enabled = b.enabled
        pdqThreshold = b.pdqThreshold
        category = b.category
        action = b.action
        negative = b.isNegative
        createdAt = b.createdAt
        updatedAt = b.updatedAt
        if let counts {
            var byType: [String: Int64] = [:]
            for c in counts where c.bankId == b.id { byType[c.signalType.rawValue, default: 0] += c.total }
            // List entries by their type (url, domain, …); the names never collide with hash types.
            for c in listCounts where c.bankId == b.id { byType[c.signalType.rawValue, default: 0] += c.total }
            self.counts = byType
        }
    }
}

struct BankListJSON: Codable, Sendable, ResponseEncodable { var banks: [BankJSON] }

struct NewBankJSON: Codable, Sendable {
    var name: String
    var enabled: Bool?
    var pdqThreshold: Int?
    var category: String?
    var action: String?
    var negative: Bool?
}

struct BankUpdateJSON: Codable, Sendable {
    var name: String?
    var enabled: Bool?
    var pdqThreshold: Int?
    var category: String?
    var action: String?
    var negative: Bool?
}

struct EntryJSON: Codable, Sendable, ResponseEncodable {
    var id: Int64
    var bankId: Int64
    var signalType: String
    var value: String?
    var source: String?
    var externalId: String?
    var category: String?
    var addedAt: Date
    var addedBy: String?
    var note: String?
    var enabled: Bool
    var quarantined: Bool
    var quarantineReason: String?

    init(_ e: BankEntry, includeValue: Bool = true) {
        id = e.id
        bankId = e.bankId
        signalType = e.signalType.rawValue
        value = includeValue ? e.value : nil
        source = e.source
        externalId = e.externalId
        category = e.category
        addedAt = e.addedAt
        addedBy = e.addedBy
        note = e.note
        enabled = e.enabled
        quarantined = e.quarantined
        quarantineReason = e.quarantineReason
    }
}

struct NewEntryJSON: Codable, Sendable {
    var signalType: String
    var value: String
    var source: String?
    var externalId: String?
    var category: String?
    var note: String?
    var enabled: Bool?
}

struct NewEntriesJSON: Codable, Sendable {
    var entries: [NewEntryJSON]
    var onInvalid: String?
}

struct AddEntriesResponseJSON: Codable, Sendable, ResponseEncodable {
    var inserted: Int
    var duplicates: Int
    var invalid: Int
    var results: [RowResultJSON]
}

struct RowResultJSON: Codable, Sendable {
    var index: Int
    /// `hash` (the id is an entry id: /v1/entries/{id}) or `list` (a list entry id: /v1/list-entries/{id}).
    var kind: String
    /// inserted, duplicate or invalid
    var status: String
    var id: Int64?
    var message: String?
}

struct EntryListJSON: Codable, Sendable, ResponseEncodable {
    var entries: [EntryJSON]
    var next: Int64?
}

/// One list entry (URL, domain, handle, wallet, keyword, URL digest). Values are sensitive like
/// hashes: only curator keys read them.
struct ListEntryJSON: Codable, Sendable, ResponseEncodable {
    var id: Int64
    var bankId: Int64
    var signalType: String
    var value: String
    var source: String?
    var externalId: String?
    var category: String?
    var addedAt: Date
    var addedBy: String?
    var note: String?
    var enabled: Bool

    init(_ e: ListEntry) {
        id = e.id
        bankId = e.bankId
        signalType = e.signalType.rawValue
        value = e.value
        source = e.source
        externalId = e.externalId
        category = e.category
        addedAt = e.addedAt
        addedBy = e.addedBy
        note = e.note
        enabled = e.enabled
    }
}

struct ListEntryListJSON: Codable, Sendable, ResponseEncodable {
    var entries: [ListEntryJSON]
    var next: Int64?
}

struct ListEntryUpdateJSON: Codable, Sendable {
    var enabled: Bool?
}

struct EntryUpdateJSON: Codable, Sendable {
    var enabled: Bool?
    var quarantined: Bool?
    var quarantineReason: String?
}

struct IndexStatusJSON: Codable, Sendable, ResponseEncodable {
    var ready: Bool
    var sequence: Int64
    var pdq: Int
    var md5: Int
    var sha256: Int
    var banks: Int
    var lastAppliedAt: Date?
    var loadSeconds: Double?

    init(_ s: IndexStatus) {
        ready = s.ready
        sequence = s.sequence
        pdq = s.pdqCount
        md5 = s.md5Count
        sha256 = s.sha256Count
        banks = s.bankCount
        lastAppliedAt = s.lastAppliedAt
        loadSeconds = s.loadSeconds
    }
}
