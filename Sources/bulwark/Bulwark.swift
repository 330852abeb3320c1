import ArgumentParser

@main
struct Bulwark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulwark",
        abstract: "Stop the trade of child sexual abuse material: hash media, match it against banks, act.",
        discussion: """
            Bulwark is a self-hosted trust and safety engine. Hashes are compatible with the hash \
            exchanges (NCMEC, StopNCII, ThreatExchange, HMA): PDQ in the full-resolution \
            convention, MD5 and SHA-256 of the file bytes.
            """,
        version: BulwarkVersion.current,
        subcommands: [HashCommand.self, TextCommand.self, AccountsCommand.self, ServeCommand.self, MigrateCommand.self, KeysCommand.self, BankCommand.self, AuditCommand.self, PolicyCommand.self, ReviewersCommand.self, VaultCommand.self, DemoCommand.self]
    )
}

enum BulwarkVersion {
    static let current = "0.1.0"
}
