import Foundation
import Testing
@testable import EvidenceVault

@Suite("Retention and legal hold")
struct RetentionTests {
    let day: TimeInterval = 24 * 60 * 60
    let t0 = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01T00:00:00Z
    let digest = String(repeating: "ab", count: 32)

    func record(reportedAt: Date? = nil, policy: RetentionPolicy = .standard) -> RetentionRecord {
        policy.start(itemId: "item-1", contentDigest: digest, preservedAt: t0, reportedAt: reportedAt)
    }

    func hold(_ id: String, at offset: TimeInterval = 0) -> LegalHold {
        LegalHold(id: id, reason: "litigation \(id)", placedBy: "counsel", placedAt: t0.addingTimeInterval(offset))
    }

    @Test("the default is a year, from preservation when there is no report")
    func defaultClock() {
        #expect(RetentionPolicy.standard.defaultPeriod == 365 * day)
        #expect(record().retainUntil == t0.addingTimeInterval(365 * day))
    }

    @Test("the clock runs from the report and restarts on a later one")
    func clockFromReport() throws {
        let reported = try record().reported(at: t0.addingTimeInterval(10 * day))
        #expect(reported.reportedAt == t0.addingTimeInterval(10 * day))
        #expect(reported.retainUntil == t0.addingTimeInterval(375 * day))
        let again = try reported.reported(at: t0.addingTimeInterval(100 * day))
        #expect(again.retainUntil == t0.addingTimeInterval(465 * day))
        #expect(record(reportedAt: t0.addingTimeInterval(5 * day)).retainUntil == t0.addingTimeInterval(370 * day))
    }

    @Test("a report never shortens retention")
    func neverShortenedByReport() throws {
        let extended = try record().extend(until: t0.addingTimeInterval(700 * day))
        let reported = try extended.reported(at: t0.addingTimeInterval(20 * day))
        #expect(reported.retainUntil == t0.addingTimeInterval(700 * day))
        let late = try record().reported(at: t0.addingTimeInterval(100 * day))
        let earlierReport = try late.reported(at: t0.addingTimeInterval(30 * day))
        #expect(earlierReport.retainUntil == t0.addingTimeInterval(465 * day))
        #expect(earlierReport.reportedAt == t0.addingTimeInterval(100 * day))
    }

    @Test("a policy that ignores reports keeps the preservation clock")
    func preservationClock() throws {
        let policy = RetentionPolicy(defaultPeriod: 90 * day, fromReport: false)
        let reported = try record(policy: policy).reported(at: t0.addingTimeInterval(30 * day))
        #expect(reported.retainUntil == t0.addingTimeInterval(90 * day))
        #expect(reported.reportedAt == t0.addingTimeInterval(30 * day))
    }

    @Test("extension only lengthens")
    func extend() throws {
        let r = record()
        #expect(try r.extend(until: t0.addingTimeInterval(400 * day)).retainUntil == t0.addingTimeInterval(400 * day))
        #expect(try r.extend(until: r.retainUntil) == r)
        #expect(throws: RetentionError.wouldShorten(itemId: "item-1", retainUntil: r.retainUntil,
                                                    requested: t0.addingTimeInterval(30 * day))) {
            try r.extend(until: t0.addingTimeInterval(30 * day))
        }
    }

    @Test("holds block destruction, even forced and even after the period")
    func holdsBlockDestruction() throws {
        let held = try record().placeHold(hold("H-1")).placeHold(hold("H-2"))
        let after = t0.addingTimeInterval(800 * day)
        #expect(!held.isDue(now: after))
        #expect(throws: RetentionError.underLegalHold(itemId: "item-1", holdIds: ["H-1", "H-2"])) {
            try held.destroy(at: after, by: "retention-job", reason: "retention period ended")
        }
        #expect(throws: RetentionError.underLegalHold(itemId: "item-1", holdIds: ["H-1", "H-2"])) {
            try held.destroy(at: t0, by: "ops", reason: "court order 12", force: true)
        }
        #expect(throws: RetentionError.holdAlreadyPlaced(itemId: "item-1", holdId: "H-1")) { try held.placeHold(hold("H-1")) }
        #expect(throws: RetentionError.holdNotFound(itemId: "item-1", holdId: "H-9")) { try held.releaseHold(id: "H-9") }
        #expect(throws: RetentionError.self) {
            try held.placeHold(LegalHold(id: "H-3", reason: " ", placedBy: "counsel", placedAt: t0))
        }
        #expect(held.hold(id: "H-2")?.reason == "litigation H-2")
    }

    @Test("release every hold, then destroy")
    func releaseThenDestroy() throws {
        let after = t0.addingTimeInterval(366 * day)
        let held = try record().placeHold(hold("H-1"))
        let partly = try held.placeHold(hold("H-2")).releaseHold(id: "H-1")
        #expect(partly.legalHolds.map(\.id) == ["H-2"])
        #expect(!partly.isDue(now: after))
        let released = try partly.releaseHold(id: "H-2")
        #expect(released.isDue(now: after))
        let destroyed = try released.destroy(at: after, by: "retention-job", reason: "retention period ended")
        let tombstone = try #require(destroyed.destroyed)
        #expect(tombstone.at == after)
        #expect(tombstone.by == "retention-job")
        #expect(!tombstone.forced)
        #expect(tombstone.contentDigest == digest)
        #expect(!destroyed.isDue(now: after))
    }

    @Test("before the period ends, destruction needs force, and records why")
    func forcedDestruction() throws {
        let early = t0.addingTimeInterval(30 * day)
        let r = record()
        #expect(throws: RetentionError.notYetDue(itemId: "item-1", retainUntil: r.retainUntil)) {
            try r.destroy(at: early, by: "ops", reason: "court order 2026-CV-12")
        }
        #expect(throws: RetentionError.reasonRequired(itemId: "item-1")) {
            try r.destroy(at: early, by: "ops", reason: "  ", force: true)
        }
        #expect(throws: RetentionError.reasonRequired(itemId: "item-1")) {
            try r.destroy(at: early, by: "", reason: "survivor's request", force: true)
        }
        let destroyed = try r.destroy(at: early, by: "trust-safety-lead", reason: "survivor's request #4411", force: true)
        let tombstone = try #require(destroyed.destroyed)
        #expect(tombstone.forced)
        #expect(tombstone.reason == "survivor's request #4411")
        #expect(tombstone.contentDigest == digest)
        let event = try #require(AccessEvent.destroyed(destroyed))
        #expect(event.kind == .destroyed)
        #expect(event.actor == "trust-safety-lead")
        #expect(event.reason?.contains("survivor's request #4411") == true)
        #expect(event.contentDigest == digest)
    }

    @Test("a destroyed item refuses every further transition")
    func destroyedIsFinal() throws {
        let at = t0.addingTimeInterval(400 * day)
        let destroyed = try record().destroy(at: at, by: "job", reason: "expired")
        let error = RetentionError.alreadyDestroyed(itemId: "item-1", at: at)
        #expect(throws: error) { try destroyed.destroy(at: at, by: "job", reason: "expired") }
        #expect(throws: error) { try destroyed.destroy(at: at, by: "job", reason: "expired", force: true) }
        #expect(throws: error) { try destroyed.reported(at: at) }
        #expect(throws: error) { try destroyed.extend(until: at.addingTimeInterval(day)) }
        #expect(throws: error) { try destroyed.placeHold(hold("H")) }
        #expect(throws: error) { try destroyed.releaseHold(id: "H") }
        #expect(destroyed.destroyed?.contentDigest == digest)
    }

    @Test("dueForDestruction lists expired, unheld, undestroyed items in order")
    func dueList() throws {
        let now = t0.addingTimeInterval(400 * day)
        func make(_ id: String, preservedDaysAgo: Double) -> RetentionRecord {
            RetentionRecord(itemId: id, contentDigest: digest, preservedAt: now.addingTimeInterval(-preservedDaysAgo * day))
        }
        let expired = make("expired", preservedDaysAgo: 366)
        let exactlyDue = make("exactly", preservedDaysAgo: 365)
        let fresh = make("fresh", preservedDaysAgo: 10)
        let held = try make("held", preservedDaysAgo: 500).placeHold(hold("H"))
        let gone = try make("gone", preservedDaysAgo: 500).destroy(at: now, by: "job", reason: "expired")
        let reportedLate = try make("reported", preservedDaysAgo: 366).reported(at: now.addingTimeInterval(-5 * day))
        let records = [fresh, expired, held, gone, exactlyDue, reportedLate]
        #expect(dueForDestruction(records, now: now) == ["expired", "exactly"])
        #expect(dueForDestruction([], now: now).isEmpty)
    }

    @Test("records and events survive JSON")
    func codable() throws {
        let r = try record(reportedAt: t0).placeHold(hold("H-1"))
        let decoded = try JSONDecoder().decode(RetentionRecord.self, from: JSONEncoder().encode(r))
        #expect(decoded == r)
        let event = AccessEvent.held(hold("H-1"), itemId: "item-1")
        #expect(event.kind == .held)
        #expect(event.holdId == "H-1")
        #expect(try JSONDecoder().decode(AccessEvent.self, from: JSONEncoder().encode(event)) == event)
    }

    @Test("vault operations yield audit events without secrets")
    func vaultEvents() throws {
        let key = try makeKey(id: "k1")
        let item = Vault(key: key).seal(Array("x".utf8), itemId: "item-9")
        let sealed = AccessEvent.sealed(item, by: "intake", at: t0)
        #expect(sealed.kind == .sealed)
        #expect(sealed.masterKeyId == "k1")
        #expect(sealed.contentDigest == item.contentDigest)
        let opened = AccessEvent.opened(item, by: "reviewer:ana", at: t0, reason: "CyberTipline report")
        #expect(opened.reason == "CyberTipline report")
        let newKey = try makeKey(start: 99, id: "k2")
        let rewrapped = try Vault(keys: MasterKeyRing(current: newKey, previous: [key])).rewrap(item)
        let event = AccessEvent.rewrapped(rewrapped, from: item.masterKeyId, by: "rotation", at: t0)
        #expect(event.masterKeyId == "k2")
        let encoded = String(decoding: try JSONEncoder().encode([sealed, opened, event]), as: UTF8.self)
        #expect(!encoded.contains(hexString(fixedKeyBytes())))
        #expect(!encoded.contains(Data(item.wrappedKey).base64EncodedString()))
        let released = AccessEvent.released(hold("H"), itemId: "item-9", by: "counsel", at: t0, reason: "case closed")
        #expect(released.kind == .released)
    }
}
