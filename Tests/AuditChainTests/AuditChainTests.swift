import AuditChain
import Testing

/// A chain of `count` records, as a store would write them.
private func chain(_ count: Int) -> [AuditRecord] {
    var records: [AuditRecord] = []
    for index in 0..<count {
        let previous = records.last.map { ($0.sequence, $0.hash) }
        records.append(.chained(after: previous, at: 1_700_000_000_000 + Int64(index), kind: "decision", actor: "system",
                                subject: "d_\(index)", detail: #"{"verdict":"allow"}"#))
    }
    return records
}

/// Walks the records and returns the first problem, including the head check.
private func verify(_ records: [AuditRecord], head: (Int64, String)?) -> AuditChain.Problem? {
    var verifier = AuditChain.Verifier()
    for record in records {
        if let problem = verifier.check(record) { return problem }
    }
    return verifier.finish(head: head.map { (sequence: $0.0, hash: $0.1) })
}

@Suite struct AuditChainTests {
    @Test func anIntactChainVerifies() {
        let records = chain(20)
        #expect(records.first?.previousHash == AuditChain.genesis)
        #expect(verify(records, head: (20, records[19].hash)) == nil)
        #expect(verify([], head: (0, AuditChain.genesis)) == nil)
    }

    @Test func theHashIsStableAndCoversEveryField() {
        let base = AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "a", subject: "s", detail: "{}", previousHash: AuditChain.genesis)
        #expect(base.count == 64)
        #expect(base == AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "a", subject: "s", detail: "{}", previousHash: AuditChain.genesis))
        let variants = [
            AuditChain.hash(sequence: 2, at: 2, kind: "k", actor: "a", subject: "s", detail: "{}", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 3, kind: "k", actor: "a", subject: "s", detail: "{}", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 2, kind: "K", actor: "a", subject: "s", detail: "{}", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "b", subject: "s", detail: "{}", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "a", subject: "t", detail: "{}", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "a", subject: "s", detail: "[]", previousHash: AuditChain.genesis),
            AuditChain.hash(sequence: 1, at: 2, kind: "k", actor: "a", subject: "s", detail: "{}", previousHash: String(repeating: "1", count: 64)),
            // Bytes moved between adjacent fields: length prefixes keep this distinct.
            AuditChain.hash(sequence: 1, at: 2, kind: "ka", actor: "", subject: "s", detail: "{}", previousHash: AuditChain.genesis),
        ]
        #expect(Set(variants + [base]).count == variants.count + 1)
    }

    @Test func anEditedRecordIsNamed() {
        var records = chain(10)
        records[4].detail = #"{"verdict":"block"}"#
        #expect(verify(records, head: (10, records[9].hash)) == .edited(sequence: 5))
    }

    @Test func anEditThatRehashesTheRecordBreaksTheNextLink() {
        var records = chain(10)
        records[4].subject = "d_other"
        records[4].hash = AuditChain.hash(sequence: 5, at: records[4].at, kind: records[4].kind, actor: records[4].actor,
                                          subject: records[4].subject, detail: records[4].detail, previousHash: records[4].previousHash)
        #expect(verify(records, head: (10, records[9].hash)) == .brokenLink(sequence: 6))
    }

    @Test func aRemovedRecordIsNamed() {
        var records = chain(10)
        records.remove(at: 6)
        #expect(verify(records, head: (10, records.last!.hash)) == .missing(after: 6, found: 8))
    }

    @Test func reorderedRecordsAreNamed() {
        var records = chain(10)
        records.swapAt(2, 3)
        #expect(verify(records, head: nil) == .missing(after: 2, found: 4))
        var renumbered = chain(10)
        // Swap the contents but keep the numbers dense: the links break.
        let third = renumbered[2]
        renumbered[2] = renumbered[3]
        renumbered[2].sequence = 3
        renumbered[3] = third
        renumbered[3].sequence = 4
        let problem = verify(renumbered, head: nil)
        #expect(problem == .edited(sequence: 3))
    }

    @Test func aDuplicatedRecordIsNamed() {
        var records = chain(5)
        records.insert(records[2], at: 3)
        #expect(verify(records, head: nil) == .outOfOrder(after: 3, found: 3))
    }

    @Test func aCutOffTailIsCaughtByTheHead() {
        let records = chain(10)
        let head = (Int64(10), records[9].hash)
        #expect(verify(Array(records.prefix(7)), head: head) == .truncated(last: 7, head: 10))
        #expect(AuditChain.Problem.truncated(last: 7, head: 10).description.contains("last 3 record"))
        #expect(verify(records, head: (10, records[8].hash)) == .headMismatch(sequence: 10))
    }
}
