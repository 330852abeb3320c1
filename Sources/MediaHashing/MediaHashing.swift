import Crypto
import MediaDecode
import PDQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How to hash a piece of media.
public struct MediaHashOptions: Sendable {
    /// Also compute the eight dihedral (rotated and mirrored) PDQ hashes, from one DCT.
    public var dihedral: Bool
    /// Approximate PDQ, several times faster on large JPEGs: libjpeg decodes at 1/2, 1/4 or 1/8
    /// scale (both sides kept at 512 px or more) straight to luma. The hash is *not* the
    /// exchanges' hash bit for bit (typically 0–4 bits away); use it for triage, never to claim
    /// an exact match. Other formats are hashed exactly whatever this says.
    public var fast: Bool
    /// Rotate/mirror the pixels as the EXIF orientation says before hashing. Off by default:
    /// the exchanges hash the stored pixels, without EXIF rotation.
    public var applyExifOrientation: Bool
    /// Limits against hostile input (bytes, pixels, side length).
    public var limits: DecodeLimits

    public init(dihedral: Bool = false, fast: Bool = false, applyExifOrientation: Bool = false, limits: DecodeLimits = .default) {
        self.dihedral = dihedral
        self.fast = fast
        self.applyExifOrientation = applyExifOrientation
        self.limits = limits
    }
}

/// Every hash Bulwark keys on for one image, computed in one pass over its bytes.
public struct MediaHashes: Sendable, Equatable {
    /// PDQ in the exchanges' full-resolution convention (or approximate, if ``exact`` is false).
    public var pdq: PDQHash
    /// PDQ quality, 0–100; the exchanges disregard hashes under 50.
    public var quality: Int
    /// MD5 of the file's bytes, lowercase hex (the form NCMEC and most hash lists use).
    public var md5: String
    /// SHA-256 of the file's bytes, lowercase hex.
    public var sha256: String
    /// Size of the hashed picture in pixels: as stored, or as displayed with EXIF applied.
    public var width: Int
    public var height: Int
    /// The container format, from the magic bytes.
    public var format: ImageFormat
    /// The EXIF orientation found in the file (applied only when asked).
    public var orientation: ExifOrientation
    /// The eight dihedral hashes in ``PDQDihedral`` order, when asked for.
    public var dihedral: [PDQHash]?
    /// False when the fast path produced an approximate PDQ.
    public var exact: Bool
}

/// Why a piece of media could not be hashed.
public enum MediaHashError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes are not a decodable image within the limits.
    case decode(DecodeError)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The decoder produced pixels PDQ cannot take (should not happen with a working decoder).
    case hashing(PDQError)
    /// Any other failure (a bug): the message says what happened.
    case unexpected(String)

    public var description: String {
        switch self {
        case .decode(let error): return error.description
        case .unreadable(_, let reason): return "cannot read the file: \(reason)"
        case .hashing(let error): return "cannot hash the decoded pixels: \(error)"
        case .unexpected(let message): return "unexpected failure (please report it): \(message)"
        }
    }
}

/// Hashes images: PDQ from the decoded pixels, MD5 and SHA-256 from the bytes.
///
/// Decoded rows stream straight into the PDQ filter, so memory stays at a window of rows plus
/// the file's bytes, whatever the image size. Stateless and safe to call from many threads.
public enum MediaHasher {
    /// Hashes an image held in memory.
    public static func hash(_ bytes: UnsafeRawBufferPointer, options: MediaHashOptions = .init()) throws(MediaHashError) -> MediaHashes {
        let md5 = hex(Insecure.MD5.hash(data: bytes))
        let sha256 = hex(SHA256.hash(data: bytes))
        do {
            if options.applyExifOrientation {
                return try hashOriented(bytes, options: options, md5: md5, sha256: sha256)
            }
            if options.fast {
                let approximate = try hashStreaming(bytes, options: options, fast: true, md5: md5, sha256: sha256)
                // Below quality 50 the bits are unstable (flat or nearly blank pictures): an
                // approximation of them is noise, so spend an exact decode on these few.
                if approximate.exact || approximate.quality >= MediaHasher.fastModeMinimumQuality { return approximate }
            }
            return try hashStreaming(bytes, options: options, fast: false, md5: md5, sha256: sha256)
        } catch let error as MediaHashError {
            throw error
        } catch let error as DecodeError {
            throw .decode(error)
        } catch let error as PDQError {
            throw .hashing(error)
        } catch {
            throw .unexpected(String(describing: error))
        }
    }

    /// Fast-mode results with a quality below this are recomputed exactly (the exchanges also
    /// disregard hashes under 50).
    public static let fastModeMinimumQuality = 50

    private static func hashStreaming(
        _ bytes: UnsafeRawBufferPointer, options: MediaHashOptions, fast: Bool, md5: String, sha256: String
    ) throws -> MediaHashes {
        var decodeOptions = DecodeOptions(limits: options.limits)
        if fast {
            decodeOptions.jpegMinimumScaledSide = 512
            decodeOptions.preferLuma = true
        }
        var sink = PDQSink(dihedral: options.dihedral)
        if fast {
            // The sink must know the stored size to sample where the exact hash would.
            let header = try MediaDecoder.probe(bytes, limits: options.limits)
            sink.original = (header.width, header.height)
        }
        let info = try MediaDecoder.decode(bytes, options: decodeOptions, into: &sink)
        guard let hasher = sink.hasher else { throw MediaHashError.hashing(.invalidSize(width: 0, height: 0)) }
        // The fast path changes only how JPEGs are decoded (scaled, luma from libjpeg's YCbCr).
        let exact = !(fast && info.format == .jpeg)
        return try finish(hasher, dihedral: options.dihedral, md5: md5, sha256: sha256,
                          width: info.width, height: info.height, info: info, exact: exact)
    }

    /// MD5 and SHA-256 of bytes that are not decoded (video files, until video hashing lands).
    public static func digests(_ bytes: [UInt8]) -> (md5: String, sha256: String) {
        (hex(Insecure.MD5.hash(data: bytes)), hex(SHA256.hash(data: bytes)))
    }

    /// Hashes an image held in an array.
    public static func hash(_ bytes: [UInt8], options: MediaHashOptions = .init()) throws(MediaHashError) -> MediaHashes {
        let result: Result<MediaHashes, MediaHashError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(MediaHashError) in try hash(buffer, options: options) }
        }
        return try result.get()
    }

    /// Reads and hashes a file. The size limit is checked before the file is read.
    public static func hash(fileAtPath path: String, options: MediaHashOptions = .init()) throws(MediaHashError) -> MediaHashes {
        let bytes = try readFile(path, limit: options.limits.maxBytes)
        return try hash(bytes, options: options)
    }

    /// Reads a whole file, refusing one larger than `limit` bytes before reading it.
    public static func readFile(_ path: String, limit: Int) throws(MediaHashError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: errnoDescription()) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(path: path, reason: errnoDescription()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        guard size <= limit else { throw .decode(.inputTooLarge(bytes: size, limit: limit)) }
        return try readAll(fd: fd, expected: size, limit: limit, path: path)
    }

    /// Reads a stream (standard input) to the end, refusing more than `limit` bytes.
    public static func readStream(fd: Int32, limit: Int) throws(MediaHashError) -> [UInt8] {
        try readAll(fd: fd, expected: 1 << 20, limit: limit, path: "-")
    }

    private static func readAll(fd: Int32, expected: Int, limit: Int, path: String) throws(MediaHashError) -> [UInt8] {
        // Read into uninitialised storage (no pass of zeroes over a file that may be 100 MB);
        // grow geometrically when the size was unknown (a pipe) or wrong (a file still growing).
        var capacity = max(min(expected, limit) + 1, 1)
        var bytes = [UInt8]()
        var failure: MediaHashError?
        while true {
            var more = true
            bytes = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                initialized = 0
                if !bytes.isEmpty {
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[..<bytes.count]).initialize(from: bytes)
                    initialized = bytes.count
                }
                while initialized < buffer.count {
                    let n = read(fd, buffer.baseAddress! + initialized, buffer.count - initialized)
                    if n < 0 {
                        if errno == EINTR { continue }
                        failure = .unreadable(path: path, reason: errnoDescription())
                        return
                    }
                    if n == 0 { more = false; return }
                    initialized += n
                }
            }
            if failure != nil || !more || bytes.count > limit { break }
            capacity = min(capacity * 2, limit + 1)
        }
        if let failure { throw failure }
        guard bytes.count <= limit else { throw .decode(.inputTooLarge(bytes: bytes.count, limit: limit)) }
        return bytes
    }

    private static func hashOriented(_ bytes: UnsafeRawBufferPointer, options: MediaHashOptions, md5: String, sha256: String) throws -> MediaHashes {
        let decoded = try MediaDecoder.decodeImage(bytes, options: DecodeOptions(limits: options.limits))
        let image = decoded.applying(decoded.info.orientation)
        let hasher = try PDQHasher(width: image.width, height: image.height, dihedral: options.dihedral)
        image.pixels.withUnsafeBufferPointer { p in
            switch image.layout {
            case .rgb8: hasher.append(rgb: p.baseAddress!, rowBytes: image.width * 3, rows: image.height)
            case .grey8: hasher.append(grey: p.baseAddress!, rowBytes: image.width, rows: image.height)
            }
        }
        return try finish(hasher, dihedral: options.dihedral, md5: md5, sha256: sha256,
                          width: image.width, height: image.height, info: decoded.info, exact: true)
    }

    private static func finish(
        _ hasher: PDQHasher, dihedral: Bool, md5: String, sha256: String,
        width: Int, height: Int, info: ImageInfo, exact: Bool
    ) throws(PDQError) -> MediaHashes {
        if dihedral {
            let result = try hasher.finishDihedral()
            return MediaHashes(pdq: result.hashes[0], quality: result.quality, md5: md5, sha256: sha256,
                               width: width, height: height, format: info.format, orientation: info.orientation,
                               dihedral: result.hashes, exact: exact)
        }
        let result = try hasher.finish()
        return MediaHashes(pdq: result.hash, quality: result.quality, md5: md5, sha256: sha256,
                           width: width, height: height, format: info.format, orientation: info.orientation,
                           dihedral: nil, exact: exact)
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func errnoDescription() -> String {
        String(cString: strerror(errno))
    }
}

/// Feeds decoded rows into a PDQ hasher as they arrive.
struct PDQSink: ScanlineSink {
    let dihedral: Bool
    var hasher: PDQHasher?
    var layout: PixelLayout = .rgb8
    /// The stored size, when the decoder may deliver a scaled-down image (fast mode).
    var original: (width: Int, height: Int)?

    init(dihedral: Bool) {
        self.dihedral = dihedral
    }

    mutating func begin(width: Int, height: Int, layout: PixelLayout) throws {
        if let original, original != (width, height) {
            hasher = try PDQHasher(width: width, height: height, approximatingOriginalWidth: original.width,
                                   originalHeight: original.height, dihedral: dihedral)
        } else {
            hasher = try PDQHasher(width: width, height: height, dihedral: dihedral)
        }
        self.layout = layout
    }

    mutating func consume(rows: UnsafeRawBufferPointer, rowCount: Int, rowBytes: Int) throws {
        guard let hasher, rowCount > 0 else { return }
        let base = rows.baseAddress!.assumingMemoryBound(to: UInt8.self)
        switch layout {
        case .rgb8: hasher.append(rgb: base, rowBytes: rowBytes, rows: rowCount)
        case .grey8: hasher.append(grey: base, rowBytes: rowBytes, rows: rowCount)
        }
    }
}
