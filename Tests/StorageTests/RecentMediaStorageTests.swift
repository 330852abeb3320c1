import AuditChain
import Foundation
import Testing
@testable import Storage

/// Recent media lookups and purges, cursors, and the migration that adds the intake's tables.
@Suite("Storage: recent media, cursors, migration 4")
struct RecentMediaStorageTests {
    @Test(arguments: TestBackend.available)
    func lookupsByDigestAndTime(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            // Content 0…5, one second apart; content 2's first item also appears in content 4
            // (the same file posted twice); content 3 has an item without a PDQ hash.
            var records = (0..<6).map { intake($0, mediaCount: 2) }
            records[4].media[1] = RecentMedia(contentId: "post-4", decisionId: "dec-4", mediaIndex: 1,
                                              at: records[4].media[1].at, pdq: records[2].media[0].pdq,
                                              md5: records[2].media[0].md5?.uppercased(), sha256: records[2].media[0].sha256?.uppercased())
            records[3].media[0].pdq = nil
            _ = try await store.recordIntake(records)

            let shared = records[2].media[0]
            let byMD5 = try await store.recentMedia(md5: try #require(shared.md5), since: .distantPast)
            #expect(byMD5.map(\.media.contentId) == ["post-2", "post-4"])
            #expect(byMD5[1].media.md5 == shared.md5 && byMD5[1].media.sha256 == shared.sha256, "stored lowercase")
            #expect(byMD5[0].media == shared, "every field round-trips")
            #expect(try await store.recentMedia(md5: try #require(shared.md5).uppercased(), since: .distantPast) == byMD5)
            let sinceThree = intakeEpoch.addingTimeInterval(3)
            #expect(try await store.recentMedia(md5: try #require(shared.md5), since: sinceThree).map(\.media.contentId) == ["post-4"])
            #expect(try await store.recentMedia(sha256: try #require(shared.sha256), since: .distantPast) == byMD5)
            #expect(try await store.recentMedia(sha256: try #require(shared.sha256), since: intakeEpoch.addingTimeInterval(4.001)).isEmpty)
            #expect(try await store.recentMedia(md5: hex(999, .md5), since: .distantPast).isEmpty)

            await expectError(.invalidField(field: "md5", reason: "it has 64 bytes; expected 32 hex characters")) {
                try await store.recentMedia(md5: hex(1, .sha256), since: .distantPast)
            }
            await expectError(.invalidField(field: "sha256", reason: "character 64 is not a hex digit")) {
                try await store.recentMedia(sha256: String(hex(1, .sha256).dropLast()) + "x", since: .distantPast)
            }

            // PDQ: every item that has one, at or after `since`, in id order, page by page.
            var pages: [[RecentMediaRecord]] = []
            var cursor: Int64 = 0
            while true {
                let page = try await store.recentMediaWithPDQ(since: intakeEpoch.addingTimeInterval(1), after: cursor, limit: 3)
                guard let last = page.last else { break }
                pages.append(page)
                cursor = last.id
            }
            let withPDQ = pages.flatMap { $0 }
            #expect(pages.map(\.count) == [3, 3, 3])
            #expect(withPDQ.map(\.id) == withPDQ.map(\.id).sorted())
            #expect(withPDQ.allSatisfy { $0.media.pdq?.count == 32 && $0.media.at >= intakeEpoch.addingTimeInterval(1) })
            #expect(withPDQ.map { "\($0.media.contentId)#\($0.media.mediaIndex)" }
                    == ["post-1#0", "post-1#1", "post-2#0", "post-2#1", "post-3#1", "post-4#0", "post-4#1", "post-5#0", "post-5#1"])
            #expect(withPDQ.first { $0.media.contentId == "post-4" && $0.media.mediaIndex == 1 }?.media.pdq == shared.pdq)
        }
    }

    @Test(arguments: TestBackend.available)
    func purgeRemovesOnlyOlderMedia(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            // More rows than one purge transaction takes, so the purge runs in several.
            var record = intake(0, mediaCount: 0)
            let old = intakeEpoch, recent = intakeEpoch.addingTimeInterval(86_400)
            let count = SQLStore.purgeBatchRows + 37
            record.media = (0..<count).map { media(0, index: $0, at: $0 < count - 5 ? old : recent, pdq: $0.isMultiple(of: 2)) }
            _ = try await store.recordIntake([record])
            #expect(try await rowCount(store, "bulwark_recent_media") == Int64(count))

            #expect(try await store.purgeRecentMedia(before: old) == 0, "strictly before")
            #expect(try await store.purgeRecentMedia(before: recent) == count - 5)
            let left = try await store.recentMediaWithPDQ(since: .distantPast, after: 0, limit: 100)
            #expect(left.allSatisfy { $0.media.at == recent })
            #expect(try await rowCount(store, "bulwark_recent_media") == 5)
            #expect(try await store.purgeRecentMedia(before: recent) == 0)
            #expect(try await store.purgeRecentMedia(before: .distantFuture) == 5)
            #expect(try await store.content(id: "post-0") != nil, "content is not purged with its media")
        }
    }

    @Test(arguments: TestBackend.available)
    func cursorsPersist(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            #expect(try await store.cursor(named: "retro-matcher") == nil)
            try await store.saveCursor(named: "retro-matcher", sequence: 42)
            try await store.saveCursor(named: "audit-publisher", sequence: 0)
            #expect(try await store.cursor(named: "retro-matcher") == 42)
            try await store.saveCursor(named: "retro-matcher", sequence: 7)
            #expect(try await store.cursor(named: "retro-matcher") == 7, "saving replaces, even backwards")
            #expect(try await store.cursor(named: "audit-publisher") == 0)
            #expect(try await store.cursor(named: "RETRO-MATCHER") == nil)

            await expectError(.invalidField(field: "cursor sequence", reason: "it is negative")) {
                try await store.saveCursor(named: "x", sequence: -1)
            }
            await expectError(.invalidField(field: "cursor name", reason: "it is empty")) { try await store.saveCursor(named: "", sequence: 1) }
            await expectError(.invalidField(field: "cursor name", reason: "it is empty")) { try await store.cursor(named: "") }

            // Another process (a restart) sees the saved position.
            if backend.isShareable {
                let other = try await database.openAnother()
                let seen = try await other.cursor(named: "retro-matcher")
                await other.shutdown()
                #expect(seen == 7)
            }
        }
    }

    /// A database as the previous Bulwark left it (schema version 3) gains the intake's tables,
    /// an empty audit chain, and keeps its data.
    @Test(arguments: TestBackend.available)
    func migrationFromVersionThree(_ backend: TestBackend) async throws {
        try await withStore(backend, migrate: false) { store, database in
            #expect(try await store.migrate(through: 3).map(\.version) == [1, 2, 3])
            let bank = try await store.createBank(NewBank(name: "old"))
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: bank.id)
            let events = try await store.appendAccountEvents([accountEvent(0)])
            let sequence = try await store.currentSequence()
            await expectError(.schemaNotMigrated) { try await store.auditHead() }
            await expectError(.schemaNotMigrated) { try await store.recordIntake([intake(0)]) }

            let upgrader: SQLStore = backend.isShareable ? try await database.openAnother() : store
            #expect(try await upgrader.migrate().map(\.version) == Array(4...Migrations.latestVersion))
            #expect(try await upgrader.schemaVersion() == Migrations.latestVersion)
            if backend.isShareable { await upgrader.shutdown() }

            #expect(try await store.auditHead() == AuditHead(sequence: 0, hash: AuditChain.genesis))
            #expect(try await store.outboxStats() == OutboxStats(pending: 0, dead: 0, delivered: 0, oldestPendingCreatedAt: nil))
            #expect(try await store.currentSequence() == sequence)
            #expect(try await store.accountEvents(after: 0, limit: 10).map(\.sequence) == events)
            #expect(try await store.entries(inBank: bank.id, after: 0, limit: 10).count == 1)

            let outcomes = try await store.recordIntake([intake(0)])
            guard case .recorded(let audit)? = outcomes.first else {
                Issue.record("expected the first intake to be recorded, got \(outcomes)")
                return
            }
            #expect(audit.map(\.sequence) == [1] && audit[0].previousHash == AuditChain.genesis)
            #expect(try await store.currentSequence() == sequence, "intake does not touch the change feed")
            #expect(try await store.migrate().isEmpty)
        }
    }
}
