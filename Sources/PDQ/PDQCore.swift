#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// The parts of PDQ after the 64x64 downsample: quality, the 16x16 DCT, bits, dihedral variants.
//
// Every floating-point operation here is performed in the same precision and the same order as
// the reference implementation (ThreatExchange's C++ PDQ, which the `pdqhash` package and
// python-threatexchange wrap), because a single differently-rounded float can flip a bit near the
// median, and a hash that differs from the exchanges' by one bit is a different hash to an exact
// lookup. Do not "simplify" these loops (fused multiply-add, reassociation, reciprocal
// multiplication): each would change results.

/// The eight images obtainable by rotating and mirroring, in the exchanges' order.
public enum PDQDihedral: Int, CaseIterable, Sendable, CustomStringConvertible {
    case original = 0
    case rotate90
    case rotate180
    case rotate270
    case flipX
    case flipY
    case flipPlus1
    case flipMinus1

    /// The names used by the reference tools and by `--dihedral` output.
    public var description: String {
        switch self {
        case .original: return "original"
        case .rotate90: return "rotate90"
        case .rotate180: return "rotate180"
        case .rotate270: return "rotate270"
        case .flipX: return "flipX"
        case .flipY: return "flipY"
        case .flipPlus1: return "flipPlus1"
        case .flipMinus1: return "flipMinus1"
        }
    }
}

/// A PDQ hash with its quality.
public struct PDQResult: Hashable, Sendable {
    /// The 256-bit hash.
    public var hash: PDQHash
    /// 0–100: how much gradient the 64x64 downsample has. The exchanges ignore hashes below 50
    /// (flat or nearly blank images give unstable bits that match unrelated pictures).
    public var quality: Int

    public init(hash: PDQHash, quality: Int) {
        self.hash = hash
        self.quality = quality
    }
}

/// The eight dihedral hashes of one image, computed from a single DCT.
public struct PDQDihedralResult: Hashable, Sendable {
    /// Hashes in ``PDQDihedral`` order: original, rotate90, rotate180, rotate270, flipX, flipY,
    /// flipPlus1, flipMinus1.
    public var hashes: [PDQHash]
    /// Quality of the image (the same for every variant).
    public var quality: Int

    public init(hashes: [PDQHash], quality: Int) {
        precondition(hashes.count == 8, "a dihedral result has eight hashes")
        self.hashes = hashes
        self.quality = quality
    }

    /// The hash of one variant.
    public subscript(variant: PDQDihedral) -> PDQHash { hashes[variant.rawValue] }

    /// The original (unrotated, unmirrored) hash and the quality.
    public var original: PDQResult { PDQResult(hash: hashes[0], quality: quality) }
}

enum PDQCore {
    /// Images with a side shorter than this hash to all zeros with quality 0, as in the reference.
    static let minimumHashableDimension = 5

    /// Rows 1...16 of the 64-point DCT-II matrix (row 0, the mean, is not used by PDQ).
    ///
    /// Computed in double and rounded to float once, as the reference does; the scale factor is
    /// rounded to float first (a float constant in the reference) and widened for the product.
    static let dctMatrix: [Float] = {
        let scale = Double(Float((2.0 / 64.0).squareRoot()))
        var matrix = [Float](repeating: 0, count: 16 * 64)
        for i in 0..<16 {
            for j in 0..<64 {
                let angle = (Double.pi / 2.0 / 64.0) * Double(i + 1) * Double(2 * j + 1)
                matrix[i * 64 + j] = Float(scale * cos(angle))
            }
        }
        return matrix
    }()

    /// Rows of the 64x64 grid sampled from a dimension of `inputCount`, centres not corners.
    static func decimationIndices(inputCount: Int) -> [Int] {
        (0..<64).map { out in Int(((Double(out) + 0.5) * Double(inputCount)) / 64.0) }
    }

    /// The box-filter window for one axis: the input length over 128, rounded up.
    static func windowSize(for length: Int) -> Int {
        (length + 2 * 64 - 1) / (2 * 64)
    }

    /// The reference's gradient-based quality over the 64x64 downsample.
    static func quality(_ buffer: UnsafePointer<Float>) -> Int {
        var gradientSum = 0
        for i in 0..<63 {
            for j in 0..<64 {
                let u = buffer[i * 64 + j]
                let v = buffer[(i + 1) * 64 + j]
                let d = Int32(((u - v) * 100) / 255)
                gradientSum += Int(abs(d))
            }
        }
        for i in 0..<64 {
            for j in 0..<63 {
                let u = buffer[i * 64 + j]
                let v = buffer[i * 64 + j + 1]
                let d = Int32(((u - v) * 100) / 255)
                gradientSum += Int(abs(d))
            }
        }
        return min(gradientSum / 90, 100)
    }

    /// B = D A Dᵀ for the 16x64 matrix D: only the 16x16 low frequencies PDQ keeps.
    static func dct64To16(_ a: UnsafePointer<Float>, into b: UnsafeMutablePointer<Float>) {
        dctMatrix.withUnsafeBufferPointer { dBuffer in
            let d = dBuffer.baseAddress!
            // T = D A (16x64), each sum accumulated over k in order, in float.
            let t = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 64)
            defer { t.deallocate() }
            for i in 0..<16 {
                // Accumulate all 64 columns of row i at once: same per-element order as the
                // reference's k loop, but vectorised across j.
                let row = t + i * 64
                row.initialize(repeating: 0, count: 64)
                for k in 0..<64 {
                    let dik = d[i * 64 + k]
                    let arow = a + k * 64
                    for j in 0..<64 {
                        row[j] += dik * arow[j]
                    }
                }
            }
            // B = T Dᵀ (16x16).
            for i in 0..<16 {
                for j in 0..<16 {
                    var sum: Float = 0
                    let trow = t + i * 64
                    let drow = d + j * 64
                    for k in 0..<64 {
                        sum += trow[k] * drow[k]
                    }
                    b[i * 16 + j] = sum
                }
            }
        }
    }

    /// One bit per coefficient: set when strictly above the median.
    ///
    /// The reference finds the median with Torben's method, which returns the 128th smallest of
    /// the 256 values (the lower median); sorting a copy gives the same value.
    static func bits(_ dct: UnsafePointer<Float>) -> PDQHash {
        var sorted = [Float](UnsafeBufferPointer(start: dct, count: 256))
        sorted.sort()
        let median = sorted[127]
        var words: [UInt64] = [0, 0, 0, 0]
        for k in 0..<256 where dct[k] > median {
            words[k >> 6] |= 1 << UInt64(k & 63)
        }
        return PDQHash(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// The DCT of a rotated or mirrored image, from the original's DCT: a transpose and sign
    /// changes, since the DCT basis functions are even or odd about the centre.
    static func dihedral(_ variant: PDQDihedral, of a: UnsafePointer<Float>, into b: UnsafeMutablePointer<Float>) {
        for i in 0..<16 {
            for j in 0..<16 {
                let value = a[i * 16 + j]
                switch variant {
                case .original: b[i * 16 + j] = value
                case .rotate90: b[j * 16 + i] = (j & 1) == 1 ? value : -value
                case .rotate180: b[i * 16 + j] = ((i + j) & 1) == 1 ? -value : value
                case .rotate270: b[j * 16 + i] = (i & 1) == 1 ? value : -value
                case .flipX: b[i * 16 + j] = (i & 1) == 1 ? value : -value
                case .flipY: b[i * 16 + j] = (j & 1) == 1 ? value : -value
                case .flipPlus1: b[j * 16 + i] = value
                case .flipMinus1: b[j * 16 + i] = ((i + j) & 1) == 1 ? -value : value
                }
            }
        }
    }

    /// Hash (and optionally all eight variants) from the finished 64x64 downsample.
    static func finish(_ buffer64: UnsafePointer<Float>, dihedral wantsDihedral: Bool) -> (hashes: [PDQHash], quality: Int) {
        let quality = quality(buffer64)
        var dct = [Float](repeating: 0, count: 256)
        dct.withUnsafeMutableBufferPointer { dct64To16(buffer64, into: $0.baseAddress!) }
        guard wantsDihedral else {
            return ([dct.withUnsafeBufferPointer { bits($0.baseAddress!) }], quality)
        }
        var hashes: [PDQHash] = []
        hashes.reserveCapacity(8)
        var scratch = [Float](repeating: 0, count: 256)
        dct.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { target in
                for variant in PDQDihedral.allCases {
                    dihedral(variant, of: source.baseAddress!, into: target.baseAddress!)
                    hashes.append(bits(UnsafePointer(target.baseAddress!)))
                }
            }
        }
        return (hashes, quality)
    }
}
