import AuditChain
import Foundation
import Testing
@testable import Storage

@Suite("Storage: reviewers and sessions")
struct ReviewerStorageTests {
    @Test(arguments: TestBackend.available)
    func reviewersAreNamedUniquely(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let bob = try await store.createReviewer(name: "bob", role: .specialist, at: intakeEpoch)
            let alice = try await store.createReviewer(name: "alice.smith-2_x", role: .reviewer, at: intakeEpoch)
            #expect(bob.role == .specialist && bob.createdAt == intakeEpoch && bob.disabledAt == nil)
            #expect(try await store.listReviewers().map(\.name) == ["alice.smith-2_x", "bob"])
            #expect(try await store.reviewer(id: alice.id) == alice)
            #expect(try await store.reviewer(named: "bob") == bob)
            #expect(try await store.reviewer(named: "carol") == nil)
            #expect(try await store.reviewer(named: "not a name") == nil)

            await expectError(.reviewerNameTaken("bob")) {
                try await store.createReviewer(name: "bob", role: .admin, at: intakeEpoch)
            }
            await expectError(.invalidField(field: "name", reason: "byte 4 is not a letter, digit, '.', '_' or '-'")) {
                try await store.createReviewer(name: "bob smith", role: .admin, at: intakeEpoch)
            }
            await expectError(.invalidField(field: "name", reason: "it is empty")) {
                try await store.createReviewer(name: "", role: .admin, at: intakeEpoch)
            }
            await expectError(.invalidField(field: "name", reason: "it has 65 bytes; the limit is 64")) {
                try await store.createReviewer(name: String(repeating: "a", count: 65), role: .admin, at: intakeEpoch)
            }
            await expectError(.reviewerNotFound(999)) { try await store.reviewer(id: 999) }
            #expect(try await rowCount(store, "bulwark_reviewers") == 2)
        }
    }

    @Test(arguments: TestBackend.available)
    func loginTokensAreSingleUseAndExpire(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let alice = try await store.createReviewer(name: "alice", role: .reviewer, at: intakeEpoch)
            let expires = intakeEpoch.addingTimeInterval(900)
            try await store.createLoginToken(tokenHash: hex(1, .sha256), reviewerId: alice.id, at: intakeEpoch, expiresAt: expires)
            try await store.createLoginToken(tokenHash: hex(2, .sha256), reviewerId: alice.id, at: intakeEpoch, expiresAt: expires)
            try await store.createLoginToken(tokenHash: hex(3, .sha256), reviewerId: alice.id, at: intakeEpoch, expiresAt: expires)

            #expect(try await store.consumeLoginToken(tokenHash: hex(1, .sha256).uppercased(), now: intakeEpoch) == alice)
            #expect(try await store.consumeLoginToken(tokenHash: hex(1, .sha256), now: intakeEpoch) == nil, "single use")
            #expect(try await store.consumeLoginToken(tokenHash: hex(2, .sha256), now: expires) == nil, "expired")
            #expect(try await store.consumeLoginToken(tokenHash: hex(2, .sha256), now: intakeEpoch) == nil,
                    "an expired token is gone too")
            #expect(try await store.consumeLoginToken(tokenHash: "not-a-hash", now: intakeEpoch) == nil)

            // A disabled reviewer's tokens are worthless.
            _ = try await store.setReviewerDisabled(id: alice.id, at: intakeEpoch)
            #expect(try await store.consumeLoginToken(tokenHash: hex(3, .sha256), now: intakeEpoch) == nil)
            try await store.createLoginToken(tokenHash: hex(4, .sha256), reviewerId: alice.id, at: intakeEpoch, expiresAt: expires)
            #expect(try await store.consumeLoginToken(tokenHash: hex(4, .sha256), now: intakeEpoch) == nil)
            #expect(try await rowCount(store, "bulwark_login_tokens") == 0)

            await expectError(.reviewerNotFound(999)) {
                try await store.createLoginToken(tokenHash: hex(5, .sha256), reviewerId: 999, at: intakeEpoch, expiresAt: expires)
            }
            await expectError(.invalidField(field: "token hash", reason: "it has 3 bytes; expected 64 hex characters")) {
                try await store.createLoginToken(tokenHash: "abc", reviewerId: alice.id, at: intakeEpoch, expiresAt: expires)
            }
        }
    }

    /// Two requests racing with one token: exactly one signs in.
    @Test(arguments: TestBackend.available)
    func aRacedLoginTokenSignsInOnce(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, database in
            let alice = try await store.createReviewer(name: "alice", role: .reviewer, at: intakeEpoch)
            try await withAnotherStore(database) { other in
                for n in 0..<5 {
                    try await store.createLoginToken(tokenHash: hex(n, .sha256), reviewerId: alice.id, at: intakeEpoch,
                                                     expiresAt: intakeEpoch.addingTimeInterval(900))
                    async let first = store.consumeLoginToken(tokenHash: hex(n, .sha256), now: intakeEpoch)
                    async let second = other.consumeLoginToken(tokenHash: hex(n, .sha256), now: intakeEpoch)
                    let results = try await [first, second]
                    #expect(results.compactMap { $0 }.count == 1)
                }
            }
        }
    }

    @Test(arguments: TestBackend.available)
    func sessionsEndExpireAndDieWithTheirReviewer(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let alice = try await store.createReviewer(name: "alice", role: .admin, at: intakeEpoch)
            let bob = try await store.createReviewer(name: "bob", role: .reviewer, at: intakeEpoch)
            let expires = intakeEpoch.addingTimeInterval(3_600)
            let shift = intakeEpoch.addingTimeInterval(-60)
            for (n, reviewer) in [(1, alice), (2, alice), (3, bob)] {
                try await store.createSession(NewSession(tokenHash: hex(n, .sha256), reviewerId: reviewer.id,
                                                         createdAt: intakeEpoch, expiresAt: expires, shiftStartedAt: shift))
            }
            let session = try #require(try await store.session(tokenHash: hex(1, .sha256), now: intakeEpoch))
            #expect(session == SessionRecord(tokenHash: hex(1, .sha256), reviewer: alice, createdAt: intakeEpoch,
                                             expiresAt: expires, shiftStartedAt: shift, severeStreak: 0, cooldown: 0))
            try await store.updateSessionRotation(tokenHash: hex(1, .sha256), severeStreak: 3, cooldown: 2)
            let rotated = try await store.session(tokenHash: hex(1, .sha256), now: intakeEpoch)
            #expect(rotated?.severeStreak == 3 && rotated?.cooldown == 2)

            #expect(try await store.session(tokenHash: hex(1, .sha256), now: expires) == nil, "expired")
            #expect(try await store.session(tokenHash: hex(9, .sha256), now: intakeEpoch) == nil, "unknown")
            try await store.endSession(tokenHash: hex(2, .sha256), at: intakeEpoch)
            #expect(try await store.session(tokenHash: hex(2, .sha256), now: intakeEpoch) == nil, "ended")

            // Disabling ends the reviewer's sessions; enabling again does not bring them back.
            let disabled = try await store.setReviewerDisabled(id: bob.id, at: intakeEpoch)
            #expect(disabled.disabledAt == intakeEpoch)
            #expect(try await store.session(tokenHash: hex(3, .sha256), now: intakeEpoch) == nil)
            await expectError(.invalidField(field: "reviewer id", reason: "the reviewer is disabled")) {
                try await store.createSession(NewSession(tokenHash: hex(4, .sha256), reviewerId: bob.id, createdAt: intakeEpoch,
                                                         expiresAt: expires, shiftStartedAt: shift))
            }
            #expect(try await store.setReviewerDisabled(id: bob.id, at: nil).disabledAt == nil)
            #expect(try await store.session(tokenHash: hex(3, .sha256), now: intakeEpoch) == nil)
            #expect(try await store.session(tokenHash: hex(1, .sha256), now: intakeEpoch) != nil, "others are untouched")
            await expectError(.reviewerNotFound(999)) { try await store.setReviewerDisabled(id: 999, at: intakeEpoch) }
        }
    }

    @Test(arguments: TestBackend.available)
    func auditLookupsCountRevealsAndNameRevealers(_ backend: TestBackend) async throws {
        try await withStore(backend) { store, _ in
            let shift = intakeEpoch
            _ = try await store.appendAudit([
                auditEvent("vault.reveal", subject: "vault-1-0", actor: "reviewer:alice", at: shift.addingTimeInterval(-1)),
                auditEvent("vault.reveal", subject: "vault-1-0", actor: "reviewer:alice", at: shift),
                auditEvent("vault.reveal", subject: "vault-2-0", actor: "reviewer:alice", at: shift.addingTimeInterval(5)),
                auditEvent("vault.reveal", subject: "vault-1-0", actor: "reviewer:bob", at: shift.addingTimeInterval(6)),
                auditEvent("case.note", subject: "vault-1-0", actor: "reviewer:alice", at: shift.addingTimeInterval(7)),
            ])
            #expect(try await store.auditCount(kind: "vault.reveal", actor: "reviewer:alice", since: shift) == 2)
            #expect(try await store.auditCount(kind: "vault.reveal", actor: "reviewer:bob", since: shift) == 1)
            #expect(try await store.auditCount(kind: "vault.reveal", actor: "reviewer:carol", since: shift) == 0)
            let revealers = try await store.auditRecords(kind: "vault.reveal", subject: "vault-1-0")
            #expect(revealers.map(\.sequence) == [1, 2, 4])
            #expect(revealers.map(\.actor) == ["reviewer:alice", "reviewer:alice", "reviewer:bob"])
            #expect(try await store.auditRecords(kind: "vault.reveal", subject: "vault-9-0").isEmpty)
        }
    }
}
