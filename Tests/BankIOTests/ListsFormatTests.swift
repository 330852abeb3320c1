import Foundation
import Testing
@testable import BankIO
import Storage

extension ParsedLine {
    var listEntry: NewListEntry? {
        if case .listEntry(let entry) = self { return entry }
        return nil
    }
}

/// Every list entry of a bank, in id order.
func allListEntries(_ store: some BulwarkStore, bank: Int64) async throws -> [ListEntry] {
    var result: [ListEntry] = []
    for try await page in try await store.exportListEntries(inBank: bank, pageSize: 1_000) { result += page }
    return result
}

@Suite("lists format")
struct ListsFormatTests {
    @Test func typesValuesAndComments() {
        let md5 = "0123456789ABCDEF0123456789abcdef"
        let parsed = parseAll(.lists, [
            "# a hotline list",                                             // 1 comment
            "",                                                             // 2 blank
            "url http://example.org/a?b=c#frag",                            // 3 '#' in a URL is part of it
            "URL   http://example.org/x#top   # reported 2024-05-01",       // 4 trailing comment
            "domain\texample.org\t# tab before the comment",                 // 5
            "Handle telegram:somechannel",                                   // 6
            "wallet bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",             // 7
            "keyword two words ",                                           // 8 inner spaces kept, outer trimmed
            "keyword #hashtag",                                             // 9 a value may start with '#'
            "keyword a#b c#d",                                              // 10 '#' not after whitespace
            "url_md5 \(md5)",                                               // 11 canonical lowercase
            "Url-SHA256 \(sampleSHA.uppercased())",                          // 12
            "   # indented comment",                                        // 13
            "pdq \(samplePDQ)",                                             // 14 hashes go to hash entries
            "video_md5 \(sampleMD5)",                                       // 15
        ])
        #expect(parsed[0] == .skipped && parsed[1] == .skipped && parsed[12] == .skipped)
        let lists = parsed.compactMap(\.listEntry)
        #expect(lists.map(\.signalType) == [.url, .url, .domain, .handle, .wallet, .keyword, .keyword, .keyword, .urlMD5, .urlSHA256])
        #expect(lists.map(\.value) == [
            "http://example.org/a?b=c#frag", "http://example.org/x#top", "example.org", "telegram:somechannel",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "two words", "#hashtag", "a#b c#d", md5.lowercased(), sampleSHA,
        ])
        #expect(parsed[13].entry.map { [$0.signalType.rawValue, $0.value] } == ["pdq", samplePDQ])
        #expect(parsed[14].entry.map { [$0.signalType.rawValue, $0.value] } == ["md5", sampleMD5])
    }

    @Test func badLinesSayWhatToFixWithoutTheValue() {
        let parsed = parseAll(.lists, [
            "http://listed.example/secret",          // 1 no type: the value must not be echoed
            "url",                                   // 2 no value
            "url    # only a comment",               // 3 a comment is not a value
            "handle secretchannel",                  // 4 no platform
            "url-md5 abc",                           // 5 wrong length
            "pdq abc",                               // 6 a bad hash line
            "email someone@example.org",             // 7 an unknown type
            "url \u{7F}x",                           // 8 control character
        ])
        let errors = parsed.map(\.error)
        #expect(errors.allSatisfy { $0 != nil })
        #expect(errors.map { $0?.line } == Array(1...8))
        #expect(errors[0]?.message.contains("does not start with a list type") == true)
        #expect(errors[0]?.message.contains("url, domain, handle, wallet, keyword, url-md5, url-sha256") == true)
        #expect(errors[1]?.message.contains("no value") == true)
        #expect(errors[2]?.message.contains("no value") == true)
        #expect(errors[3]?.message.contains("platform:name") == true)
        #expect(errors[4]?.message.contains("32 hex") == true)
        #expect(errors[5]?.message.contains("PDQ") == true)
        #expect(errors[7]?.message.contains("control character") == true)
        for error in errors {
            #expect(error?.message.contains("listed.example") == false)
            #expect(error?.message.contains("secretchannel") == false)
            #expect(error?.message.contains("someone@") == false)
        }
        // Not UTF-8.
        var parser = ListParser(format: .lists)
        #expect(parser.parse(line: [0x75, 0x72, 0x6C, 0x20, 0xFF, 0xFE, 0x41], number: 1).error?.message.contains("UTF-8") == true)
    }

    @Test func writerAndParserAgree() {
        let entry = ListEntry(id: 1, bankId: 1, signalType: .keyword, value: "two words #tag", source: nil, externalId: nil,
                              category: nil, addedAt: Date(), addedBy: nil, note: nil, enabled: true)
        let writer = ListWriter(format: .lists)
        #expect(writer.line(for: entry) == nil, "a space then '#' would read back as a comment")
        for value in ["#", "# x", "#\tx"] {
            var hashy = entry
            hashy.value = value
            #expect(writer.line(for: hashy) == nil, "\(value) would read back as a comment")
        }
        var tag = entry
        tag.value = "#tag"
        #expect(writer.line(for: tag) == "keyword #tag")
        var url = entry
        url.signalType = .url
        url.value = "http://example.org/a#b"
        #expect(writer.line(for: url) == "url http://example.org/a#b")
        var parser = ListParser(format: .lists)
        #expect(parser.parse(line: writer.line(for: url)!, number: 1).listEntry?.value == url.value)
        for format in ListFormat.allCases where format != .lists {
            #expect(ListWriter(format: format).line(for: url) == nil, "\(format) cannot carry list entries")
        }
        #expect(ListFormat(name: "LISTS") == .lists)
        #expect(ListFormat.lists.carriesListEntries && !ListFormat.lists.carriesMetadata)
    }
}

@Suite("importing and exporting list entries")
struct ListsImportExportTests {
    static let file = """
        # hotline list, 2024-05-01
        url http://listed-1.example/gallery?id=7#photos
        domain listed-2.example
        handle telegram:listedchannel   # reported twice
        pdq \(samplePDQ)
        keyword two words
        url-md5 \(sampleMD5.uppercased())
        url http://listed-1.example/gallery?id=7#photos
        handle nocolon
        md5 \(sampleMD5)

        """

    @Test func mixedFileIsIdempotentAndReportsBadLines() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let importer = BankImporter(store: store)
            let options = ImportOptions(format: .lists, defaults: EntryDefaults(source: "hotline", addedBy: "cli"), batchSize: 3)
            let first = try await importer.importList(ChunkedBytes(Self.file, chunkSize: 11), intoBank: bank.id, options: options)
            #expect(first.linesRead == 10)
            #expect(first.inserted == 7)
            #expect(first.duplicates == 1)
            #expect(first.invalid == 1)
            #expect(first.errors.map(\.line) == [9])
            #expect(first.errors[0].message.contains("platform:name"))
            #expect(first.warnings.isEmpty)

            let lists = try await allListEntries(store, bank: bank.id)
            #expect(lists.map(\.signalType) == [.url, .domain, .handle, .keyword, .urlMD5])
            #expect(lists.map(\.value) == ["http://listed-1.example/gallery?id=7#photos", "listed-2.example",
                                          "telegram:listedchannel", "two words", sampleMD5])
            #expect(lists.allSatisfy { $0.source == "hotline" && $0.addedBy == "cli" && $0.enabled })
            #expect(try await allEntries(store, bank: bank.id).map(\.value) == [samplePDQ, sampleMD5])

            let second = try await importer.importList(ChunkedBytes(Self.file, chunkSize: 4_096), intoBank: bank.id, options: options)
            #expect(second.inserted == 0 && second.duplicates == 8 && second.invalid == 1)
            #expect(try await store.listEntryCounts(bankId: bank.id).reduce(0) { $0 + $1.total } == 5)

            await #expect(throws: BankIOError.self) {
                _ = try await importer.importList(ChunkedBytes(Self.file), intoBank: bank.id,
                                                  options: ImportOptions(format: .lists, signalType: .md5))
            }
        }
    }

    @Test func failBatchWritesNothingFromAMixedBatch() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let options = ImportOptions(format: .lists, invalidLines: .failBatch, batchSize: 100, sourceKey: "hotline-1")
            do throws(BankIOError) {
                _ = try await BankImporter(store: store).importList(ChunkedBytes(Self.file), intoBank: bank.id, options: options)
                Issue.record("expected the import to stop")
            } catch {
                guard case .invalidLine(let lineError, let progress) = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
                #expect(lineError.line == 9)
                #expect(progress.linesCommitted == 0)
            }
            #expect(try await store.listEntryCounts(bankId: bank.id).isEmpty)
            #expect(try await count(store, bank: bank.id) == 0)

            // A list row only the store refuses (a default it checks) stops the batch before its
            // hashes are written too.
            let badDefault = ImportOptions(format: .lists, defaults: EntryDefaults(note: String(repeating: "n", count: 10_001)),
                                           invalidLines: .failBatch)
            let small = "pdq \(samplePDQ)\nurl http://listed.example/\n"
            do throws(BankIOError) {
                _ = try await BankImporter(store: store).importList(ChunkedBytes(small), intoBank: bank.id, options: badDefault)
                Issue.record("expected the import to stop")
            } catch {
                guard case .invalidLine = error else {
                    Issue.record("unexpected error \(error)")
                    return
                }
            }
            #expect(try await count(store, bank: bank.id) == 0)
        }
    }

    @Test func resumeSkipsCommittedLines() async throws {
        try await withStore { store in
            let bank = try await makeBank(store)
            let lines = (1...30).map { "url http://listed-\($0).example/" }.joined(separator: "\n") + "\n"
            let key = BankImporter.checkpointKey(bankId: bank.id, sourceKey: "upload-7")
            // As if an earlier run had committed the first 20 lines and then died.
            let firstRows = (1...20).map { NewListEntry(signalType: .url, value: "http://listed-\($0).example/") }
            _ = try await store.addListEntries(firstRows, toBank: bank.id, invalidRows: .skip,
                                               checkpoint: CheckpointUpdate(key: key, linesCommitted: 20))
            let summary = try await BankImporter(store: store).importList(
                ChunkedBytes(lines), intoBank: bank.id,
                options: ImportOptions(format: .lists, batchSize: 4, resume: true, sourceKey: "upload-7"))
            #expect(summary.resumedAfterLine == 20)
            #expect(summary.inserted == 10 && summary.duplicates == 0)
            #expect(try await store.importCheckpoint(key: key) == nil, "cleared when finished")
            #expect(try await allListEntries(store, bank: bank.id).count == 30)
        }
    }

    @Test func exportRoundTripsTheWholeBank() async throws {
        try await withStore { store in
            let source = try await makeBank(store, "SOURCE")
            _ = try await store.addEntries([NewEntry(signalType: .pdq, value: samplePDQ), NewEntry(signalType: .sha256, value: sampleSHA),
                                            NewEntry(signalType: .md5, value: sampleMD5, enabled: false)], toBank: source.id)
            _ = try await store.addListEntries([
                NewListEntry(signalType: .url, value: "http://listed.example/a#b"),
                NewListEntry(signalType: .domain, value: "listed.example"),
                NewListEntry(signalType: .keyword, value: "space then #hash"),
                NewListEntry(signalType: .handle, value: "x:disabled", enabled: false),
                NewListEntry(signalType: .urlSHA256, value: sampleSHA),
            ], toBank: source.id)

            var bytes: [UInt8] = []
            let summary = try await BankExporter(store: store).export(
                bankId: source.id, options: ExportOptions(format: .lists, pageSize: 2)) { bytes += $0 }
            #expect(String(decoding: bytes, as: UTF8.self) == """
                pdq \(samplePDQ)
                sha256 \(sampleSHA)
                url http://listed.example/a#b
                domain listed.example
                url-sha256 \(sampleSHA)

                """)
            #expect(summary.entriesWritten == 5)
            #expect(summary.entriesSkipped == 2, "disabled entries: the format cannot say disabled")
            #expect(summary.entriesUnrepresentable == 1)

            let target = try await makeBank(store, "TARGET")
            let imported = try await BankImporter(store: store).importList(ChunkedBytes(bytes: bytes, chunkSize: 17), intoBank: target.id,
                                                                            options: ImportOptions(format: .lists))
            #expect(imported.inserted == 5 && imported.invalid == 0)
            let copy = try await allListEntries(store, bank: target.id)
            #expect(copy.map(\.value) == ["http://listed.example/a#b", "listed.example", sampleSHA])

            // Filters, and the other formats leave list entries out.
            var onlyDomains: [UInt8] = []
            _ = try await BankExporter(store: store).export(
                bankId: source.id, options: ExportOptions(format: .lists, signalTypes: [], listSignalTypes: [.domain])) { onlyDomains += $0 }
            #expect(String(decoding: onlyDomains, as: UTF8.self) == "domain listed.example\n")
            var jsonl: [UInt8] = []
            let hashesOnly = try await BankExporter(store: store).export(bankId: source.id, options: ExportOptions(format: .jsonl)) { jsonl += $0 }
            #expect(hashesOnly.entriesWritten == 3)
            #expect(!String(decoding: jsonl, as: UTF8.self).contains("listed.example"))
        }
    }
}
