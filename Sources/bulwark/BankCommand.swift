import ArgumentParser
import BankIO
import Foundation
import Storage

struct BankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank", abstract: "Create and list banks; import and export hash lists and list entries (URLs, domains, handles…).",
        subcommands: [Create.self, List.self, Import.self, Export.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a bank.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "Bank name (letters, digits, _ - .; HMA clients expect UPPER_SNAKE_CASE).")
        var name: String
        @Option(help: "PDQ match threshold in bits (the exchanges use 31).")
        var threshold = 31
        @Option(help: "Category of the bank's content (free text, e.g. 'csam-known').")
        var category: String?
        @Option(help: "The action a match implies (e.g. block_upload).")
        var action: String?
        @Flag(help: "A negative bank: its matches (known false positives) suppress other banks' matches.")
        var negative = false

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                let bank = try await store.createBank(NewBank(name: name, pdqThreshold: threshold, category: category, action: action, isNegative: negative))
                await auditCLI(store, kind: "bank.change", subject: "bank:\(bank.name)", detail: "{\"change\":\"created\"}")
                print("created bank \(bank.name) (id \(bank.id), threshold \(bank.pdqThreshold)\(bank.isNegative ? ", negative" : ""))")
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List banks with their hash and list entry counts.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                let banks = try await store.listBanks()
                let counts = try await store.entryCounts(bankId: nil)
                let listCounts = try await store.listEntryCounts(bankId: nil)
                // ENTRIES counts hashes; LIST ENTRIES counts URLs, domains, handles, wallets,
                // keywords and URL digests, with the types present (e.g. "120 (url 100, domain 20)").
                print("ID     NAME                            ENABLED  THRESHOLD  NEGATIVE  ENTRIES     LIST ENTRIES")
                for bank in banks {
                    let total = counts.filter { $0.bankId == bank.id }.reduce(Int64(0)) { $0 + $1.total }
                    let lists = listCounts.filter { $0.bankId == bank.id }
                    let listTotal = lists.reduce(Int64(0)) { $0 + $1.total }
                    let byType = lists.isEmpty ? "" : " (" + lists.map { "\($0.signalType) \($0.total)" }.joined(separator: ", ") + ")"
                    print("\(pad(String(bank.id), 6)) \(pad(bank.name, 31)) \(pad(bank.enabled ? "yes" : "no", 8)) \(pad(String(bank.pdqThreshold), 10)) \(pad(bank.isNegative ? "yes" : "no", 9)) \(pad(String(total), 11)) \(listTotal)\(byType)")
                }
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import hash lists or list entries into a bank (streamed, batched, idempotent, resumable).",
            discussion: """
                Formats: hashes (one per line), csv (with a header naming columns), jsonl, threatexchange, \
                lists (`TYPE VALUE` per line: url, domain, handle, wallet, keyword, url-md5, url-sha256, or pdq, md5, sha256). \
                Importing the same file twice adds nothing. An interrupted import continues with --resume. \
                See docs/lists.md.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The bank to import into.")
        var bank: String
        @Option(help: "hashes, csv, jsonl, threatexchange or lists (default: from the file name, else hashes).")
        var format: String?
        @Option(help: "pdq, md5 or sha256 for lines that do not say (64 hex digits are read as PDQ unless this says sha256); not for --format lists.")
        var signalType: String?
        @Option(help: "Source recorded on each entry (e.g. ncmec, stopncii).")
        var source: String?
        @Option(help: "skip (report bad lines and go on) or fail-batch (stop; nothing from that batch is written).")
        var onInvalid = "skip"
        @Option(help: "Entries per transaction.")
        var batchSize = 5_000
        @Flag(help: "Continue an interrupted import of the same file after the lines already committed.")
        var resume = false
        @Argument(help: "List files; - for standard input.")
        var files: [String]

        func run() async throws {
            guard let policy = InvalidLinePolicy(rawValue: onInvalid) else {
                throw ValidationError("--on-invalid must be skip or fail-batch")
            }
            var type: SignalType?
            if let signalType {
                guard let parsed = SignalType(rawValue: signalType.lowercased()) else { throw ValidationError("--signal-type must be pdq, md5 or sha256") }
                type = parsed
            }
            let store = try await storeOptions.open()
            var failed = false
            do {
                let target = try await store.bank(named: bank)
                let importer = BankImporter(store: store)
                for file in files {
                    let listFormat = try format.map { name -> ListFormat in
                        guard let f = ListFormat(name: name) else { throw ValidationError("unknown --format \(name)") }
                        return f
                    } ?? ListFormat(fileName: file) ?? .hashes
                    let options = ImportOptions(format: listFormat, signalType: type, defaults: EntryDefaults(source: source, addedBy: "cli"),
                                                invalidLines: policy, batchSize: batchSize, resume: resume)
                    let bar = ProgressBar(label: file == "-" ? "stdin" : (file as NSString).lastPathComponent)
                    let summary: ImportSummary
                    do {
                        if file == "-" {
                            summary = try await importer.importList(FileChunks(fileDescriptor: 0, path: "-"), intoBank: target.id, options: options,
                                                                    progress: { bar.update($0) })
                        } else {
                            summary = try await importer.importFile(atPath: file, intoBank: target.id, options: options, progress: { bar.update($0) })
                        }
                    } catch {
                        bar.finish()
                        FileHandle.standardError.write(Data("error: \(file): \(error)\n".utf8))
                        failed = true
                        continue
                    }
                    bar.finish()
                    await auditCLI(store, kind: "bank.change", subject: "bank:\(target.name)",
                                   detail: "{\"change\":\"import\",\"added\":\(summary.inserted),\"duplicates\":\(summary.duplicates)}")
                    for error in summary.errors { FileHandle.standardError.write(Data("\(file):\(error)\n".utf8)) }
                    for warning in summary.warnings { FileHandle.standardError.write(Data("warning: \(file): \(warning)\n".utf8)) }
                    print("\(file): \(summary.linesRead) lines, \(summary.inserted) added, \(summary.duplicates) already present, \(summary.invalid) invalid"
                          + (summary.resumedAfterLine > 0 ? " (resumed after line \(summary.resumedAfterLine))" : "")
                          + String(format: " in %.1f s", Double(summary.elapsed.components.seconds) + Double(summary.elapsed.components.attoseconds) / 1e18))
                    if summary.invalid > 0 { failed = true }
                }
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
            if failed { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a bank's entries (to standard output unless --output).",
            discussion: "Only the lists format carries list entries (URLs, domains, handles…); it writes the bank's hashes too.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The bank to export.")
        var bank: String
        @Option(help: "jsonl, csv, hashes, threatexchange or lists.")
        var format = "jsonl"
        @Option(help: "File to write instead of standard output.")
        var output: String?

        func run() async throws {
            guard let listFormat = ListFormat(name: format) else { throw ValidationError("unknown --format \(format)") }
            let store = try await storeOptions.open()
            do {
                let target = try await store.bank(named: bank)
                let exporter = BankExporter(store: store)
                let options = ExportOptions(format: listFormat)
                let summary = output == nil
                    ? try await exporter.export(bankId: target.id, options: options, toFileDescriptor: 1)
                    : try await exporter.export(bankId: target.id, options: options, toFile: output!)
                // Hash lists are sensitive: who took a copy, and when, is on the record.
                await auditCLI(store, kind: "bank.export", subject: "bank:\(target.name)",
                               detail: "{\"to\":\(output == nil ? "\"stdout\"" : "\"file\"")}")
                if summary.entriesUnrepresentable > 0 {
                    warn("\(summary.entriesUnrepresentable) list entries were left out: their values contain a space or tab "
                         + "followed by '#', which the lists format reads as the start of a comment")
                }
                if !listFormat.carriesListEntries {
                    let listTotal = try await store.listEntryCounts(bankId: target.id).reduce(Int64(0)) { $0 + $1.total }
                    if listTotal > 0 {
                        warn("the bank also holds \(listTotal) list entries (URLs, domains, handles…), which only --format lists exports")
                    }
                }
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
        }
    }
}

private func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
