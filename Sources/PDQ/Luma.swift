/// Luma as the exchanges compute it.
///
/// The hashes the exchanges hold were made by python-threatexchange through the `pdqhash`
/// package, which forms luma with NumPy: each channel times its coefficient in double
/// precision, summed red + green, then + blue, and only then rounded to float. The C++
/// reference's own float formula gives slightly different values, which flip bits near the
/// median on some images, so Bulwark follows the NumPy order. Grey input is hashed as an RGB
/// image with three equal channels (the exchanges convert grey to RGB before hashing).
public enum PDQLuma {
    /// The exchanges' luma of one pixel.
    @inlinable
    public static func luma(red: UInt8, green: UInt8, blue: UInt8) -> Float {
        Float((Double(red) * 0.299 + Double(green) * 0.587) + Double(blue) * 0.114)
    }

    /// Luma of every grey level, for grey input.
    public static let greyTable: [Float] = (0...255).map { luma(red: UInt8($0), green: UInt8($0), blue: UInt8($0)) }

    /// Converts `count` interleaved pixels (3 bytes RGB or 4 bytes RGBA/RGBX; the 4th byte is
    /// ignored, as the exchanges drop alpha) to luma.
    @inlinable
    public static func convert(
        interleaved source: UnsafePointer<UInt8>, bytesPerPixel: Int, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        if bytesPerPixel == 3 {
            for x in 0..<count {
                let p = source + 3 * x
                destination[x] = Float((Double(p[0]) * 0.299 + Double(p[1]) * 0.587) + Double(p[2]) * 0.114)
            }
        } else {
            for x in 0..<count {
                let p = source + bytesPerPixel * x
                destination[x] = Float((Double(p[0]) * 0.299 + Double(p[1]) * 0.587) + Double(p[2]) * 0.114)
            }
        }
    }

    /// Converts `count` grey pixels to luma (through ``greyTable``).
    @inlinable
    public static func convert(grey source: UnsafePointer<UInt8>, count: Int, into destination: UnsafeMutablePointer<Float>) {
        greyTable.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            for x in 0..<count {
                destination[x] = t[Int(source[x])]
            }
        }
    }
}
