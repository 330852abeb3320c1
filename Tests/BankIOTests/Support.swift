import Foundation
import Testing
@testable import BankIO
import Storage

/// A fresh, migrated SQLite store for one test: in memory unless a file is asked for.
func withStore<R>(file: Bool = false, _ body: (SQLStore) async throws -> R) async throws -> R {
    var directory: URL?
    let path: String
    if file {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bankio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        directory = dir
        path = dir.appendingPathComponent("bulwark.sqlite").path
    } else {
        path = ":memory:"
    }
    let store = try await SQLStore.sqlite(path: path, options: SQLiteOptions(durableCommits: false))
    do {
        _ = try await store.migrate()
        let result = try await body(store)
        await store.shutdown()
        if let directory { try? FileManager.default.removeItem(at: directory) }
        return result
    } catch {
        await store.shutdown()
        if let directory { try? FileManager.default.removeItem(at: directory) }
        throw error
    }
}

func makeBank(_ store: some BulwarkStore, _ name: String = "TEST_BANK") async throws -> Bank {
    try await store.createBank(NewBank(name: name))
}

/// Deterministic pseudo-random hashes (SplitMix64), so failures reproduce.
struct HashGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func hex(_ length: Int) -> String {
        var text = ""
        while text.count < length {
            let word = String(next(), radix: 16)
            text += String(repeating: "0", count: 16 - word.count) + word
        }
        return String(text.prefix(length))
    }

    mutating func pdq() -> String { hex(64) }
    mutating func md5() -> String { hex(32) }
}

/// Bytes handed out in chunks of a fixed size, as an upload would arrive.
struct ChunkedBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let bytes: [UInt8]
    let chunkSize: Int

    init(_ text: String, chunkSize: Int = 7) {
        bytes = Array(text.utf8)
        self.chunkSize = chunkSize
    }

    init(bytes: [UInt8], chunkSize: Int) {
        self.bytes = bytes
        self.chunkSize = chunkSize
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let chunkSize: Int
        var offset = 0

        mutating func next() async -> [UInt8]? {
            guard offset < bytes.count else { return nil }
            let end = Swift.min(bytes.count, offset + chunkSize)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, chunkSize: chunkSize) }
}

struct SimulatedFailure: Error, CustomStringConvertible {
    var description: String { "the connection was reset (simulated)" }
}

/// A list of `count` lines generated as it is read (nothing held but the current chunk), that
/// throws after `failAfterLines` lines when set: an upload that breaks off.
struct GeneratedList: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let count: Int
    let seed: UInt64
    var failAfterLines: Int?
    var linesPerChunk = 1_000
    var line: @Sendable (inout HashGenerator, Int) -> String = { generator, _ in generator.pdq() }

    struct AsyncIterator: AsyncIteratorProtocol {
        let list: GeneratedList
        var generator: HashGenerator
        var produced = 0

        mutating func next() async throws -> [UInt8]? {
            guard produced < list.count else { return nil }
            if let fail = list.failAfterLines, produced >= fail { throw SimulatedFailure() }
            var chunk: [UInt8] = []
            var limit = Swift.min(list.count, produced + list.linesPerChunk)
            if let fail = list.failAfterLines { limit = Swift.min(limit, fail) }
            while produced < limit {
                produced += 1
                chunk.append(contentsOf: list.line(&generator, produced).utf8)
                chunk.append(0x0A)
            }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(list: self, generator: HashGenerator(seed: seed)) }
}

/// Current resident memory in bytes (Linux), or nil where /proc is unavailable.
func residentBytes() -> Int? {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

extension ParsedLine {
    var entry: NewEntry? {
        if case .entry(let entry) = self { return entry }
        return nil
    }

    var error: LineError? {
        switch self {
        case .invalid(let error), .fatal(let error): error
        default: nil
        }
    }

    var isFatal: Bool {
        if case .fatal = self { return true }
        return false
    }
}

/// Parses lines in order with one parser, returning each result.
func parseAll(_ format: ListFormat, _ lines: [String], signalType: SignalType? = nil) -> [ParsedLine] {
    var parser = ListParser(format: format, signalType: signalType)
    return lines.enumerated().map { parser.parse(line: $0.element, number: $0.offset + 1) }
}

let samplePDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
let sampleMD5 = "d41d8cd98f00b204e9800998ecf8427e"
let sampleSHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
