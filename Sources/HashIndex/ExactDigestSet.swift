#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a digest was refused.
public enum ExactDigestSetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The digest has the wrong number of bytes for the set's kind.
    case wrongLength(expected: Int, got: Int)
    /// Hex text with a character that is not a hex digit (zero-based position).
    case invalidHex(position: Int)

    public var description: String {
        switch self {
        case .wrongLength(let expected, let got):
            return "digest has \(got) bytes, this set holds \(expected)-byte digests (MD5 is 16 bytes / 32 hex "
                + "digits, SHA-256 is 32 bytes / 64 hex digits)"
        case .invalidHex(let position):
            return "digest text has a non-hex character at position \(position + 1); expected only 0-9 and a-f"
        }
    }
}

/// Exact-match lookup of MD5 or SHA-256 digests to the ids that carry them.
///
/// Why its own structure: banks hold millions of file digests next to their PDQ hashes, and a
/// `Dictionary<[UInt8], [UInt64]>` spends two heap objects per entry. Here each entry is one slot
/// of an open-addressing table (key words inline, an id, a control byte), so 10M SHA-256 entries
/// take about 0.6 GB and a lookup touches one or two cache lines. The table is seeded with the
/// standard library's per-process random hasher, so crafted digests cannot force long probe runs.
///
/// A digest may map to several ids (the same file in two banks), and an id may be added under
/// several digests; the set holds each `(digest, id)` pair at most once.
///
/// **Thread safety.** Any number of threads may look up at once (a reader-writer lock: lookups
/// share it, `insert`/`remove` take it exclusively for well under a microsecond, except for the
/// occasional resize). All methods may be called from any thread.
public final class ExactDigestSet: Sendable {
    /// Which digest the set holds, which fixes the key length.
    public enum Kind: Sendable, Equatable {
        case md5
        case sha256

        /// Digest length in bytes.
        public var byteCount: Int { self == .md5 ? 16 : 32 }
    }

    public let kind: Kind
    private let table: ReadWriteLocked<DigestTable>

    /// Creates an empty set; `expectedCount` sizes the table so loading that many needs no resize.
    public init(kind: Kind, expectedCount: Int = 0) {
        self.kind = kind
        table = ReadWriteLocked(DigestTable(words: kind.byteCount / 8, expectedCount: expectedCount))
    }

    /// Number of `(digest, id)` pairs.
    public var count: Int { table.read { $0.count } }

    /// Adds the pair; returns `false` if it was already present.
    @discardableResult
    public func insert(_ digest: some Collection<UInt8>, id: UInt64) throws(ExactDigestSetError) -> Bool {
        let key = try key(digest)
        return table.write { $0.insert(key, id: id) }
    }

    /// Removes one pair; returns whether it was present.
    @discardableResult
    public func remove(_ digest: some Collection<UInt8>, id: UInt64) throws(ExactDigestSetError) -> Bool {
        let key = try key(digest)
        return table.write { $0.remove(key, id: id) > 0 }
    }

    /// Removes every id stored under `digest`; returns how many.
    @discardableResult
    public func removeAll(_ digest: some Collection<UInt8>) throws(ExactDigestSetError) -> Int {
        let key = try key(digest)
        return table.write { $0.remove(key, id: nil) }
    }

    /// The ids stored under `digest`, ascending; empty if none.
    public func lookup(_ digest: some Collection<UInt8>) throws(ExactDigestSetError) -> [UInt64] {
        let key = try key(digest)
        return table.read { $0.lookup(key) }
    }

    /// Whether any id is stored under `digest`.
    public func contains(_ digest: some Collection<UInt8>) throws(ExactDigestSetError) -> Bool {
        try !lookup(digest).isEmpty
    }

    /// Parses hex text (either case, no separators) into bytes, for digests as banks and hash
    /// lists write them.
    public static func bytes(hex text: some StringProtocol) throws(ExactDigestSetError) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { throw .invalidHex(position: utf8.count - 1) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        for (position, character) in utf8.enumerated() {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character &- UInt8(ascii: "A") &+ 10
            default: throw .invalidHex(position: position)
            }
            if position % 2 == 0 { high = nibble } else { out.append(high << 4 | nibble) }
        }
        return out
    }

    private func key(_ digest: some Collection<UInt8>) throws(ExactDigestSetError) -> DigestKey {
        guard digest.count == kind.byteCount else { throw .wrongLength(expected: kind.byteCount, got: digest.count) }
        var key = DigestKey()
        var index = 0
        for byte in digest {
            key[index >> 3] |= UInt64(byte) << UInt64((index & 7) * 8)
            index += 1
        }
        return key
    }
}

/// Up to 32 key bytes as four words (MD5 leaves the last two zero).
struct DigestKey: Hashable, Sendable {
    var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    subscript(word: Int) -> UInt64 {
        get {
            switch word {
            case 0: w0
            case 1: w1
            case 2: w2
            default: w3
            }
        }
        set {
            switch word {
            case 0: w0 = newValue
            case 1: w1 = newValue
            case 2: w2 = newValue
            default: w3 = newValue
            }
        }
    }
}

/// Open addressing with linear probing; deleted slots become tombstones until the next resize.
struct DigestTable: Sendable {
    private static let empty: UInt8 = 0, full: UInt8 = 1, deleted: UInt8 = 2

    let words: Int
    private var keys: [UInt64]
    private var ids: [UInt64]
    private var control: [UInt8]
    private(set) var count = 0
    private var tombstones = 0

    init(words: Int, expectedCount: Int) {
        self.words = words
        var capacity = 16
        while capacity * 7 / 10 < expectedCount { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity * words)
        ids = [UInt64](repeating: 0, count: capacity)
        control = [UInt8](repeating: DigestTable.empty, count: capacity)
    }

    private var mask: Int { control.count - 1 }

    private func home(_ key: DigestKey) -> Int {
        var hasher = Hasher()
        hasher.combine(key)
        return hasher.finalize() & mask
    }

    private func keyMatches(_ slot: Int, _ key: DigestKey) -> Bool {
        for word in 0..<words where keys[slot * words + word] != key[word] { return false }
        return true
    }

    func lookup(_ key: DigestKey) -> [UInt64] {
        var found: [UInt64] = []
        var slot = home(key)
        while control[slot] != DigestTable.empty {
            if control[slot] == DigestTable.full && keyMatches(slot, key) { found.append(ids[slot]) }
            slot = (slot + 1) & mask
        }
        return found.sorted()
    }

    mutating func insert(_ key: DigestKey, id: UInt64) -> Bool {
        if (count + tombstones + 1) * 10 > control.count * 7 { resize() }
        var slot = home(key)
        var reusable: Int?
        while control[slot] != DigestTable.empty {
            if control[slot] == DigestTable.full {
                if ids[slot] == id && keyMatches(slot, key) { return false }
            } else if reusable == nil {
                reusable = slot
            }
            slot = (slot + 1) & mask
        }
        if let reusable {
            slot = reusable
            tombstones -= 1
        }
        control[slot] = DigestTable.full
        ids[slot] = id
        for word in 0..<words { keys[slot * words + word] = key[word] }
        count += 1
        return true
    }

    /// Removes the pair (`id` given) or every pair of the key (`id` nil); returns how many.
    mutating func remove(_ key: DigestKey, id: UInt64?) -> Int {
        var removed = 0
        var slot = home(key)
        while control[slot] != DigestTable.empty {
            if control[slot] == DigestTable.full && (id == nil || ids[slot] == id) && keyMatches(slot, key) {
                control[slot] = DigestTable.deleted
                removed += 1
                if id != nil { break }
            }
            slot = (slot + 1) & mask
        }
        count -= removed
        tombstones += removed
        return removed
    }

    /// Rehashes into a table sized for twice the live entries (dropping tombstones).
    private mutating func resize() {
        var capacity = 16
        while capacity * 7 / 10 < max(count * 2, 8) { capacity <<= 1 }
        var fresh = DigestTable(words: words, expectedCount: 0)
        fresh.keys = [UInt64](repeating: 0, count: capacity * words)
        fresh.ids = [UInt64](repeating: 0, count: capacity)
        fresh.control = [UInt8](repeating: DigestTable.empty, count: capacity)
        for slot in control.indices where control[slot] == DigestTable.full {
            var key = DigestKey()
            for word in 0..<words { key[word] = keys[slot * words + word] }
            var target = fresh.home(key)
            while fresh.control[target] != DigestTable.empty { target = (target + 1) & fresh.mask }
            fresh.control[target] = DigestTable.full
            fresh.ids[target] = ids[slot]
            for word in 0..<words { fresh.keys[target * words + word] = key[word] }
        }
        fresh.count = count
        self = fresh
    }
}

/// A value behind a POSIX reader-writer lock: shared reads, exclusive writes.
final class ReadWriteLocked<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only touched inside `read` (shared lock) or `write` (exclusive lock).
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    func read<Result>(_ body: (borrowing Value) -> Result) -> Result {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body(value)
    }

    func write<Result>(_ body: (inout Value) -> Result) -> Result {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return body(&value)
    }
}
