// libFuzzer entry point for MediaDecode. Built only by scripts/fuzz.sh (BULWARK_FUZZ=1 declares the
// target in Package.swift), with -sanitize=fuzzer,address; libFuzzer supplies main().
import MediaDecode

/// Checks the sink contract on every batch, so a decoder bug that hands out a wrong geometry is a
/// crash the fuzzer reports, not silent garbage.
struct CheckingSink: ScanlineSink {
    var width = 0, height = 0, bytesPerPixel = 0, rows = 0, begins = 0
    var checksum: UInt8 = 0

    mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {
        begins += 1
        precondition(begins == 1, "begin called twice")
        precondition(width > 0 && height > 0, "empty output")
        (self.width, self.height, bytesPerPixel) = (width, height, layout.bytesPerPixel)
    }

    mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws {
        precondition(begins == 1 && rowCount > 0 && self.rows + rowCount <= height, "row count")
        precondition(rowBytes >= width * bytesPerPixel && rows.count >= rowCount * rowBytes, "row geometry")
        // Touch the first and last meaningful byte of every row (ASan checks the reads).
        for r in 0..<rowCount {
            checksum &+= rows[r * rowBytes] &+ rows[r * rowBytes + width * bytesPerPixel - 1]
        }
        self.rows += rowCount
    }
}

/// Small limits keep each run fast; the size checks themselves are what is being fuzzed.
let fuzzLimits = DecodeLimits(maxPixels: 4_000_000, maxBytes: 8 << 20, maxDimension: 16_384)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: size > 0 ? data : nil, count: size)
    let probed = try? MediaDecoder.probe(bytes, limits: fuzzLimits)

    // Alternate between the exact path and the JPEG fast paths, keyed on the input size.
    let fast = size % 2 == 1
    let options = DecodeOptions(limits: fuzzLimits, jpegMinimumScaledSide: fast ? 16 : nil,
                                preferLuma: fast, fastDCT: fast)
    var sink = CheckingSink()
    do {
        let info = try MediaDecoder.decode(bytes, options: options, into: &sink)
        precondition(sink.rows == sink.height, "decode returned before delivering every row")
        if let probed { precondition(probed == info, "probe and decode disagree") }
        if size % 3 == 0 && info.width * info.height <= 250_000 {
            let image = try MediaDecoder.decodeImage(bytes, options: options)
            let shown = image.applying(info.orientation)
            precondition(shown.pixels.count == image.pixels.count, "orientation lost pixels")
        }
    } catch is DecodeError {
        // Expected for hostile input.
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    return 0
}
