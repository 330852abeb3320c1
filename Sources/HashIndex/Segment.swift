import PDQ

/// One built multi-index table: a CSR directory over the high key bits and, per bucket, entries
/// packing `(residual << positionBits) | position`.
struct Table: @unchecked Sendable {
    // @unchecked: the buffers are filled before the segment is published and only read after.
    let layout: TableLayout
    let wordIndex: Int
    let shift: UInt64
    let spans: Bool
    let keyMask: UInt64
    let directory: LargeBuffer<UInt32>
    let entries: LargeBuffer<UInt32>

    init(layout: TableLayout, count: Int) throws(PDQIndexError) {
        self.layout = layout
        wordIndex = layout.start >> 6
        shift = UInt64(layout.start & 63)
        spans = (layout.start & 63) + layout.width > 64
        keyMask = layout.width == 64 ? ~0 : (1 << UInt64(layout.width)) - 1
        directory = try LargeBuffer(count: (1 << layout.dirBits) + 1)
        // Padding lets the bucket filter read whole groups of four past a bucket's end.
        entries = try LargeBuffer(count: count + Table.groupPadding)
    }

    static let groupPadding = 4

    /// The table's substring of the hash whose four words start at `words`.
    @inline(__always)
    func key(_ words: UnsafeRawPointer) -> UInt64 {
        let low = words.load(fromByteOffset: wordIndex &* 8, as: UInt64.self) &>> shift
        guard spans else { return low & keyMask }
        let high = words.load(fromByteOffset: (wordIndex &+ 1) &* 8, as: UInt64.self) &<< (64 &- shift)
        return (low | high) & keyMask
    }
}

/// An immutable, fully indexed run of hashes sorted by id: the bulk of a bank.
///
/// Rows are stored in ascending id order so `remove(id:)` is a binary search with no extra map
/// (a dictionary from id to row would cost more than the posting lists at 10M rows). Hashes are one
/// flat array of 32-byte rows; each table adds one 4-byte entry per row.
final class Segment: @unchecked Sendable {
    // @unchecked: every buffer is written by `build` before the initialiser returns and the
    // segment is immutable afterwards; concurrent searches only read it.
    let count: Int
    let hashes: LargeBuffer<PDQHash>
    let ids: LargeBuffer<UInt64>
    let layout: Layout
    let tables: [Table]
    let plans: PlanSet

    /// An empty segment (the state of a new index).
    static func empty(designRadius: Int) -> Segment {
        // Cannot fail: a one-element allocation.
        try! Segment(rows: RowStorage(capacity: 0), count: 0, layout: .scanOnly(count: 0, designRadius: designRadius))
    }

    /// Builds the tables over `rows` (already sorted by id) with `layout`.
    init(rows: RowStorage, count: Int, layout: Layout) throws(PDQIndexError) {
        precondition(MemoryLayout<PDQHash>.stride == 32, "PDQHash must be four packed 64-bit words")
        self.count = count
        hashes = rows.hashes
        ids = rows.ids
        self.layout = layout
        var built: [Table] = []
        for tableLayout in layout.tables {
            let table = try Table(layout: tableLayout, count: count)
            Segment.fill(table, hashes: hashes.base, count: count, positionBits: layout.positionBits)
            built.append(table)
        }
        tables = built
        plans = PlanSet(layout: layout, count: count)
    }

    /// Counting sort of the rows into the table's buckets: a histogram of directory keys, prefix
    /// sums into the directory, then one scatter pass. Rows enter every bucket in position order.
    /// No scratch memory: keys are extracted twice rather than stored (40 MB at 10M rows, which
    /// would count against the load's peak memory), and the directory doubles as the cursors.
    private static func fill(_ table: Table, hashes: UnsafeMutablePointer<PDQHash>, count: Int, positionBits: Int) {
        let directory = table.directory.base
        let buckets = 1 << table.layout.dirBits
        let resBits = UInt64(table.layout.resBits)
        let resMask: UInt64 = (1 << resBits) - 1
        let raw = UnsafeRawPointer(hashes)
        // directory[b + 1] counts bucket b.
        for position in 0..<count {
            let key = table.key(raw + position &* 32)
            directory[Int(truncatingIfNeeded: key &>> resBits) &+ 1] &+= 1
        }
        // Exclusive prefix sums: directory[b] = start of bucket b.
        var running: UInt32 = 0
        for bucket in 0...buckets {
            running &+= directory[bucket]
            directory[bucket] = running
        }
        // Scatter, advancing directory[b] as bucket b's cursor; afterwards directory[b] is the end
        // of bucket b, i.e. the start of b + 1, so one shift restores the starts.
        let entries = table.entries.base
        let shift = UInt32(positionBits)
        for position in 0..<count {
            let key = table.key(raw + position &* 32)
            let bucket = Int(truncatingIfNeeded: key &>> resBits)
            let slot = Int(truncatingIfNeeded: directory[bucket])
            directory[bucket] = UInt32(truncatingIfNeeded: slot &+ 1)
            let residual = UInt32(truncatingIfNeeded: key & resMask)
            entries[slot] = (residual &<< shift) | UInt32(truncatingIfNeeded: position)
        }
        var bucket = buckets
        while bucket > 0 {
            directory[bucket] = directory[bucket &- 1]
            bucket &-= 1
        }
        directory[0] = 0
    }

    /// Rows whose id equals `id`: a binary search over the sorted ids.
    func rows(withID id: UInt64) -> Range<Int> {
        let ids = self.ids.base
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) >> 1
            if ids[mid] < id { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < count && ids[end] == id { end += 1 }
        return low..<end
    }

    /// Bytes held by the hashes, ids, directories and posting lists.
    var memoryBytes: Int {
        hashes.byteCount + ids.byteCount + tables.reduce(0) { $0 + $1.directory.byteCount + $1.entries.byteCount }
    }
}

/// Hashes and ids for a segment under construction, in the index's own huge-page storage.
struct RowStorage: @unchecked Sendable {
    // @unchecked: filled by one thread before the segment that adopts it is published.
    let hashes: LargeBuffer<PDQHash>
    let ids: LargeBuffer<UInt64>

    init(capacity: Int) throws(PDQIndexError) {
        hashes = try LargeBuffer(count: capacity)
        ids = try LargeBuffer(count: capacity)
    }
}

/// Per-search scratch space, reused across the queries of a batch.
struct SearchScratch: ~Copyable {
    var probeKeys = ScratchBuffer<UInt32>()
    var probeBudgets = ScratchBuffer<UInt8>()
    var rangeStarts = ScratchBuffer<UInt32>()
    var rangeEnds = ScratchBuffer<UInt32>()
    var candidates = ScratchBuffer<UInt64>()
    var queryKeys = [UInt64](repeating: 0, count: 64)
    /// Receives the values of the cache-warming loads so the compiler keeps them.
    var sink: UInt32 = 0
}

/// A raw match before ids are deduplicated: the row's id and its distance.
typealias RawMatch = PDQMatch

extension Segment {
    /// Appends every live row within `radius` of `query` to `results`, each row exactly once.
    ///
    /// Stages, each a tight loop of independent loads so the CPU keeps many cache misses in
    /// flight: (1) enumerate the directory keys within each table's substring radius, (2) read
    /// their bucket bounds, (3) filter the bucket entries on their residual bits into a candidate
    /// list, (4) verify candidates with the full 256-bit distance. A row can be a candidate in
    /// several tables; it is reported only by the first probed table in which it lies within that
    /// table's radius, which every table can check from the row's hash alone, so no visited-set
    /// is needed (a per-query stamp array over 10M rows would add a random write per candidate).
    func search(_ query: PDQHash, radius: Int, dead: Bitset?, scratch: inout SearchScratch,
                results: inout [RawMatch]) {
        guard count > 0 else { return }
        let plan = plans[radius]
        if plan.useScan {
            scan(query, radius: radius, dead: dead, results: &results)
            return
        }
        let q0 = query.w0, q1 = query.w1, q2 = query.w2, q3 = query.w3
        var queryWords = (q0, q1, q2, q3)
        let tableRadius = plan.tableRadius
        let tableCount = tables.count
        withUnsafeBytes(of: &queryWords) { raw in
            for index in 0..<tableCount { scratch.queryKeys[index] = tables[index].key(raw.baseAddress!) }
        }
        scratch.probeKeys.reserve(plan.probeCount + 1)
        scratch.probeBudgets.reserve(plan.probeCount + 1)
        scratch.rangeStarts.reserve(plan.probeCount + 1)
        scratch.rangeEnds.reserve(plan.probeCount + 1)
        let positionBits = UInt32(layout.positionBits)
        let positionMask: UInt32 = positionBits >= 32 ? ~0 : (1 << positionBits) &- 1
        var candidateCount = 0

        for tableIndex in 0..<tableCount {
            let t = Int(tableRadius[tableIndex])
            guard t >= 0 else { continue }
            let table = tables[tableIndex]
            let dirBits = table.layout.dirBits
            let resBits = table.layout.resBits
            let queryKey = scratch.queryKeys[tableIndex]
            let queryDir = queryKey &>> UInt64(resBits)
            let queryRes = UInt32(truncatingIfNeeded: queryKey & ((1 << UInt64(resBits)) - 1))

            // (1) Directory keys within distance t of the query's, with the residual budget left.
            let keys = scratch.probeKeys.base
            let budgets = scratch.probeBudgets.base
            var probes = 0
            for flips in 0...min(t, dirBits) {
                let budget = UInt8(t - flips)
                if flips == 0 {
                    keys[probes] = UInt32(truncatingIfNeeded: queryDir)
                    budgets[probes] = budget
                    probes &+= 1
                    continue
                }
                // Every dirBits-bit mask with `flips` bits set, in increasing order (Gosper).
                var mask: UInt64 = (1 << UInt64(flips)) - 1
                let limit: UInt64 = 1 << UInt64(dirBits)
                while mask < limit {
                    keys[probes] = UInt32(truncatingIfNeeded: queryDir ^ mask)
                    budgets[probes] = budget
                    probes &+= 1
                    let lowest = mask & (0 &- mask)
                    let ripple = mask &+ lowest
                    mask = (((ripple ^ mask) &>> 2) &>> UInt64(lowest.trailingZeroBitCount)) | ripple
                }
            }

            // (2) Bucket bounds: independent random reads.
            let directory = table.directory.base
            let starts = scratch.rangeStarts.base
            let ends = scratch.rangeEnds.base
            var total = 0
            for probe in 0..<probes {
                let key = Int(truncatingIfNeeded: keys[probe])
                let start = directory[key]
                let end = directory[key &+ 1]
                starts[probe] = start
                ends[probe] = end
                total &+= Int(truncatingIfNeeded: end &- start)
            }

            // Touch the first and last line of every bucket in a loop light enough that dozens of
            // these misses are in flight at once (Swift has no prefetch intrinsic); the filter
            // loop below, heavier per entry, then mostly hits the cache.
            let entries = table.entries.base
            var touched: UInt32 = 0
            for probe in 0..<probes {
                let start = Int(truncatingIfNeeded: starts[probe])
                let last = Int(truncatingIfNeeded: ends[probe]) &- 1
                touched &+= entries[start] &+ entries[max(last, start)]
            }
            scratch.sink &+= touched

            // (3) Residual filter into the candidate list (position | table << 32).
            scratch.candidates.grow(to: candidateCount + total + Table.groupPadding + 1, keeping: candidateCount)
            let candidates = scratch.candidates.base
            let tag = UInt64(tableIndex) &<< 32
            for probe in 0..<probes {
                let start = Int(truncatingIfNeeded: starts[probe])
                let end = Int(truncatingIfNeeded: ends[probe])
                let budget = Int(truncatingIfNeeded: budgets[probe])
                if budget >= resBits {
                    // Every entry qualifies. Groups of four, advancing by how many of the four are
                    // inside the bucket, so buckets of up to four entries take no loop branch
                    // that depends on their size.
                    var slot = start
                    repeat {
                        for lane in 0..<Table.groupPadding {
                            candidates[candidateCount &+ lane] = UInt64(entries[slot &+ lane] & positionMask) | tag
                        }
                        candidateCount &+= max(0, min(Table.groupPadding, end &- slot))
                        slot &+= Table.groupPadding
                    } while slot < end
                } else {
                    // Groups of four with the bucket end folded into the pass test, so a bucket
                    // of up to four entries (the common case) costs no data-dependent branch.
                    var slot = start
                    repeat {
                        for lane in 0..<Table.groupPadding {
                            let entry = entries[slot &+ lane]
                            let residual = (entry &>> positionBits) ^ queryRes
                            candidates[candidateCount] = UInt64(entry & positionMask) | tag
                            // Branch-free on purpose: a branch on freshly loaded (usually cache-
                            // missing) data mispredicts half the time and then waits for the miss,
                            // serialising the probes. 1 when popcount <= budget and the slot is
                            // inside the bucket, else 0.
                            let excess = budget &- residual.nonzeroBitCount
                            let inside = end &- (slot &+ lane) &- 1
                            candidateCount &+= 1 &- Int(bitPattern: UInt(bitPattern: excess | inside) &>> 63)
                        }
                        slot &+= Table.groupPadding
                    } while slot < end
                }
            }
        }

        // (4) Verify.
        let candidates = scratch.candidates.base
        let rows = UnsafeRawPointer(hashes.base)
        let ids = self.ids.base
        // Same cache-warming pass for the candidates' hashes (one 32-byte row is one line).
        var touchedRows: UInt64 = 0
        for index in 0..<candidateCount {
            let position = Int(truncatingIfNeeded: candidates[index] & 0xFFFF_FFFF)
            touchedRows &+= rows.load(fromByteOffset: position &* 32, as: UInt64.self)
        }
        scratch.sink &+= UInt32(truncatingIfNeeded: touchedRows)
        for index in 0..<candidateCount {
            let packed = candidates[index]
            let position = Int(truncatingIfNeeded: packed & 0xFFFF_FFFF)
            let row = rows + position &* 32
            let distance = (row.load(as: UInt64.self) ^ q0).nonzeroBitCount
                &+ (row.load(fromByteOffset: 8, as: UInt64.self) ^ q1).nonzeroBitCount
                &+ (row.load(fromByteOffset: 16, as: UInt64.self) ^ q2).nonzeroBitCount
                &+ (row.load(fromByteOffset: 24, as: UInt64.self) ^ q3).nonzeroBitCount
            guard distance <= radius else { continue }
            let found = Int(truncatingIfNeeded: packed &>> 32)
            if reportedEarlier(row: row, before: found, tableRadius: tableRadius, queryKeys: scratch.queryKeys) {
                continue
            }
            if let dead, dead.contains(position) { continue }
            results.append(PDQMatch(id: ids[position], distance: distance))
        }
    }

    /// Whether a probed table before `table` also holds `row` within its substring radius (so
    /// that table reports it).
    @inline(__always)
    private func reportedEarlier(row: UnsafeRawPointer, before table: Int, tableRadius: [Int8],
                                 queryKeys: [UInt64]) -> Bool {
        var index = 0
        while index < table {
            let t = Int(tableRadius[index])
            if t >= 0 && (tables[index].key(row) ^ queryKeys[index]).nonzeroBitCount <= t { return true }
            index &+= 1
        }
        return false
    }

    /// Linear scan of every row (small segments, and radii where probing would cost more).
    func scan(_ query: PDQHash, radius: Int, dead: Bitset?, results: inout [RawMatch]) {
        let ids = self.ids.base
        Scan.forEachWithin(radius, of: query, in: UnsafeRawPointer(hashes.base), count: count) { position, distance in
            if let dead, dead.contains(position) { return }
            results.append(PDQMatch(id: ids[position], distance: distance))
        }
    }
}
