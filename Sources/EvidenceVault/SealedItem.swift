import Foundation

/// One preserved item, encrypted: what is stored in place of the media bytes, metadata JSON or
/// signals JSON it came from.
///
/// The content is AES-256-GCM under a data key made for this item alone; the data key is stored
/// only wrapped (AES-256-GCM) under the master key named by `masterKeyId`. Deleting `wrappedKey`
/// from every copy makes `ciphertext` unreadable (crypto-shredding). `contentDigest` and
/// `byteCount` describe the plaintext, so an item can be matched to a reported hash, or counted,
/// without being opened.
///
/// Values are only made by ``Vault`` or by the validating initialisers, so every `SealedItem`
/// has well-formed fields; whether they are authentic is what ``Vault/open(_:associated:)`` checks.
public struct SealedItem: Sendable, Hashable, Codable {
    /// The envelope format this build writes.
    public static let currentVersion: UInt8 = 1
    /// AES-GCM nonce and tag sizes.
    static let nonceSize = 12
    static let tagSize = 16
    /// A wrapped 32-byte data key: nonce, ciphertext and tag.
    public static let wrappedKeySize = nonceSize + 32 + tagSize
    /// What AES-GCM adds to the content: nonce and tag.
    public static let ciphertextOverhead = nonceSize + tagSize
    /// The first bytes of ``serialized()``: "BWVE" (Bulwark vault envelope).
    static let magic: [UInt8] = [0x42, 0x57, 0x56, 0x45]

    /// The envelope format version (``currentVersion``).
    public let version: UInt8
    /// The caller's id for the item (a case's evidence id); bound into both sealed boxes, so an
    /// envelope cannot be passed off as another item.
    public let itemId: String
    /// The id of the master key that wrapped the data key.
    public let masterKeyId: String
    /// The data key: 12-byte nonce, 32-byte ciphertext, 16-byte tag.
    public let wrappedKey: [UInt8]
    /// The content: 12-byte nonce, ciphertext as long as the plaintext, 16-byte tag.
    public let ciphertext: [UInt8]
    /// SHA-256 of the plaintext, 64 lowercase hex digits.
    public let contentDigest: String
    /// The plaintext's length in bytes.
    public let byteCount: Int

    /// An envelope from its fields, checked for shape (version, key id, sizes, digest); refused
    /// with ``VaultError/malformedEnvelope(_:)`` or ``VaultError/unsupportedVersion(_:)``.
    public init(version: UInt8 = SealedItem.currentVersion, itemId: String, masterKeyId: String, wrappedKey: [UInt8],
                ciphertext: [UInt8], contentDigest: String, byteCount: Int) throws(VaultError) {
        guard version == Self.currentVersion else { throw .unsupportedVersion(version) }
        guard UInt64(itemId.utf8.count) <= UInt64(UInt32.max) else { throw .malformedEnvelope("the item id is too long") }
        guard MasterKey.isValidId(masterKeyId) else { throw .malformedEnvelope("the master key id is not a valid key id") }
        guard wrappedKey.count == Self.wrappedKeySize else {
            throw .malformedEnvelope("the wrapped key is \(wrappedKey.count) bytes, not \(Self.wrappedKeySize)")
        }
        guard ciphertext.count >= Self.ciphertextOverhead else {
            throw .malformedEnvelope("the ciphertext is \(ciphertext.count) bytes, shorter than a nonce and tag")
        }
        guard byteCount == ciphertext.count - Self.ciphertextOverhead else {
            throw .malformedEnvelope("the byte count \(byteCount) does not match the ciphertext's length")
        }
        guard contentDigest.utf8.count == 64, contentDigest.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            throw .malformedEnvelope("the content digest is not 64 lowercase hex digits")
        }
        self.version = version
        self.itemId = itemId
        self.masterKeyId = masterKeyId
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
        self.contentDigest = contentDigest
        self.byteCount = byteCount
    }

    /// The same envelope with its data key wrapped anew (used by rotation); the ciphertext is shared.
    func replacingWrappedKey(_ wrappedKey: [UInt8], masterKeyId: String) -> SealedItem {
        SealedItem(unchecked: version, itemId, masterKeyId, wrappedKey, ciphertext, contentDigest, byteCount)
    }

    /// For values the vault itself just built, whose shape is right by construction.
    init(unchecked version: UInt8, _ itemId: String, _ masterKeyId: String, _ wrappedKey: [UInt8],
         _ ciphertext: [UInt8], _ contentDigest: String, _ byteCount: Int) {
        self.version = version
        self.itemId = itemId
        self.masterKeyId = masterKeyId
        self.wrappedKey = wrappedKey
        self.ciphertext = ciphertext
        self.contentDigest = contentDigest
        self.byteCount = byteCount
    }

    // MARK: Codable (JSON with base64 for the binary fields)

    private enum CodingKeys: String, CodingKey {
        case version, itemId, masterKeyId, wrappedKey, ciphertext, contentDigest, byteCount
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func base64(_ key: CodingKeys) throws -> [UInt8] {
            let text = try container.decode(String.self, forKey: key)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64")
            }
            return Array(data)
        }
        let version = try container.decode(UInt8.self, forKey: .version)
        let itemId = try container.decode(String.self, forKey: .itemId)
        let masterKeyId = try container.decode(String.self, forKey: .masterKeyId)
        let wrappedKey = try base64(.wrappedKey)
        let ciphertext = try base64(.ciphertext)
        let contentDigest = try container.decode(String.self, forKey: .contentDigest)
        let byteCount = try container.decode(Int.self, forKey: .byteCount)
        do throws(VaultError) {
            try self.init(version: version, itemId: itemId, masterKeyId: masterKeyId, wrappedKey: wrappedKey,
                          ciphertext: ciphertext, contentDigest: contentDigest, byteCount: byteCount)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description,
                                                    underlyingError: error))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(itemId, forKey: .itemId)
        try container.encode(masterKeyId, forKey: .masterKeyId)
        try container.encode(Data(wrappedKey).base64EncodedString(), forKey: .wrappedKey)
        try container.encode(Data(ciphertext).base64EncodedString(), forKey: .ciphertext)
        try container.encode(contentDigest, forKey: .contentDigest)
        try container.encode(byteCount, forKey: .byteCount)
    }

    // MARK: Binary form

    /// The compact binary form, all integers big-endian:
    ///
    ///     "BWVE" · version u8 · itemId (u32 length, UTF-8) · masterKeyId (u8 length, ASCII)
    ///     · wrappedKey (60 bytes) · contentDigest (32 bytes) · byteCount u64
    ///     · ciphertext (u64 length, then exactly that many bytes, to the end)
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        let itemIdBytes = Array(itemId.utf8)
        let keyIdBytes = Array(masterKeyId.utf8)
        out.reserveCapacity(4 + 1 + 4 + itemIdBytes.count + 1 + keyIdBytes.count + wrappedKey.count + 32 + 8 + 8 + ciphertext.count)
        out.append(contentsOf: Self.magic)
        out.append(version)
        appendBigEndian(UInt64(itemIdBytes.count), bytes: 4, to: &out)
        out.append(contentsOf: itemIdBytes)
        out.append(UInt8(keyIdBytes.count))
        out.append(contentsOf: keyIdBytes)
        out.append(contentsOf: wrappedKey)
        out.append(contentsOf: decodeHex(Array(contentDigest.utf8)) ?? [])
        appendBigEndian(UInt64(byteCount), bytes: 8, to: &out)
        appendBigEndian(UInt64(ciphertext.count), bytes: 8, to: &out)
        out.append(contentsOf: ciphertext)
        return out
    }

    /// Parses ``serialized()`` bytes. Every length is checked against what is left before it is
    /// used, so truncated, padded or hostile input is refused with
    /// ``VaultError/malformedEnvelope(_:)`` (or ``VaultError/unsupportedVersion(_:)``), never a crash.
    public init(serialized bytes: [UInt8]) throws(VaultError) {
        var reader = ByteReader(bytes: bytes)
        guard Array(try reader.take(4, "the format marker")) == Self.magic else {
            throw .malformedEnvelope("the bytes do not start with the vault envelope marker")
        }
        let version = try reader.integer(bytes: 1, "the version")
        guard version == UInt64(Self.currentVersion) else { throw .unsupportedVersion(UInt8(version)) }
        let itemIdLength = try reader.integer(bytes: 4, "the item id's length")
        let itemIdBytes = try reader.take(itemIdLength, "the item id")
        let itemId = String(decoding: itemIdBytes, as: UTF8.self)
        guard itemId.utf8.elementsEqual(itemIdBytes) else { throw .malformedEnvelope("the item id is not valid UTF-8") }
        let keyIdLength = try reader.integer(bytes: 1, "the key id's length")
        let masterKeyId = String(decoding: try reader.take(keyIdLength, "the key id"), as: UTF8.self)
        let wrappedKey = Array(try reader.take(UInt64(Self.wrappedKeySize), "the wrapped key"))
        let digest = hex(try reader.take(32, "the content digest"))
        let byteCount = try reader.integer(bytes: 8, "the byte count")
        let ciphertextLength = try reader.integer(bytes: 8, "the ciphertext's length")
        let ciphertext = Array(try reader.take(ciphertextLength, "the ciphertext"))
        guard reader.remaining == 0 else {
            throw .malformedEnvelope("\(reader.remaining) unexpected bytes follow the ciphertext")
        }
        guard byteCount <= UInt64(Int.max) else { throw .malformedEnvelope("the byte count is out of range") }
        try self.init(version: Self.currentVersion, itemId: itemId, masterKeyId: masterKeyId, wrappedKey: wrappedKey,
                      ciphertext: ciphertext, contentDigest: digest, byteCount: Int(byteCount))
    }
}

private func appendBigEndian(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
    for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) {
        out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
}

/// Reads a byte array front to back, refusing any read past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: UInt64, _ what: String) throws(VaultError) -> ArraySlice<UInt8> {
        guard count <= UInt64(remaining) else {
            throw .malformedEnvelope("\(what) needs \(count) bytes but only \(remaining) remain")
        }
        let start = offset
        offset += Int(count)
        return bytes[start..<offset]
    }

    mutating func integer(bytes count: Int, _ what: String) throws(VaultError) -> UInt64 {
        var value: UInt64 = 0
        for byte in try take(UInt64(count), what) {
            value = value << 8 | UInt64(byte)
        }
        return value
    }
}
