import Crypto
import Foundation

/// Seals preserved items under fresh data keys, opens them, and rewraps their data keys when the
/// master key rotates.
///
/// A value type over a ``MasterKeyRing``: it keeps no state and does no I/O, so it is safe to
/// share between tasks. It does not write the audit log either; after each operation the caller
/// records an ``AccessEvent`` (``AccessEvent/sealed(_:by:at:reason:)`` and its siblings).
///
/// Each item gets its own random 256-bit data key and random nonces. The content's
/// authenticated data binds the format version, the item id, the content's digest and length,
/// and the caller's `associated` bytes (for example the case id and the kind of item); the
/// wrapped key's authenticated data binds the version, the item id and the master key id. The
/// master key id is deliberately not bound into the content, so that rotation rewraps the
/// 60-byte data key and never rewrites the (possibly large) ciphertext.
public struct Vault: Sendable {
    /// The keys this vault seals with (the current one) and opens with (all of them).
    public var keys: MasterKeyRing

    public init(keys: MasterKeyRing) {
        self.keys = keys
    }

    /// A vault with only `key`, for a deployment that has never rotated.
    public init(key: MasterKey) {
        self.keys = MasterKeyRing(unchecked: key)
    }

    /// Encrypts `plaintext` as item `itemId` under a new random data key, wrapped by the current
    /// master key. Two seals of the same bytes give different envelopes with the same digest.
    /// `associated` is not stored: the same bytes must be given again to open the item.
    public func seal(_ plaintext: [UInt8], itemId: String, associated: [UInt8] = []) -> SealedItem {
        let version = SealedItem.currentVersion
        let master = keys.current
        let digest = hex(SHA256.hash(data: plaintext))
        let dataKey = SymmetricKey(size: .bits256)
        let contentAAD = Self.contentAAD(version: version, itemId: itemId, digest: digest,
                                         byteCount: plaintext.count, associated: associated)
        let wrapAAD = Self.wrapAAD(version: version, itemId: itemId, masterKeyId: master.id)
        let ciphertext = Self.sealCombined(plaintext, key: dataKey, aad: contentAAD)
        let wrapped = Self.sealCombined(dataKey.withUnsafeBytes { Array($0) }, key: master.key, aad: wrapAAD)
        return SealedItem(unchecked: version, itemId, master.id, wrapped, ciphertext, digest, plaintext.count)
    }

    /// Decrypts an item, given the same `associated` bytes it was sealed with, and checks the
    /// plaintext against the envelope's digest and length.
    ///
    /// Throws ``VaultError/unknownMasterKey(id:known:)`` when the ring lacks the item's master key,
    /// ``VaultError/authenticationFailed(itemId:part:)`` when the envelope was altered (any byte,
    /// its item id, its key id), the key under that id is a different key, or `associated`
    /// differs, and ``VaultError/digestMismatch(itemId:)`` if the plaintext is not the one recorded.
    public func open(_ item: SealedItem, associated: [UInt8] = []) throws(VaultError) -> [UInt8] {
        let dataKey = try unwrapDataKey(item)
        let aad = Self.contentAAD(version: item.version, itemId: item.itemId, digest: item.contentDigest,
                                  byteCount: item.byteCount, associated: associated)
        let plaintext: [UInt8]
        do {
            let box = try AES.GCM.SealedBox(combined: item.ciphertext)
            plaintext = Array(try AES.GCM.open(box, using: dataKey, authenticating: aad))
        } catch {
            throw .authenticationFailed(itemId: item.itemId, part: .content)
        }
        guard plaintext.count == item.byteCount, hex(SHA256.hash(data: plaintext)) == item.contentDigest else {
            throw .digestMismatch(itemId: item.itemId)
        }
        return plaintext
    }

    /// The same item with its data key wrapped by the current master key; the ciphertext is
    /// untouched (and not re-verified: that would mean reading it all). The wrapped key is
    /// authenticated before it is rewrapped. An item already under the current key comes back
    /// unchanged.
    public func rewrap(_ item: SealedItem) throws(VaultError) -> SealedItem {
        let dataKey = try unwrapDataKey(item)
        let master = keys.current
        if item.masterKeyId == master.id { return item }
        let aad = Self.wrapAAD(version: item.version, itemId: item.itemId, masterKeyId: master.id)
        let wrapped = Self.sealCombined(dataKey.withUnsafeBytes { Array($0) }, key: master.key, aad: aad)
        return item.replacingWrappedKey(wrapped, masterKeyId: master.id)
    }

    /// Whether `item` is wrapped by a master key other than the current one, and so should be
    /// rewrapped before that key is retired.
    public func needsRewrap(_ item: SealedItem) -> Bool {
        item.masterKeyId != keys.current.id
    }

    /// AES-GCM with a random 12-byte nonce, as nonce · ciphertext · tag. Sealing fails only for
    /// a key that is not 128, 192 or 256 bits or a nonce of another size; both are fixed here, so
    /// the failure branch is unreachable short of a broken crypto library.
    private static func sealCombined(_ plaintext: [UInt8], key: SymmetricKey, aad: [UInt8]) -> [UInt8] {
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: aad)
        } catch {
            fatalError("AES-GCM sealing with a 256-bit key failed: \(error)")
        }
        guard let combined = box.combined else { fatalError("AES-GCM with a 12-byte nonce has no combined form") }
        return Array(combined)
    }

    private func unwrapDataKey(_ item: SealedItem) throws(VaultError) -> SymmetricKey {
        guard item.version == SealedItem.currentVersion else { throw .unsupportedVersion(item.version) }
        guard let master = keys.key(id: item.masterKeyId) else {
            throw .unknownMasterKey(id: item.masterKeyId, known: keys.ids)
        }
        let aad = Self.wrapAAD(version: item.version, itemId: item.itemId, masterKeyId: item.masterKeyId)
        let keyBytes: Data
        do {
            let box = try AES.GCM.SealedBox(combined: item.wrappedKey)
            keyBytes = try AES.GCM.open(box, using: master.key, authenticating: aad)
        } catch {
            throw .authenticationFailed(itemId: item.itemId, part: .dataKey)
        }
        guard keyBytes.count == 32 else { throw .malformedEnvelope("the data key is not 32 bytes") }
        return SymmetricKey(data: keyBytes)
    }

    static func wrapAAD(version: UInt8, itemId: String, masterKeyId: String) -> [UInt8] {
        encodeFields([Array("bulwark-vault-key".utf8), [version], Array(itemId.utf8), Array(masterKeyId.utf8)])
    }

    static func contentAAD(version: UInt8, itemId: String, digest: String, byteCount: Int,
                           associated: [UInt8]) -> [UInt8] {
        encodeFields([Array("bulwark-vault-content".utf8), [version], Array(itemId.utf8), Array(digest.utf8),
                      Array(String(byteCount).utf8), associated])
    }

    /// Each field as an 8-byte big-endian length and its bytes: unambiguous, so bytes cannot move
    /// from one field to the next (from the item id into the associated data) unnoticed.
    private static func encodeFields(_ fields: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields {
            let length = UInt64(field.count)
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: length >> UInt64(shift)))
            }
            out.append(contentsOf: field)
        }
        return out
    }
}

extension MasterKeyRing {
    /// A ring of one key (cannot have duplicate ids).
    init(unchecked key: MasterKey) {
        self.current = key
        self.previous = []
    }
}
