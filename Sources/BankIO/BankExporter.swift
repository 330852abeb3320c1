import Foundation
import Storage
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What to export and how.
public struct ExportOptions: Sendable {
    public var format: ListFormat
    /// Only hash entries of these signal types (nil: all).
    public var signalTypes: Set<SignalType>?
    /// Only list entries of these types (nil: all); only the `lists` format exports list entries.
    public var listSignalTypes: Set<ListSignalType>?
    /// Whether disabled entries are exported. Nil decides by format: CSV and JSON lines include
    /// them (with `enabled: false`, so they re-import disabled); the plain formats cannot say
    /// "disabled", so they leave them out rather than turn them back into live hashes elsewhere.
    public var includeDisabled: Bool?
    /// Entries fetched per query (and per chunk handed to the sink).
    public var pageSize: Int

    public init(format: ListFormat, signalTypes: Set<SignalType>? = nil, listSignalTypes: Set<ListSignalType>? = nil,
                includeDisabled: Bool? = nil, pageSize: Int = 5_000) {
        self.format = format
        self.signalTypes = signalTypes
        self.listSignalTypes = listSignalTypes
        self.includeDisabled = includeDisabled
        self.pageSize = pageSize
    }

    var exportsDisabled: Bool { includeDisabled ?? format.carriesMetadata }
}

/// What an export wrote.
public struct ExportSummary: Sendable, Hashable {
    public var entriesWritten = 0
    /// Entries left out by the signal-type filter or because they were disabled.
    public var entriesSkipped = 0
    /// List entries left out because the format cannot write them so that they read back the
    /// same: a value with a space or tab followed by `#` (see `ListFormat.lists`). Not counted
    /// in `entriesSkipped`; a caller should warn about them.
    public var entriesUnrepresentable = 0
    public var bytesWritten: Int64 = 0
    public var elapsed: Duration = .zero

    public init() {}
}

/// Streams a bank's entries out in a `ListFormat`, page by page in entry-id order, so exporting
/// ten million hashes holds one page in memory. The same bank exports to the same bytes.
///
/// Hash lists are sensitive: callers must allow exports only to curator and admin keys, and
/// `export(bankId:options:toFile:)` creates files readable by their owner only.
public struct BankExporter: Sendable {
    public let store: any BulwarkStore

    public init(store: any BulwarkStore) {
        self.store = store
    }

    /// The export as an async sequence of byte chunks (one per page; the CSV header comes with
    /// the first), for an HTTP response body. Checks the bank and options before returning, so a
    /// server can still answer 404 or 400 before it starts streaming.
    public func chunks(bankId: Int64, options: ExportOptions) async throws(BankIOError) -> ExportChunks {
        guard (1...100_000).contains(options.pageSize) else {
            throw .invalidOptions("page size \(options.pageSize) is out of range; use 1–100000")
        }
        let counts: [EntryCount]
        let pages: Pages<BankEntry>
        var listPages: Pages<ListEntry>?
        do {
            counts = try await store.entryCounts(bankId: bankId)
            pages = try await store.exportEntries(inBank: bankId, pageSize: options.pageSize)
            if options.format.carriesListEntries {
                listPages = try await store.exportListEntries(inBank: bankId, pageSize: options.pageSize)
            }
        } catch {
            throw .store(error, lines: nil, progress: nil)
        }
        if options.format == .hashes {
            // A plain list says nothing about type, and SHA-256 and PDQ are both 64 hex characters:
            // mixed with anything else, SHA-256 would re-import as PDQ.
            let present = Set(counts.filter { (options.exportsDisabled ? $0.total : $0.enabled) > 0 }.map(\.signalType))
            let selected = present.intersection(options.signalTypes ?? Set(SignalType.allCases))
            if selected.contains(.sha256) && selected.count > 1 {
                throw .invalidOptions("the bank holds SHA-256 and other hashes, which a plain list cannot tell apart (SHA-256 and PDQ are both 64 hex characters); "
                    + "export one signal type at a time, or use the csv, jsonl or threatexchange format")
            }
        }
        return ExportChunks(pages: pages, listPages: listPages, encoder: ExportEncoder(options: options))
    }

    /// Exports to a closure that receives chunks of bytes in order (a socket writer, a file).
    public func export(bankId: Int64, options: ExportOptions,
                       to sink: (_ chunk: [UInt8]) async throws -> Void) async throws(BankIOError) -> ExportSummary {
        let started = ContinuousClock.now
        let chunks = try await chunks(bankId: bankId, options: options)
        var iterator = chunks.makeAsyncIterator()
        while let chunk = try await iterator.next() {
            if Task.isCancelled { throw .writeFailed("the export was cancelled") }
            do {
                try await sink(chunk)
            } catch let error as BankIOError {
                throw error
            } catch {
                throw .writeFailed(String(describing: error))
            }
        }
        var summary = iterator.summary
        summary.elapsed = ContinuousClock.now - started
        return summary
    }

    /// Exports to an open descriptor (standard output is 1). The descriptor is not closed.
    public func export(bankId: Int64, options: ExportOptions, toFileDescriptor fd: Int32) async throws(BankIOError) -> ExportSummary {
        try await export(bankId: bankId, options: options) { chunk throws(BankIOError) in try writeAll(chunk, to: fd) }
    }

    /// Exports to a file, atomically: the list is written beside it under a temporary name,
    /// flushed to disk and renamed over `path`, so a failed export never leaves a truncated list
    /// that looks complete. The file is created with mode 0600 (hash lists are sensitive).
    public func export(bankId: Int64, options: ExportOptions, toFile path: String) async throws(BankIOError) -> ExportSummary {
        let temporary = path + ".partial-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw .fileError(path: temporary, reason: "cannot create it: \(String(cString: strerror(errno)))")
        }
        var isOpen = true
        do throws(BankIOError) {
            let summary = try await export(bankId: bankId, options: options, toFileDescriptor: fd)
            guard fsync(fd) == 0 else { throw .fileError(path: temporary, reason: "cannot flush it to disk: \(String(cString: strerror(errno)))") }
            isOpen = false
            guard close(fd) == 0 else { throw .fileError(path: temporary, reason: "cannot close it: \(String(cString: strerror(errno)))") }
            guard rename(temporary, path) == 0 else {
                throw .fileError(path: path, reason: "cannot move the finished export into place: \(String(cString: strerror(errno)))")
            }
            return summary
        } catch {
            if isOpen { _ = close(fd) }
            unlink(temporary)
            throw error
        }
    }
}

/// Applies an export's filter and format to pages of entries.
struct ExportEncoder: Sendable {
    let options: ExportOptions
    let writer: ListWriter

    init(options: ExportOptions) {
        self.options = options
        writer = ListWriter(format: options.format)
    }

    func encode(_ page: [BankEntry], into out: inout [UInt8], summary: inout ExportSummary) {
        let exportsDisabled = options.exportsDisabled
        for entry in page {
            if (!exportsDisabled && !entry.enabled) || options.signalTypes.map({ !$0.contains(entry.signalType) }) == true {
                summary.entriesSkipped += 1
                continue
            }
            writer.append(entry, to: &out)
            summary.entriesWritten += 1
        }
    }

    func encode(_ page: [ListEntry], into out: inout [UInt8], summary: inout ExportSummary) {
        let exportsDisabled = options.exportsDisabled
        for entry in page {
            if (!exportsDisabled && !entry.enabled) || options.listSignalTypes.map({ !$0.contains(entry.signalType) }) == true {
                summary.entriesSkipped += 1
                continue
            }
            if writer.append(entry, to: &out) {
                summary.entriesWritten += 1
            } else {
                summary.entriesUnrepresentable += 1
            }
        }
    }
}

/// A bank's export as chunks of bytes: one chunk per page of entries (pages whose entries were
/// all filtered out yield nothing), the CSV header at the front of the first. In the `lists`
/// format the hash entries come first, then the list entries, each in id order.
public struct ExportChunks: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = BankIOError

    let pages: Pages<BankEntry>
    let listPages: Pages<ListEntry>?
    let encoder: ExportEncoder

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: pages.makeAsyncIterator(), listPages: listPages?.makeAsyncIterator(), encoder: encoder)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var pages: Pages<BankEntry>.AsyncIterator
        var listPages: Pages<ListEntry>.AsyncIterator?
        let encoder: ExportEncoder
        var hashesFinished = false
        var headerWritten = false
        var finished = false
        /// Counts so far.
        public private(set) var summary = ExportSummary()

        public mutating func next() async throws(BankIOError) -> [UInt8]? {
            guard !finished else { return nil }
            var out: [UInt8] = []
            if !headerWritten {
                headerWritten = true
                out = encoder.writer.header()
            }
            while true {
                do {
                    if !hashesFinished {
                        if let page = try await pages.next() {
                            encoder.encode(page, into: &out, summary: &summary)
                        } else {
                            hashesFinished = true
                            continue
                        }
                    } else if let page = try await listPages?.next() {
                        encoder.encode(page, into: &out, summary: &summary)
                    } else {
                        finished = true
                        summary.bytesWritten += Int64(out.count)
                        return out.isEmpty ? nil : out
                    }
                } catch {
                    throw .store(error, lines: nil, progress: nil)
                }
                if !out.isEmpty {
                    summary.bytesWritten += Int64(out.count)
                    return out
                }
            }
        }
    }
}
