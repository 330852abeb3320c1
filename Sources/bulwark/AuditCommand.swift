import ArgumentParser
import AuditChain
import Foundation
import Signals
import Storage

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check and read the tamper-evident audit log.",
        discussion: """
            Every decision, delivered or dead-lettered action, policy change, bank change and key \
            change is appended to a hash-chained log. 'verify' walks the whole chain and names the \
            first record that was edited, removed or moved. 'head' prints the last record's number \
            and hash: publish it somewhere else from time to time (a ticket, a signed e-mail) and a \
            rewrite of the whole log becomes detectable too.
            """,
        subcommands: [AuditVerifyCommand.self, AuditHeadCommand.self, AuditShowCommand.self])
}

struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the audit log's hash chain; exit 1 and say where if it is broken.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Also check that the log contains this head (sequence:hash, as 'bulwark audit head' printed it "
        + "earlier): proves that nothing up to it was rewritten since.", valueName: "seq:hash"))
    var expect: String?

    func run() async throws {
        var expected: (sequence: Int64, hash: String)?
        if let expect {
            let parts = expect.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, parts[1].count == 64 else {
                throw ValidationError("--expect takes SEQUENCE:HASH, for example 1200:3f5a… (64 hex digits).")
            }
            expected = (sequence, parts[1].lowercased())
        }
        let store = try await storeOptions.open(migrate: false)
        var verifier = AuditChain.Verifier()
        var after: Int64 = 0
        var problem: AuditChain.Problem?
        var sawExpected = false
        let head: AuditHead
        do {
            // The head is read first: records appended during the walk are beyond it and not checked.
            head = try await store.auditHead()
            walk: while true {
                let page = try await store.auditRecords(after: after, limit: 10_000)
                guard let last = page.last else { break }
                for record in page {
                    if record.sequence > head.sequence { break walk }
                    if let found = verifier.check(record) {
                        problem = found
                        break walk
                    }
                    if let expected, record.sequence == expected.sequence { sawExpected = record.hash == expected.hash }
                }
                after = last.sequence
            }
        } catch {
            await store.shutdown()
            throw ValidationError("cannot read the audit log: \(error)")
        }
        await store.shutdown()
        if problem == nil { problem = verifier.finish(head: (head.sequence, head.hash)) }
        if let problem {
            print("audit log BROKEN: \(problem.description)")
            print("records checked before the break: \(verifier.checked)")
            throw ExitCode(1)
        }
        if let expected, !sawExpected {
            print("audit log BROKEN: record \(expected.sequence) is missing or does not have the expected hash; "
                + "the log was rewritten after that head was taken")
            throw ExitCode(1)
        }
        print("audit log verified: \(verifier.checked) records, head \(head.sequence):\(head.hash)")
    }
}

struct AuditHeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "head", abstract: "Print the audit log's head as SEQUENCE:HASH.")

    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        let store = try await storeOptions.open(migrate: false)
        do {
            let head = try await store.auditHead()
            print("\(head.sequence):\(head.hash)")
        } catch {
            await store.shutdown()
            throw ValidationError("cannot read the audit log: \(error)")
        }
        await store.shutdown()
    }
}

struct AuditShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print audit records as JSON lines.")

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "Start after this record number.")
    var after: Int64 = 0

    @Option(help: "Print at most this many records.")
    var limit = 100

    func run() async throws {
        let store = try await storeOptions.open(migrate: false)
        do {
            let records = try await store.auditRecords(after: after, limit: min(max(limit, 1), 100_000))
            for r in records {
                print("{\"sequence\":\(r.sequence),\"at\":\(r.at),\"kind\":\(JSONString.quote(r.kind)),\"actor\":\(JSONString.quote(r.actor)),"
                    + "\"subject\":\(JSONString.quote(r.subject)),\"detail\":\(JSONString.quote(r.detail)),\"hash\":\"\(r.hash)\"}")
            }
        } catch {
            await store.shutdown()
            throw ValidationError("cannot read the audit log: \(error)")
        }
        await store.shutdown()
    }
}

/// Appends an audit record for a change made from the command line. The actor is the local user
/// (`cli:<user>`): the CLI writes to the database directly, so there is no API key to name.
/// A failure is reported on stderr and does not undo the change.
func auditCLI(_ store: any BulwarkStore, kind: String, subject: String, detail: String = "{}") async {
    let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
    do {
        _ = try await store.appendAudit([NewAuditEvent(at: Date(), kind: kind, actor: "cli:\(user)", subject: subject, detail: detail)])
    } catch {
        FileHandle.standardError.write(Data("warning: the change was made but could not be written to the audit log: \(error)\n".utf8))
    }
}
