import PDQ
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One hit of a range search: a caller's id and how many bits its hash differs from the query.
public struct PDQMatch: Sendable, Hashable, CustomStringConvertible {
    /// The id the hash was inserted with (for a bank, the bank entry's id).
    public var id: UInt64
    /// Hamming distance between the query and the stored hash (0...256).
    public var distance: Int

    /// A match of `id` at `distance` bits (tests and callers that merge results build these).
    public init(id: UInt64, distance: Int) {
        self.id = id
        self.distance = distance
    }

    public var description: String { "\(id)@\(distance)" }
}

/// Why an index operation was refused.
public enum PDQIndexError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A search radius outside 0...256.
    case invalidRadius(Int)
    /// `bulkLoad` was given different numbers of hashes and ids.
    case countMismatch(hashes: Int, ids: Int)
    /// More hashes than one index can address (rows are addressed with 32-bit positions).
    case capacityExceeded(requested: Int, limit: Int)
    /// The operating system refused memory for the index's tables.
    case outOfMemory(bytes: Int)

    public var description: String {
        switch self {
        case .invalidRadius(let radius):
            return "search radius \(radius) is outside 0...256 (PDQ hashes have 256 bits; the exchanges' "
                + "default match threshold is 31)"
        case .countMismatch(let hashes, let ids):
            return "bulkLoad got \(hashes) hashes but \(ids) ids; pass exactly one id per hash"
        case .capacityExceeded(let requested, let limit):
            return "an index holds at most \(limit) hashes, \(requested) were requested; split the bank "
                + "across several indexes"
        case .outOfMemory(let bytes):
            return "could not reserve \(bytes) bytes for the hash index; a 10M-hash bank needs about "
                + "0.9 GB, raise the process's memory limit or load fewer hashes"
        }
    }
}

/// Exact Hamming range search over PDQ hashes: every stored hash within a radius of the query,
/// identical to comparing against all of them, but about 10x faster than a popcount scan at 1M
/// hashes and 35x at 10M (radius 31; `scripts/bench-index.sh`).
///
/// **Why this design.** A hash bank is large (millions of hashes), read constantly (every upload
/// is matched) and changed rarely (entries are added and retired by the thousand). So the bulk
/// lives in an immutable *segment* built for reading — multi-index hashing over flat, huge-page
/// backed arrays, see `Layout` and `Segment` — and changes go to a small *delta* (scanned
/// linearly) and a tombstone bitset. When the delta outgrows `Configuration.deltaLimit`, or a
/// large share of the segment is removed, a background thread builds a new segment from the live
/// rows while searches and writes carry on; writes made meanwhile are replayed onto the new state
/// when it is installed. Every search sees every completed `insert`/`remove`, before and after a
/// merge.
///
/// **Ids.** Ids are chosen by the caller. One id may hold several hashes (a video's frames, an
/// image's dihedral variants): a search reports each id once, at its smallest distance, and
/// `remove(id:)` removes all of them. The same hash under different ids is reported once per id.
///
/// **Thread safety.** All methods may be called from any number of threads at once. A search
/// takes a lock only long enough to copy the current state (a few reference-count increments),
/// then reads without one, so concurrent searches scale with cores and never wait for a merge;
/// writes are serialised by the same short lock and pay a copy of the delta or the tombstone
/// bitset (about a megabyte at most) only if a search is still reading the old version.
///
/// **Memory.** Per hash: 32 bytes of hash, 8 of id and 4 per table (11 tables at 10M, 14 at 1M),
/// plus directories: about 0.9 GiB resident for 10M hashes. A merge builds the new segment
/// beside the old one, so while it runs the index needs up to twice that.
public final class PDQIndex: Sendable {
    /// Tuning knobs; the defaults suit a bank matched at the exchanges' radius of 31.
    public struct Configuration: Sendable {
        /// The radius the table layout is optimised for. Any radius gives exact results; this one
        /// is the fastest. PDQ banks conventionally match at 31.
        public var designRadius: Int
        /// How many recent inserts may wait in the linearly scanned delta before a merge. `nil`
        /// adapts it to the bank: 1/256 of the indexed hashes, between 2,048 and 32,768, which keeps
        /// the delta scan under a tenth of a search.
        public var deltaLimit: Int?
        /// Merge on a background thread when the delta or the tombstones grow too large. When
        /// `false`, merges happen only in `compact()` and `bulkLoad`.
        public var automaticMerge: Bool
        /// Segments with fewer hashes are scanned instead of indexed (tests lower it to exercise the
        /// tables on small data).
        var minimumIndexedCount = Layout.minimumIndexedCount

        /// Out-of-range values are clamped (radius to 0...256, delta limit to at least 1).
        public init(designRadius: Int = 31, deltaLimit: Int? = nil, automaticMerge: Bool = true) {
            self.designRadius = min(max(designRadius, 0), 256)
            self.deltaLimit = deltaLimit.map { max($0, 1) }
            self.automaticMerge = automaticMerge
        }
    }

    /// What the index holds and how it is laid out, for metrics and capacity planning.
    public struct Statistics: Sendable, Equatable {
        /// Live hashes (what searches can return).
        public var count: Int
        /// Hashes in the indexed segment, including removed ones not yet merged away.
        public var indexedCount: Int
        /// Removed hashes still occupying the indexed segment.
        public var removedCount: Int
        /// Recent inserts in the linearly scanned delta.
        public var deltaCount: Int
        /// Multi-index tables of the indexed segment (0 while it is small enough to scan).
        public var tableCount: Int
        /// Substring widths of those tables, in bits.
        public var tableWidths: [Int]
        /// Directory bits of those tables (the rest of each substring is filtered per entry).
        public var tableDirectoryBits: [Int]
        /// Bytes of hashes, ids and tables of the indexed segment (delta and bitset excluded).
        public var indexedBytes: Int
        /// Whether a merge is building a new segment right now.
        public var merging: Bool
        /// Merges completed since the index was created.
        public var mergeCount: Int
        /// The last failure of an automatic merge, if any (the index stays correct without it).
        public var lastMergeError: PDQIndexError?
    }

    /// Most hashes one index can hold (positions are 32-bit).
    public static let maximumCount = Int(UInt32.max)

    public let configuration: Configuration
    private let state: Mutex<State>
    /// Serialises merges and bulk loads (the builders); never held by searches.
    private let builder = Mutex<Void>(())
    /// Idle search scratch spaces (see `withScratch`).
    private let scratchPool = Mutex<[ScratchBox]>([])

    /// Creates an empty index.
    ///
    /// - Parameter expectedCount: a capacity hint for the inserts that precede the first merge.
    ///   Large banks should arrive through `bulkLoad`, which builds the tables once.
    public init(expectedCount: Int = 0, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        var initial = State(main: .empty(designRadius: configuration.designRadius))
        initial.delta.reserve(min(max(expectedCount, 0), 1 << 15))
        state = Mutex(initial)
    }

    // MARK: - Reading

    /// Number of live hashes.
    public var count: Int { state.withLock { $0.liveCount } }

    /// Current contents and layout.
    public var statistics: Statistics {
        state.withLock { s in
            Statistics(count: s.liveCount, indexedCount: s.main.count, removedCount: s.deadCount,
                       deltaCount: s.delta.count, tableCount: s.main.tables.count,
                       tableWidths: s.main.layout.tables.map(\.width),
                       tableDirectoryBits: s.main.layout.tables.map(\.dirBits), indexedBytes: s.main.memoryBytes,
                       merging: s.mergeLog != nil, mergeCount: s.mergeCount, lastMergeError: s.lastMergeError)
        }
    }

    /// Every id with a hash within `radius` bits of `query`, nearest first (ties by id).
    ///
    /// Exact: the same set a comparison against every stored hash returns.
    public func search(_ query: PDQHash, radius: Int) throws(PDQIndexError) -> [PDQMatch] {
        try Self.validate(radius)
        let snapshot = snapshot()
        return withScratch { snapshot.search(query, radius: radius, scratch: &$0) }
    }

    /// `search(_:radius:)` for many queries against one consistent state, reusing scratch space.
    public func search(_ queries: some Collection<PDQHash>, radius: Int) throws(PDQIndexError) -> [[PDQMatch]] {
        try Self.validate(radius)
        let snapshot = snapshot()
        return withScratch { scratch in
            var all: [[PDQMatch]] = []
            all.reserveCapacity(queries.count)
            for query in queries { all.append(snapshot.search(query, radius: radius, scratch: &scratch)) }
            return all
        }
    }

    /// Lends a scratch space from a small pool: a search needs a few kilobytes of buffers, and
    /// allocating (and growing) them on every call costs several percent of a 30 µs search.
    private func withScratch<Result>(_ body: (inout SearchScratch) -> Result) -> Result {
        let box = scratchPool.withLock { $0.popLast() } ?? ScratchBox()
        defer { scratchPool.withLock { pool in if pool.count < 64 { pool.append(box) } } }
        return body(&box.scratch)
    }

    private static func validate(_ radius: Int) throws(PDQIndexError) {
        guard (0...256).contains(radius) else { throw .invalidRadius(radius) }
    }

    private func snapshot() -> Snapshot {
        state.withLock { s in
            Snapshot(main: s.main, dead: s.deadCount > 0 ? s.dead : nil, deadCount: s.deadCount, delta: s.delta)
        }
    }

    // MARK: - Writing

    /// Adds `hash` under `id`. Visible to every search that starts after this returns.
    ///
    /// An id may be inserted with several hashes; see the type's discussion.
    public func insert(_ hash: PDQHash, id: UInt64) {
        let schedule = state.withLock { s -> Bool in
            precondition(s.liveCount + s.deadCount < PDQIndex.maximumCount, "PDQIndex is full")
            s.delta.append(hash, id: id)
            s.mergeLog?.append(.insert(hash, id))
            return scheduleIfNeeded(&s)
        }
        if schedule { startBackgroundMerge() }
    }

    /// Adds many `(hash, id)` pairs under one lock acquisition (e.g. `zip(hashes, ids)`). For
    /// hundreds of thousands of hashes prefer `bulkLoad`, which builds the tables once.
    public func insert(contentsOf entries: some Sequence<(PDQHash, UInt64)>) {
        let schedule = state.withLock { s -> Bool in
            for (hash, id) in entries {
                precondition(s.liveCount + s.deadCount < PDQIndex.maximumCount, "PDQIndex is full")
                s.delta.append(hash, id: id)
                s.mergeLog?.append(.insert(hash, id))
            }
            return scheduleIfNeeded(&s)
        }
        if schedule { startBackgroundMerge() }
    }

    /// `insert(contentsOf:)` for labelled `(hash:, id:)` pairs.
    public func insert(contentsOf entries: some Sequence<(hash: PDQHash, id: UInt64)>) {
        insert(contentsOf: entries.lazy.map { ($0.hash, $0.id) })
    }

    /// Removes every hash stored under `id`; returns how many there were. Searches that start
    /// after this returns no longer report `id`.
    @discardableResult
    public func remove(id: UInt64) -> Int {
        let (removed, schedule) = state.withLock { s -> (Int, Bool) in
            let removed = s.remove(id: id)
            if removed > 0 { s.mergeLog?.append(.remove(id)) }
            return (removed, scheduleIfNeeded(&s))
        }
        if schedule { startBackgroundMerge() }
        return removed
    }

    /// Adds a large number of hashes at once and rebuilds the tables a single time: the restart
    /// path for a bank of millions (10M hashes load in seconds).
    ///
    /// Ids are best passed in ascending order (as a database returns them by primary key); other
    /// orders cost a sort. Anything already in the index is kept.
    public func bulkLoad(_ hashes: UnsafeBufferPointer<PDQHash>, ids: UnsafeBufferPointer<UInt64>) throws(PDQIndexError) {
        guard hashes.count == ids.count else { throw .countMismatch(hashes: hashes.count, ids: ids.count) }
        try bulkLoad(count: hashes.count) { hashSlots, idSlots in
            _ = hashSlots.initialize(fromContentsOf: hashes)
            _ = idSlots.initialize(fromContentsOf: ids)
            return hashes.count
        }
    }

    /// `bulkLoad` from arrays.
    public func bulkLoad(_ hashes: [PDQHash], ids: [UInt64]) throws(PDQIndexError) {
        guard hashes.count == ids.count else { throw .countMismatch(hashes: hashes.count, ids: ids.count) }
        let result: Result<Void, PDQIndexError> = hashes.withUnsafeBufferPointer { h in
            ids.withUnsafeBufferPointer { i in
                do throws(PDQIndexError) { try bulkLoad(h, ids: i) } catch { return .failure(error) }
                return .success(())
            }
        }
        try result.get()
    }

    /// Streams a large bank straight into the index's own storage, so loading never holds a
    /// second copy of the hashes (at 10M that is 320 MB less peak memory).
    ///
    /// `fill` receives room for `count` hashes and ids, writes them (e.g. from a file or a
    /// database cursor) and returns how many it wrote (at most `count`; rows past it are ignored,
    /// so a reader that fails part-way can return 0 and report its own error afterwards).
    public func bulkLoad(count: Int,
                         _ fill: (_ hashes: UnsafeMutableBufferPointer<PDQHash>, _ ids: UnsafeMutableBufferPointer<UInt64>) -> Int)
        throws(PDQIndexError)
    {
        guard count >= 0, count <= PDQIndex.maximumCount else {
            throw .capacityExceeded(requested: count, limit: PDQIndex.maximumCount)
        }
        let staged = try RowStorage(capacity: count)
        let written = fill(UnsafeMutableBufferPointer(start: staged.hashes.base, count: count),
                           UnsafeMutableBufferPointer(start: staged.ids.base, count: count))
        precondition((0...count).contains(written), "bulkLoad's fill must return 0...count")
        let rows = try StagedRows.sortedByID(staged, count: written)
        try builder.withLock { _ throws(PDQIndexError) in try merge(adding: rows) }
    }

    /// Folds the delta and the removed hashes into a freshly built segment now, on the calling
    /// thread (searches and writes continue meanwhile). Automatic merges make this unnecessary in
    /// a server; it is for tests, benchmarks and quiet moments after a large batch of changes.
    public func compact() throws(PDQIndexError) {
        try builder.withLock { _ throws(PDQIndexError) in try merge(adding: nil) }
    }

    // MARK: - Merging

    private func deltaLimit(_ s: State) -> Int {
        configuration.deltaLimit ?? min(max(s.main.count / 256, 2048), 32768)
    }

    private func needsMerge(_ s: State) -> Bool {
        let deltaFull = s.delta.count >= deltaLimit(s) && s.delta.count >= 2 * s.failedMergeDelta
        let manyRemoved = s.deadCount >= max(1024, s.main.count / 8)
        return deltaFull || manyRemoved
    }

    /// Marks a background merge as scheduled if one is due and none is pending.
    private func scheduleIfNeeded(_ s: inout State) -> Bool {
        guard configuration.automaticMerge, !s.mergeScheduled, needsMerge(s) else { return false }
        s.mergeScheduled = true
        return true
    }

    private func startBackgroundMerge() {
        BackgroundThread.start { [self] in
            while true {
                do throws(PDQIndexError) {
                    try builder.withLock { _ throws(PDQIndexError) in
                        if state.withLock({ needsMerge($0) }) { try merge(adding: nil) }
                    }
                } catch {
                    state.withLock { s in
                        s.lastMergeError = error
                        s.failedMergeDelta = s.delta.count
                    }
                }
                let again = state.withLock { s -> Bool in
                    if needsMerge(s) { return true }
                    s.mergeScheduled = false
                    return false
                }
                if !again { return }
            }
        }
    }

    /// Builds a new segment from the live rows (plus `adding`), then installs it and replays the
    /// writes that happened while it was being built. Caller holds `builder`.
    private func merge(adding staged: StagedRows?) throws(PDQIndexError) {
        let snapshot = state.withLock { s -> Snapshot? in
            guard staged != nil || s.delta.count > 0 || s.deadCount > 0 else { return nil }
            s.mergeLog = []
            return Snapshot(main: s.main, dead: s.deadCount > 0 ? s.dead : nil, deadCount: s.deadCount, delta: s.delta)
        }
        guard let snapshot else { return }
        let segment: Segment
        do {
            let (rows, total) = try StagedRows.mergeLive(snapshot, adding: staged)
            let previous = snapshot.main.layout
            let threshold = configuration.minimumIndexedCount
            let layout = previous.designRadius == configuration.designRadius
                && previous.fits(count: total, minimumIndexed: threshold)
                ? previous
                : Layout.choose(count: total, designRadius: configuration.designRadius, minimumIndexed: threshold)
            segment = try Segment(rows: rows, count: total, layout: layout)
        } catch {
            state.withLock { $0.mergeLog = nil }
            throw error
        }
        state.withLock { s in
            let log = s.mergeLog ?? []
            s.mergeLog = nil
            s.main = segment
            s.dead = Bitset(count: segment.count)
            s.deadCount = 0
            s.delta = Delta()
            s.mergeCount += 1
            s.lastMergeError = nil
            s.failedMergeDelta = 0
            for entry in log {
                switch entry {
                case .insert(let hash, let id): s.delta.append(hash, id: id)
                case .remove(let id): _ = s.remove(id: id)
                }
            }
        }
    }
}

/// Everything a search reads, captured under the lock and then used without it.
struct Snapshot: Sendable {
    var main: Segment
    var dead: Bitset?
    var deadCount: Int
    var delta: Delta

    func search(_ query: PDQHash, radius: Int, scratch: inout SearchScratch) -> [PDQMatch] {
        var results: [PDQMatch] = []
        main.search(query, radius: radius, dead: dead, scratch: &scratch, results: &results)
        if delta.count > 0 {
            delta.hashes.withUnsafeBytes { raw in
                Scan.forEachWithin(radius, of: query, in: raw.baseAddress!, count: delta.count) { position, distance in
                    results.append(PDQMatch(id: delta.ids[position], distance: distance))
                }
            }
        }
        guard results.count > 1 else { return results }
        // One report per id, at its smallest distance (an id can hold several hashes).
        results.sort { ($0.id, $0.distance) < ($1.id, $1.distance) }
        var unique = 0
        for index in results.indices where index == 0 || results[index].id != results[unique - 1].id {
            results[unique] = results[index]
            unique += 1
        }
        results.removeLast(results.count - unique)
        results.sort { ($0.distance, $0.id) < ($1.distance, $1.id) }
        return results
    }
}

/// One search's scratch space, owned by the pool or by exactly one running search.
private final class ScratchBox: @unchecked Sendable {
    // @unchecked: a box is handed to one search at a time through the pool's mutex.
    var scratch = SearchScratch()
}

/// Recent inserts, scanned linearly. Value type: searches hold a copy-on-write snapshot.
struct Delta: Sendable {
    private(set) var hashes: [PDQHash] = []
    private(set) var ids: [UInt64] = []

    var count: Int { ids.count }

    mutating func reserve(_ capacity: Int) {
        hashes.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
    }

    mutating func append(_ hash: PDQHash, id: UInt64) {
        hashes.append(hash)
        ids.append(id)
    }

    /// Removes every row with `id`; returns how many.
    mutating func remove(id: UInt64) -> Int {
        guard ids.contains(id) else { return 0 }
        var kept = 0
        var removed = 0
        for index in ids.indices {
            if ids[index] == id {
                removed += 1
            } else {
                hashes[kept] = hashes[index]
                ids[kept] = ids[index]
                kept += 1
            }
        }
        hashes.removeLast(removed)
        ids.removeLast(removed)
        return removed
    }
}

private enum LogEntry: Sendable {
    case insert(PDQHash, UInt64)
    case remove(UInt64)
}

private struct State: Sendable {
    var main: Segment
    var dead: Bitset
    var deadCount = 0
    var delta = Delta()
    /// Writes since the running merge took its snapshot; `nil` when no merge is running.
    var mergeLog: [LogEntry]?
    var mergeScheduled = false
    var mergeCount = 0
    var lastMergeError: PDQIndexError?
    /// Delta size at the last failed automatic merge (retry only once it has doubled).
    var failedMergeDelta = 0

    init(main: Segment) {
        self.main = main
        dead = Bitset(count: main.count)
    }

    var liveCount: Int { main.count - deadCount + delta.count }

    mutating func remove(id: UInt64) -> Int {
        var removed = 0
        for position in main.rows(withID: id) where dead.insert(position) {
            removed += 1
        }
        deadCount += removed
        return removed + delta.remove(id: id)
    }
}

/// Rows on their way into a segment: caller-supplied (bulk load) or gathered from the live state.
struct StagedRows: Sendable {
    var rows: RowStorage
    var count: Int

    /// Puts freshly filled rows in id order (a no-op when they already are).
    static func sortedByID(_ rows: RowStorage, count: Int) throws(PDQIndexError) -> StagedRows {
        let ids = rows.ids.base
        var sorted = true
        var index = 1
        while index < count {
            if ids[index - 1] > ids[index] { sorted = false; break }
            index += 1
        }
        if sorted { return StagedRows(rows: rows, count: count) }
        var order = [IDIndex]()
        order.reserveCapacity(count)
        for position in 0..<count { order.append(IDIndex(id: ids[position], index: UInt32(position))) }
        order.sort { ($0.id, $0.index) < ($1.id, $1.index) }
        let output = try RowStorage(capacity: count)
        for (target, entry) in order.enumerated() {
            output.hashes.base[target] = rows.hashes.base[Int(entry.index)]
            output.ids.base[target] = entry.id
        }
        return StagedRows(rows: output, count: count)
    }

    /// The live rows of `snapshot` (segment rows not removed, delta rows) merged in id order with
    /// `staged`. Reuses `staged`'s storage when there is nothing else to merge.
    static func mergeLive(_ snapshot: Snapshot, adding staged: StagedRows?) throws(PDQIndexError)
        -> (RowStorage, Int)
    {
        let main = snapshot.main
        let dead = snapshot.dead
        let liveMain = main.count - snapshot.deadCount
        let delta = snapshot.delta
        let extra = staged?.count ?? 0
        let total = liveMain + delta.count + extra
        guard total <= PDQIndex.maximumCount else {
            throw .capacityExceeded(requested: total, limit: PDQIndex.maximumCount)
        }
        if let staged, liveMain == 0, delta.count == 0 { return (staged.rows, staged.count) }

        let deltaOrder = delta.ids.indices.sorted { (delta.ids[$0], $0) < (delta.ids[$1], $1) }
        let output = try RowStorage(capacity: total)
        let outHashes = output.hashes.base
        let outIDs = output.ids.base
        let mainHashes = main.hashes.base
        let mainIDs = main.ids.base
        let stagedIDs = staged?.rows.ids.base
        let stagedHashes = staged?.rows.hashes.base
        let stagedCount = staged?.count ?? 0
        var m = 0, d = 0, s = 0, o = 0
        // Three-way merge by id; removed segment rows are skipped. Ties keep segment rows first.
        while o < total {
            if let dead { while m < main.count && dead.contains(m) { m += 1 } }
            let mainID = m < main.count ? mainIDs[m] : UInt64.max
            let deltaID = d < deltaOrder.count ? delta.ids[deltaOrder[d]] : UInt64.max
            let stagedID = s < stagedCount ? stagedIDs![s] : UInt64.max
            if m < main.count && mainID <= deltaID && mainID <= stagedID {
                outHashes[o] = mainHashes[m]
                outIDs[o] = mainID
                m += 1
            } else if d < deltaOrder.count && deltaID <= stagedID {
                outHashes[o] = delta.hashes[deltaOrder[d]]
                outIDs[o] = deltaID
                d += 1
            } else {
                outHashes[o] = stagedHashes![s]
                outIDs[o] = stagedID
                s += 1
            }
            o += 1
        }
        precondition(o == total, "merge produced \(o) rows, expected \(total)")
        return (output, total)
    }
}

private struct IDIndex {
    var id: UInt64
    var index: UInt32
}

/// Runs a closure on a new detached OS thread (merges are seconds of CPU work; they should not
/// occupy one of Swift concurrency's few cooperative threads).
enum BackgroundThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let result = pthread_create(&thread, nil, { argument in
            #if canImport(Darwin)
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            #else
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            #endif
            box.body()
            return nil
        }, box)
        if result == 0 {
            #if canImport(Darwin)
            pthread_detach(thread!)
            #else
            pthread_detach(thread)
            #endif
        } else {
            // No thread: run inline rather than lose the merge.
            Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
        }
    }
}
