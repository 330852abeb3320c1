import Foundation
import Testing
@testable import EvidenceVault

@Suite("Envelope serialisation")
struct SerializationTests {
    func smallItem() throws -> SealedItem {
        try vault(makeKey()).seal(Array("tiny".utf8), itemId: "case/1", associated: [])
    }

    @Test("binary and JSON round trips are exact")
    func roundTrips() throws {
        let item = try smallItem()
        let bytes = item.serialized()
        #expect(Array(bytes.prefix(4)) == Array("BWVE".utf8))
        #expect(try SealedItem(serialized: bytes) == item)
        let json = try JSONEncoder().encode(item)
        let decoded = try JSONDecoder().decode(SealedItem.self, from: json)
        #expect(decoded == item)
        #expect(try vault(makeKey()).open(decoded) == Array("tiny".utf8))
    }

    @Test("a non-ASCII item id survives")
    func unicodeItemId() throws {
        let item = try vault(makeKey()).seal([1], itemId: "dossier/é/😀")
        #expect(try SealedItem(serialized: item.serialized()).itemId == "dossier/é/😀")
    }

    @Test("every truncation and any trailing byte is refused")
    func truncations() throws {
        let bytes = try smallItem().serialized()
        for length in 0..<bytes.count {
            #expect(throws: VaultError.self) { try SealedItem(serialized: Array(bytes.prefix(length))) }
        }
        #expect(throws: VaultError.self) { try SealedItem(serialized: bytes + [0]) }
    }

    @Test("random bytes are refused, with or without a valid header")
    func randomBytes() throws {
        var rng = SplitMix64(seed: 42)
        let header = Array("BWVE".utf8) + [SealedItem.currentVersion]
        var parsed = 0
        for round in 0..<3000 {
            let length = Int(rng.next() % 300)
            var bytes = rng.bytes(length)
            if round % 2 == 0 { bytes = header + bytes }
            if (try? SealedItem(serialized: bytes)) != nil { parsed += 1 }
        }
        #expect(parsed == 0)
    }

    @Test("absurd lengths are refused without allocating or crashing")
    func absurdLengths() throws {
        let item = try smallItem()
        let good = item.serialized()
        let itemIdCount = item.itemId.utf8.count
        let keyIdCount = item.masterKeyId.utf8.count
        let itemIdLengthAt = 5
        let keyIdLengthAt = 9 + itemIdCount
        let byteCountAt = keyIdLengthAt + 1 + keyIdCount + SealedItem.wrappedKeySize + 32
        let ciphertextLengthAt = byteCountAt + 8

        func patched(at offset: Int, with value: [UInt8]) -> [UInt8] {
            var bytes = good
            bytes.replaceSubrange(offset..<(offset + value.count), with: value)
            return bytes
        }
        let cases: [[UInt8]] = [
            patched(at: itemIdLengthAt, with: [0xFF, 0xFF, 0xFF, 0xFF]),
            patched(at: keyIdLengthAt, with: [0xFF]),
            patched(at: keyIdLengthAt, with: [0x00]),
            patched(at: byteCountAt, with: [UInt8](repeating: 0xFF, count: 8)),
            patched(at: byteCountAt, with: [0x7F] + [UInt8](repeating: 0xFF, count: 7)),
            patched(at: ciphertextLengthAt, with: [UInt8](repeating: 0xFF, count: 8)),
            patched(at: ciphertextLengthAt, with: [UInt8](repeating: 0x00, count: 8)),
        ]
        for bytes in cases {
            #expect(throws: VaultError.self) { try SealedItem(serialized: bytes) }
        }
        #expect(throws: VaultError.unsupportedVersion(2)) { try SealedItem(serialized: patched(at: 4, with: [2])) }
    }

    @Test("fields of the wrong shape are refused by the initialiser and by JSON decoding")
    func fieldValidation() throws {
        let item = try smallItem()
        #expect(throws: VaultError.self) {
            try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: Array(item.wrappedKey.dropLast()),
                           ciphertext: item.ciphertext, contentDigest: item.contentDigest, byteCount: item.byteCount)
        }
        #expect(throws: VaultError.self) {
            try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                           ciphertext: item.ciphertext, contentDigest: item.contentDigest, byteCount: item.byteCount + 1)
        }
        #expect(throws: VaultError.self) {
            try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                           ciphertext: item.ciphertext, contentDigest: item.contentDigest.uppercased(),
                           byteCount: item.byteCount)
        }
        #expect(throws: VaultError.self) {
            try SealedItem(itemId: "x", masterKeyId: "bad id!", wrappedKey: item.wrappedKey,
                           ciphertext: item.ciphertext, contentDigest: item.contentDigest, byteCount: item.byteCount)
        }
        #expect(throws: VaultError.self) {
            try SealedItem(itemId: "x", masterKeyId: item.masterKeyId, wrappedKey: item.wrappedKey,
                           ciphertext: Array(item.ciphertext.prefix(10)), contentDigest: item.contentDigest, byteCount: 0)
        }
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(item)) as? [String: Any])
        object["byteCount"] = 999
        let bad = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SealedItem.self, from: bad) }
        object["byteCount"] = item.byteCount
        object["wrappedKey"] = "not base64!"
        let bad2 = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SealedItem.self, from: bad2) }
    }
}
