/// Receives decoded rows in order, top to bottom. `begin` is called exactly once, before any rows, with the OUTPUT
/// size (after any fast-path scaling) and layout; a throw from the sink aborts decoding and is rethrown unchanged.
///
/// Streaming rows (rather than returning a whole image) lets a consumer such as a hasher work on
/// blocks while the decoder keeps only a small reusable buffer: for JPEG and non-interlaced PNG the
/// full image never exists in memory. If decoding fails part-way, the sink may already have seen
/// some rows; the error then says why the rest is missing.
public protocol ScanlineSink {
    mutating func begin(width: Int, height: Int, layout: PixelLayout) throws
    /// `rows` holds `rowCount` rows, row r starting at r*rowBytes, each width*bytesPerPixel meaningful bytes.
    /// The memory is only valid during the call and is reused for the next batch.
    mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws
}

/// Collects rows into one tightly packed buffer (the sink behind ``MediaDecoder/decodeImage(_:options:)``).
struct CollectingSink: ScanlineSink {
    var width = 0
    var height = 0
    var layout: PixelLayout = .rgb8
    var pixels: [UInt8] = []
    var rowsReceived = 0

    mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {
        self.width = width
        self.height = height
        self.layout = layout
        pixels = [UInt8](repeating: 0, count: width * height * layout.bytesPerPixel)
        rowsReceived = 0
    }

    mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws {
        let tight = width * layout.bytesPerPixel
        let received = rowsReceived
        precondition(received + rowCount <= height && rowBytes >= tight, "decoder delivered more than it announced")
        pixels.withUnsafeMutableBytes { out in
            for r in 0..<rowCount {
                let src = UnsafeRawBufferPointer(rebasing: rows[(r * rowBytes)..<(r * rowBytes + tight)])
                let dst = UnsafeMutableRawBufferPointer(rebasing: out[((received + r) * tight)...])
                dst.copyMemory(from: src)
            }
        }
        rowsReceived += rowCount
    }
}
