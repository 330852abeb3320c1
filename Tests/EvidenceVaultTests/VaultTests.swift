import Foundation
import Testing
@testable import EvidenceVault

@Suite("Sealing and opening")
struct VaultTests {
    @Test("round trip", arguments: [0, 1, 37, 4096, 5 * 1024 * 1024])
    func roundTrip(size: Int) throws {
        var rng = SplitMix64(seed: UInt64(size))
        let plaintext = rng.bytes(size)
        let v = try vault(makeKey())
        let item = v.seal(plaintext, itemId: "case-1/media", associated: Array("case-1".utf8))
        #expect(item.byteCount == size)
        #expect(item.ciphertext.count == size + SealedItem.ciphertextOverhead)
        #expect(item.wrappedKey.count == SealedItem.wrappedKeySize)
        #expect(item.masterKeyId == v.keys.current.id)
        #expect(try v.open(item, associated: Array("case-1".utf8)) == plaintext)
        let reparsed = try SealedItem(serialized: item.serialized())
        #expect(reparsed == item)
        #expect(try v.open(reparsed, associated: Array("case-1".utf8)) == plaintext)
    }

    @Test("the digest is the plaintext's SHA-256, readable without opening")
    func digest() throws {
        let item = try vault(makeKey()).seal(Array("abc".utf8), itemId: "x")
        #expect(item.contentDigest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let empty = try vault(makeKey()).seal([], itemId: "y")
        #expect(empty.contentDigest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("two seals of the same bytes differ but share the digest")
    func freshKeysAndNonces() throws {
        let v = try vault(makeKey())
        let plaintext = Array("the same report".utf8)
        let a = v.seal(plaintext, itemId: "item", associated: [])
        let b = v.seal(plaintext, itemId: "item", associated: [])
        #expect(a.ciphertext != b.ciphertext)
        #expect(a.wrappedKey != b.wrappedKey)
        #expect(Array(a.ciphertext.prefix(12)) != Array(b.ciphertext.prefix(12)))
        #expect(a.contentDigest == b.contentDigest)
        #expect(try v.open(a) == plaintext)
        #expect(try v.open(b) == plaintext)
    }

    @Test("the ciphertext does not contain the plaintext")
    func ciphertextIsNotPlaintext() throws {
        let plaintext = Array(String(repeating: "secret evidence ", count: 8).utf8)
        let item = try vault(makeKey()).seal(plaintext, itemId: "x")
        let body = Array(item.ciphertext[12..<(12 + plaintext.count)])
        #expect(body != plaintext)
        let serialized = item.serialized()
        let needle = Array("secret evidence".utf8)
        #expect(!serialized.indices.contains { serialized[$0...].starts(with: needle) })
    }

    @Test("a different key under the same id fails to authenticate the data key")
    func wrongMasterKey() throws {
        let item = try vault(makeKey(start: 0, id: "prod")).seal([1, 2, 3], itemId: "x")
        let other = try vault(makeKey(start: 100, id: "prod"))
        #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .dataKey)) { try other.open(item) }
        #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .dataKey)) { try other.rewrap(item) }
    }

    @Test("a ring without the item's key says which key is missing")
    func unknownKey() throws {
        let a = try makeKey(start: 0)
        let b = try makeKey(start: 50)
        let item = try vault(a).seal([1, 2, 3], itemId: "x")
        #expect(throws: VaultError.unknownMasterKey(id: a.id, known: [b.id])) { try vault(b).open(item) }
        let onlyB = try vault(b)
        do throws(VaultError) {
            _ = try onlyB.open(item)
            Issue.record("opened without its key")
        } catch {
            #expect(error.description.contains(a.id))
            #expect(error.description.contains("previous key"))
        }
    }

    @Test("a changed item id fails")
    func swappedItemId() throws {
        let v = try vault(makeKey())
        let item = v.seal([9, 9, 9], itemId: "case-1/media")
        let renamed = try SealedItem(itemId: "case-2/media", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                                     ciphertext: item.ciphertext, contentDigest: item.contentDigest,
                                     byteCount: item.byteCount)
        #expect(throws: VaultError.authenticationFailed(itemId: "case-2/media", part: .dataKey)) { try v.open(renamed) }
    }

    @Test("wrapped keys or ciphertexts moved between items fail")
    func swappedParts() throws {
        let v = try vault(makeKey())
        let a = v.seal(Array("first".utf8), itemId: "a")
        let b = v.seal(Array("other".utf8), itemId: "b")
        let keyMoved = try SealedItem(itemId: "a", masterKeyId: a.masterKeyId, wrappedKey: b.wrappedKey,
                                      ciphertext: a.ciphertext, contentDigest: a.contentDigest, byteCount: a.byteCount)
        #expect(throws: VaultError.authenticationFailed(itemId: "a", part: .dataKey)) { try v.open(keyMoved) }
        let contentMoved = try SealedItem(itemId: "a", masterKeyId: a.masterKeyId, wrappedKey: a.wrappedKey,
                                          ciphertext: b.ciphertext, contentDigest: b.contentDigest, byteCount: b.byteCount)
        #expect(throws: VaultError.authenticationFailed(itemId: "a", part: .content)) { try v.open(contentMoved) }
    }

    @Test("wrong associated data fails")
    func wrongAssociatedData() throws {
        let v = try vault(makeKey())
        let item = v.seal([1, 2, 3], itemId: "x", associated: Array("case-1|media".utf8))
        #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .content)) {
            try v.open(item, associated: Array("case-2|media".utf8))
        }
        #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .content)) { try v.open(item) }
        #expect(try v.open(item, associated: Array("case-1|media".utf8)) == [1, 2, 3])
    }

    @Test("a changed digest fails even though it is well formed")
    func changedDigest() throws {
        let v = try vault(makeKey())
        let item = v.seal(Array("abc".utf8), itemId: "x")
        let forged = try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                                    ciphertext: item.ciphertext, contentDigest: String(repeating: "0", count: 64),
                                    byteCount: item.byteCount)
        #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .content)) { try v.open(forged) }
    }

    @Test("flipping any bit of a serialized envelope is refused, never opened")
    func tamperEveryByte() throws {
        let v = try vault(makeKey())
        let plaintext = Array("a small piece of evidence".utf8)
        let bytes = v.seal(plaintext, itemId: "case-7/meta", associated: [7]).serialized()
        var refusedByParser = 0
        var refusedByOpen = 0
        for index in bytes.indices {
            for bit in [0, 7] as [UInt8] {
                var tampered = bytes
                tampered[index] ^= 1 << bit
                let item: SealedItem
                do {
                    item = try SealedItem(serialized: tampered)
                } catch {
                    refusedByParser += 1
                    continue
                }
                #expect(throws: VaultError.self) { try v.open(item, associated: [7]) }
                refusedByOpen += 1
            }
        }
        #expect(refusedByParser + refusedByOpen == bytes.count * 2)
        // Both layers must have been exercised: structure (lengths, marker) and authentication.
        #expect(refusedByParser > 0)
        #expect(refusedByOpen > 0)
    }

    @Test("each region of the envelope is covered by authentication")
    func tamperRegions() throws {
        let v = try vault(makeKey())
        let item = v.seal(Array(repeating: 0x41, count: 64), itemId: "x")
        func flipped(_ bytes: [UInt8], at index: Int) -> [UInt8] {
            var copy = bytes
            copy[index] ^= 0x01
            return copy
        }
        let regions: [(String, Int)] = [("nonce", 0), ("body", 30), ("tag", item.ciphertext.count - 1)]
        for (_, index) in regions {
            let tampered = try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                                          ciphertext: flipped(item.ciphertext, at: index),
                                          contentDigest: item.contentDigest, byteCount: item.byteCount)
            #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .content)) { try v.open(tampered) }
        }
        for index in [0, 20, SealedItem.wrappedKeySize - 1] {
            let tampered = try SealedItem(itemId: "x", masterKeyId: item.masterKeyId,
                                          wrappedKey: flipped(item.wrappedKey, at: index),
                                          ciphertext: item.ciphertext, contentDigest: item.contentDigest,
                                          byteCount: item.byteCount)
            #expect(throws: VaultError.authenticationFailed(itemId: "x", part: .dataKey)) { try v.open(tampered) }
        }
    }

    @Test("the AAD encoding keeps fields apart")
    func aadFieldsAreUnambiguous() {
        let a = Vault.contentAAD(version: 1, itemId: "ab", digest: "d", byteCount: 1, associated: Array("c".utf8))
        let b = Vault.contentAAD(version: 1, itemId: "a", digest: "d", byteCount: 1, associated: Array("bc".utf8))
        #expect(a != b)
    }
}

@Suite("Rotation")
struct RotationTests {
    @Test("items sealed under A open under B alone after rewrap, with the ciphertext untouched")
    func rewrapToNewKey() throws {
        let a = try makeKey(start: 0, id: "key-2025")
        let b = try makeKey(start: 64, id: "key-2026")
        let plaintext = Array("preserved before rotation".utf8)
        let old = try vault(a).seal(plaintext, itemId: "item-1", associated: [1])

        let onlyB = try vault(b)
        #expect(throws: VaultError.unknownMasterKey(id: "key-2025", known: ["key-2026"])) { try onlyB.open(old, associated: [1]) }

        let rotating = try vault(b, previous: [a])
        #expect(rotating.needsRewrap(old))
        #expect(try rotating.open(old, associated: [1]) == plaintext)
        let rewrapped = try rotating.rewrap(old)
        #expect(rewrapped.masterKeyId == "key-2026")
        #expect(rewrapped.ciphertext == old.ciphertext)
        #expect(rewrapped.contentDigest == old.contentDigest)
        #expect(rewrapped.wrappedKey != old.wrappedKey)
        #expect(!rotating.needsRewrap(rewrapped))

        #expect(try onlyB.open(rewrapped, associated: [1]) == plaintext)
        #expect(throws: VaultError.unknownMasterKey(id: "key-2026", known: ["key-2025"])) {
            try vault(a).open(rewrapped, associated: [1])
        }
        // Rewrapping again is a no-op.
        #expect(try rotating.rewrap(rewrapped) == rewrapped)
        // New items go under the current key.
        #expect(rotating.seal([1], itemId: "item-2").masterKeyId == "key-2026")
    }

    @Test("a rewrapped key cannot be relabelled with the old key id")
    func relabelledKeyId() throws {
        let a = try makeKey(start: 0, id: "old")
        let b = try makeKey(start: 64, id: "new")
        let ring = try vault(b, previous: [a])
        let item = try ring.rewrap(try vault(a).seal([5], itemId: "i"))
        let relabelled = try SealedItem(itemId: "i", masterKeyId: "old", wrappedKey: item.wrappedKey,
                                        ciphertext: item.ciphertext, contentDigest: item.contentDigest,
                                        byteCount: item.byteCount)
        #expect(throws: VaultError.authenticationFailed(itemId: "i", part: .dataKey)) { try ring.open(relabelled) }
    }

    @Test("a ring refuses two different keys with one id and keeps one copy of a repeated key")
    func ringIds() throws {
        let a = try makeKey(start: 0, id: "k")
        let other = try makeKey(start: 1, id: "k")
        #expect(throws: VaultError.duplicateKeyId("k")) { try MasterKeyRing(current: a, previous: [other]) }
        let ring = try MasterKeyRing(current: a, previous: [a, try makeKey(start: 9, id: "j")])
        #expect(ring.ids == ["k", "j"])
        #expect(ring.key(id: "j") != nil)
        #expect(ring.key(id: "missing") == nil)
        #expect(!ring.description.contains(hexString(fixedKeyBytes())))
    }
}
