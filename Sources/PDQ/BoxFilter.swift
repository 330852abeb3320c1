// Streaming pieces of PDQ's tent filter (two X/Y passes of running-sum box filters).
//
// The reference runs each 1-D box filter as a running sum: add the element entering the window,
// subtract the one leaving it, divide by the window's current size. Bit-exactness requires the
// same adds and subtracts in the same order for every output, but nothing requires walking
// memory the way the reference does. So:
//   * along rows, sixteen rows run side by side in vector lanes (transposed into tiles), each
//     lane performing the reference's scalar operations on its own row;
//   * along columns, every column's sum advances together as each row arrives (contiguous,
//     vectorised), instead of a cache-hostile stride walk down each column;
//   * only the 64 rows and 64 columns that survive decimation are divided in the second pass.
// Rows stream in as the decoder produces them; memory is a window of rows, not the whole image.

/// The four phases of one running-sum box filter of `window` over `length` elements.
struct BoxPhases {
    let length: Int
    let window: Int
    /// Adds without output.
    let phase1: Int
    /// Adds with output, window growing.
    let phase2: Int
    /// Add and subtract with output, full window.
    let phase3: Int
    /// Subtracts with output, window shrinking.
    let phase4: Int

    init(length: Int, window: Int) {
        precondition(window >= 1 && window <= length, "box window must fit the vector")
        let half = (window + 2) / 2
        self.length = length
        self.window = window
        phase1 = half - 1
        phase2 = window - half + 1
        phase3 = length - window
        phase4 = half - 1
    }

    /// Size of the window when output `index` is written (its divisor).
    func divisor(forOutput index: Int) -> Int {
        if index < phase2 { return phase1 + index + 1 }
        if index < phase2 + phase3 { return window }
        return window - 1 - (index - phase2 - phase3)
    }
}

typealias Lanes = SIMD8<Float>

/// Running sums along rows, eight rows per vector.
///
/// A row's running sum is one long chain of dependent adds, so a single row cannot use vector
/// instructions and runs at the adder's latency. Eight rows can: transposed into a "tile" (for
/// each column, the eight rows' values side by side), one vector add advances all eight chains
/// by one column, each lane doing exactly the reference's scalar operation. Two tiles (16 rows)
/// are interleaved to hide the latency of each chain.
enum RowTiles {
    /// Sums of 16 rows held as two tiles, written for every column; when `divisors` is given the
    /// sums are divided (the reference's `sum / windowSize`) before they are stored.
    @inline(__always)
    static func sums(
        _ a: UnsafePointer<Lanes>, _ b: UnsafePointer<Lanes>,
        _ outA: UnsafeMutablePointer<Lanes>, _ outB: UnsafeMutablePointer<Lanes>,
        _ p: BoxPhases, divisors: UnsafePointer<Float>?
    ) {
        var sa = Lanes(), sb = Lanes()
        var ri = 0, oi = 0
        @inline(__always) func store() {
            if let divisors {
                let d = Lanes(repeating: divisors[oi])
                outA[oi] = sa / d
                outB[oi] = sb / d
            } else {
                outA[oi] = sa
                outB[oi] = sb
            }
            oi += 1
        }
        for _ in 0..<p.phase1 {
            sa += a[ri]; sb += b[ri]; ri += 1
        }
        for _ in 0..<p.phase2 {
            sa += a[ri]; sb += b[ri]; ri += 1
            store()
        }
        for li in 0..<p.phase3 {
            sa += a[ri]; sb += b[ri]
            sa -= a[li]; sb -= b[li]
            ri += 1
            store()
        }
        for k in 0..<p.phase4 {
            let li = p.phase3 + k
            sa -= a[li]; sb -= b[li]
            store()
        }
    }

    /// 8x8 transpose: three perfect unshuffles of the 64 elements rotate their six index bits by
    /// three places, which swaps the row and column bits (compiles to a few vector shuffles).
    @inline(__always)
    static func transpose(
        _ r: (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes)
    ) -> (Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes, Lanes) {
        var r = r
        for _ in 0..<3 {
            r = (Lanes(lowHalf: r.0.evenHalf, highHalf: r.1.evenHalf), Lanes(lowHalf: r.2.evenHalf, highHalf: r.3.evenHalf),
                 Lanes(lowHalf: r.4.evenHalf, highHalf: r.5.evenHalf), Lanes(lowHalf: r.6.evenHalf, highHalf: r.7.evenHalf),
                 Lanes(lowHalf: r.0.oddHalf, highHalf: r.1.oddHalf), Lanes(lowHalf: r.2.oddHalf, highHalf: r.3.oddHalf),
                 Lanes(lowHalf: r.4.oddHalf, highHalf: r.5.oddHalf), Lanes(lowHalf: r.6.oddHalf, highHalf: r.7.oddHalf))
        }
        return r
    }

    /// Eight row-major rows (`n` floats, `n` apart) into a tile (`n` vectors of eight lanes).
    static func toTile(_ rows: UnsafePointer<Float>, count n: Int, _ tile: UnsafeMutablePointer<Lanes>) {
        let src = UnsafeRawPointer(rows)
        let dst = UnsafeMutableRawPointer(tile)
        let rs = n * 4
        var j = 0
        while j + 8 <= n {
            let o = j * 4
            let m = transpose((
                src.loadUnaligned(fromByteOffset: o, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 2 * rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 3 * rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 4 * rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 5 * rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 6 * rs, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: o + 7 * rs, as: Lanes.self)))
            let t = j * 32
            dst.storeBytes(of: m.0, toByteOffset: t, as: Lanes.self)
            dst.storeBytes(of: m.1, toByteOffset: t + 32, as: Lanes.self)
            dst.storeBytes(of: m.2, toByteOffset: t + 64, as: Lanes.self)
            dst.storeBytes(of: m.3, toByteOffset: t + 96, as: Lanes.self)
            dst.storeBytes(of: m.4, toByteOffset: t + 128, as: Lanes.self)
            dst.storeBytes(of: m.5, toByteOffset: t + 160, as: Lanes.self)
            dst.storeBytes(of: m.6, toByteOffset: t + 192, as: Lanes.self)
            dst.storeBytes(of: m.7, toByteOffset: t + 224, as: Lanes.self)
            j += 8
        }
        while j < n {
            tile[j] = Lanes(rows[j], rows[n + j], rows[2 * n + j], rows[3 * n + j],
                            rows[4 * n + j], rows[5 * n + j], rows[6 * n + j], rows[7 * n + j])
            j += 1
        }
    }

    /// A tile back into eight row-major rows.
    static func fromTile(_ tile: UnsafePointer<Lanes>, count n: Int, _ rows: UnsafeMutablePointer<Float>) {
        let src = UnsafeRawPointer(tile)
        let dst = UnsafeMutableRawPointer(rows)
        let rs = n * 4
        var j = 0
        while j + 8 <= n {
            let t = j * 32
            let m = transpose((
                src.loadUnaligned(fromByteOffset: t, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 32, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 64, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 96, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 128, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 160, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 192, as: Lanes.self),
                src.loadUnaligned(fromByteOffset: t + 224, as: Lanes.self)))
            let o = j * 4
            dst.storeBytes(of: m.0, toByteOffset: o, as: Lanes.self)
            dst.storeBytes(of: m.1, toByteOffset: o + rs, as: Lanes.self)
            dst.storeBytes(of: m.2, toByteOffset: o + 2 * rs, as: Lanes.self)
            dst.storeBytes(of: m.3, toByteOffset: o + 3 * rs, as: Lanes.self)
            dst.storeBytes(of: m.4, toByteOffset: o + 4 * rs, as: Lanes.self)
            dst.storeBytes(of: m.5, toByteOffset: o + 5 * rs, as: Lanes.self)
            dst.storeBytes(of: m.6, toByteOffset: o + 6 * rs, as: Lanes.self)
            dst.storeBytes(of: m.7, toByteOffset: o + 7 * rs, as: Lanes.self)
            j += 8
        }
        while j < n {
            let v = tile[j]
            for b in 0..<8 { rows[b * n + j] = v[b] }
            j += 1
        }
    }
}

/// A running-sum box filter down the columns, fed one row at a time.
///
/// All columns' sums advance together as each row arrives, which is contiguous and vectorises;
/// the last `window` rows are kept so that the rows leaving the window can be subtracted.
struct ColumnBox: ~Copyable {
    let width: Int
    let phases: BoxPhases
    private let sum: UnsafeMutablePointer<Float>
    private let ring: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<Float>
    private(set) var pushed = 0

    init(width: Int, length: Int, window: Int) {
        self.width = width
        phases = BoxPhases(length: length, window: window)
        sum = .allocate(capacity: width)
        sum.initialize(repeating: 0, count: width)
        ring = .allocate(capacity: width * window)
        ring.initialize(repeating: 0, count: width * window)
        output = .allocate(capacity: width)
        output.initialize(repeating: 0, count: width)
    }

    deinit {
        sum.deallocate()
        ring.deallocate()
        output.deallocate()
    }

    /// Adds the next row. When that completes an output row, calls `emit(index, row)` if
    /// `wanted(index)`; the row is only divided when it is wanted.
    @inline(__always)
    mutating func push(
        _ row: UnsafePointer<Float>,
        wanted: (Int) -> Bool,
        emit: (Int, UnsafePointer<Float>) -> Void
    ) {
        let r = pushed
        precondition(r < phases.length, "more rows than the image height")
        let n = width
        let slot = ring + (r % phases.window) * n
        let s = sum
        if r < phases.phase1 {
            for j in 0..<n { s[j] += row[j] }
        } else if r < phases.window {
            for j in 0..<n { s[j] += row[j] }
            let index = r - phases.phase1
            if wanted(index) { divide(by: Float(r + 1)); emit(index, output) }
        } else {
            // Add the entering row, then subtract the leaving one (the reference's order). The
            // leaving row occupies the slot the entering row is about to take.
            for j in 0..<n {
                var v = s[j]
                v += row[j]
                v -= slot[j]
                s[j] = v
            }
            let index = r - phases.window + phases.phase2
            if wanted(index) { divide(by: Float(phases.window)); emit(index, output) }
        }
        slot.update(from: row, count: n)
        pushed += 1
    }

    /// After the last row: the outputs whose window shrinks past the end.
    mutating func finish(wanted: (Int) -> Bool, emit: (Int, UnsafePointer<Float>) -> Void) {
        precondition(pushed == phases.length, "fewer rows than the image height")
        let n = width
        let s = sum
        for k in 0..<phases.phase4 {
            let leaving = ring + ((phases.phase3 + k) % phases.window) * n
            for j in 0..<n { s[j] -= leaving[j] }
            let index = phases.phase2 + phases.phase3 + k
            if wanted(index) { divide(by: Float(phases.window - 1 - k)); emit(index, output) }
        }
    }

    @inline(__always)
    private func divide(by divisor: Float) {
        for j in 0..<width { output[j] = sum[j] / divisor }
    }
}
