import Foundation
import Storage

/// What to do with a line that cannot be imported.
public enum InvalidLinePolicy: String, Sendable, Hashable, CaseIterable {
    /// Report the line (number and reason) and import the rest.
    case skip
    /// Stop at the first bad line, writing nothing from the batch that holds it; earlier batches
    /// stay committed, so fixing the line and re-running (or resuming) completes the import.
    case failBatch = "fail-batch"
}

/// How an import reads its input and writes it.
public struct ImportOptions: Sendable {
    public var format: ListFormat
    /// The signal type of lines that do not name one. Nil infers it from the length: 32 hex
    /// characters are MD5, 64 are PDQ. A SHA-256 list must say `.sha256` (it looks like PDQ).
    public var signalType: SignalType?
    /// Metadata for entries whose line does not set it (`source: "ncmec"`).
    public var defaults: EntryDefaults
    public var invalidLines: InvalidLinePolicy
    /// Entries per transaction. Larger batches are faster; smaller ones lose less on a crash and
    /// hold the database's write lock for less time (the server waits for it to match nothing
    /// new, never to answer a match). 1...50,000.
    public var batchSize: Int
    /// Continue after the lines an earlier, interrupted run of the same source committed.
    /// Requires a source key (derived automatically for files).
    public var resume: Bool
    /// Identifies the input for checkpoints. Files get one from their size and the SHA-256 of their
    /// first MiB; streams (HTTP uploads) have none unless the caller supplies one (an upload id).
    public var sourceKey: String?
    /// Longest line accepted, in bytes; longer lines are reported as invalid, never buffered.
    public var maxLineLength: Int
    /// How many line errors the summary keeps (all are counted).
    public var maxReportedErrors: Int
    /// Stop once more lines than this are invalid (nil: never). Catches the wrong file or format
    /// early instead of reporting a million bad lines.
    public var maxInvalidLines: Int?
    /// Least time between two progress reports.
    public var progressInterval: Duration

    public init(format: ListFormat, signalType: SignalType? = nil, defaults: EntryDefaults = EntryDefaults(),
                invalidLines: InvalidLinePolicy = .skip, batchSize: Int = 5_000, resume: Bool = false,
                sourceKey: String? = nil, maxLineLength: Int = 64 * 1024, maxReportedErrors: Int = 100,
                maxInvalidLines: Int? = nil, progressInterval: Duration = .milliseconds(250)) {
        self.format = format
        self.signalType = signalType
        self.defaults = defaults
        self.invalidLines = invalidLines
        self.batchSize = batchSize
        self.resume = resume
        self.sourceKey = sourceKey
        self.maxLineLength = maxLineLength
        self.maxReportedErrors = maxReportedErrors
        self.maxInvalidLines = maxInvalidLines
        self.progressInterval = progressInterval
    }

    public static let batchSizes = 1...50_000
    public static let lineLengths = 128...(16 * 1024 * 1024)
}

/// How far an import has got; passed to the progress callback and kept in the summary and errors.
public struct ImportProgress: Sendable, Hashable {
    /// Lines read so far, including those skipped because an earlier run committed them.
    public var linesRead = 0
    /// Lines skipped because an earlier run committed them (`resume`).
    public var linesResumed = 0
    /// Every line up to this one is committed (by this run or the one it resumed).
    public var linesCommitted = 0
    /// Hashes parsed from the lines (a line can hold several in HMA's JSON).
    public var entriesRead = 0
    public var inserted = 0
    /// Hashes the bank already held (or that appeared earlier in the input): nothing written.
    public var duplicates = 0
    public var invalid = 0
    public var bytesRead: Int64 = 0
    /// The input's size when known (files), for a percentage.
    public var totalBytes: Int64?
    public var elapsed: Duration = .zero

    public init() {}

    /// 0...1 when the total size is known.
    public var fractionCompleted: Double? {
        guard let totalBytes, totalBytes > 0 else { return nil }
        return min(1, Double(bytesRead) / Double(totalBytes))
    }

    /// Lines per second of this run (lines skipped by resume count too: they are read, not parsed).
    public var linesPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(linesRead) / seconds : 0
    }
}

/// The outcome of a completed import.
public struct ImportSummary: Sendable {
    public var bankId: Int64
    public var format: ListFormat
    /// The final counts.
    public var progress: ImportProgress
    /// The first `maxReportedErrors` invalid lines, in line order.
    public var errors: [LineError]
    /// 64-character hashes read as PDQ because neither the line nor the caller named a type.
    public var inferredPDQ: Int
    /// Columns or fields the input had that Bulwark does not use.
    public var ignoredFields: [String]
    /// Things the operator should know although nothing failed (inferred types, ignored columns,
    /// an earlier interrupted run of the same file).
    public var warnings: [String]
    /// The checkpoint this import used (cleared now that it finished); nil without a source key.
    public var checkpointKey: String?
    /// The line an earlier run had committed up to, when this run resumed after it (else 0).
    public var resumedAfterLine: Int

    public var inserted: Int { progress.inserted }
    public var duplicates: Int { progress.duplicates }
    public var invalid: Int { progress.invalid }
    public var linesRead: Int { progress.linesRead }
    public var elapsed: Duration { progress.elapsed }
    /// True when more lines were invalid than `errors` lists.
    public var errorsTruncated: Bool { progress.invalid > errors.count }
}

/// Streams a hash list into a bank: lines are parsed as they arrive and written in transactional
/// batches through `BulwarkStore.addEntries`, so memory stays constant whatever the list's size.
///
/// - **Idempotent**: a hash the bank already holds is counted as a duplicate and not written, so
///   importing the same list twice adds nothing.
/// - **Nothing half-written**: each batch is one transaction; with `.failBatch` a bad line stops
///   the import before its batch is written.
/// - **Resumable**: with a source key, every batch records in the same transaction how many lines
///   are committed; after an interruption, `resume: true` skips those lines. The checkpoint is
///   cleared when the import finishes.
public struct BankImporter: Sendable {
    public let store: any BulwarkStore

    public init(store: any BulwarkStore) {
        self.store = store
    }

    /// Imports from any sequence of byte chunks: a file (`FileChunks`), an HTTP request body, a
    /// test's generator. Chunks may split lines anywhere.
    ///
    /// - Parameters:
    ///   - totalBytes: the input's size when known, for progress percentages.
    ///   - progress: called at most once per `options.progressInterval`, and once at the end.
    public func importList<Chunks: AsyncSequence>(
        _ chunks: Chunks, intoBank bankId: Int64, options: ImportOptions, totalBytes: Int64? = nil,
        progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws(BankIOError) -> ImportSummary where Chunks.Element: Collection, Chunks.Element.Element == UInt8 {
        try Self.validate(options)
        do {
            _ = try await store.bank(id: bankId)
        } catch {
            throw .store(error, lines: nil, progress: nil)
        }
        var run = ImportRun(store: store, bankId: bankId, options: options, totalBytes: totalBytes, report: progress)
        try await run.start()
        var iterator = chunks.makeAsyncIterator()
        while true {
            if Task.isCancelled { throw .cancelled(progress: run.progress) }
            let chunk: Chunks.Element?
            do {
                chunk = try await iterator.next()
            } catch let error as BankIOError {
                throw error
            } catch {
                throw .readFailed(String(describing: error), progress: run.progress)
            }
            guard let chunk else { break }
            let bytes = (chunk as? [UInt8]) ?? chunk.withContiguousStorageIfAvailable { Array($0) } ?? Array(chunk)
            try await run.consume(chunk: bytes)
        }
        return try await run.finish()
    }

    /// Imports a file. For a regular file the checkpoint key is derived from its size and the
    /// SHA-256 of its first MiB (unless `options.sourceKey` is set), so `resume` works without the
    /// caller naming the import; progress reports include the file's size.
    public func importFile(
        atPath path: String, intoBank bankId: Int64, options: ImportOptions,
        progress: (@Sendable (ImportProgress) -> Void)? = nil
    ) async throws(BankIOError) -> ImportSummary {
        let file = try InputFile(path: path)
        defer { file.close() }
        var options = options
        if options.sourceKey == nil, let size = file.size {
            options.sourceKey = try file.sourceKey(size: size)
        }
        return try await importList(FileChunks(fileDescriptor: file.descriptor, path: path), intoBank: bankId,
                                    options: options, totalBytes: file.size, progress: progress)
    }

    /// The checkpoint key an import of `sourceKey` into bank `bankId` uses. Public so an operator
    /// tool can inspect or clear a stale checkpoint.
    public static func checkpointKey(bankId: Int64, sourceKey: String) -> String {
        let prefix = "bankio:v1:bank=\(bankId):"
        let printable = sourceKey.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
        if printable && prefix.utf8.count + sourceKey.utf8.count <= 200 { return prefix + sourceKey }
        return prefix + "sha256=" + SHA256Digest.hex(sourceKey.utf8)
    }

    /// The source key of a file's content: its size and the SHA-256 of its first MiB. Reading
    /// the whole file first would double the time of a multi-gigabyte import; the size and head
    /// identify a list well enough, and a resume only skips lines that were already committed.
    public static func fileSourceKey(path: String) throws(BankIOError) -> String {
        let file = try InputFile(path: path)
        defer { file.close() }
        guard let size = file.size else {
            throw .invalidOptions("\(path) is not a regular file, so it has no stable identity to resume from; pass a source key")
        }
        return try file.sourceKey(size: size)
    }

    static func validate(_ options: ImportOptions) throws(BankIOError) {
        guard ImportOptions.batchSizes.contains(options.batchSize) else {
            throw .invalidOptions("batch size \(options.batchSize) is out of range; use \(ImportOptions.batchSizes.lowerBound)–\(ImportOptions.batchSizes.upperBound)")
        }
        guard ImportOptions.lineLengths.contains(options.maxLineLength) else {
            throw .invalidOptions("maximum line length \(options.maxLineLength) is out of range; use \(ImportOptions.lineLengths.lowerBound)–\(ImportOptions.lineLengths.upperBound) bytes")
        }
        guard options.maxReportedErrors >= 0, (options.maxInvalidLines ?? 0) >= 0 else {
            throw .invalidOptions("error limits cannot be negative")
        }
        if options.resume && options.sourceKey == nil {
            throw .invalidOptions("resume needs to know which input this is: import a regular file, or pass a source key for a stream")
        }
        if let key = options.sourceKey, key.isEmpty {
            throw .invalidOptions("the source key is empty")
        }
        if options.format == .lists, let type = options.signalType {
            throw .invalidOptions("the lists format names the type on every line (`url …`, `pdq …`); "
                + "leave out the signal type (\(type)) for it")
        }
    }
}

/// The state of one import while it runs.
struct ImportRun {
    let store: any BulwarkStore
    let bankId: Int64
    let options: ImportOptions
    let report: (@Sendable (ImportProgress) -> Void)?
    let checkpointKey: String?
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant

    var progress = ImportProgress()
    var parser: ListParser
    var splitter: LineSplitter
    /// Lines up to this one were committed by an earlier run and are skipped.
    var skipThrough = 0
    var batch: [NewEntry] = []
    /// The line each entry of `batch` came from, to report the store's row errors by line.
    var batchLines: [Int] = []
    /// List entries (`lists` format) read since the last flush, written in the same flush as `batch`.
    var listBatch: [NewListEntry] = []
    var listBatchLines: [Int] = []
    var errors: [LineError] = []
    var warnings: [String] = []
    var nextReport: ContinuousClock.Instant

    init(store: any BulwarkStore, bankId: Int64, options: ImportOptions, totalBytes: Int64?,
         report: (@Sendable (ImportProgress) -> Void)?) {
        self.store = store
        self.bankId = bankId
        self.options = options
        self.report = report
        checkpointKey = options.sourceKey.map { BankImporter.checkpointKey(bankId: bankId, sourceKey: $0) }
        parser = ListParser(format: options.format, signalType: options.signalType, defaults: options.defaults)
        splitter = LineSplitter(maxLineLength: options.maxLineLength)
        started = clock.now
        nextReport = started.advanced(by: options.progressInterval)
        progress.totalBytes = totalBytes
        batch.reserveCapacity(options.batchSize)
        batchLines.reserveCapacity(options.batchSize)
    }

    mutating func start() async throws(BankIOError) {
        guard let checkpointKey else { return }
        let checkpoint: ImportCheckpoint?
        do {
            checkpoint = try await store.importCheckpoint(key: checkpointKey)
        } catch {
            throw .store(error, lines: nil, progress: nil)
        }
        guard let checkpoint, checkpoint.linesCommitted > 0 else {
            if options.resume {
                warnings.append("resume was asked for, but no interrupted import of this input into this bank was found "
                    + "(a file whose size or first MiB changed counts as a new input); started from line 1, "
                    + "and lines imported before count as duplicates")
            }
            return
        }
        if options.resume {
            skipThrough = Int(checkpoint.linesCommitted)
            progress.linesCommitted = skipThrough
        } else {
            warnings.append("an earlier import of this input stopped after committing \(checkpoint.linesCommitted) lines; "
                + "this run started again from line 1 (those lines count as duplicates); resume would have skipped them")
        }
    }

    mutating func consume(chunk: [UInt8]) async throws(BankIOError) {
        progress.bytesRead += Int64(chunk.count)
        splitter.feed(chunk)
        while let (number, line) = splitter.next() {
            try await consume(number: number, line: line)
        }
        maybeReport()
    }

    mutating func finish() async throws(BankIOError) -> ImportSummary {
        if let (number, line) = splitter.finish() {
            try await consume(number: number, line: line)
        }
        try await flush()
        if let checkpointKey {
            do {
                try await store.clearImportCheckpoint(key: checkpointKey)
            } catch {
                throw .store(error, lines: nil, progress: progress)
            }
        }
        progress.elapsed = clock.now - started
        report?(progress)
        if parser.inferredPDQCount > 0 {
            warnings.append("\(parser.inferredPDQCount) hashes of 64 hex characters were imported as PDQ because no signal type was given; "
                + "if the list holds SHA-256 digests, delete those entries and import again with the signal type sha256")
        }
        if !parser.ignoredFields.isEmpty {
            warnings.append("ignored columns/fields Bulwark does not use: \(parser.ignoredFields.joined(separator: ", ")) "
                + "(known: \(ListWriter.csvColumns.joined(separator: ", ")))")
        }
        return ImportSummary(bankId: bankId, format: options.format, progress: progress,
                             errors: errors.sorted { $0.line < $1.line }, inferredPDQ: parser.inferredPDQCount,
                             ignoredFields: parser.ignoredFields, warnings: warnings, checkpointKey: checkpointKey,
                             resumedAfterLine: skipThrough)
    }

    private mutating func consume(number: Int, line: LineSplitter.Line) async throws(BankIOError) {
        progress.linesRead = number
        if number <= skipThrough && !parser.awaitingHeader {
            progress.linesResumed += 1
            return
        }
        let parsed: ParsedLine
        switch line {
        case .text(let bytes):
            parsed = parser.parse(line: bytes, number: number)
        case .oversized(let length):
            parsed = .invalid(LineError(line: number, message: "the line is \(length) bytes long, more than the limit of \(options.maxLineLength); "
                + "a list line holds one hash and a little metadata (if the file has old Mac line endings, convert them to \\n)"))
        }
        switch parsed {
        case .skipped:
            break
        case .entry(let entry):
            append(entry, line: number)
        case .entries(let entries):
            for entry in entries { append(entry, line: number) }
        case .listEntry(let entry):
            listBatch.append(entry)
            listBatchLines.append(number)
            progress.entriesRead += 1
        case .invalid(let error):
            try reject(error)
        case .fatal(let error):
            throw .unreadableInput(error, format: options.format)
        }
        if batch.count + listBatch.count >= options.batchSize {
            try await flush()
        }
        if number & 0x3FF == 0 { maybeReport() }
    }

    private mutating func append(_ entry: NewEntry, line: Int) {
        batch.append(entry)
        batchLines.append(line)
        progress.entriesRead += 1
    }

    private mutating func reject(_ error: LineError) throws(BankIOError) {
        if options.invalidLines == .failBatch {
            clearBatches()
            progress.elapsed = clock.now - started
            throw .invalidLine(error, progress: progress)
        }
        progress.invalid += 1
        if errors.count < options.maxReportedErrors { errors.append(error) }
        if let limit = options.maxInvalidLines, progress.invalid > limit {
            throw .tooManyInvalidLines(limit: limit, last: error, progress: progress)
        }
    }

    private mutating func clearBatches() {
        batch.removeAll(keepingCapacity: true)
        batchLines.removeAll(keepingCapacity: true)
        listBatch.removeAll(keepingCapacity: true)
        listBatchLines.removeAll(keepingCapacity: true)
    }

    /// Writes the batch and, in the same transaction, the checkpoint: every line read so far is
    /// then committed.
    ///
    /// A `lists` file can hold hashes and list entries, which the store writes in two
    /// transactions: the hashes first, then the list entries with the checkpoint. A crash between
    /// the two leaves the checkpoint before the batch, so a resume writes the hashes again as
    /// duplicates and loses nothing. With `.failBatch`, the list entries are checked before the
    /// hashes are written, so a bad line still leaves the whole batch unwritten.
    private mutating func flush() async throws(BankIOError) {
        guard !batch.isEmpty || !listBatch.isEmpty else { return }
        let through = progress.linesRead
        let lines = min(batchLines.first ?? through, listBatchLines.first ?? through)...through
        let checkpoint = checkpointKey.map { CheckpointUpdate(key: $0, linesCommitted: Int64(through)) }
        let policy: InvalidRowPolicy = options.invalidLines == .skip ? .skip : .rejectBatch
        if policy == .rejectBatch && !batch.isEmpty {
            for (index, entry) in listBatch.enumerated() {
                do throws(StoreError) {
                    try entry.validate()
                } catch {
                    let lineError = LineError(line: listBatchLines[index], message: error.description)
                    clearBatches()
                    throw .invalidLine(lineError, progress: progress)
                }
            }
        }
        if !batch.isEmpty {
            let hashes = batch
            let hashCheckpoint = listBatch.isEmpty ? checkpoint : nil
            let store = self.store, bankId = self.bankId
            try await write(lines: batchLines, range: lines) { () async throws(StoreError) -> BatchResult in
                try await store.addEntries(hashes, toBank: bankId, invalidRows: policy, checkpoint: hashCheckpoint)
            }
        }
        if !listBatch.isEmpty {
            let entries = listBatch
            let store = self.store, bankId = self.bankId
            try await write(lines: listBatchLines, range: lines) { () async throws(StoreError) -> BatchResult in
                try await store.addListEntries(entries, toBank: bankId, invalidRows: policy, checkpoint: checkpoint)
            }
        }
        progress.linesCommitted = through
        clearBatches()
        if let limit = options.maxInvalidLines, progress.invalid > limit, let last = errors.last {
            throw .tooManyInvalidLines(limit: limit, last: last, progress: progress)
        }
    }

    /// Runs one store write of a flush and counts its outcomes; `lines` maps the batch's rows to
    /// the input lines they came from, for error reports.
    private mutating func write(lines batchLines: [Int], range lines: ClosedRange<Int>,
                                _ body: () async throws(StoreError) -> BatchResult) async throws(BankIOError) {
        let result: BatchResult
        do {
            result = try await body()
        } catch {
            if case .invalidBatch(let rows) = error, let first = rows.first, first.index < batchLines.count {
                // A field the store refuses (too long, a control character): report it by line.
                let lineError = LineError(line: batchLines[first.index], message: first.error.description)
                clearBatches()
                throw .invalidLine(lineError, progress: progress)
            }
            throw .store(error, lines: lines, progress: progress)
        }
        for (index, outcome) in result.outcomes.enumerated() {
            switch outcome {
            case .inserted: progress.inserted += 1
            case .duplicate: progress.duplicates += 1
            case .invalid(let error):
                let line = index < batchLines.count ? batchLines[index] : lines.upperBound
                progress.invalid += 1
                if errors.count < options.maxReportedErrors { errors.append(LineError(line: line, message: error.description)) }
            }
        }
    }

    private mutating func maybeReport() {
        guard let report else { return }
        let now = clock.now
        guard now >= nextReport else { return }
        nextReport = now.advanced(by: options.progressInterval)
        progress.elapsed = now - started
        report(progress)
    }
}
