import Testing

@testable import HashIndex

@Suite("ExactDigestSet: MD5 and SHA-256 exact matching")
struct ExactDigestSetTests {
    // MD5 and SHA-256 of the empty string, as hash lists write them.
    let md5Empty = "d41d8cd98f00b204e9800998ecf8427e"
    let sha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    @Test func insertLookupRemoveMD5() throws {
        let set = ExactDigestSet(kind: .md5)
        let digest = try ExactDigestSet.bytes(hex: md5Empty)
        #expect(digest.count == 16)
        #expect(try set.lookup(digest).isEmpty)
        #expect(try set.insert(digest, id: 7))
        #expect(try !set.insert(digest, id: 7), "the same pair twice is stored once")
        #expect(try set.insert(digest, id: 3))
        #expect(try set.lookup(digest) == [3, 7])
        #expect(try set.contains(ExactDigestSet.bytes(hex: md5Empty.uppercased())))
        #expect(set.count == 2)
        #expect(try set.remove(digest, id: 7))
        #expect(try !set.remove(digest, id: 7))
        #expect(try set.lookup(digest) == [3])
        #expect(try set.removeAll(digest) == 1)
        #expect(try !set.contains(digest))
        #expect(set.count == 0)
    }

    @Test func sha256KeysUseAll32Bytes() throws {
        let set = ExactDigestSet(kind: .sha256)
        let digest = try ExactDigestSet.bytes(hex: sha256Empty)
        try set.insert(digest, id: 1)
        // Differs only in the last byte: must not match.
        var other = digest
        other[31] ^= 1
        #expect(try set.lookup(other).isEmpty)
        try set.insert(other, id: 2)
        #expect(try set.lookup(digest) == [1])
        #expect(try set.lookup(other) == [2])
    }

    @Test func rejectsWrongLengthsAndBadHex() throws {
        let md5 = ExactDigestSet(kind: .md5)
        let sha = try ExactDigestSet.bytes(hex: sha256Empty)
        #expect(throws: ExactDigestSetError.wrongLength(expected: 16, got: 32)) { try md5.insert(sha, id: 1) }
        #expect(throws: ExactDigestSetError.wrongLength(expected: 32, got: 16)) {
            try ExactDigestSet(kind: .sha256).lookup(ExactDigestSet.bytes(hex: md5Empty))
        }
        #expect(throws: ExactDigestSetError.invalidHex(position: 2)) { try ExactDigestSet.bytes(hex: "00zz") }
        #expect(throws: ExactDigestSetError.invalidHex(position: 2)) { try ExactDigestSet.bytes(hex: "abc") }
        #expect(ExactDigestSetError.wrongLength(expected: 16, got: 3).description.contains("MD5 is 16 bytes"))
    }

    /// Many entries: resizing, long probe runs with tombstones, reinsertion into deleted slots.
    @Test func manyEntriesSurviveResizesAndTombstones() throws {
        var rng = SeededGenerator(seed: 99)
        let set = ExactDigestSet(kind: .sha256)
        let digests = (0..<12_000).map { _ in (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        for (id, digest) in digests.enumerated() { try set.insert(digest, id: UInt64(id)) }
        #expect(set.count == digests.count)
        for id in stride(from: 0, to: digests.count, by: 3) { try set.remove(digests[id], id: UInt64(id)) }
        for (id, digest) in digests.enumerated() {
            #expect(try set.lookup(digest) == (id % 3 == 0 ? [] : [UInt64(id)]))
        }
        for id in stride(from: 0, to: digests.count, by: 3) { try set.insert(digests[id], id: UInt64(id) + 1_000_000) }
        #expect(set.count == digests.count)
        #expect(try set.lookup(digests[0]) == [1_000_000])
        #expect(try set.lookup(digests[1]) == [1])
    }
}
