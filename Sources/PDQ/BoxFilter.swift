// Streaming pieces of PDQ's tent filter (two X/Y passes of running-sum box filters).
//
// The reference runs each 1-D box filter as a running sum: add the element entering the window,
// subtract the one leaving it, divide by the window's current size. Bit-exactness requires the
// same adds and subtracts in the same order for every output, but nothing requires walking
// memory the way the reference does. So:
//   * along rows, eight rows run side by side (eight independent sum chains keep the
//     floating-point adders busy instead of waiting on one chain's latency), and divisions are
//     done afterwards, a whole row at a time, in vector registers;
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

enum RowBox {
    /// Running sums (undivided) of one row, written to every output position.
    @inline(__always)
    static func sums1(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ p: BoxPhases) {
        var s: Float = 0
        var ri = 0, oi = 0
        for _ in 0..<p.phase1 {
            s += x[ri]; ri += 1
        }
        for _ in 0..<p.phase2 {
            s += x[ri]; out[oi] = s; ri += 1; oi += 1
        }
        for li in 0..<p.phase3 {
            s += x[ri]; s -= x[li]; out[oi] = s; ri += 1; oi += 1
        }
        for k in 0..<p.phase4 {
            s -= x[p.phase3 + k]; out[oi] = s; oi += 1
        }
    }

    /// Running sums of eight rows at once (rows `stride` floats apart, in and out).
    ///
    /// The eight sums are separate scalar chains: each keeps the reference's order of
    /// operations, and together they hide the adder latency that makes one chain slow.
    @inline(__always)
    static func sums8(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, stride n: Int, _ p: BoxPhases) {
        let x0 = x, x1 = x + n, x2 = x + 2 * n, x3 = x + 3 * n
        let x4 = x + 4 * n, x5 = x + 5 * n, x6 = x + 6 * n, x7 = x + 7 * n
        let o0 = out, o1 = out + n, o2 = out + 2 * n, o3 = out + 3 * n
        let o4 = out + 4 * n, o5 = out + 5 * n, o6 = out + 6 * n, o7 = out + 7 * n
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var ri = 0, oi = 0
        for _ in 0..<p.phase1 {
            s0 += x0[ri]; s1 += x1[ri]; s2 += x2[ri]; s3 += x3[ri]
            s4 += x4[ri]; s5 += x5[ri]; s6 += x6[ri]; s7 += x7[ri]
            ri += 1
        }
        for _ in 0..<p.phase2 {
            s0 += x0[ri]; s1 += x1[ri]; s2 += x2[ri]; s3 += x3[ri]
            s4 += x4[ri]; s5 += x5[ri]; s6 += x6[ri]; s7 += x7[ri]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3
            o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            ri += 1; oi += 1
        }
        for li in 0..<p.phase3 {
            s0 += x0[ri]; s1 += x1[ri]; s2 += x2[ri]; s3 += x3[ri]
            s4 += x4[ri]; s5 += x5[ri]; s6 += x6[ri]; s7 += x7[ri]
            s0 -= x0[li]; s1 -= x1[li]; s2 -= x2[li]; s3 -= x3[li]
            s4 -= x4[li]; s5 -= x5[li]; s6 -= x6[li]; s7 -= x7[li]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3
            o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            ri += 1; oi += 1
        }
        for k in 0..<p.phase4 {
            let li = p.phase3 + k
            s0 -= x0[li]; s1 -= x1[li]; s2 -= x2[li]; s3 -= x3[li]
            s4 -= x4[li]; s5 -= x5[li]; s6 -= x6[li]; s7 -= x7[li]
            o0[oi] = s0; o1[oi] = s1; o2[oi] = s2; o3[oi] = s3
            o4[oi] = s4; o5[oi] = s5; o6[oi] = s6; o7[oi] = s7
            oi += 1
        }
    }

    /// Running sums of `count` rows.
    static func sums(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, rows count: Int, stride n: Int, _ p: BoxPhases) {
        var r = 0
        while r + 8 <= count {
            sums8(x + r * n, out + r * n, stride: n, p)
            r += 8
        }
        while r < count {
            sums1(x + r * n, out + r * n, p)
            r += 1
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
