import Foundation

/// Why the vault refused to load a key, seal, open, rewrap or parse an envelope.
///
/// Every message says what to do next and never contains key material: not the key, not a
/// prefix of it, not the text it was parsed from. Key ids and item ids are safe to show; they
/// are labels, not secrets.
public enum VaultError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The key text is neither 64 hex digits nor base64 of 32 bytes. `characters` is the length
    /// of the (trimmed) text, the only thing about it that is safe to repeat.
    case invalidKeyText(characters: Int)
    /// A key given as bytes was not 32 bytes long.
    case invalidKeyLength(bytes: Int)
    /// A key id must be 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
    case invalidKeyId(String)
    /// Neither `BULWARK_VAULT_KEY` nor a key file was given.
    case noMasterKey
    /// Both `BULWARK_VAULT_KEY` and a key file were given; using one silently could open the
    /// vault with the wrong key.
    case ambiguousMasterKey(keyFile: String)
    /// The key file could not be read (missing, not a regular file, too large).
    case keyFileUnreadable(path: String, reason: String)
    /// The key file can be read by its group or by others (`mode` is its permission bits).
    case keyFileTooOpen(path: String, mode: UInt16)
    /// Two different keys were given the same id in a key ring.
    case duplicateKeyId(String)
    /// The item was sealed under a master key this ring does not hold.
    case unknownMasterKey(id: String, known: [String])
    /// A GCM tag did not verify: the envelope was altered, the item id or associated data differs
    /// from what was sealed, or the master key under this id is not the one that sealed it.
    case authenticationFailed(itemId: String, part: Part)
    /// The plaintext decrypted but its SHA-256 or length is not the one the envelope records.
    case digestMismatch(itemId: String)
    /// The envelope names a format version this build cannot read.
    case unsupportedVersion(UInt8)
    /// The envelope's bytes or fields are not a well-formed envelope.
    case malformedEnvelope(String)

    /// Which of the two sealed boxes of an envelope failed to authenticate.
    public enum Part: String, Sendable, Hashable, Codable {
        /// The wrapped data key (checked against the master key).
        case dataKey = "data key"
        /// The content (checked against the data key, item id and associated data).
        case content
    }

    public var description: String {
        switch self {
        case .invalidKeyText(let characters):
            return "the vault master key must be 32 bytes written as 64 hex digits or as base64 (44 characters); "
                + "the text given is \(characters) characters long after trimming. Generate one with `openssl rand -hex 32`."
        case .invalidKeyLength(let bytes):
            return "the vault master key must be exactly 32 bytes (AES-256); \(bytes) bytes were given."
        case .invalidKeyId(let id):
            return "vault key id \"\(id)\" is not usable: use 1 to 64 characters from A-Z, a-z, 0-9, '.', '_' and '-'."
        case .noMasterKey:
            return "no vault master key: set BULWARK_VAULT_KEY or give a key file (see docs/evidence-vault.md)."
        case .ambiguousMasterKey(let keyFile):
            return "both BULWARK_VAULT_KEY and the key file \(keyFile) are set: keep only one, so the vault cannot be "
                + "opened with a key you did not mean."
        case .keyFileUnreadable(let path, let reason):
            return "cannot read the vault key file \(path): \(reason)."
        case .keyFileTooOpen(let path, let mode):
            return "the vault key file \(path) has permissions \(String(mode, radix: 8)) and can be read by other users; "
                + "run `chmod 600 \(path)` (owner only) and start again."
        case .duplicateKeyId(let id):
            return "two different vault master keys have the id \"\(id)\": give each key its own id."
        case .unknownMasterKey(let id, let known):
            let list = known.isEmpty ? "none" : known.joined(separator: ", ")
            return "this item was sealed under vault master key \"\(id)\", which is not loaded (loaded: \(list)); "
                + "add that key to the ring as a previous key."
        case .authenticationFailed(let itemId, let part):
            switch part {
            case .dataKey:
                return "item \"\(itemId)\": its data key did not authenticate: the envelope was altered, its item id or "
                    + "key id was changed, or the master key loaded under that id is not the one that sealed it."
            case .content:
                return "item \"\(itemId)\": its content did not authenticate: the envelope was altered or the associated "
                    + "data differs from what it was sealed with."
            }
        case .digestMismatch(let itemId):
            return "item \"\(itemId)\": the decrypted content does not match the digest or length recorded in its envelope; "
                + "treat the envelope as corrupt."
        case .unsupportedVersion(let version):
            return "envelope format version \(version) is not supported by this build (it reads version "
                + "\(SealedItem.currentVersion)); upgrade Bulwark to open it."
        case .malformedEnvelope(let reason):
            return "not a valid vault envelope: \(reason)."
        }
    }

    public var errorDescription: String? { description }
}

/// Why a retention transition was refused. Each case names the item, so a batch job can report
/// which record needs a person's attention.
public enum RetentionError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// The item was already destroyed (`at`); nothing further can happen to it.
    case alreadyDestroyed(itemId: String, at: Date)
    /// Destruction is refused while legal holds are active, even when forced.
    case underLegalHold(itemId: String, holdIds: [String])
    /// The retention period has not ended; destruction before it needs `force: true` and a reason.
    case notYetDue(itemId: String, retainUntil: Date)
    /// Retention can only be lengthened.
    case wouldShorten(itemId: String, retainUntil: Date, requested: Date)
    /// A hold with this id is already on the item.
    case holdAlreadyPlaced(itemId: String, holdId: String)
    /// No active hold with this id is on the item.
    case holdNotFound(itemId: String, holdId: String)
    /// A hold needs a non-empty id, reason and who placed it.
    case invalidHold(itemId: String, reason: String)
    /// Destruction needs a non-empty reason and actor, so the tombstone can answer "why".
    case reasonRequired(itemId: String)

    public var description: String {
        switch self {
        case .alreadyDestroyed(let itemId, let at):
            return "item \"\(itemId)\" was already destroyed at \(at.ISO8601Format()); nothing is left to act on."
        case .underLegalHold(let itemId, let holdIds):
            return "item \"\(itemId)\" is under legal hold (\(holdIds.joined(separator: ", "))); release every hold before destroying it."
        case .notYetDue(let itemId, let retainUntil):
            return "item \"\(itemId)\" must be kept until \(retainUntil.ISO8601Format()); destroy it earlier only with "
                + "force and the reason (court order, survivor's request)."
        case .wouldShorten(let itemId, let retainUntil, let requested):
            return "item \"\(itemId)\" is kept until \(retainUntil.ISO8601Format()); retention cannot be shortened to "
                + "\(requested.ISO8601Format()). To remove it earlier, destroy it with force and a reason."
        case .holdAlreadyPlaced(let itemId, let holdId):
            return "item \"\(itemId)\" already has legal hold \"\(holdId)\"; use a new hold id for a new hold."
        case .holdNotFound(let itemId, let holdId):
            return "item \"\(itemId)\" has no active legal hold \"\(holdId)\"; list its holds to find the right id."
        case .invalidHold(let itemId, let reason):
            return "cannot place the legal hold on item \"\(itemId)\": \(reason)."
        case .reasonRequired(let itemId):
            return "destroying item \"\(itemId)\" needs who is doing it and why (for example \"retention period ended\" "
                + "or the court order's reference)."
        }
    }

    public var errorDescription: String? { description }
}
