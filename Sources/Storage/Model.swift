import Foundation

// The value types that cross the `BulwarkStore` interface. They are plain, `Sendable` data: the
// server, the CLI and the index followers build and read them without touching SQL.

/// Which database a store runs on; reported for diagnostics (`/readyz`, logs) and used by tests.
public enum StoreBackend: String, Sendable, Hashable, CustomStringConvertible {
    /// An embedded SQLite file (the default; nothing to install).
    case sqlite
    /// A PostgreSQL server shared by several `bulwark` processes.
    case postgres

    public var description: String { rawValue }
}

/// The kind of hash an entry holds. Each has one canonical form, lowercase hex of a fixed length,
/// so that the same hash imported from two sources is recognised as the same entry.
public enum SignalType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// A 256-bit PDQ perceptual hash (64 hex characters), matched by Hamming distance.
    case pdq
    /// An MD5 digest (32 hex characters), matched exactly.
    case md5
    /// A SHA-256 digest (64 hex characters), matched exactly.
    case sha256

    /// The number of bytes of the binary form, which is what the database stores.
    public var byteCount: Int {
        switch self {
        case .pdq: 32
        case .md5: 16
        case .sha256: 32
        }
    }

    /// The number of hex characters of the canonical text form.
    public var hexLength: Int { byteCount * 2 }

    public var description: String { rawValue }
}

// MARK: - Banks

/// A named collection of hashes with one policy: how close a PDQ match must be, what the match
/// means (category, action), and whether it is live. Matching reads banks through the change feed;
/// the API and CLI manage them here.
public struct Bank: Sendable, Hashable, Identifiable {
    /// The PDQ distance threshold a bank gets unless told otherwise (the value HMA and the
    /// ThreatExchange reference use: a distance of at most 31 of 256 bits is a match).
    public static let defaultPDQThreshold = 31
    /// The largest meaningful PDQ threshold: every hash is within 256 bits of every other.
    public static let maximumPDQThreshold = 256

    public var id: Int64
    /// Unique, 1–100 characters of `A–Z a–z 0–9 _ - .` (HMA uses names like `TEST_BANK`).
    public var name: String
    /// A disabled bank matches nothing, at once, without losing its entries.
    public var enabled: Bool
    /// The largest Hamming distance (0...256) at which a PDQ entry of this bank matches.
    public var pdqThreshold: Int
    /// What the bank holds, for reviewers and reports (free text, optional).
    public var category: String?
    /// The action a match implies for the platform, e.g. `block_upload` (optional).
    public var action: String?
    /// A negative bank holds known false positives: its matches suppress matches of other banks.
    public var isNegative: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, name: String, enabled: Bool, pdqThreshold: Int, category: String?, action: String?,
                isNegative: Bool, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.category = category
        self.action = action
        self.isNegative = isNegative
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a caller supplies to create a bank; the store assigns the id and timestamps.
public struct NewBank: Sendable, Hashable {
    public var name: String
    public var enabled: Bool
    public var pdqThreshold: Int
    public var category: String?
    public var action: String?
    public var isNegative: Bool

    public init(name: String, enabled: Bool = true, pdqThreshold: Int = Bank.defaultPDQThreshold,
                category: String? = nil, action: String? = nil, isNegative: Bool = false) {
        self.name = name
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.category = category
        self.action = action
        self.isNegative = isNegative
    }
}

/// A change to an optional text field: leaving it alone is different from clearing it, which a
/// plain `String?` cannot say.
public enum OptionalTextUpdate: Sendable, Hashable {
    case unchanged
    case set(String)
    case clear
}

/// A partial update of a bank's policy. Fields left `nil` / `.unchanged` keep their value. Renaming
/// is separate (`renameBank`) because it is the one change that can collide with another bank.
public struct BankUpdate: Sendable, Hashable {
    public var enabled: Bool?
    public var pdqThreshold: Int?
    public var isNegative: Bool?
    public var category: OptionalTextUpdate
    public var action: OptionalTextUpdate

    public init(enabled: Bool? = nil, pdqThreshold: Int? = nil, isNegative: Bool? = nil,
                category: OptionalTextUpdate = .unchanged, action: OptionalTextUpdate = .unchanged) {
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.isNegative = isNegative
        self.category = category
        self.action = action
    }
}

/// What `deleteBank` removed, so the caller can report it (and audit it).
public struct BankDeletion: Sendable, Hashable {
    /// The bank as it was just before deletion.
    public var bank: Bank
    /// How many hash entries were removed with it.
    public var entriesRemoved: Int64
    /// How many list entries were removed with it.
    public var listEntriesRemoved: Int64
    /// The change-feed sequence number that records the deletion.
    public var sequence: Int64
}

// MARK: - Entries

/// One hash in a bank, with the metadata an exchange or curator attached to it.
public struct BankEntry: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var bankId: Int64
    public var signalType: SignalType
    /// Canonical lowercase hex (64 characters for PDQ and SHA-256, 32 for MD5).
    public var value: String
    /// Where the hash came from, e.g. `ncmec`, `stopncii`, `case:1234`.
    public var source: String?
    /// The id the source uses for this hash, to report back or reconcile.
    public var externalId: String?
    public var category: String?
    public var addedAt: Date
    public var addedBy: String?
    public var note: String?
    /// A disabled entry stops matching at once and can be re-enabled.
    public var enabled: Bool
    /// A quarantined entry still matches, but its matches no longer drive automatic actions
    /// (set by flood detection or a curator), until a curator clears it.
    public var quarantined: Bool
    public var quarantineReason: String?

    public init(id: Int64, bankId: Int64, signalType: SignalType, value: String, source: String?, externalId: String?,
                category: String?, addedAt: Date, addedBy: String?, note: String?, enabled: Bool,
                quarantined: Bool, quarantineReason: String?) {
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
        self.quarantined = quarantined
        self.quarantineReason = quarantineReason
    }
}

/// What a caller supplies to add a hash to a bank. `value` may be upper- or lowercase hex; the store
/// keeps the canonical lowercase form. `addedAt` defaults to now (imports pass the source's date).
public struct NewEntry: Sendable, Hashable {
    public var signalType: SignalType
    public var value: String
    public var source: String?
    public var externalId: String?
    public var category: String?
    public var addedAt: Date?
    public var addedBy: String?
    public var note: String?
    public var enabled: Bool

    public init(signalType: SignalType, value: String, source: String? = nil, externalId: String? = nil,
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
}

/// The answer to adding one entry. Adding a hash the bank already holds (same signal type and
/// value) is not an error: imports are idempotent, and the caller learns which entry it is.
public enum AddEntryResult: Sendable, Hashable {
    case inserted(BankEntry)
    case alreadyPresent(BankEntry)

    /// The entry, new or existing.
    public var entry: BankEntry {
        switch self {
        case .inserted(let entry), .alreadyPresent(let entry): entry
        }
    }
}

/// What happened to one row of a batch, in the batch's order.
public enum EntryOutcome: Sendable, Hashable {
    /// Added as a new entry with this id.
    case inserted(id: Int64)
    /// The bank already held this hash (or an earlier row of the same batch did): nothing written.
    case duplicate(existingId: Int64)
    /// The row was rejected and skipped; the error says what is wrong with it.
    case invalid(StoreError)
}

/// How a batch treats a row that fails validation (a malformed hash, an over-long field).
public enum InvalidRowPolicy: Sendable, Hashable {
    /// Skip the bad rows, commit every valid one, and report the bad ones as `.invalid`.
    case skip
    /// Write nothing and throw `StoreError.invalidBatch` listing every bad row.
    case rejectBatch
}

/// One rejected row of a batch: its position in the batch and why.
public struct BatchRowError: Sendable, Hashable, CustomStringConvertible {
    /// Zero-based index into the batch the caller passed.
    public var index: Int
    public var error: StoreError

    public init(index: Int, error: StoreError) {
        self.index = index
        self.error = error
    }

    public var description: String { "row \(index): \(error)" }
}

/// Progress to record in the same transaction as a batch, so an interrupted import resumes exactly
/// after the last batch that committed.
public struct CheckpointUpdate: Sendable, Hashable {
    public var key: String
    public var linesCommitted: Int64

    public init(key: String, linesCommitted: Int64) {
        self.key = key
        self.linesCommitted = linesCommitted
    }
}

/// The outcome of `addEntries`: one `EntryOutcome` per input row, in order, plus totals.
public struct BatchResult: Sendable, Hashable {
    public var outcomes: [EntryOutcome]

    public init(outcomes: [EntryOutcome]) {
        self.outcomes = outcomes
    }

    public var insertedCount: Int { outcomes.count { if case .inserted = $0 { true } else { false } } }
    /// Each row's entry id, new or existing, in input order (nil for an invalid row).
    public var ids: [Int64?] {
        outcomes.map { outcome in
            switch outcome {
            case .inserted(let id), .duplicate(let id): id
            case .invalid: nil
            }
        }
    }
    public var duplicateCount: Int { outcomes.count { if case .duplicate = $0 { true } else { false } } }
    /// The rows that were skipped, with their positions, for a report.
    public var invalidRows: [BatchRowError] {
        outcomes.enumerated().compactMap { index, outcome in
            if case .invalid(let error) = outcome { BatchRowError(index: index, error: error) } else { nil }
        }
    }
}

/// How many entries of one signal type a bank holds, for status pages and metrics.
public struct EntryCount: Sendable, Hashable {
    public var bankId: Int64
    public var signalType: SignalType
    public var total: Int64
    public var enabled: Int64
    public var quarantined: Int64

    public init(bankId: Int64, signalType: SignalType, total: Int64, enabled: Int64, quarantined: Int64) {
        self.bankId = bankId
        self.signalType = signalType
        self.total = total
        self.enabled = enabled
        self.quarantined = quarantined
    }
}

// MARK: - Change feed

/// The matching-relevant state of one entry, as the index needs it. Returned by `loadAll` (every
/// live entry) and by `changes(after:limit:)` (entries changed since a sequence number). It is the
/// entry's *current* state, so applying the same record twice is harmless.
public struct EntryState: Sendable, Hashable {
    /// The change-feed position of the entry's latest change.
    public var sequence: Int64
    public var id: Int64
    public var bankId: Int64
    public var signalType: SignalType
    /// The hash in binary, held inline (no allocation per entry when loading millions).
    public var digest: HashDigest
    /// The entry's own enabled flag.
    public var entryEnabled: Bool
    /// The bank's enabled flag when this record was read.
    public var bankEnabled: Bool
    /// True for a deletion: drop the entry from the index.
    public var deleted: Bool
    public var quarantined: Bool
    /// The bank's PDQ threshold when this record was read.
    public var pdqThreshold: Int
    /// Whether the bank was negative when this record was read.
    public var isNegative: Bool

    public init(sequence: Int64, id: Int64, bankId: Int64, signalType: SignalType, digest: HashDigest, entryEnabled: Bool,
                bankEnabled: Bool, deleted: Bool, quarantined: Bool, pdqThreshold: Int, isNegative: Bool) {
        self.sequence = sequence
        self.id = id
        self.bankId = bankId
        self.signalType = signalType
        self.digest = digest
        self.entryEnabled = entryEnabled
        self.bankEnabled = bankEnabled
        self.deleted = deleted
        self.quarantined = quarantined
        self.pdqThreshold = pdqThreshold
        self.isNegative = isNegative
    }

    /// Canonical lowercase hex of the hash (computed from `digest`).
    public var value: String { digest.hex }

    /// Whether the entry should match right now: present, enabled, in an enabled bank.
    public var isActive: Bool { !deleted && entryEnabled && bankEnabled }
}

/// The matching-relevant state of one bank. A follower keeps these by bank id and applies them to
/// every entry of the bank, so disabling or re-thresholding a bank of millions of hashes is one
/// record, not millions.
public struct BankState: Sendable, Hashable {
    public var sequence: Int64
    public var id: Int64
    public var name: String
    public var enabled: Bool
    public var pdqThreshold: Int
    public var isNegative: Bool
    public var category: String?
    public var action: String?
    /// True when the bank was deleted: drop it and every entry with its `bankId`.
    public var deleted: Bool

    public init(sequence: Int64, id: Int64, name: String, enabled: Bool, pdqThreshold: Int, isNegative: Bool,
                category: String?, action: String?, deleted: Bool) {
        self.sequence = sequence
        self.id = id
        self.name = name
        self.enabled = enabled
        self.pdqThreshold = pdqThreshold
        self.isNegative = isNegative
        self.category = category
        self.action = action
        self.deleted = deleted
    }
}

/// One record of the change feed, ordered by `sequence`.
public enum Change: Sendable, Hashable {
    case bank(BankState)
    case entry(EntryState)

    public var sequence: Int64 {
        switch self {
        case .bank(let state): state.sequence
        case .entry(let state): state.sequence
        }
    }
}

/// The full current state for a process starting up: every bank, every entry (streamed in pages),
/// and the sequence number to follow the change feed from afterwards.
public struct Snapshot: Sendable {
    /// Read before anything else: every change up to here is reflected in `banks` and `entries`.
    /// Pages may also reflect later changes; replaying those from `changes(after: sequence)` is
    /// harmless because feed records are states, not deltas.
    public var sequence: Int64
    public var banks: [BankState]
    /// Every entry (enabled or not, so re-enabling needs no reload), in ascending id order.
    public var entries: Pages<EntryState>

    /// For test doubles of `BulwarkStore`; real snapshots come from `loadAll`.
    public init(sequence: Int64, banks: [BankState], entries: Pages<EntryState>) {
        self.sequence = sequence
        self.banks = banks
        self.entries = entries
    }
}

/// One fetched page and where the next one starts.
struct PageResult<Element: Sendable>: Sendable {
    var items: [Element]
    var cursor: Int64
    /// True when the query returned fewer rows than asked for: nothing follows.
    var isLast: Bool
}

/// A sequence of pages fetched lazily, one query per page, ordered by id. Nothing is buffered
/// beyond the page being returned, and abandoning the iteration costs nothing. Pages are never
/// empty; the sequence ends after the last row.
public struct Pages<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = StoreError

    /// Fetches the page after a cursor.
    typealias Fetch = @Sendable (_ after: Int64, _ limit: Int) async throws(StoreError) -> PageResult<Element>

    let pageSize: Int
    let start: Int64
    let fetch: Fetch

    init(pageSize: Int, start: Int64 = 0, fetch: @escaping Fetch) {
        self.pageSize = pageSize
        self.start = start
        self.fetch = fetch
    }

    /// Pages already in memory, for test doubles of `BulwarkStore`.
    public init(pages: [[Element]]) {
        let pages = pages.filter { !$0.isEmpty }
        self.init(pageSize: Int.max, start: 0) { after, _ throws(StoreError) in
            let index = Int(after)
            guard index < pages.count else { return PageResult(items: [], cursor: after, isLast: true) }
            return PageResult(items: pages[index], cursor: after + 1, isLast: index + 1 >= pages.count)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pageSize: pageSize, cursor: start, fetch: fetch)
    }

    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let pageSize: Int
        var cursor: Int64
        let fetch: Fetch
        var finished = false

        public mutating func next() async throws(StoreError) -> [Element]? {
            while !finished {
                let page = try await fetch(cursor, pageSize)
                cursor = page.cursor
                finished = page.isLast
                // A page whose rows were all filtered out is skipped, not an end.
                if !page.items.isEmpty { return page.items }
            }
            return nil
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(StoreError) -> [Element]? {
            try await next()
        }
    }
}

// MARK: - API keys

/// What an API key may do. Hash lists are sensitive: only curators and admins read or export them.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Match and hash media; submit content. Cannot read bank contents.
    case ingest
    /// Manage banks and entries, review, import and export.
    case curator
    /// Everything, including API keys.
    case admin

    public var description: String { rawValue }
}

/// An API key's record. The secret itself is never stored: only its SHA-256, which is what a
/// request's key is looked up by, and a short prefix so people can tell keys apart.
public struct APIKey: Sendable, Hashable, Identifiable {
    public var id: Int64
    public var name: String
    public var role: APIKeyRole
    /// Lowercase hex SHA-256 of the secret.
    public var keyHash: String
    /// The first characters of the secret, for display (`bwk_1a2b…`).
    public var prefix: String
    public var createdAt: Date
    /// When the key was last seen, to a granularity of about a minute (see `touchAPIKey`).
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: Int64, name: String, role: APIKeyRole, keyHash: String, prefix: String, createdAt: Date,
                lastUsedAt: Date?, revokedAt: Date?) {
        self.id = id
        self.name = name
        self.role = role
        self.keyHash = keyHash
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }
}

// MARK: - Imports

/// How far a resumable import got: the number of input lines whose entries are committed.
public struct ImportCheckpoint: Sendable, Hashable {
    /// Identifies the import, e.g. the SHA-256 of the file plus the bank name.
    public var key: String
    public var bankId: Int64
    public var linesCommitted: Int64
    public var updatedAt: Date

    public init(key: String, bankId: Int64, linesCommitted: Int64, updatedAt: Date) {
        self.key = key
        self.bankId = bankId
        self.linesCommitted = linesCommitted
        self.updatedAt = updatedAt
    }
}

// MARK: - Schema

/// A migration that `migrate()` applied, for the startup log and `bulwark migrate`'s output.
public struct AppliedMigration: Sendable, Hashable, CustomStringConvertible {
    public var version: Int
    public var name: String

    public init(version: Int, name: String) {
        self.version = version
        self.name = name
    }

    public var description: String { "\(version) \(name)" }
}
