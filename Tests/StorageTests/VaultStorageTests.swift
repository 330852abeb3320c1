import AuditChain
import Foundation
import Testing
@testable import Storage

@Suite("Storage: evidence vault")
struct VaultStorageTests {
    @Test(arguments: TestBackend.available)
    func intakePreservesEvidence(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            var record = caseIntake(1, actor: "actor-a")
            record.evidence = [vaultItem(1, index: 3, kind: .signals), vaultItem(1, index: 1), vaultItem(1, index: 0),
                               vaultItem(1, index: 2, kind: .metadata)]
            try await recordAll(store, [record])
            let items = try await store.vaultItems(contentId: "post-1")
            #expect(items.map(\.kind) == [.media, .media, .metadata, .signals])
            #expect(items.map(\.mediaIndex) == [0, 1, nil, nil])
            let first = items[0]
            let expected = vaultItem(1, index: 0)
            #expect(first.itemId == expected.itemId && first.sealed == expected.sealed && first.keyId == "key-1")
            #expect(first.contentDigest == expected.contentDigest && first.size == 100 && first.contentType == "image/jpeg")
            #expect(first.md5 == expected.md5 && first.sha256 == expected.sha256 && first.pdq == expected.pdq)
            #expect(first.preservedAt == expected.preservedAt && first.retainUntil == expected.retainUntil)
            #expect(!first.held && first.retention == expected.retention && first.destroyedAt == nil && first.tombstone == nil)
            #expect(try await store.vaultItem(id: "vault-1-1") == items[1])
            #expect(try await store.vaultItems(contentId: "post-2").isEmpty)
            await expectError(.vaultItemNotFound("vault-9-9")) { try await store.vaultItem(id: "vault-9-9") }
        }
    }

    @Test(arguments: TestBackend.available)
    func theSweepSkipsHeldDestroyedAndNotYetDue(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let now = intakeEpoch.addingTimeInterval(1_000)
            var record = caseIntake(1, actor: "actor-a")
            record.evidence = [
                vaultItem(1, index: 0, retainUntil: now.addingTimeInterval(-10)),   // due, oldest
                vaultItem(1, index: 1, retainUntil: now),                           // due
                vaultItem(1, index: 2, retainUntil: now.addingTimeInterval(1)),     // not yet
                vaultItem(1, index: 3, retainUntil: now.addingTimeInterval(-20)),   // held below
                vaultItem(1, index: 4, retainUntil: now.addingTimeInterval(-30)),   // destroyed below
            ]
            try await recordAll(store, [record])
            let held = try await store.updateVaultRetention(itemId: "vault-1-3", retention: #"{"hold":"legal"}"#,
                                                            retainUntil: now.addingTimeInterval(-20), held: true, audit: [])
            #expect(held.held && held.retention == #"{"hold":"legal"}"#)
            _ = try await store.destroyVaultItem(itemId: "vault-1-4", at: now, tombstone: "{}", retention: "{}", audit: [])

            #expect(try await store.vaultItemsDue(now: now, limit: 10).map(\.itemId) == ["vault-1-0", "vault-1-1"])
            #expect(try await store.vaultItemsDue(now: now, limit: 1).map(\.itemId) == ["vault-1-0"])
            #expect(try await store.vaultItemsDue(now: now.addingTimeInterval(1), limit: 10).count == 3)
            _ = try await store.updateVaultRetention(itemId: "vault-1-3", retention: "{}", retainUntil: now, held: false,
                                                     audit: [auditEvent("vault.release", subject: "vault-1-3")])
            #expect(try await store.vaultItemsDue(now: now, limit: 10).map(\.itemId) == ["vault-1-0", "vault-1-1", "vault-1-3"])
            #expect(try await store.auditRecords(kind: "vault.release", subject: "vault-1-3").count == 1)
            await expectError(.vaultItemNotFound("nope")) {
                try await store.updateVaultRetention(itemId: "nope", retention: "{}", retainUntil: now, held: false, audit: [])
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func destroyingShredsOnceAndForever(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            try await recordAll(store, [caseIntake(1, actor: "actor-a", evidence: 2, audit: 0)])
            try await store.replaceSealed(itemId: "vault-1-0", sealed: [1, 2, 3], keyId: "key-2")
            let rewrapped = try await store.vaultItem(id: "vault-1-0")
            #expect(rewrapped.sealed == [1, 2, 3] && rewrapped.keyId == "key-2")

            let at = intakeEpoch.addingTimeInterval(5_000)
            let destroyed = try await store.destroyVaultItem(
                itemId: "vault-1-0", at: at, tombstone: #"{"digest":"kept"}"#, retention: #"{"ended":true}"#,
                audit: [auditEvent("vault.destroy", subject: "vault-1-0", actor: "system")])
            #expect(destroyed.sealed == nil && destroyed.destroyedAt == at)
            #expect(destroyed.tombstone == #"{"digest":"kept"}"# && destroyed.retention == #"{"ended":true}"#)
            #expect(destroyed.contentDigest == rewrapped.contentDigest, "what was destroyed stays provable")
            #expect(try await store.vaultItem(id: "vault-1-0") == destroyed)

            let again = try await store.destroyVaultItem(
                itemId: "vault-1-0", at: at.addingTimeInterval(60), tombstone: "{}", retention: "{}",
                audit: [auditEvent("vault.destroy", subject: "vault-1-0", actor: "system")])
            #expect(again == destroyed, "a second destruction changes nothing")
            #expect(try await store.auditHead().sequence == 1, "and appends nothing")

            await expectError(.vaultItemDestroyed("vault-1-0")) {
                try await store.replaceSealed(itemId: "vault-1-0", sealed: [4], keyId: "key-3")
            }
            await expectError(.vaultItemDestroyed("vault-1-0")) {
                try await store.updateVaultRetention(itemId: "vault-1-0", retention: "{}", retainUntil: at, held: true, audit: [])
            }
            await expectError(.vaultItemNotFound("nope")) {
                try await store.destroyVaultItem(itemId: "nope", at: at, tombstone: "{}", retention: "{}", audit: [])
            }
            await expectError(.invalidField(field: "sealed bytes", reason: "it is empty")) {
                try await store.replaceSealed(itemId: "vault-1-1", sealed: [], keyId: "key-3")
            }
            #expect(try await store.vaultItem(id: "vault-1-1").sealed != nil, "the other item is untouched")
            #expect(try await verifyAuditLog(store).problem == nil)
        }
    }
}
