import Foundation
import Testing
@testable import Storage

/// Every record of the list feed after `sequence`, fetched in pages of `pageSize`.
func drainListChanges(_ store: some BulwarkStore, after sequence: Int64 = 0, pageSize: Int = 1_000) async throws -> [ListChange] {
    var all: [ListChange] = []
    var cursor = sequence
    while true {
        let page = try await store.listChanges(after: cursor, limit: pageSize)
        guard let last = page.last else { return all }
        all.append(contentsOf: page)
        cursor = last.sequence
    }
}

/// Deterministic, distinct URLs for tests.
func url(_ n: Int) -> String { "http://listed-\(n).example/path?q=\(n)#frag" }

/// The list-entry contract (storage of URLs, domains, handles, wallets, keywords, URL digests in
/// banks): every test runs against each backend in `TestBackend.available`.
@Suite("Storage: list entries")
struct ListStorageTests {
    // MARK: Adding

    @Test(arguments: TestBackend.available)
    func addAndIdempotency(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "lists"))
            let other = try await store.createBank(NewBank(name: "other"))
            let addedAt = Date(timeIntervalSince1970: 1_700_000_000.5)
            let md5 = hex(7, .md5), sha = hex(8, .sha256)
            let rows = [
                NewListEntry(signalType: .url, value: url(1), source: "iwf", externalId: "iwf-1", category: "A",
                             addedAt: addedAt, addedBy: "curator@example.org", note: "from report 1"),
                NewListEntry(signalType: .domain, value: "  example.org \n"),
                NewListEntry(signalType: .handle, value: "telegram:somechannel", enabled: false),
                NewListEntry(signalType: .wallet, value: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"),
                NewListEntry(signalType: .keyword, value: "two words #tag"),
                NewListEntry(signalType: .urlMD5, value: md5.uppercased()),
                NewListEntry(signalType: .urlSHA256, value: sha),
                // Repeats in the batch: the same domain once trimmed, the digest in lowercase.
                NewListEntry(signalType: .domain, value: "example.org"),
                NewListEntry(signalType: .urlMD5, value: md5),
                // Values are kept as written: a differently-cased domain is another entry, and the
                // same text under another type is another entry.
                NewListEntry(signalType: .domain, value: "Example.org"),
                NewListEntry(signalType: .keyword, value: "example.org"),
                // Canonically equivalent Unicode (precomposed é, and e + U+0301) is two entries:
                // both databases compare bytes, and so must the batch.
                NewListEntry(signalType: .keyword, value: "caf\u{E9}"),
                NewListEntry(signalType: .keyword, value: "cafe\u{301}"),
            ]
            let start = try await store.currentSequence()
            let result = try await store.addListEntries(rows, toBank: bank.id)
            #expect(result.insertedCount == 11)
            #expect(result.duplicateCount == 2)
            #expect(result.invalidRows.isEmpty)
            #expect(result.outcomes[7] == .duplicate(existingId: try #require(result.ids[1])))
            #expect(result.outcomes[8] == .duplicate(existingId: try #require(result.ids[5])))
            #expect(Set(result.ids.compactMap { $0 }).count == 11)
            #expect(try await store.currentSequence() == start + 11, "one sequence number per inserted entry")

            let first = try await store.listEntry(id: try #require(result.ids[0]))
            #expect(first.bankId == bank.id && first.signalType == .url && first.value == url(1))
            #expect(first.source == "iwf" && first.externalId == "iwf-1" && first.category == "A")
            #expect(first.addedAt == addedAt && first.addedBy == "curator@example.org" && first.note == "from report 1")
            #expect(first.enabled)
            #expect(try await store.listEntry(id: try #require(result.ids[1])).value == "example.org")
            #expect(try await store.listEntry(id: try #require(result.ids[2])).enabled == false)
            #expect(try await store.listEntry(id: try #require(result.ids[5])).value == md5)
            #expect(try await store.listEntry(id: try #require(result.ids[11])).value.utf8.count == 5)
            #expect(try await store.listEntry(id: try #require(result.ids[12])).value.utf8.count == 6)

            // Again, with other metadata: every row is a duplicate and nothing is written.
            let sequence = try await store.currentSequence()
            let again = try await store.addListEntries(rows.map { var row = $0; row.source = "other"; return row }, toBank: bank.id)
            #expect(again.insertedCount == 0 && again.duplicateCount == rows.count)
            #expect(again.ids == result.ids)
            #expect(try await store.currentSequence() == sequence)
            #expect(try await store.listEntry(id: try #require(result.ids[0])).source == "iwf")

            // The same value in another bank is another entry.
            let elsewhere = try await store.addListEntries([NewListEntry(signalType: .url, value: url(1))], toBank: other.id)
            #expect(elsewhere.insertedCount == 1 && elsewhere.ids[0] != result.ids[0])

            let counts = try await store.listEntryCounts(bankId: bank.id)
            #expect(counts.map(\.signalType) == [.domain, .handle, .keyword, .url, .urlMD5, .urlSHA256, .wallet])
            #expect(counts.first { $0.signalType == .keyword }?.total == 4)
            #expect(counts.first { $0.signalType == .handle }.map { ($0.total, $0.enabled) } ?? (0, 0) == (1, 0))
            #expect(try await store.listEntryCounts().reduce(0) { $0 + $1.total } == 12)
            // Hash counts and the hash feed know nothing of list entries.
            #expect(try await store.entryCounts().isEmpty)
            #expect(try await drainChanges(store).allSatisfy { if case .bank = $0 { true } else { false } })

            await expectError(.bankNotFound(.id(424_242))) {
                try await store.addListEntries([NewListEntry(signalType: .url, value: url(2))], toBank: 424_242)
            }
            // Empty batches are fine and write nothing.
            #expect(try await store.addListEntries([], toBank: bank.id).outcomes.isEmpty)
        }
    }

    @Test(arguments: TestBackend.available)
    func paginationAndExport(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "paged"))
            let other = try await store.createBank(NewBank(name: "noise"))
            var ids: [Int64] = []
            for i in 0..<25 {
                let target = i.isMultiple(of: 5) ? other.id : bank.id
                let id = try await store.addListEntries([NewListEntry(signalType: .url, value: url(i))], toBank: target).ids[0]
                if target == bank.id { ids.append(try #require(id)) }
            }
            var seen: [Int64] = []
            var after: Int64 = 0
            while true {
                let page = try await store.listEntries(inBank: bank.id, after: after, limit: 7)
                #expect(page.count <= 7)
                seen += page.map(\.id)
                guard let last = page.last else { break }
                after = last.id
            }
            #expect(seen == ids)
            var exported: [Int64] = []
            for try await page in try await store.exportListEntries(inBank: bank.id, pageSize: 4) { exported += page.map(\.id) }
            #expect(exported == ids)
            #expect(try await store.listEntries(inBank: other.id, after: 0, limit: 100).count == 5)
            await expectError(.bankNotFound(.id(9_999))) { try await store.listEntries(inBank: 9_999, after: 0, limit: 10) }
            await expectError(.bankNotFound(.id(9_999))) { try await store.exportListEntries(inBank: 9_999, pageSize: 10) }
            await expectError(.invalidLimit(name: "limit", value: 0, allowed: 1...100_000)) {
                try await store.listEntries(inBank: bank.id, after: 0, limit: 0)
            }
            await expectError(.listEntryNotFound(123_456)) { try await store.listEntry(id: 123_456) }
        }
    }

    // MARK: Validation

    @Test(arguments: TestBackend.available)
    func validationErrors(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "strict"))
            let secret = "http://do-not-echo.example/secret-path"
            let cases: [(NewListEntry, StoreError)] = [
                (NewListEntry(signalType: .url, value: ""), .invalidListValue(signalType: .url, reason: "it is empty")),
                (NewListEntry(signalType: .url, value: " \t\n "), .invalidListValue(signalType: .url, reason: "it is only whitespace")),
                (NewListEntry(signalType: .url, value: String(repeating: "a", count: 2_049)),
                 .invalidListValue(signalType: .url, reason: "it has 2049 bytes in UTF-8; the limit is 2048")),
                // 1,025 two-byte characters: under 2,048 characters, over 2,048 bytes.
                (NewListEntry(signalType: .keyword, value: String(repeating: "é", count: 1_025)),
                 .invalidListValue(signalType: .keyword, reason: "it has 2050 bytes in UTF-8; the limit is 2048")),
                (NewListEntry(signalType: .url, value: secret + "\u{0}x"),
                 .invalidListValue(signalType: .url, reason: "character 39 is the control character U+0000")),
                (NewListEntry(signalType: .keyword, value: "a\tb"),
                 .invalidListValue(signalType: .keyword, reason: "character 2 is the control character U+0009")),
                (NewListEntry(signalType: .domain, value: "example.org\u{85}x"),
                 .invalidListValue(signalType: .domain, reason: "character 12 is the control character U+0085")),
                (NewListEntry(signalType: .urlMD5, value: hex(1, .sha256)),
                 .invalidListValue(signalType: .urlMD5, reason: "it has 64 characters")),
                (NewListEntry(signalType: .urlMD5, value: "g" + hex(1, .md5).dropFirst()),
                 .invalidListValue(signalType: .urlMD5, reason: "character 1 is not a hex digit")),
                (NewListEntry(signalType: .urlSHA256, value: hex(1, .md5)),
                 .invalidListValue(signalType: .urlSHA256, reason: "it has 32 characters")),
                (NewListEntry(signalType: .urlSHA256, value: String(hex(1, .sha256).dropLast()) + "é"),
                 .invalidListValue(signalType: .urlSHA256, reason: "character 64 is not a hex digit")),
                (NewListEntry(signalType: .handle, value: "somechannel"),
                 .invalidListValue(signalType: .handle, reason: "it has no ':' between the platform and the name")),
                (NewListEntry(signalType: .handle, value: ":somechannel"),
                 .invalidListValue(signalType: .handle, reason: "the platform before the ':' is empty")),
                (NewListEntry(signalType: .handle, value: "telegram: "),
                 .invalidListValue(signalType: .handle, reason: "the name after the ':' is empty")),
                (NewListEntry(signalType: .url, value: url(1), source: "a\u{1}b"),
                 .invalidField(field: "source", reason: "it contains the control character U+1")),
            ]
            for (row, expected) in cases {
                await expectError(.invalidBatch([BatchRowError(index: 0, error: expected)])) {
                    try await store.addListEntries([row], toBank: bank.id, invalidRows: .rejectBatch)
                }
                #expect(try await store.addListEntries([row], toBank: bank.id).outcomes == [.invalid(expected)])
                // The same check without writing, for callers that must validate a whole batch first.
                do throws(StoreError) {
                    try row.validate()
                    Issue.record("validate() accepted \(row.signalType)")
                } catch {
                    #expect(error == expected)
                }
                // Messages say what to fix and never repeat the value.
                #expect(!expected.description.contains("do-not-echo"))
                #expect(!expected.description.contains(hex(1, .md5).prefix(12)))
            }
            #expect(StoreError.invalidListValue(signalType: .handle, reason: "x").description.contains("platform:name"))
            #expect(StoreError.invalidListValue(signalType: .urlMD5, reason: "x").description.contains("32 hex"))
            #expect(try await store.listEntryCounts(bankId: bank.id).isEmpty, "nothing half-written")

            // Accepted edge cases: exactly 2,048 bytes, a handle whose name has a ':', surrounding
            // Unicode whitespace trimmed, a value starting with '#'.
            let edge = [
                NewListEntry(signalType: .url, value: String(repeating: "a", count: 2_048)),
                NewListEntry(signalType: .handle, value: "matrix:@user:example.org"),
                NewListEntry(signalType: .keyword, value: "\u{A0}\u{2003}#hashtag\u{3000}"),
            ]
            let accepted = try await store.addListEntries(edge, toBank: bank.id, invalidRows: .rejectBatch)
            #expect(accepted.insertedCount == 3)
            #expect(try await store.listEntry(id: try #require(accepted.ids[2])).value == "#hashtag")

            // With .skip, the valid rows are written and the invalid ones reported by position.
            let mixed = try await store.addListEntries([
                NewListEntry(signalType: .domain, value: "ok.example"),
                NewListEntry(signalType: .handle, value: "nocolon"),
                NewListEntry(signalType: .urlMD5, value: "xyz"),
            ], toBank: bank.id, invalidRows: .skip)
            #expect(mixed.insertedCount == 1)
            #expect(mixed.invalidRows.map(\.index) == [1, 2])
            #expect(mixed.ids[1] == nil)
            do {
                _ = try await store.addListEntries([
                    NewListEntry(signalType: .domain, value: "fine.example"),
                    NewListEntry(signalType: .url, value: ""),
                ], toBank: bank.id, invalidRows: .rejectBatch)
                Issue.record("an invalid row did not reject the batch")
            } catch {
                guard case .invalidBatch(let rows)? = error as? StoreError else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(rows.map(\.index) == [1])
            }
            #expect(try await store.listEntryCounts(bankId: bank.id).reduce(0) { $0 + $1.total } == 4)

            #expect(ListSignalType(name: "URL_MD5") == .urlMD5)
            #expect(ListSignalType(name: "Url-Sha256") == .urlSHA256)
            #expect(ListSignalType(name: "pdq") == nil)
            #expect(try ListSignalType.urlSHA256.canonicalValue(" \(hex(3, .sha256).uppercased()) ") == hex(3, .sha256))
        }
    }

    // MARK: Change feed

    @Test(arguments: TestBackend.available)
    func feedOrderingAndDeletions(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "feed", isNegative: true))     // 1
            let hashA = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: bank.id).entry   // 2
            let added = try await store.addListEntries([
                NewListEntry(signalType: .url, value: url(1)),                                    // 3
                NewListEntry(signalType: .domain, value: "example.org"),                          // 4
            ], toBank: bank.id)
            let urlId = try #require(added.ids[0]), domainId = try #require(added.ids[1])
            let hashB = try await store.addEntry(NewEntry(signalType: .md5, value: hex(2, .md5)), toBank: bank.id).entry  // 5
            #expect(try await store.currentSequence() == 5)

            // Each feed holds the banks and its own objects, and skips the other's numbers.
            #expect(try await store.changes(after: 0, limit: 100).map(\.sequence) == [1, 2, 5])
            let lists = try await store.listChanges(after: 0, limit: 100)
            #expect(lists == [
                .bank(BankState(sequence: 1, id: bank.id, name: "feed", enabled: true, pdqThreshold: 31, isNegative: true,
                                category: nil, action: nil, deleted: false)),
                .entry(ListEntryState(sequence: 3, id: urlId, bankId: bank.id, signalType: .url, value: url(1),
                                      entryEnabled: true, bankEnabled: true, deleted: false, isNegative: true)),
                .entry(ListEntryState(sequence: 4, id: domainId, bankId: bank.id, signalType: .domain, value: "example.org",
                                      entryEnabled: true, bankEnabled: true, deleted: false, isNegative: true)),
            ])
            // A cursor inside the other feed's numbers works: the follower reads what follows.
            #expect(try await store.listChanges(after: 2, limit: 100).map(\.sequence) == [3, 4])
            #expect(try await store.changes(after: 3, limit: 100).map(\.sequence) == [5])

            // Disable: the entry moves to a new number; the feed holds its latest state only.
            let disabled = try await store.setListEntryEnabled(id: urlId, false)                  // 6
            #expect(!disabled.enabled)
            #expect(try await store.setListEntryEnabled(id: urlId, false) == disabled, "a no-op")
            #expect(try await store.currentSequence() == 6)
            guard case .entry(let state)? = try await store.listChanges(after: 4, limit: 100).first else {
                Issue.record("expected an entry record")
                return
            }
            #expect(state.sequence == 6 && !state.entryEnabled && !state.isActive && !state.deleted)
            #expect(try await store.listChanges(after: 0, limit: 100).map(\.sequence) == [1, 4, 6])
            #expect(try await store.changes(after: 5, limit: 100).isEmpty)

            // A bank change is one record, in both feeds, and list records read now carry it.
            _ = try await store.updateBank(id: bank.id, BankUpdate(enabled: false))              // 7
            #expect(try await store.changes(after: 6, limit: 100).map(\.sequence) == [7])
            #expect(try await store.listChanges(after: 6, limit: 100).map(\.sequence) == [7])
            guard case .entry(let domainState)? = try await store.listChanges(after: 3, limit: 1).first else {
                Issue.record("expected an entry record")
                return
            }
            #expect(domainState.id == domainId && !domainState.bankEnabled && domainState.entryEnabled && !domainState.isActive)

            // Deletion: a record with deleted set, still carrying the value to unindex.
            let deleted = try await store.deleteListEntry(id: domainId)                           // 8
            #expect(deleted.value == "example.org")
            #expect(try await store.listChanges(after: 7, limit: 100) == [
                .entry(ListEntryState(sequence: 8, id: domainId, bankId: bank.id, signalType: .domain, value: "example.org",
                                      entryEnabled: false, bankEnabled: false, deleted: true, isNegative: true)),
            ])
            await expectError(.listEntryNotFound(domainId)) { try await store.listEntry(id: domainId) }
            await expectError(.listEntryNotFound(domainId)) { try await store.deleteListEntry(id: domainId) }
            await expectError(.listEntryNotFound(domainId)) { try await store.setListEntryEnabled(id: domainId, true) }
            // Re-adding a deleted value makes a new entry with a new id.
            let readded = try #require(try await store.addListEntries([NewListEntry(signalType: .domain, value: "example.org")],
                                                                      toBank: bank.id).ids[0])   // 9
            #expect(readded > domainId)
            #expect(try await store.changes(after: 7, limit: 100).isEmpty, "the hash feed saw none of it")

            // Paging with a small limit walks the same records in order, whatever the gaps.
            for i in 0..<5 {
                _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(100 + i)), toBank: bank.id)
                _ = try await store.addListEntries([NewListEntry(signalType: .keyword, value: "k\(i)")], toBank: bank.id)
            }
            let paged = try await drainListChanges(store, pageSize: 2)
            #expect(paged == (try await store.listChanges(after: 0, limit: 1_000)))
            let hashFeed = try await drainChanges(store, pageSize: 2)
            // Together the feeds hold every current state once (banks are in both); 1, 3 and 4
            // were superseded (the bank's creation, the URL before it was disabled, the domain
            // before it was deleted).
            let listSeqs = Set(paged.map(\.sequence)), hashSeqs = Set(hashFeed.map(\.sequence))
            #expect(listSeqs.union(hashSeqs) == Set([2] + Array(5...(try await store.currentSequence()))))
            #expect(listSeqs.intersection(hashSeqs) == [7], "only the bank's record is in both")
            #expect(paged.map(\.sequence) == paged.map(\.sequence).sorted())
            _ = (hashA, hashB)
            await expectError(.invalidLimit(name: "limit", value: 0, allowed: 1...100_000)) {
                try await store.listChanges(after: 0, limit: 0)
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func bankDeletionRemovesListEntries(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bank = try await store.createBank(NewBank(name: "doomed"))
            let keep = try await store.createBank(NewBank(name: "keep"))
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: bank.id)
            let ids = try await store.addListEntries((0..<4).map { NewListEntry(signalType: .url, value: url($0)) }, toBank: bank.id).ids
            _ = try await store.deleteListEntry(id: try #require(ids[0]))
            let kept = try #require(try await store.addListEntries([NewListEntry(signalType: .url, value: url(0))], toBank: keep.id).ids[0])

            let deletion = try await store.deleteBank(id: bank.id)
            #expect(deletion.entriesRemoved == 1 && deletion.listEntriesRemoved == 3)
            for id in ids.compactMap({ $0 }) {
                await expectError(.listEntryNotFound(id)) { try await store.listEntry(id: id) }
            }
            #expect(try await store.listEntryCounts(bankId: bank.id).isEmpty)
            #expect(try await store.listEntryCounts().map(\.total) == [1])
            // Followers of the list feed learn it from one bank record: the deleted bank's entry
            // and tombstone records are gone, the other bank's are not.
            let feed = try await store.listChanges(after: 0, limit: 100)
            #expect(feed.map(\.sequence) == feed.map(\.sequence).sorted())
            let bankRecords = feed.compactMap { change -> BankState? in if case .bank(let b) = change { b } else { nil } }
            #expect(bankRecords.contains { $0.id == bank.id && $0.deleted && $0.sequence == deletion.sequence })
            let entryRecords = feed.compactMap { change -> ListEntryState? in if case .entry(let e) = change { e } else { nil } }
            #expect(entryRecords.map(\.id) == [kept])
            #expect(try await store.listEntry(id: kept).bankId == keep.id)

            // The foreign key cascades too, for a bank row removed by other means.
            let extra = try await store.createBank(NewBank(name: "cascade"))
            let extraId = try #require(try await store.addListEntries([NewListEntry(signalType: .keyword, value: "x")], toBank: extra.id).ids[0])
            try await store.executeForTesting("DELETE FROM bulwark_banks WHERE name = 'cascade'")
            await expectError(.listEntryNotFound(extraId)) { try await store.listEntry(id: extraId) }
        }
    }

    @Test(arguments: TestBackend.available)
    func loadAllListsThenFollow(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let live = try await store.createBank(NewBank(name: "live"))
            let off = try await store.createBank(NewBank(name: "off", isNegative: true))
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(1)), toBank: live.id)
            var expected: [Int64: (bank: Int64, value: String, enabled: Bool)] = [:]
            for i in 0..<10 {
                let row = NewListEntry(signalType: .url, value: url(i), enabled: i % 3 != 0)
                let target = i.isMultiple(of: 2) ? live.id : off.id
                let id = try #require(try await store.addListEntries([row], toBank: target).ids[0])
                expected[id] = (target, url(i), i % 3 != 0)
            }
            _ = try await store.updateBank(id: off.id, BankUpdate(enabled: false))

            let snapshot = try await store.loadAllLists(pageSize: 3)
            #expect(snapshot.sequence == (try await store.currentSequence()))
            #expect(snapshot.banks.map(\.name) == ["live", "off"])
            var states: [ListEntryState] = []
            for try await page in snapshot.entries {
                #expect(page.count <= 3)
                states += page
            }
            #expect(states.count == 10)
            #expect(states.map(\.id) == states.map(\.id).sorted())
            for state in states {
                let want = try #require(expected[state.id])
                #expect(state.bankId == want.bank && state.value == want.value && state.entryEnabled == want.enabled)
                #expect(state.bankEnabled == (state.bankId == live.id))
                #expect(state.isNegative == (state.bankId == off.id))
                #expect(!state.deleted)
            }
            let onlyLive = try await store.loadAllLists(pageSize: 100, bankId: live.id)
            var liveCount = 0
            for try await page in onlyLive.entries { liveCount += page.count }
            #expect(onlyLive.banks.map(\.id) == [live.id] && liveCount == 5)
            await expectError(.bankNotFound(.id(404))) { try await store.loadAllLists(pageSize: 10, bankId: 404) }

            // Following from the snapshot's sequence yields exactly the later list changes.
            #expect(try await store.listChanges(after: snapshot.sequence, limit: 100).isEmpty)
            _ = try await store.addEntry(NewEntry(signalType: .pdq, value: hex(2)), toBank: live.id)
            let late = try #require(try await store.addListEntries([NewListEntry(signalType: .wallet, value: "4Aabc")], toBank: live.id).ids[0])
            let follow = try await store.listChanges(after: snapshot.sequence, limit: 100)
            guard case .entry(let state)? = follow.first, follow.count == 1 else {
                Issue.record("expected one entry record, got \(follow)")
                return
            }
            #expect(state.id == late && state.sequence == snapshot.sequence + 2 && state.isActive)

            // A bank created while a snapshot is read: its entries are left to the feed.
            let second = try await store.loadAllLists(pageSize: 2)
            let lateBank = try await store.createBank(NewBank(name: "late"))
            _ = try await store.addListEntries((0..<5).map { NewListEntry(signalType: .keyword, value: "late\($0)") }, toBank: lateBank.id)
            var count = 0
            for try await page in second.entries {
                count += page.count
                #expect(page.allSatisfy { $0.bankId != lateBank.id })
            }
            #expect(count == 11)
            #expect(try await store.listChanges(after: second.sequence, limit: 100).count == 6)
        }
    }

    /// Hash and list writers at once (on PostgreSQL through two stores, as two processes would):
    /// a follower of each feed sees each of its changes exactly once, in increasing order, and
    /// together they see every sequence number once.
    @Test(arguments: TestBackend.available)
    func concurrentHashAndListWriters(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            let second: SQLStore = backend.isShareable ? try await database.openAnother() : store
            do {
                try await Self.hashAndListWriters(store, second)
            } catch {
                if backend.isShareable { await second.shutdown() }
                throw error
            }
            if backend.isShareable { await second.shutdown() }
        }
    }

    static func hashAndListWriters(_ store: SQLStore, _ second: SQLStore) async throws {
        let bank = try await store.createBank(NewBank(name: "busy"))
        let start = try await store.currentSequence()
        let writers = 4, perWriter = 15, listBatch = 10
        let done = LockedValue(false)
        // However the writers end, the followers stop once they have caught up.
        defer { done.withLock { $0 = true } }
        let hashFollower = Task { () throws -> [Change] in
            var seen: [Change] = [], cursor = start
            while true {
                let finished = done.withLock { $0 }
                let page = try await store.changes(after: cursor, limit: 8)
                if let last = page.last { seen += page; cursor = last.sequence } else if finished { return seen } else {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
        }
        let listFollower = Task { () throws -> [ListChange] in
            var seen: [ListChange] = [], cursor = start
            while true {
                let finished = done.withLock { $0 }
                let page = try await second.listChanges(after: cursor, limit: 8)
                if let last = page.last { seen += page; cursor = last.sequence } else if finished { return seen } else {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                // On SQLite the second store only follows: two SQLite stores in one process that
                // wait for each other's write lock each block a thread of SQLiteNIO's shared pool
                // (one per core) in SQLite's busy handler, and with other tests doing the same at
                // once the pool runs out and every writer waits out its busy timeout.
                let target = w.isMultiple(of: 2) || store.backend == .sqlite ? store : second
                group.addTask {
                    for i in 0..<perWriter {
                        if (w + i).isMultiple(of: 2) {
                            _ = try await target.addEntry(NewEntry(signalType: .pdq, value: hex(w * 1_000 + i)), toBank: bank.id)
                        } else {
                            let rows = (0..<listBatch).map { NewListEntry(signalType: .url, value: url(w * 100_000 + i * 100 + $0)) }
                            _ = try await target.addListEntries(rows, toBank: bank.id)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        done.withLock { $0 = true }
        let hashes = try await hashFollower.value
        let lists = try await listFollower.value

        let end = try await store.currentSequence()
        let hashSeqs = hashes.map(\.sequence), listSeqs = lists.map(\.sequence)
        #expect(hashSeqs == hashSeqs.sorted() && listSeqs == listSeqs.sorted())
        #expect(Set(hashSeqs).count == hashSeqs.count && Set(listSeqs).count == listSeqs.count)
        #expect((hashSeqs + listSeqs).sorted() == Array(start + 1...end), "no number lost or used twice")
        let hashTotal = try await store.entryCounts(bankId: bank.id).reduce(0) { $0 + $1.total }
        let listTotal = try await store.listEntryCounts(bankId: bank.id).reduce(0) { $0 + $1.total }
        #expect(Int64(hashes.count) == hashTotal && Int64(lists.count) == listTotal)
        #expect(hashTotal + listTotal == end - start)
    }

    // MARK: Migration

    /// A database that an older Bulwark (schema version 1, hashes only) filled, migrated to the
    /// current schema: its banks, entries and feed are untouched, and list entries continue its
    /// sequence numbers.
    @Test(arguments: TestBackend.available)
    func migrationFromVersionOneKeepsData(_ backend: TestBackend) async throws {
        try await withStore(backend, migrate: false) { store, database in
            #expect(try await store.migrate(through: 1).map(\.version) == [1])
            #expect(try await store.schemaVersion() == 1)
            let bank = try await store.createBank(NewBank(name: "old", category: "csam"))
            var entries: [BankEntry] = []
            for i in 0..<5 {
                entries.append(try await store.addEntry(NewEntry(signalType: .pdq, value: hex(i), source: "ncmec"), toBank: bank.id).entry)
            }
            _ = try await store.setEntryEnabled(id: entries[1].id, false)
            _ = try await store.deleteEntry(id: entries[2].id)
            let feedBefore = try await store.changes(after: 0, limit: 1_000)
            let sequenceBefore = try await store.currentSequence()
            await expectError(.schemaNotMigrated) { try await store.listEntryCounts() }

            // The upgrade, as a newer process starting against the database would run it.
            let upgrader: SQLStore = backend.isShareable ? try await database.openAnother() : store
            #expect(try await upgrader.migrate().map(\.version) == Array(2...Migrations.latestVersion))
            #expect(try await upgrader.schemaVersion() == Migrations.latestVersion)
            if backend.isShareable { await upgrader.shutdown() }

            #expect(try await store.currentSequence() == sequenceBefore)
            #expect(try await store.changes(after: 0, limit: 1_000) == feedBefore)
            #expect(try await store.listBanks().map(\.name) == ["old"])
            #expect(try await store.entries(inBank: bank.id, after: 0, limit: 100).map(\.id) == [entries[0], entries[1], entries[3], entries[4]].map(\.id))
            #expect(try await store.entry(id: entries[1].id).enabled == false)
            #expect(try await store.listEntryCounts().isEmpty)

            let added = try await store.addListEntries([NewListEntry(signalType: .url, value: url(1))], toBank: bank.id)
            #expect(added.insertedCount == 1)
            #expect(try await store.currentSequence() == sequenceBefore + 1)
            let lists = try await store.listChanges(after: sequenceBefore, limit: 10)
            #expect(lists.map(\.sequence) == [sequenceBefore + 1])
            #expect(try await store.changes(after: sequenceBefore, limit: 10).isEmpty)
            // The old banks appear in the list feed from the start, so a new follower learns them.
            #expect(try await store.listChanges(after: 0, limit: 100).contains { if case .bank(let b) = $0 { b.id == bank.id } else { false } })
            #expect(try await store.migrate().isEmpty)
        }
    }
}
