import PDQ

/// Linear scans over flat arrays of 32-byte hashes.
///
/// Used for the delta segment (recent inserts, at most a few tens of thousands of rows), for
/// segments too small to index, and for radii where probing would read more than a scan.
enum Scan {
    /// Calls `body(position, distance)` for every row within `radius` of `query`, in order.
    ///
    /// A plain loop of four POPCNTs per row (~0.3 ns a row on Zen 4): measured faster than a
    /// branch-free blocked variant and than Swift SIMD vectors, whose popcount is not lowered to
    /// VPOPCNTQ. The match branch is almost never taken, so it predicts well.
    @inline(__always)
    static func forEachWithin(_ radius: Int, of query: PDQHash, in rows: UnsafeRawPointer, count: Int,
                              _ body: (Int, Int) -> Void) {
        let q0 = query.w0, q1 = query.w1, q2 = query.w2, q3 = query.w3
        var position = 0
        while position < count {
            let row = rows + position &* 32
            let distance = (row.load(as: UInt64.self) ^ q0).nonzeroBitCount
                &+ (row.load(fromByteOffset: 8, as: UInt64.self) ^ q1).nonzeroBitCount
                &+ (row.load(fromByteOffset: 16, as: UInt64.self) ^ q2).nonzeroBitCount
                &+ (row.load(fromByteOffset: 24, as: UInt64.self) ^ q3).nonzeroBitCount
            if distance <= radius { body(position, distance) }
            position &+= 1
        }
    }
}
