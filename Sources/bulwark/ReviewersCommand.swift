import ArgumentParser
import BulwarkServer
import Foundation
import Storage

struct ReviewersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reviewers", abstract: "Add reviewers to the review console and give them one-time login links.",
        discussion: """
            Roles: reviewer (works queues and decides from signals), specialist (a child-safety \
            specialist: the only role that can reveal media, and the one that sends reports), admin \
            (legal holds, appeals; cannot reveal media). The console has no passwords: each sign-in \
            uses a link printed here, valid once for 15 minutes.
            """,
        subcommands: [Add.self, Login.self, List.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a reviewer and print their first login link.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "A short name (letters, digits, '.', '_', '-'), shown in the audit log.") var name: String
        @Option(help: "reviewer, specialist or admin.") var role: ReviewerRole = .reviewer
        @Option(help: "The console's address as reviewers reach it.") var url = "http://127.0.0.1:8080"

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                let reviewer = try await store.createReviewer(name: name, role: role, at: Date())
                await auditCLI(store, kind: "reviewer.created", subject: "reviewer:\(reviewer.id)", detail: "{\"role\":\"\(role.rawValue)\"}")
                print(try await ConsoleLogins.issue(store: store, reviewer: reviewer, baseURL: url))
                FileHandle.standardError.write(Data("added \(reviewer.name) (\(role.rawValue)). The link above signs them in once within 15 minutes.\n".utf8))
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new one-time login link for a reviewer.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument var name: String
        @Option(help: "The console's address as reviewers reach it.") var url = "http://127.0.0.1:8080"

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                guard let reviewer = try await store.reviewer(named: name), reviewer.disabledAt == nil else {
                    throw ValidationError("no active reviewer is named \(name) ('bulwark reviewers list').")
                }
                print(try await ConsoleLogins.issue(store: store, reviewer: reviewer, baseURL: url))
            } catch {
                await store.shutdown()
                throw error
            }
            await store.shutdown()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List reviewers and their roles.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let store = try await storeOptions.open()
            let reviewers = (try? await store.listReviewers()) ?? []
            print("ID     ROLE        STATUS    NAME")
            for reviewer in reviewers {
                let id = String(reviewer.id).padding(toLength: 6, withPad: " ", startingAt: 0)
                let role = reviewer.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                print("\(id) \(role) \(reviewer.disabledAt == nil ? "active  " : "disabled")  \(reviewer.name)")
            }
            await store.shutdown()
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a reviewer: their sessions end at once.")
        @OptionGroup var storeOptions: StoreOptions
        @Argument var name: String

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                guard let reviewer = try await store.reviewer(named: name) else { throw ValidationError("no reviewer is named \(name).") }
                _ = try await store.setReviewerDisabled(id: reviewer.id, at: Date())
                await auditCLI(store, kind: "reviewer.disabled", subject: "reviewer:\(reviewer.id)")
            } catch {
                await store.shutdown()
                throw error
            }
            await store.shutdown()
            print("disabled \(name)")
        }
    }
}

extension ReviewerRole: ExpressibleByArgument {}

struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault", abstract: "The evidence vault's master key.",
        subcommands: [Keygen.self])

    struct Keygen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new random master key to FILE (mode 0600), for serve --vault-key-file.",
            discussion: "Keep the key outside the database and its backups: whoever holds both can read the evidence.")
        @Argument(help: "Where to write the key; an existing file is never overwritten.") var file: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: file) else { throw ValidationError("\(file) exists; choose a new path.") }
            try VaultKeyFile.write(to: file)
            print("wrote a new vault key to \(file)")
        }
    }
}

enum VaultKeyFile {
    /// 32 random bytes as 64 hex digits, in a file only its owner can read.
    static func write(to path: String) throws {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data((hex + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("cannot write \(path).")
        }
    }
}
