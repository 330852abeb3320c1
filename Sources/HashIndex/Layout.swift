/// How a segment cuts the 256 hash bits into multi-index tables, and how a search at a given
/// radius uses them.
///
/// Multi-index hashing (Norouzi, Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index
/// Hashing", CVPR 2012) splits the bits into disjoint substrings. We use the general form of its
/// pigeonhole argument: if every table *i* is searched to substring radius `t_i` and
/// `sum(t_i + 1) >= r + 1`, then any hash within `r` of the query is within `t_i` of it in at
/// least one table (otherwise the substring distances would add up to at least `sum(t_i + 1)`).
/// A table with `t_i = -1` is not searched at all. The `t_i` are chosen per radius by a cost
/// model, so radius 0 probes one table, radius 31 probes all of them, and a radius so large that
/// probing would cost more than reading everything falls back to a linear scan; every choice
/// returns exactly the brute-force result.
///
/// Each table's key is split once more: its high `dirBits` index a directory of buckets (CSR
/// offsets), its low `resBits` are stored in the bucket entry next to the row position. A probe
/// enumerates directory keys within the radius and filters the bucket's entries on the residual
/// bits with one popcount each, so the directory stays small (2^dirBits offsets, not 2^width).
struct TableLayout: Sendable, Equatable {
    /// First bit of the substring (0 = least significant bit of `w0`).
    var start: Int
    /// Substring width in bits (1...32).
    var width: Int
    /// High bits of the substring that select a directory bucket.
    var dirBits: Int
    /// Low bits of the substring kept in each entry.
    var resBits: Int { width - dirBits }
}

/// Nanosecond costs behind the layout choice, fitted to `hashindex-bench` timings of several
/// forced layouts at 1M and 10M hashes on the development machine (Zen 4). Only their ratios
/// matter, and they never affect correctness, only speed.
struct CostModel: Sendable {
    /// One directory probe per cache line of its bucket: random reads that mostly miss the cache.
    var probeLine: Double = 17.4
    /// Testing one bucket entry's residual bits (also absorbs bandwidth of large buckets).
    var entry: Double = 2.2
    /// Verifying one candidate: a random read of its 32-byte hash and four popcounts.
    var candidate: Double = 4.0
    /// One hash of a linear scan.
    var scanPerHash: Double = 0.55

    static let standard = CostModel()
}

struct Layout: Sendable, Equatable {
    var tables: [TableLayout]
    /// Bits of an entry that hold the row position; the remaining `32 - positionBits` can hold
    /// residual key bits.
    var positionBits: Int
    /// The row count this layout was chosen for (re-chosen only when the count drifts a lot).
    var designCount: Int
    var designRadius: Int

    /// Segments smaller than this are scanned: below a few thousand hashes a scan is as fast as
    /// any probing and needs no tables.
    static let minimumIndexedCount = 4096

    static func positionBits(for count: Int) -> Int {
        max(1, Int.bitWidth - max(count - 1, 0).leadingZeroBitCount)
    }

    /// A layout with no tables: every search is a linear scan.
    static func scanOnly(count: Int, designRadius: Int) -> Layout {
        Layout(tables: [], positionBits: positionBits(for: count), designCount: count, designRadius: designRadius)
    }

    /// Whether this layout can be reused for a segment of `count` rows: positions must still fit
    /// and the count must be within a factor of two of the one the layout was chosen for, so a
    /// bank that grows steadily is not re-parameterised on every merge.
    func fits(count: Int, minimumIndexed: Int = Layout.minimumIndexedCount) -> Bool {
        if tables.isEmpty { return count < minimumIndexed }
        guard count >= minimumIndexed, Layout.positionBits(for: count) <= positionBits else { return false }
        let tableEntriesFit = tables.allSatisfy { $0.resBits <= 32 - positionBits }
        return tableEntriesFit && count * 2 >= designCount && count <= designCount * 2
    }

    /// Chooses the number of tables, their widths and directory sizes for `count` hashes by
    /// minimising the modelled cost of a random query at `designRadius`, within a directory
    /// memory budget (see below).
    static func choose(count: Int, designRadius: Int, minimumIndexed: Int = Layout.minimumIndexedCount,
                       model: CostModel = .standard) -> Layout {
        guard count >= max(minimumIndexed, 1) else { return scanOnly(count: count, designRadius: designRadius) }
        // Leave positions room to double before the layout must change.
        let positionBits = Layout.positionBits(for: count)
        let maxResidual = 32 - positionBits
        let n = Double(count)
        // Posting lists and directories may take 52 bytes per hash (so 10M hashes with their ids
        // stay near 0.9 GiB), or 512 MiB for banks small enough that this is no constraint.
        let memoryBudget = max(52 * n, Double(512 << 20))
        let logN = Int.bitWidth - count.leadingZeroBitCount
        var best: (cost: Double, layout: Layout)?
        for tableCount in 8...24 {
            let widths = splitWidths(tableCount)
            for offset in 0...10 {
                var tables: [TableLayout] = []
                var start = 0
                var indexBytes = 4 * n * Double(tableCount)
                for width in widths {
                    let cap = min(width, logN + 1)
                    let dirBits = min(width, max(cap - offset, width - maxResidual, 0))
                    tables.append(TableLayout(start: start, width: width, dirBits: dirBits))
                    indexBytes += 4 * Double(1 << dirBits)
                    start += width
                }
                guard indexBytes <= memoryBudget else { continue }
                let candidate = Layout(tables: tables, positionBits: positionBits, designCount: count,
                                       designRadius: designRadius)
                let plan = PlanSet.greedyCost(layout: candidate, count: count, radius: designRadius, model: model)
                if best == nil || plan < best!.cost { best = (plan, candidate) }
            }
        }
        return best?.layout ?? scanOnly(count: count, designRadius: designRadius)
    }

    /// 256 bits in `tables` contiguous substrings whose widths differ by at most one.
    static func splitWidths(_ tables: Int) -> [Int] {
        let base = 256 / tables
        let extra = 256 % tables
        return (0..<tables).map { $0 < extra ? base + 1 : base }
    }
}

/// Binomial sums `V(n, t) = C(n,0) + ... + C(n,t)`: the number of n-bit keys within distance t.
enum Binomial {
    static let table: [[Double]] = {
        var rows: [[Double]] = []
        for n in 0...64 {
            var row = [Double](repeating: 0, count: 65)
            row[0] = 1
            if n > 0 {
                for k in 1...n { row[k] = rows[n - 1][k - 1] + rows[n - 1][k] }
            }
            rows.append(row)
        }
        return rows
    }()

    /// `balls[n][t]` for t in 0...64.
    static let balls: [[Double]] = table.map { row in
        var sum = 0.0
        return row.map { entry in
            sum += entry
            return sum
        }
    }

    static func ball(_ n: Int, _ t: Int) -> Double {
        guard t >= 0 else { return 0 }
        return balls[n][min(t, n)]
    }
}

/// The search plan for one radius: the substring radius of every table (-1: skip the table) or
/// a linear scan when that is cheaper.
struct SearchPlan: Sendable {
    var tableRadius: [Int8]
    var useScan: Bool
    /// Exact number of directory probes the plan makes (sizes the scratch buffer).
    var probeCount: Int
}

/// Plans for every radius 0...256 of one segment, computed once when the segment is built.
struct PlanSet: Sendable {
    private(set) var plans: [SearchPlan]

    /// Marginal cost of raising table `table` from substring radius `t - 1` to `t`.
    static func tableCost(_ table: TableLayout, radius t: Int, count: Double, model: CostModel) -> Double {
        guard t >= 0 else { return 0 }
        let probes = Binomial.ball(table.dirBits, t)
        let bucket = count / Double(1 << table.dirBits)
        let lines = probes * (1 + bucket * 4 / 64)
        let candidates = Binomial.ball(table.width, t) * count / Double(sign: .plus, exponent: table.width, significand: 1)
        return model.probeLine * lines + model.entry * probes * bucket + model.candidate * candidates
    }

    /// Cost of the greedy plan at one radius (used to compare layouts).
    static func greedyCost(layout: Layout, count: Int, radius: Int, model: CostModel) -> Double {
        var units = [Int](repeating: 0, count: layout.tables.count)
        let n = Double(count)
        var total = 0.0
        for _ in 0...radius {
            guard let (index, delta) = cheapestStep(layout: layout, units: units, count: n, model: model) else { break }
            units[index] += 1
            total += delta
        }
        return total
    }

    private static func cheapestStep(layout: Layout, units: [Int], count: Double, model: CostModel) -> (Int, Double)? {
        var best: (Int, Double)?
        for (index, table) in layout.tables.enumerated() {
            let t = units[index]  // new substring radius after adding one unit is units[index]
            guard t <= table.width else { continue }
            let delta = tableCost(table, radius: t, count: count, model: model)
                - tableCost(table, radius: t - 1, count: count, model: model)
            if best == nil || delta < best!.1 { best = (index, delta) }
        }
        return best
    }

    init(layout: Layout, count: Int, model: CostModel = .standard) {
        let n = Double(count)
        let scanCost = model.scanPerHash * n
        var units = [Int](repeating: 0, count: layout.tables.count)
        var cost = 0.0
        var exhausted = layout.tables.isEmpty
        plans = []
        plans.reserveCapacity(257)
        for _ in 0...256 {
            if !exhausted, let (index, delta) = PlanSet.cheapestStep(layout: layout, units: units, count: n, model: model) {
                units[index] += 1
                cost += delta
            } else {
                exhausted = true
            }
            if exhausted || cost >= scanCost {
                plans.append(SearchPlan(tableRadius: [], useScan: true, probeCount: 0))
                exhausted = true  // costs only grow with the radius
                continue
            }
            var probes = 0
            for (index, table) in layout.tables.enumerated() where units[index] > 0 {
                probes += Int(Binomial.ball(table.dirBits, units[index] - 1))
            }
            plans.append(SearchPlan(tableRadius: units.map { Int8($0 - 1) }, useScan: false, probeCount: probes))
        }
    }

    subscript(radius: Int) -> SearchPlan { plans[min(radius, 256)] }
}
