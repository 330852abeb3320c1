import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file's bytes as an async sequence of chunks, read with plain `read(2)` so that a list of any
/// size streams through a fixed buffer. The descriptor is borrowed: the caller opens and closes
/// it (this also lets the CLI stream standard input, descriptor 0).
///
/// Reads block the calling thread briefly (one chunk from a local disk); for sockets and other
/// slow sources use the server's own async body stream instead.
public struct FileChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = BankIOError

    public let fileDescriptor: Int32
    public let chunkSize: Int
    /// For error messages.
    public let path: String

    public init(fileDescriptor: Int32, chunkSize: Int = 256 * 1024, path: String = "input") {
        self.fileDescriptor = fileDescriptor
        self.chunkSize = Swift.max(1, chunkSize)
        self.path = path
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fileDescriptor: fileDescriptor, chunkSize: chunkSize, path: path)
    }

    public struct AsyncIterator: AsyncIteratorProtocol, Sendable {
        let fileDescriptor: Int32
        let chunkSize: Int
        let path: String
        var done = false

        public mutating func next() async throws(BankIOError) -> [UInt8]? {
            guard !done else { return nil }
            var buffer = [UInt8](repeating: 0, count: chunkSize)
            var count = 0
            while true {
                count = buffer.withUnsafeMutableBytes { raw in read(fileDescriptor, raw.baseAddress, raw.count) }
                if count >= 0 { break }
                if errno == EINTR { continue }
                throw .fileError(path: path, reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                done = true
                return nil
            }
            if count < chunkSize { buffer.removeSubrange(count...) }
            return buffer
        }
    }
}

/// An input file opened for an import: its descriptor, and its size when it is a regular file.
struct InputFile {
    let path: String
    let descriptor: Int32
    /// Nil for pipes, sockets and devices.
    let size: Int64?

    init(path: String) throws(BankIOError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .fileError(path: path, reason: "cannot open it: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Foundation.close(fd)
            throw .fileError(path: path, reason: "cannot inspect it: \(reason)")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            _ = Foundation.close(fd)
            throw .fileError(path: path, reason: "it is a directory; give the path of a list file")
        }
        descriptor = fd
        size = type == S_IFREG ? Int64(info.st_size) : nil
    }

    func close() {
        _ = Foundation.close(descriptor)
    }

    /// `file:size=…:head-sha256=…`, from `pread` so the read position stays at the start.
    func sourceKey(size: Int64) throws(BankIOError) -> String {
        let headLength = Int(min(size, 1 << 20))
        var head = [UInt8](repeating: 0, count: headLength)
        var filled = 0
        while filled < headLength {
            let n = head.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, headLength - filled, off_t(filled))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw .fileError(path: path, reason: n == 0 ? "the file shrank while being read" : "read failed: \(String(cString: strerror(errno)))")
            }
            filled += n
        }
        return "file:size=\(size):head-sha256=\(SHA256Digest.hex(head))"
    }
}

/// Writes all of `bytes` to a descriptor, retrying partial writes and interruptions.
func writeAll(_ bytes: [UInt8], to fd: Int32) throws(BankIOError) {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { raw in write(fd, raw.baseAddress! + offset, raw.count - offset) }
        if n < 0 {
            if errno == EINTR { continue }
            throw .writeFailed(String(cString: strerror(errno)))
        }
        offset += n
    }
}
