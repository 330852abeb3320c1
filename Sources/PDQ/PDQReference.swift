// A direct, unoptimised statement of PDQ over whole-image buffers, operation for operation as the
// reference does it. It is the yardstick the streaming hasher is tested against on thousands of
// generated images and sizes; it is not used on the hot path.

enum PDQReference {
    /// One running-sum box filter along a vector, in the reference's four phases.
    static func box1D(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        length: Int, stride: Int, window: Int
    ) {
        let half = (window + 2) / 2
        let phase1 = half - 1
        let phase2 = window - half + 1
        let phase3 = length - window
        let phase4 = half - 1
        var li = 0, ri = 0, oi = 0
        var sum: Float = 0
        var current = 0
        for _ in 0..<max(phase1, 0) {
            sum += input[ri]
            current += 1
            ri += stride
        }
        for _ in 0..<max(phase2, 0) {
            sum += input[ri]
            current += 1
            output[oi] = sum / Float(current)
            ri += stride
            oi += stride
        }
        for _ in 0..<max(phase3, 0) {
            sum += input[ri]
            sum -= input[li]
            output[oi] = sum / Float(current)
            li += stride
            ri += stride
            oi += stride
        }
        for _ in 0..<max(phase4, 0) {
            sum -= input[li]
            current -= 1
            output[oi] = sum / Float(current)
            li += stride
            oi += stride
        }
    }

    /// The 64x64 downsample: two X/Y passes of box filters (a tent filter), then sampling at
    /// block centres. `luma` is overwritten.
    static func downsample(_ luma: inout [Float], width: Int, height: Int) -> [Float] {
        var scratch = [Float](repeating: 0, count: luma.count)
        let windowAlongRows = PDQCore.windowSize(for: width)
        let windowAlongCols = PDQCore.windowSize(for: height)
        luma.withUnsafeMutableBufferPointer { b1 in
            scratch.withUnsafeMutableBufferPointer { b2 in
                let p1 = b1.baseAddress!, p2 = b2.baseAddress!
                for _ in 0..<2 {
                    for i in 0..<height {
                        box1D(p1 + i * width, p2 + i * width, length: width, stride: 1, window: windowAlongRows)
                    }
                    for j in 0..<width {
                        box1D(p2 + j, p1 + j, length: height, stride: width, window: windowAlongCols)
                    }
                }
            }
        }
        let rows = PDQCore.decimationIndices(inputCount: height)
        let cols = PDQCore.decimationIndices(inputCount: width)
        var out = [Float](repeating: 0, count: 64 * 64)
        for i in 0..<64 {
            for j in 0..<64 {
                out[i * 64 + j] = luma[rows[i] * width + cols[j]]
            }
        }
        return out
    }

    /// Hash of a luma image (row-major, `width * height` floats).
    static func hash(luma: [Float], width: Int, height: Int, dihedral: Bool = false) -> (hashes: [PDQHash], quality: Int) {
        guard width >= PDQCore.minimumHashableDimension, height >= PDQCore.minimumHashableDimension else {
            return (Array(repeating: .zero, count: dihedral ? 8 : 1), 0)
        }
        var buffer64: [Float]
        if width == 64 && height == 64 && !dihedral {
            // The reference skips the filter for input that is already 64x64 (video frames
            // downsampled by ffmpeg), but only on the single-hash path.
            buffer64 = luma
        } else {
            var work = luma
            buffer64 = downsample(&work, width: width, height: height)
        }
        return buffer64.withUnsafeBufferPointer { PDQCore.finish($0.baseAddress!, dihedral: dihedral) }
    }
}
