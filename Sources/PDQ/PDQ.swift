/// One-call PDQ hashing of whole pixel buffers.
///
/// These are conveniences over ``PDQHasher`` for pixels already in memory. Results are
/// bit-identical to the hash exchanges' (python-threatexchange, HMA, NCMEC and StopNCII lists:
/// the full-resolution convention): no resizing, alpha ignored, grey hashed as equal RGB.
public enum PDQ {
    /// The layout of 8-bit pixels in a buffer.
    public enum PixelFormat: Sendable {
        case rgb8, rgba8, grey8
        var bytesPerPixel: Int {
            switch self {
            case .rgb8: return 3
            case .rgba8: return 4
            case .grey8: return 1
            }
        }
    }

    /// Hashes a buffer of `height` rows, `rowBytes` apart (default: tightly packed).
    public static func hash(
        pixels: UnsafeRawBufferPointer, format: PixelFormat, width: Int, height: Int, rowBytes: Int? = nil
    ) throws(PDQError) -> PDQResult {
        let hasher = try feed(pixels: pixels, format: format, width: width, height: height, rowBytes: rowBytes, dihedral: false)
        return try hasher.finish()
    }

    /// The eight dihedral hashes of a buffer, from one DCT.
    public static func dihedralHashes(
        pixels: UnsafeRawBufferPointer, format: PixelFormat, width: Int, height: Int, rowBytes: Int? = nil
    ) throws(PDQError) -> PDQDihedralResult {
        let hasher = try feed(pixels: pixels, format: format, width: width, height: height, rowBytes: rowBytes, dihedral: true)
        return try hasher.finishDihedral()
    }

    /// Hashes packed pixels held in an array.
    public static func hash(pixels: [UInt8], format: PixelFormat, width: Int, height: Int) throws(PDQError) -> PDQResult {
        let result: Result<PDQResult, PDQError> = pixels.withUnsafeBytes { buffer in
            Result { () throws(PDQError) in try hash(pixels: buffer, format: format, width: width, height: height) }
        }
        return try result.get()
    }

    /// Hashes a luma image (row-major floats, 0–255 scale) as the reference's
    /// `pdqHash256FromFloatLuma` does.
    public static func hash(luma: [Float], width: Int, height: Int) throws(PDQError) -> PDQResult {
        guard width > 0, height > 0 else { throw .invalidSize(width: width, height: height) }
        guard luma.count >= width * height else { throw .bufferTooSmall(needed: width * height * 4, actual: luma.count * 4) }
        let hasher = try PDQHasher(width: width, height: height)
        luma.withUnsafeBufferPointer { hasher.append(luma: $0.baseAddress!, rowStride: width, rows: height) }
        return try hasher.finish()
    }

    private static func feed(
        pixels: UnsafeRawBufferPointer, format: PixelFormat, width: Int, height: Int, rowBytes: Int?, dihedral: Bool
    ) throws(PDQError) -> PDQHasher {
        guard width > 0, height > 0 else { throw .invalidSize(width: width, height: height) }
        let packed = width * format.bytesPerPixel
        let stride = rowBytes ?? packed
        guard stride >= packed else { throw .bufferTooSmall(needed: packed, actual: stride) }
        let needed = stride * (height - 1) + packed
        guard pixels.count >= needed else { throw .bufferTooSmall(needed: needed, actual: pixels.count) }
        let hasher = try PDQHasher(width: width, height: height, dihedral: dihedral)
        let base = pixels.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch format {
        case .rgb8: hasher.append(rgb: base, rowBytes: stride, rows: height)
        case .rgba8: hasher.append(rgba: base, rowBytes: stride, rows: height)
        case .grey8: hasher.append(grey: base, rowBytes: stride, rows: height)
        }
        return hasher
    }
}
