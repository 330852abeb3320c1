/// Safety limits applied to every decode and probe. Sizes are checked from the file's header
/// before any large allocation, so a tiny file that claims to be 60000x60000 pixels (a
/// "decompression bomb") is refused in microseconds instead of exhausting memory.
public struct DecodeLimits: Sendable, Equatable {
    /// Most pixels (width * height, as stored) an image may have. 100 MP covers every real
    /// camera and screenshot while keeping one decode under ~1 GB.
    public var maxPixels: Int
    /// Most input bytes accepted.
    public var maxBytes: Int
    /// Longest side, in pixels, an image may have.
    public var maxDimension: Int

    /// Limits for a service's traffic; lower them for untrusted bulk work, raise them only for
    /// known sources of very large images.
    public init(maxPixels: Int = 100_000_000, maxBytes: Int = 256 << 20, maxDimension: Int = 65_535) {
        self.maxPixels = maxPixels
        self.maxBytes = maxBytes
        self.maxDimension = maxDimension
    }

    /// 100 MP, 256 MiB of input, 65,535 pixels a side.
    public static let `default` = DecodeLimits()

    /// Throws if a header's size breaks a limit; the side check comes first because it names the
    /// more specific problem.
    func check(width: Int, height: Int) throws(DecodeError) {
        if width > maxDimension || height > maxDimension {
            throw .dimensionTooLarge(width: width, height: height, limit: maxDimension)
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            throw .tooManyPixels(width: width, height: height, limit: maxPixels)
        }
    }

    func checkInput(byteCount: Int) throws(DecodeError) {
        if byteCount > maxBytes { throw .inputTooLarge(bytes: byteCount, limit: maxBytes) }
    }
}

/// How to decode. The defaults give the exact pixels of the reference convention (libjpeg-turbo
/// defaults, full size, RGB); the JPEG fast paths trade that exactness for speed when a caller
/// only needs a downscaled or luma image (for example, a perceptual hash of a large photo).
public struct DecodeOptions: Sendable {
    /// Size limits; see ``DecodeLimits``.
    public var limits: DecodeLimits
    /// Fast path (JPEG only): libjpeg DCT-domain scaling by 1/2, 1/4 or 1/8, choosing the strongest
    /// reduction that keeps BOTH scaled sides >= this many pixels (nil = full size). Scaling in the
    /// DCT domain skips most of the inverse transform, so a 1/8 decode is several times faster.
    /// Non-JPEG formats ignore it.
    public var jpegMinimumScaledSide: Int?
    /// Fast path (JPEG only): ask libjpeg for JCS_GRAYSCALE output (the Y channel) instead of RGB,
    /// which skips chroma upsampling and colour conversion. CMYK/YCCK JPEGs have no such path and
    /// still deliver RGB. Non-JPEG formats ignore it and deliver RGB.
    public var preferLuma: Bool
    /// Fast path: JDCT_IFAST instead of the default JDCT_ISLOW (JPEG only). Slightly less accurate.
    public var fastDCT: Bool

    /// The defaults decode exactly (reference convention); set the fast paths only where an
    /// approximate or downscaled image is acceptable.
    public init(limits: DecodeLimits = .default, jpegMinimumScaledSide: Int? = nil,
                preferLuma: Bool = false, fastDCT: Bool = false) {
        self.limits = limits
        self.jpegMinimumScaledSide = jpegMinimumScaledSide
        self.preferLuma = preferLuma
        self.fastDCT = fastDCT
    }
}

/// Layout of the decoded rows handed to a ``ScanlineSink``.
public enum PixelLayout: Sendable {
    /// Three bytes per pixel: red, green, blue.
    case rgb8
    /// One byte per pixel: luma (JPEG `preferLuma` fast path only).
    case grey8

    /// 3 for ``rgb8``, 1 for ``grey8``.
    public var bytesPerPixel: Int {
        switch self {
        case .rgb8: 3
        case .grey8: 1
        }
    }
}
