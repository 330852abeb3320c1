import Foundation
import Testing
@testable import BankIO
import Storage

/// Every entry of a bank, in id order.
func allEntries(_ store: some BulwarkStore, bank: Int64) async throws -> [BankEntry] {
    var result: [BankEntry] = []
    for try await page in try await store.exportEntries(inBank: bank, pageSize: 1_000) { result += page }
    return result
}

func count(_ store: some BulwarkStore, bank: Int64) async throws -> Int64 {
    try await store.entryCounts(bankId: bank).reduce(0) { $0 + $1.total }
}

/// A list of `count` distinct MD5 lines, with line `bad` (1-based) made invalid.
func md5List(count: Int, seed: UInt64 = 1, bad: Set<Int> = []) -> String {
    var generator = HashGenerator(seed: seed)
    return (1...count).map { bad.contains($0) ? "not-a-hash" : generator.md5() }.joined(separator: "\n") + "\n"
}

@Suite("importing")
struct ImportTests {
    @Test func countsAndIdempotentReimport() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let list = "# industry list\n\(sampleMD5)\n\n\(samplePDQ.uppercased())\n\(sampleMD5)\nzz\n\(samplePDQ)\r\n"
            let importer = BankImporter(store: store)
            let options = ImportOptions(format: .hashes, defaults: EntryDefaults(source: "industry"))
            let first = try await importer.importList(ChunkedBytes(list, chunkSize: 5), intoBank: bank.id, options: options)
            #expect(first.linesRead == 7)
            #expect(first.inserted == 2)
            #expect(first.duplicates == 2)
            #expect(first.invalid == 1)
            #expect(first.errors.map(\.line) == [6])
            #expect(first.inferredPDQ == 2)
            #expect(first.warnings.contains { $0.contains("imported as PDQ") })
            #expect(first.checkpointKey == nil)

            let second = try await importer.importList(ChunkedBytes(list, chunkSize: 64), intoBank: bank.id, options: options)
            #expect(second.inserted == 0)
            #expect(second.duplicates == 4)
            #expect(try await count(store, bank: bank.id) == 2)
            let entries = try await allEntries(store, bank: bank.id)
            #expect(entries.map(\.value) == [sampleMD5, samplePDQ])
            #expect(entries.allSatisfy { $0.source == "industry" })
        }
    }

    @Test func skipPolicyReportsAndContinues() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let options = ImportOptions(format: .hashes, invalidLines: .skip, batchSize: 10, maxReportedErrors: 2)
            let summary = try await BankImporter(store: store).importList(
                ChunkedBytes(md5List(count: 35, bad: [3, 25, 30]), chunkSize: 100), intoBank: bank.id, options: options)
            #expect(summary.inserted == 32)
            #expect(summary.invalid == 3)
            #expect(summary.errors.map(\.line) == [3, 25])
            #expect(summary.errorsTruncated)
            #expect(summary.errors[0].message.contains("found 10 characters"))
        }
    }

    @Test func failBatchWritesNothingFromTheFailingBatch() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let options = ImportOptions(format: .hashes, invalidLines: .failBatch, batchSize: 10, sourceKey: "upload-1")
            do throws(BankIOError) {
                _ = try await BankImporter(store: store).importList(
                    ChunkedBytes(md5List(count: 35, bad: [25]), chunkSize: 64), intoBank: bank.id, options: options)
                Issue.record("expected the import to stop")
            } catch {
                guard case .invalidLine(let lineError, let progress) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(lineError.line == 25)
                #expect(progress.linesCommitted == 20)
                #expect(progress.inserted == 20)
                #expect(error.description.contains("line 25:"))
                #expect(error.description.contains("Lines 1–20 are committed"))
            }
            // Lines 21–24 were valid but belong to the failing batch: not written.
            #expect(try await count(store, bank: bank.id) == 20)
            let key = BankImporter.checkpointKey(bankId: bank.id, sourceKey: "upload-1")
            #expect(try await store.importCheckpoint(key: key)?.linesCommitted == 20)
        }
    }

    @Test func failBatchOnAFieldTheStoreRefuses() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            var generator = HashGenerator(seed: 9)
            var lines = ["value,note"]
            for number in 2...8 {
                lines.append("\(generator.md5()),\(number == 6 ? String(repeating: "n", count: 10_001) : "fine")")
            }
            let list = lines.joined(separator: "\n")
            let failing = ImportOptions(format: .csv, invalidLines: .failBatch, batchSize: 4)
            do throws(BankIOError) {
                _ = try await BankImporter(store: store).importList(ChunkedBytes(list, chunkSize: 4096), intoBank: bank.id, options: failing)
                Issue.record("expected the import to stop")
            } catch {
                guard case .invalidLine(let lineError, _) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(lineError.line == 6)
                #expect(lineError.message.contains("note"))
            }
            // Lines 2–5 formed the first batch; lines 6–8 the failing one.
            #expect(try await count(store, bank: bank.id) == 4)

            let skipping = ImportOptions(format: .csv, invalidLines: .skip, batchSize: 4)
            let summary = try await BankImporter(store: store).importList(ChunkedBytes(list, chunkSize: 4096), intoBank: bank.id, options: skipping)
            #expect(summary.inserted == 2)
            #expect(summary.duplicates == 4)
            #expect(summary.errors.map(\.line) == [6])
        }
    }

    @Test func resumeAfterAnInterruption() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            var list = GeneratedList(count: 2_500, seed: 42, failAfterLines: 1_234)
            list.linesPerChunk = 100
            let options = ImportOptions(format: .hashes, batchSize: 500, sourceKey: "upload-42")
            do throws(BankIOError) {
                _ = try await importer.importList(list, intoBank: bank.id, options: options)
                Issue.record("expected the read to fail")
            } catch {
                guard case .readFailed(let reason, let progress) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(reason.contains("reset"))
                #expect(progress.linesCommitted == 1_000)
                #expect(error.description.contains("resume"))
            }
            #expect(try await count(store, bank: bank.id) == 1_000)
            let key = BankImporter.checkpointKey(bankId: bank.id, sourceKey: "upload-42")
            #expect(try await store.importCheckpoint(key: key)?.linesCommitted == 1_000)

            list.failAfterLines = nil
            var resumed = options
            resumed.resume = true
            let summary = try await importer.importList(list, intoBank: bank.id, options: resumed)
            #expect(summary.resumedAfterLine == 1_000)
            #expect(summary.progress.linesResumed == 1_000)
            #expect(summary.inserted == 1_500)
            #expect(summary.duplicates == 0)
            #expect(try await count(store, bank: bank.id) == 2_500)
            #expect(try await store.importCheckpoint(key: key) == nil)
            #expect(!summary.warnings.contains { $0.contains("no interrupted import") })

            // Resuming a finished (or never started) import finds no checkpoint: it says so and
            // starts from line 1, adding nothing twice.
            let again = try await importer.importList(list, intoBank: bank.id, options: resumed)
            #expect(again.resumedAfterLine == 0)
            #expect(again.duplicates == 2_500)
            #expect(again.warnings.contains { $0.contains("no interrupted import of this input") })
        }
    }

    @Test func restartingWithoutResumeWarnsAndAddsNothingTwice() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            let options = ImportOptions(format: .hashes, batchSize: 100, sourceKey: "upload-7")
            var list = GeneratedList(count: 500, seed: 7, failAfterLines: 250)
            _ = try? await importer.importList(list, intoBank: bank.id, options: options)
            list.failAfterLines = nil
            let summary = try await importer.importList(list, intoBank: bank.id, options: options)
            #expect(summary.resumedAfterLine == 0)
            #expect(summary.duplicates == 200)
            #expect(summary.inserted == 300)
            #expect(summary.warnings.contains { $0.contains("stopped after committing 200 lines") })
        }
    }

    @Test func resumedCSVStillReadsItsHeader() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            var list = GeneratedList(count: 300, seed: 5, failAfterLines: 180)
            list.linesPerChunk = 50
            list.line = { generator, number in number == 1 ? "note,hash" : "n\(number),\(generator.md5())" }
            let options = ImportOptions(format: .csv, batchSize: 50, sourceKey: "csv-upload")
            _ = try? await importer.importList(list, intoBank: bank.id, options: options)
            list.failAfterLines = nil
            var resumed = options
            resumed.resume = true
            let summary = try await importer.importList(list, intoBank: bank.id, options: resumed)
            #expect(summary.resumedAfterLine == 151)
            #expect(summary.invalid == 0)
            #expect(summary.duplicates == 0)
            #expect(try await count(store, bank: bank.id) == 299)
        }
    }

    @Test func importFileDerivesTheKeyAndReportsProgress() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bankio-\(UUID().uuidString).txt").path
            let text = md5List(count: 3_000)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }

            let key = try BankImporter.fileSourceKey(path: path)
            #expect(key.hasPrefix("file:size=\(text.utf8.count):head-sha256="))
            let reports = LockedReports()
            let summary = try await BankImporter(store: store).importFile(
                atPath: path, intoBank: bank.id, options: ImportOptions(format: .hashes, batchSize: 1_000, progressInterval: .zero)) {
                    reports.append($0)
                }
            #expect(summary.inserted == 3_000)
            #expect(summary.checkpointKey == BankImporter.checkpointKey(bankId: bank.id, sourceKey: key))
            let last = reports.all.last
            #expect(last?.totalBytes == Int64(text.utf8.count))
            #expect(last?.fractionCompleted == 1)
            #expect(last?.inserted == 3_000)
            #expect(try await store.importCheckpoint(key: summary.checkpointKey!) == nil)
        }
    }

    @Test func progressIsThrottled() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let reports = LockedReports()
            let started = ContinuousClock.now
            let summary = try await BankImporter(store: store).importList(
                GeneratedList(count: 20_000, seed: 11), intoBank: bank.id,
                options: ImportOptions(format: .hashes, progressInterval: .milliseconds(100))) { reports.append($0) }
            let elapsed = ContinuousClock.now - started
            #expect(summary.inserted == 20_000)
            #expect(reports.all.count >= 1)
            #expect(Double(reports.all.count) <= elapsed / .milliseconds(100) + 2)
            #expect(reports.all.last?.linesRead == 20_000)
        }
    }

    @Test func hostileInputs() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            // A huge line without breaks, then a good one.
            let bytes = [UInt8](repeating: UInt8(ascii: "f"), count: 1_000_000) + Array("\n\(sampleMD5)\n".utf8)
            let summary = try await importer.importList(ChunkedBytes(bytes: bytes, chunkSize: 65_536), intoBank: bank.id,
                                                        options: ImportOptions(format: .hashes, maxLineLength: 4_096))
            #expect(summary.inserted == 1)
            #expect(summary.errors.first?.message.contains("1000000 bytes long") == true)

            // UTF-16 stops at once, whatever the policy.
            let utf16: [UInt8] = [0xFF, 0xFE] + Array(sampleMD5.utf8).flatMap { [$0, 0] }
            await #expect(throws: BankIOError.self) {
                _ = try await importer.importList(ChunkedBytes(bytes: utf16, chunkSize: 8), intoBank: bank.id, options: ImportOptions(format: .hashes))
            }
            // A binary file: every line bad, stopped by the limit.
            var generator = HashGenerator(seed: 1)
            let junk = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            do throws(BankIOError) {
                _ = try await importer.importList(ChunkedBytes(bytes: junk, chunkSize: 4_096), intoBank: bank.id,
                                                  options: ImportOptions(format: .jsonl, maxInvalidLines: 50))
                Issue.record("expected the import to stop")
            } catch {
                guard case .tooManyInvalidLines(let limit, _, _) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(limit == 50)
            }
            // A CSV without a header.
            do throws(BankIOError) {
                _ = try await importer.importList(ChunkedBytes("md5,\(sampleMD5)\n"), intoBank: bank.id, options: ImportOptions(format: .csv))
                Issue.record("expected the import to stop")
            } catch {
                #expect(error.description.contains("cannot read the input as csv: line 1:"))
            }
            #expect(try await count(store, bank: bank.id) == 1)
        }
    }

    @Test func badOptionsAndUnknownBank() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            let list = ChunkedBytes("\(sampleMD5)\n")
            await #expect(throws: BankIOError.self) {
                _ = try await importer.importList(list, intoBank: bank.id, options: ImportOptions(format: .hashes, resume: true))
            }
            await #expect(throws: BankIOError.self) {
                _ = try await importer.importList(list, intoBank: bank.id, options: ImportOptions(format: .hashes, batchSize: 0))
            }
            do throws(BankIOError) {
                _ = try await importer.importList(list, intoBank: 999, options: ImportOptions(format: .hashes))
                Issue.record("expected an error")
            } catch {
                guard case .store(.bankNotFound, _, _) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
            }
            do throws(BankIOError) {
                _ = try await importer.importFile(atPath: "/nonexistent/list.txt", intoBank: bank.id, options: ImportOptions(format: .hashes))
                Issue.record("expected an error")
            } catch {
                #expect(error.description.contains("/nonexistent/list.txt: cannot open it"))
            }
        }
    }

    @Test func longSourceKeysAreHashed() {
        let key = BankImporter.checkpointKey(bankId: 3, sourceKey: String(repeating: "k", count: 500))
        #expect(key.hasPrefix("bankio:v1:bank=3:sha256="))
        #expect(key.count < 200)
        #expect(BankImporter.checkpointKey(bankId: 3, sourceKey: "upload-1") == "bankio:v1:bank=3:upload-1")
    }
}

final class LockedReports: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ImportProgress] = []
    func append(_ progress: ImportProgress) { lock.withLock { items.append(progress) } }
    var all: [ImportProgress] { lock.withLock { items } }
}

@Suite("exporting")
struct ExportTests {
    /// A bank with entries of every type and awkward metadata.
    func populate(_ store: some BulwarkStore) async throws -> Bank {
        let bank = try await makeBank(store, "SOURCE")
        var generator = HashGenerator(seed: 99)
        var entries: [NewEntry] = []
        for index in 0..<300 {
            let type = SignalType.allCases[index % 3]
            let value = type == .md5 ? generator.md5() : generator.pdq()
            entries.append(NewEntry(signalType: type, value: value, source: index % 2 == 0 ? "ncmec" : nil,
                                    externalId: index % 5 == 0 ? "id,\(index)" : nil, category: "cat \"\(index % 4)\"",
                                    addedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 1.001),
                                    addedBy: index % 7 == 0 ? "curator" : nil, note: index % 11 == 0 ? "note, with\ttab" : nil,
                                    enabled: index % 13 != 0))
        }
        _ = try await store.addEntries(entries, toBank: bank.id)
        return bank
    }

    func exportBytes(_ store: some BulwarkStore, bank: Int64, _ options: ExportOptions) async throws -> [UInt8] {
        var out: [UInt8] = []
        _ = try await BankExporter(store: store).export(bankId: bank, options: options) { out += $0 }
        return out
    }

    func comparable(_ entry: BankEntry) -> [String] {
        [entry.signalType.rawValue, entry.value, entry.source ?? "-", entry.externalId ?? "-", entry.category ?? "-",
         Timestamp.format(entry.addedAt), entry.addedBy ?? "-", entry.note ?? "-", "\(entry.enabled)"]
    }

    @Test(arguments: [ListFormat.csv, .jsonl])
    func roundTripKeepsEverything(format: ListFormat) async throws {
        try await withStore { store in
            let source = try await populate(store)
            let bytes = try await exportBytes(store, bank: source.id, ExportOptions(format: format, pageSize: 64))
            let again = try await exportBytes(store, bank: source.id, ExportOptions(format: format, pageSize: 1_000))
            #expect(bytes == again, "exports must be deterministic")

            let target = try await makeBank(store, "TARGET")
            let summary = try await BankImporter(store: store).importList(
                ChunkedBytes(bytes: bytes, chunkSize: 333), intoBank: target.id, options: ImportOptions(format: format))
            #expect(summary.inserted == 300)
            #expect(summary.invalid == 0)
            #expect(summary.warnings.isEmpty)
            let original = try await allEntries(store, bank: source.id).map(comparable)
            let copy = try await allEntries(store, bank: target.id).map(comparable)
            #expect(original == copy)
        }
    }

    @Test func plainFormatsRoundTripTheHashes() async throws {
        try await withStore { store in
            let source = try await populate(store)
            let live = try await allEntries(store, bank: source.id).filter(\.enabled)

            let te = try await exportBytes(store, bank: source.id, ExportOptions(format: .threatexchange))
            let teBank = try await makeBank(store, "TE")
            _ = try await BankImporter(store: store).importList(ChunkedBytes(bytes: te, chunkSize: 100), intoBank: teBank.id,
                                                                options: ImportOptions(format: .threatexchange))
            let teCopy = try await allEntries(store, bank: teBank.id)
            #expect(teCopy.map { [$0.signalType.rawValue, $0.value] } == live.map { [$0.signalType.rawValue, $0.value] })

            await #expect(throws: BankIOError.self) {
                _ = try await exportBytes(store, bank: source.id, ExportOptions(format: .hashes))
            }
            let mixed = try await exportBytes(store, bank: source.id, ExportOptions(format: .hashes, signalTypes: [.pdq, .md5]))
            let mixedBank = try await makeBank(store, "MIXED")
            _ = try await BankImporter(store: store).importList(ChunkedBytes(bytes: mixed, chunkSize: 100), intoBank: mixedBank.id,
                                                                options: ImportOptions(format: .hashes))
            #expect(try await allEntries(store, bank: mixedBank.id).map { [$0.signalType.rawValue, $0.value] }
                == live.filter { $0.signalType != .sha256 }.map { [$0.signalType.rawValue, $0.value] })

            let sha = try await exportBytes(store, bank: source.id, ExportOptions(format: .hashes, signalTypes: [.sha256], includeDisabled: true))
            #expect(sha.count == 100 * 65)
        }
    }

    @Test func exportToFileIsPrivateAndComplete() async throws {
        try await withStore { store in
            let source = try await populate(store)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("bankio-export-\(UUID().uuidString).jsonl").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let summary = try await BankExporter(store: store).export(bankId: source.id, options: ExportOptions(format: .jsonl), toFile: path)
            #expect(summary.entriesWritten == 300)
            #expect(summary.entriesSkipped == 0)
            let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(written == (try await exportBytes(store, bank: source.id, ExportOptions(format: .jsonl))))
            #expect(Int64(written.count) == summary.bytesWritten)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)

            let plain = try await BankExporter(store: store).export(bankId: source.id, options: ExportOptions(format: .threatexchange), toFile: path)
            #expect(plain.entriesWritten == 276)
            #expect(plain.entriesSkipped == 24)
            await #expect(throws: BankIOError.self) {
                _ = try await BankExporter(store: store).export(bankId: 12_345, options: ExportOptions(format: .csv), toFile: path)
            }
        }
    }

    @Test func emptyBankExportsOnlyTheHeader() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            #expect(try await exportBytes(store, bank: bank.id, ExportOptions(format: .csv)) == ListWriter(format: .csv).header())
            #expect(try await exportBytes(store, bank: bank.id, ExportOptions(format: .jsonl)).isEmpty)
        }
    }
}

@Suite("scale", .serialized)
struct ScaleTests {
    @Test func twoHundredThousandLinesStreamInConstantMemory() async throws {
        try await withStore(file: true) { store in
            let bank = try await makeBank(store)
            let lines = 200_000
            let samples = LockedReports()
            let memory = MemorySamples()
            let before = residentBytes()
            let summary = try await BankImporter(store: store).importList(
                GeneratedList(count: lines, seed: 2024), intoBank: bank.id,
                options: ImportOptions(format: .hashes, signalType: .pdq, progressInterval: .milliseconds(100))) { progress in
                    samples.append(progress)
                    memory.record(residentBytes())
                }
            #expect(summary.inserted == lines)
            #expect(summary.invalid == 0)
            let seconds = Double(summary.elapsed.components.seconds) + Double(summary.elapsed.components.attoseconds) / 1e18
            print("BankIO scale: imported \(lines) PDQ lines into SQLite (file) in \(String(format: "%.2f", seconds)) s, "
                + "\(Int(summary.progress.linesPerSecond)) lines/s; resident \(memory.summary(before: before))")
            #expect(seconds < 120)
            // Constant memory: what the import holds does not grow with the lines read. The
            // second half of the import may not use much more than the first half did.
            if let growth = memory.growthOverSecondHalf() {
                #expect(growth < 64 << 20, "resident memory grew by \(growth >> 20) MiB over the second half")
            }
            #expect(try await count(store, bank: bank.id) == Int64(lines))
        }
    }
}

final class MemorySamples: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int] = []
    func record(_ value: Int?) { if let value { lock.withLock { values.append(value) } } }

    func growthOverSecondHalf() -> Int? {
        lock.withLock {
            guard values.count >= 4 else { return nil }
            let mid = values[values.count / 2]
            return values[(values.count / 2)...].max()! - mid
        }
    }

    func summary(before: Int?) -> String {
        lock.withLock {
            guard let peak = values.max() else { return "not measured" }
            return "\((before ?? 0) >> 20) MiB before, peak \(peak >> 20) MiB"
        }
    }
}
