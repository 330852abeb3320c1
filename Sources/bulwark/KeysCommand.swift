import ArgumentParser
import BulwarkServer
import Foundation
import Storage

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. The secret is printed once and stored only as a hash.")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "ingest (hash and match), curator (manage banks and lists) or admin.")
        var role: APIKeyRole
        @Option(help: "Who or what uses the key (shown in logs and audit).")
        var name: String

        func run() async throws {
            let store = try await storeOptions.open()
            let secret = APIKeys.generate()
            do {
                let key = try await store.createAPIKey(name: name, role: role, keyHash: APIKeys.hash(secret), prefix: APIKeys.prefix(secret))
                await auditCLI(store, kind: "key.created", subject: "api-key:\(key.id)",
                               detail: "{\"role\":\"\(key.role.rawValue)\",\"prefix\":\"\(key.prefix)\"}")
                print(secret)
                FileHandle.standardError.write(Data("created key \(key.id) (\(key.role), \(key.name)). Store the secret above now: it cannot be shown again.\n".utf8))
            } catch {
                await store.shutdown()
                throw ValidationError("cannot create the key: \(error)")
            }
            await store.shutdown()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List API keys (never their secrets).")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            let store = try await storeOptions.open()
            let keys = (try? await store.listAPIKeys()) ?? []
            print("ID     ROLE     PREFIX    STATUS   NAME")
            for key in keys {
                let id = String(key.id).padding(toLength: 6, withPad: " ", startingAt: 0)
                let role = key.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                print("\(id) \(role) \(key.prefix)  \(key.isRevoked ? "revoked" : "active ")  \(key.name)")
            }
            await store.shutdown()
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API key by id (it stops working within seconds).")
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The key's id, from 'bulwark keys list'.")
        var id: Int64

        func run() async throws {
            let store = try await storeOptions.open()
            do {
                _ = try await store.revokeAPIKey(id: id)
                await auditCLI(store, kind: "key.revoked", subject: "api-key:\(id)")
            } catch {
                await store.shutdown()
                throw ValidationError("\(error)")
            }
            await store.shutdown()
            print("revoked key \(id)")
        }
    }
}

extension APIKeyRole: ExpressibleByArgument {}
