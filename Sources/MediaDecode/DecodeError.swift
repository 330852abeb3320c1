/// Why an image could not be decoded. Every case is an expected outcome for hostile or damaged
/// input (none is a bug), and each `description` tells a person what happened and what to do.
public enum DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input has no bytes.
    case empty
    /// The first bytes match none of JPEG, PNG, WebP or GIF.
    case unrecognizedFormat
    /// The input is larger than ``DecodeLimits/maxBytes``.
    case inputTooLarge(bytes: Int, limit: Int)
    /// The header claims more pixels than ``DecodeLimits/maxPixels`` (likely a decompression bomb).
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// A side is longer than ``DecodeLimits/maxDimension``.
    case dimensionTooLarge(width: Int, height: Int, limit: Int)
    /// The data ends before the image does.
    case truncated(ImageFormat)
    /// The decoder rejected the data; `reason` is the library's message, sanitised (printable
    /// ASCII, at most 200 characters) so it is safe to log.
    case corrupt(ImageFormat, reason: String)
    /// Valid data that this decoder does not handle (for example 12-bit JPEG), or that needs more
    /// resources than allowed.
    case unsupported(ImageFormat, reason: String)

    /// A sentence a person can act on (what happened, and what to change if it was expected).
    public var description: String {
        switch self {
        case .empty:
            return "The input is empty (0 bytes); there is no image to decode."
        case .unrecognizedFormat:
            return "The input is not a supported image: its first bytes match none of JPEG, PNG, WebP or GIF "
                + "(the format is detected from the content, never from the file name)."
        case let .inputTooLarge(bytes, limit):
            return "The input is \(bytes) bytes, more than the limit of \(limit) bytes; "
                + "raise --max-bytes if inputs this large are expected."
        case let .tooManyPixels(width, height, limit):
            let pixels = width.multipliedReportingOverflow(by: height)
            let count = pixels.overflow ? "more than \(Int.max)" : "\(pixels.partialValue)"
            return "The image header claims \(width)x\(height) = \(count) pixels, more than the limit of \(limit) "
                + "(a possible decompression bomb); raise --max-pixels if images this large are expected."
        case let .dimensionTooLarge(width, height, limit):
            return "The image header claims \(width)x\(height) pixels; a side longer than \(limit) pixels is refused. "
                + "Raise --max-dimension if this is expected."
        case let .truncated(format):
            return "The \(format.displayName) data ends before the image does: the file is truncated "
                + "(an interrupted upload or download?). Fetch the complete file and try again."
        case let .corrupt(format, reason):
            return "The \(format.displayName) data is corrupt and cannot be decoded: \(DecodeError.sanitize(reason))."
        case let .unsupported(format, reason):
            return "This \(format.displayName) image cannot be decoded: \(DecodeError.sanitize(reason))."
        }
    }

    /// Library messages may carry bytes from the file itself; keep printable ASCII and bound the
    /// length so a message is safe to log and show.
    static func sanitize(_ text: String, limit: Int = 200) -> String {
        let bytes = text.utf8.prefix(limit).map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }
        var out = String(decoding: bytes, as: UTF8.self)
        while out.hasSuffix(".") || out.hasSuffix(" ") { out.removeLast() }
        return out.isEmpty ? "no details given" : out
    }

    static func corruptFromLibrary(_ format: ImageFormat, _ message: String) -> DecodeError {
        .corrupt(format, reason: sanitize(message))
    }

    static func unsupportedFromLibrary(_ format: ImageFormat, _ message: String) -> DecodeError {
        .unsupported(format, reason: sanitize(message))
    }
}
