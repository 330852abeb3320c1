/// Computes a PDQ hash from pixel rows as they are decoded.
///
/// Feed the rows of one image top to bottom — in any batch sizes — then call ``finish()`` (or
/// ``finishDihedral()``). The result is bit-identical to the exchanges' hash of the same pixels
/// (python-threatexchange / `pdqhash`, the full-resolution convention), but the work is a few
/// passes over rows still in cache, and memory is a window of rows rather than the whole image:
/// a 100-megapixel photo needs a few megabytes, not the 800 MB of the reference's two float
/// copies.
///
/// A hasher is for one image and is not thread-safe; hash many images in parallel with one
/// hasher each.
///
/// ```swift
/// let hasher = try PDQHasher(width: 640, height: 480)
/// hasher.append(rgb: pixels, rowBytes: 640 * 3, rows: 480)
/// let result = try hasher.finish()   // result.hash.hex, result.quality
/// ```
public final class PDQHasher {
    /// Width and height of the image being hashed.
    public let width: Int
    public let height: Int
    /// Rows received so far.
    public private(set) var rowsReceived = 0

    private enum Mode {
        /// Smaller than 5 px on a side: the reference hashes to zero with quality 0.
        case tooSmall
        /// Exactly 64x64: the reference takes the pixels as the downsample, unfiltered.
        case direct
        /// Everything else: the tent filter, streamed.
        case filtered
    }

    private let mode: Mode
    private let dihedralFiltering: Bool
    /// Rows filtered together: two tiles of eight (see `RowTiles`).
    private static let batch = 16

    // The 64x64 downsample being filled.
    private let buffer64: UnsafeMutablePointer<Float>
    // Batch of luma rows waiting for the first row pass.
    private let luma: UnsafeMutablePointer<Float>
    private var lumaCount = 0
    // Whether the last rows have been flushed through every pass.
    private var completed = false
    // First row pass output (sums, then divided in place).
    private let rowPass1: UnsafeMutablePointer<Float>
    // First column pass outputs waiting for the second row pass.
    private let colPass1: UnsafeMutablePointer<Float>
    private var colPass1Count = 0
    // Tiles (rows 0–7 then 8–15 of a batch, transposed) in and out of a row pass.
    private let tileIn: UnsafeMutablePointer<Lanes>
    private let tileOut: UnsafeMutablePointer<Lanes>
    // The 64 sampled columns of each second-row-pass output row.
    private let sampled: UnsafeMutablePointer<Float>

    private let rowPhases: BoxPhases
    private let rowDivisors: UnsafeMutablePointer<Float>
    private var columnPass1: ColumnBox
    private var columnPass2: ColumnBox
    private let sampleColumns: [Int]
    /// Approximate mode only: for each of the 64 samples, the column after the sampled one and
    /// the weight of that second column (linear interpolation between them).
    private let approximateColumns: [(next: Int, weight: Float)]?
    /// Approximate mode only: per image row, the (downsample row, weight) pairs it contributes to.
    private let approximateRows: [[(row: Int, weight: Float)]]?
    /// For each image row, the downsample rows (0...63) sampled from it, as a bit mask.
    private let sampleRowMask: [UInt64]

    /// Prepares to hash an image of the given size.
    ///
    /// - Parameter dihedral: whether ``finishDihedral()`` will be called. The reference filters
    ///   exactly-64x64 input on its dihedral path but not on its single-hash path; matching it
    ///   means knowing which is wanted before the rows arrive.
    public convenience init(width: Int, height: Int, dihedral: Bool = false) throws(PDQError) {
        try self.init(width: width, height: height, dihedral: dihedral, approximating: nil)
    }

    /// Prepares an *approximate* hash of an image of `original` size from a scaled-down version
    /// of it (`width` x `height`), such as a JPEG decoded with DCT scaling.
    ///
    /// The tent filter runs on the smaller image and the 64x64 grid is sampled where the
    /// reference would sample the original (interpolating between neighbouring pixels), which
    /// keeps most hashes within a few bits of the exact ones. Not bit-exact: never present such a
    /// hash as the exchanges' hash.
    public convenience init(width: Int, height: Int, approximatingOriginalWidth originalWidth: Int, originalHeight: Int, dihedral: Bool = false) throws(PDQError) {
        guard originalWidth > 0, originalHeight > 0 else { throw .invalidSize(width: originalWidth, height: originalHeight) }
        try self.init(width: width, height: height, dihedral: dihedral, approximating: (originalWidth, originalHeight))
    }

    private init(width: Int, height: Int, dihedral: Bool, approximating original: (Int, Int)?) throws(PDQError) {
        guard width > 0, height > 0 else { throw .invalidSize(width: width, height: height) }
        guard width <= 1 << 20, height <= 1 << 20, width * height <= 1 << 32 else {
            throw .invalidSize(width: width, height: height)
        }
        self.width = width
        self.height = height
        dihedralFiltering = dihedral
        if width < PDQCore.minimumHashableDimension || height < PDQCore.minimumHashableDimension {
            mode = .tooSmall
        } else if width == 64 && height == 64 && !dihedral {
            mode = .direct
        } else {
            mode = .filtered
        }
        let n = mode == .filtered ? width : 1
        let b = Self.batch
        buffer64 = .allocate(capacity: 64 * 64)
        buffer64.initialize(repeating: 0, count: 64 * 64)
        luma = .allocate(capacity: b * n)
        luma.initialize(repeating: 0, count: b * n)
        rowPass1 = .allocate(capacity: b * n)
        rowPass1.initialize(repeating: 0, count: b * n)
        colPass1 = .allocate(capacity: b * n)
        colPass1.initialize(repeating: 0, count: b * n)
        tileIn = .allocate(capacity: 2 * n)
        tileIn.initialize(repeating: Lanes(), count: 2 * n)
        tileOut = .allocate(capacity: 2 * n)
        tileOut.initialize(repeating: Lanes(), count: 2 * n)
        sampled = .allocate(capacity: 64)
        sampled.initialize(repeating: 0, count: 64)

        let filterWidth = mode == .filtered ? width : 1
        let filterHeight = mode == .filtered ? height : 1
        // Approximate mode: windows as wide, in this image's pixels, as the reference's windows
        // over the original.
        let filtering = mode == .filtered
        func window(length: Int, original: Int?) -> Int {
            guard let original, original != length, filtering else { return PDQCore.windowSize(for: length) }
            let scaled = Double(PDQCore.windowSize(for: original)) * Double(length) / Double(original)
            return min(max(Int(scaled.rounded()), 1), length)
        }
        let rowWindow = window(length: filterWidth, original: original?.0)
        let columnWindow = window(length: filterHeight, original: original?.1)
        rowPhases = BoxPhases(length: filterWidth, window: rowWindow)
        rowDivisors = .allocate(capacity: filterWidth)
        for j in 0..<filterWidth { rowDivisors[j] = Float(rowPhases.divisor(forOutput: j)) }
        columnPass1 = ColumnBox(width: filterWidth, length: filterHeight, window: columnWindow)
        columnPass2 = ColumnBox(width: 64, length: filterHeight, window: columnWindow)
        if let (originalWidth, originalHeight) = original, mode == .filtered,
           originalWidth != filterWidth || originalHeight != filterHeight {
            // Where the reference samples the original, in this image's pixel coordinates. An
            // even box window is centred half a pixel after its output index (twice, for two
            // passes), so the centres are compared, not the indices.
            func shift(_ window: Int) -> Double { window % 2 == 0 ? 1 : 0 }
            func positions(original: Int, scaled: Int, window: Int) -> [(index: Int, weight: Float)] {
                let originalShift = shift(PDQCore.windowSize(for: original))
                return PDQCore.decimationIndices(inputCount: original).map { index in
                    let physical = (Double(index) + 0.5 + originalShift) * Double(scaled) / Double(original)
                    let centre = physical - 0.5 - shift(window)
                    let clamped = min(max(centre, 0), Double(scaled - 1))
                    let low = min(Int(clamped), max(scaled - 2, 0))
                    return (low, Float(min(max(clamped - Double(low), 0), 1)))
                }
            }
            let columns = positions(original: originalWidth, scaled: filterWidth, window: rowWindow)
            sampleColumns = columns.map(\.index)
            approximateColumns = columns.map { (min($0.index + 1, filterWidth - 1), $0.weight) }
            var rows = [[(row: Int, weight: Float)]](repeating: [], count: filterHeight)
            var rowMask = [UInt64](repeating: 0, count: filterHeight)
            for (i, position) in positions(original: originalHeight, scaled: filterHeight, window: columnWindow).enumerated() {
                rows[position.index].append((i, 1 - position.weight))
                rowMask[position.index] |= 1 << UInt64(i)
                let next = min(position.index + 1, filterHeight - 1)
                rows[next].append((i, position.weight))
                rowMask[next] |= 1 << UInt64(i)
            }
            approximateRows = rows
            sampleRowMask = rowMask
        } else {
            sampleColumns = PDQCore.decimationIndices(inputCount: filterWidth)
            var mask = [UInt64](repeating: 0, count: filterHeight)
            for (i, row) in PDQCore.decimationIndices(inputCount: filterHeight).enumerated() {
                mask[row] |= 1 << UInt64(i)
            }
            sampleRowMask = mask
            approximateColumns = nil
            approximateRows = nil
        }
    }

    deinit {
        buffer64.deallocate()
        luma.deallocate()
        rowPass1.deallocate()
        colPass1.deallocate()
        tileIn.deallocate()
        tileOut.deallocate()
        sampled.deallocate()
        rowDivisors.deallocate()
    }

    // MARK: - Input

    /// Appends rows of 8-bit RGB (3 bytes a pixel), `rowBytes` apart.
    public func append(rgb pixels: UnsafePointer<UInt8>, rowBytes: Int, rows: Int) {
        appendRows(rows) { row, destination in
            PDQLuma.convert(interleaved: pixels + row * rowBytes, bytesPerPixel: 3, count: width, into: destination)
        }
    }

    /// Appends rows of 8-bit RGBA (4 bytes a pixel; alpha is ignored, as the exchanges do).
    public func append(rgba pixels: UnsafePointer<UInt8>, rowBytes: Int, rows: Int) {
        appendRows(rows) { row, destination in
            PDQLuma.convert(interleaved: pixels + row * rowBytes, bytesPerPixel: 4, count: width, into: destination)
        }
    }

    /// Appends rows of 8-bit grey, hashed as RGB with three equal channels.
    public func append(grey pixels: UnsafePointer<UInt8>, rowBytes: Int, rows: Int) {
        appendRows(rows) { row, destination in
            PDQLuma.convert(grey: pixels + row * rowBytes, count: width, into: destination)
        }
    }

    /// Appends rows of luma already in float (`width` values a row, `rowStride` floats apart).
    public func append(luma values: UnsafePointer<Float>, rowStride: Int, rows: Int) {
        appendRows(rows) { row, destination in
            destination.update(from: values + row * rowStride, count: width)
        }
    }

    @inline(__always)
    private func appendRows(_ rows: Int, _ fill: (Int, UnsafeMutablePointer<Float>) -> Void) {
        precondition(rows >= 0 && rowsReceived + rows <= height, "more rows than the image height")
        switch mode {
        case .tooSmall:
            rowsReceived += rows
        case .direct:
            for r in 0..<rows {
                fill(r, buffer64 + (rowsReceived + r) * 64)
            }
            rowsReceived += rows
        case .filtered:
            for r in 0..<rows {
                fill(r, luma + lumaCount * width)
                lumaCount += 1
                rowsReceived += 1
                if lumaCount == Self.batch { flushLuma() }
            }
        }
    }

    // MARK: - Pipeline

    /// Runs one row pass over a batch of up to 16 row-major rows, leaving the results in
    /// `tileOut` (rows 0–7 in its first `width` lanes vectors, rows 8–15 after).
    @inline(__always)
    private func rowPass(_ rows: UnsafePointer<Float>, divided: Bool) {
        let n = width
        RowTiles.toTile(rows, count: n, tileIn)
        RowTiles.toTile(rows + 8 * n, count: n, tileIn + n)
        RowTiles.sums(tileIn, tileIn + n, tileOut, tileOut + n, rowPhases, divisors: divided ? UnsafePointer(rowDivisors) : nil)
    }

    /// First row pass over the buffered luma rows, then the first column pass row by row.
    /// (Rows past `lumaCount` in a last, short batch hold stale values; their lanes are
    /// computed and ignored.)
    private func flushLuma() {
        let n = width
        rowPass(luma, divided: true)
        RowTiles.fromTile(tileOut, count: n, rowPass1)
        RowTiles.fromTile(tileOut + n, count: n, rowPass1 + 8 * n)
        for r in 0..<lumaCount {
            columnPass1.push(UnsafePointer(rowPass1 + r * n), wanted: { _ in true }) { _, out in
                self.acceptColumnPass1(out)
            }
        }
        lumaCount = 0
    }

    private func acceptColumnPass1(_ row: UnsafePointer<Float>) {
        (colPass1 + colPass1Count * width).update(from: row, count: width)
        colPass1Count += 1
        if colPass1Count == Self.batch { flushColumnPass1() }
    }

    /// Second row pass: running sums over whole rows, divided only at the 64 sampled columns;
    /// then the second column pass over those 64 columns.
    private func flushColumnPass1() {
        let n = width
        rowPass(colPass1, divided: false)
        for r in 0..<colPass1Count {
            let tile = tileOut + (r < 8 ? 0 : n)
            let lane = r & 7
            if let approximateColumns {
                for (j, column) in sampleColumns.enumerated() {
                    let (next, weight) = approximateColumns[j]
                    let a = tile[column][lane] / rowDivisors[column]
                    let b = tile[next][lane] / rowDivisors[next]
                    sampled[j] = a + (b - a) * weight
                }
            } else {
                for (j, column) in sampleColumns.enumerated() {
                    sampled[j] = tile[column][lane] / rowDivisors[column]
                }
            }
            columnPass2.push(UnsafePointer(sampled), wanted: { self.sampleRowMask[$0] != 0 }) { index, out in
                self.acceptDownsampledRow(index, out)
            }
        }
        colPass1Count = 0
    }

    private func acceptDownsampledRow(_ imageRow: Int, _ values: UnsafePointer<Float>) {
        if let approximateRows {
            for (row, weight) in approximateRows[imageRow] {
                let target = buffer64 + row * 64
                for j in 0..<64 { target[j] += weight * values[j] }
            }
            return
        }
        var mask = sampleRowMask[imageRow]
        while mask != 0 {
            let i = mask.trailingZeroBitCount
            (buffer64 + i * 64).update(from: values, count: 64)
            mask &= mask - 1
        }
    }

    private func completeDownsample() throws(PDQError) {
        guard rowsReceived == height else { throw .incomplete(received: rowsReceived, expected: height) }
        guard mode == .filtered, !completed else { return }
        completed = true
        if lumaCount > 0 { flushLuma() }
        columnPass1.finish(wanted: { _ in true }) { _, out in self.acceptColumnPass1(out) }
        if colPass1Count > 0 { flushColumnPass1() }
        columnPass2.finish(wanted: { self.sampleRowMask[$0] != 0 }) { index, out in
            self.acceptDownsampledRow(index, out)
        }
    }

    // MARK: - Output

    /// The 64x64 downsample itself (row-major), for tests that compare it with the reference
    /// float for float.
    func downsample() throws(PDQError) -> [Float] {
        try completeDownsample()
        return Array(UnsafeBufferPointer(start: buffer64, count: 64 * 64))
    }

    /// The hash and quality, once every row has been appended.
    public func finish() throws(PDQError) -> PDQResult {
        try completeDownsample()
        if mode == .tooSmall { return PDQResult(hash: .zero, quality: 0) }
        let (hashes, quality) = PDQCore.finish(buffer64, dihedral: false)
        return PDQResult(hash: hashes[0], quality: quality)
    }

    /// All eight dihedral hashes from one DCT, once every row has been appended.
    ///
    /// Create the hasher with `dihedral: true` to match the reference exactly on 64x64 input.
    public func finishDihedral() throws(PDQError) -> PDQDihedralResult {
        try completeDownsample()
        if mode == .tooSmall { return PDQDihedralResult(hashes: Array(repeating: .zero, count: 8), quality: 0) }
        let (hashes, quality) = PDQCore.finish(buffer64, dihedral: true)
        return PDQDihedralResult(hashes: hashes, quality: quality)
    }
}

/// Why PDQ could not hash the given pixels.
public enum PDQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Width or height is zero, negative, or beyond what any decoder produces.
    case invalidSize(width: Int, height: Int)
    /// ``PDQHasher/finish()`` was called before every row had arrived.
    case incomplete(received: Int, expected: Int)
    /// A pixel buffer is smaller than its stated size.
    case bufferTooSmall(needed: Int, actual: Int)

    public var description: String {
        switch self {
        case .invalidSize(let width, let height):
            return "cannot hash an image of \(width)x\(height) pixels: both sides must be between 1 and 1048576"
        case .incomplete(let received, let expected):
            return "the image ended after \(received) of its \(expected) rows"
        case .bufferTooSmall(let needed, let actual):
            return "the pixel buffer holds \(actual) bytes but its size needs \(needed)"
        }
    }
}
