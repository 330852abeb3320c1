import Crypto
import Foundation

/// The key that wraps every item's data key: 32 random bytes (AES-256) and a short, public id.
///
/// The master key lives outside the database (an environment variable or a key file readable
/// only by the service), so a copy of the database alone, or of the stored envelopes, reveals
/// nothing of the evidence. Each envelope records the id of the master key that wrapped its data
/// key, which is how an old key is found after rotation.
///
/// `description`, `debugDescription` and the reflection mirror show only the id: logging or
/// dumping a key never prints its bytes.
public struct MasterKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The name of the environment variable that holds the current master key.
    public static let environmentVariable = "BULWARK_VAULT_KEY"
    /// The name of the environment variable that may hold the path of the key file.
    public static let fileEnvironmentVariable = "BULWARK_VAULT_KEY_FILE"
    /// A key file larger than this is not a key file.
    static let maximumFileSize = 4096

    /// A short label, recorded in each envelope: by default the first 8 hex digits of the key's
    /// SHA-256 (identifies the key without revealing it), or one the operator chose.
    public let id: String
    let key: SymmetricKey

    /// A key from its 32 bytes. With no `id`, the id is derived from the key (``derivedId(of:)``).
    public init(bytes: [UInt8], id: String? = nil) throws(VaultError) {
        guard bytes.count == 32 else { throw .invalidKeyLength(bytes: bytes.count) }
        let chosen = id ?? Self.derivedId(of: bytes)
        guard Self.isValidId(chosen) else { throw .invalidKeyId(chosen) }
        self.id = chosen
        self.key = SymmetricKey(data: bytes)
    }

    /// A fresh random key, for tests and for tools that generate keys.
    public static func generate(id: String? = nil) throws(VaultError) -> MasterKey {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        return try MasterKey(bytes: bytes, id: id)
    }

    /// Parses a key written as 64 hex digits (what `openssl rand -hex 32` prints) or as base64
    /// of 32 bytes (`openssl rand -base64 32`). Surrounding whitespace and newlines are ignored,
    /// so a key file may end with a newline. The error never repeats the text.
    public static func parse(_ text: String, id: String? = nil) throws(VaultError) -> MasterKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let utf8 = Array(trimmed.utf8)
        if utf8.count == 64, let bytes = decodeHex(utf8) {
            return try MasterKey(bytes: bytes, id: id)
        }
        if let data = Data(base64Encoded: trimmed), data.count == 32 {
            return try MasterKey(bytes: Array(data), id: id)
        }
        throw .invalidKeyText(characters: trimmed.count)
    }

    /// The current master key from the environment (`BULWARK_VAULT_KEY`) or from a key file
    /// (`keyFile`, else the path in `BULWARK_VAULT_KEY_FILE`).
    ///
    /// Setting both the variable and a file is refused rather than silently preferring one. A key
    /// file that its group or others may read is refused, as ssh refuses such private keys: the
    /// key protects every preserved item, so it must be readable by the service's user only.
    public static func load(environment: [String: String], keyFile: String?) throws(VaultError) -> MasterKey {
        let fromEnvironment = environment[environmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        let file = keyFile ?? environment[fileEnvironmentVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (fromEnvironment, file) {
        case (let text?, nil):
            return try parse(text)
        case (nil, let path?):
            return try parse(readKeyFile(path))
        case (_?, let path?):
            throw .ambiguousMasterKey(keyFile: path)
        case (nil, nil):
            throw .noMasterKey
        }
    }

    /// Reads a key file after checking that it is a regular file (following symbolic links, as
    /// Kubernetes secret mounts use them), small, and not readable by group or others.
    static func readKeyFile(_ path: String) throws(VaultError) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw .keyFileUnreadable(path: path, reason: "it does not exist or cannot be examined")
        }
        if let type = attributes[.type] as? FileAttributeType, type != .typeRegular {
            throw .keyFileUnreadable(path: path, reason: "it is not a regular file")
        }
        guard let permissions = attributes[.posixPermissions] as? NSNumber else {
            throw .keyFileUnreadable(path: path, reason: "its permissions cannot be read")
        }
        let mode = permissions.uint16Value & 0o7777
        guard mode & 0o077 == 0 else { throw .keyFileTooOpen(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw .keyFileUnreadable(path: path, reason: "permission denied for this user")
        }
        guard data.count <= maximumFileSize else {
            throw .keyFileUnreadable(path: path, reason: "it is \(data.count) bytes, far more than a key")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .keyFileUnreadable(path: path, reason: "it is not text; write the key as hex or base64")
        }
        return text
    }

    /// The default id of a key: the first 8 hex digits of its SHA-256.
    public static func derivedId(of bytes: [UInt8]) -> String {
        String(hex(Array(SHA256.hash(data: bytes))).prefix(8))
    }

    /// Whether `id` can name a key: 1 to 64 characters from `A-Z a-z 0-9 . _ -`.
    public static func isValidId(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard (1...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }

    /// Whether two keys have the same bytes (compared in constant time).
    func hasSameBytes(as other: MasterKey) -> Bool { key == other.key }

    public var description: String { "MasterKey(id: \(id))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["id": id], displayStyle: .struct) }
}

/// The current master key, which seals and rewraps, and the previous ones, kept only to open
/// items sealed before a rotation and to rewrap them to the current key.
public struct MasterKeyRing: Sendable, CustomStringConvertible {
    /// The environment variable that may list previous master keys (hex or base64), separated by
    /// commas or whitespace, during a rotation.
    public static let previousKeysEnvironmentVariable = "BULWARK_VAULT_PREVIOUS_KEYS"

    /// The key new items are sealed under and rewrapped to.
    public let current: MasterKey
    /// Older keys, in the order given.
    public let previous: [MasterKey]

    /// A ring of `current` and `previous`. The same key given twice is kept once; two different
    /// keys with the same id are refused, since an envelope names its key by id alone.
    public init(current: MasterKey, previous: [MasterKey] = []) throws(VaultError) {
        var kept: [MasterKey] = []
        for key in previous {
            if let same = ([current] + kept).first(where: { $0.id == key.id }) {
                guard same.hasSameBytes(as: key) else { throw .duplicateKeyId(key.id) }
                continue
            }
            kept.append(key)
        }
        self.current = current
        self.previous = kept
    }

    /// The ring from the environment: the current key as ``MasterKey/load(environment:keyFile:)``
    /// finds it, and previous keys from `BULWARK_VAULT_PREVIOUS_KEYS` and from `previousKeyFiles`
    /// (each checked like the current key file).
    public static func load(environment: [String: String], keyFile: String?,
                            previousKeyFiles: [String] = []) throws(VaultError) -> MasterKeyRing {
        let current = try MasterKey.load(environment: environment, keyFile: keyFile)
        var previous: [MasterKey] = []
        if let list = environment[previousKeysEnvironmentVariable] {
            let separators = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ","))
            for text in list.components(separatedBy: separators) where !text.isEmpty {
                previous.append(try MasterKey.parse(text))
            }
        }
        for path in previousKeyFiles {
            previous.append(try MasterKey.parse(MasterKey.readKeyFile(path)))
        }
        return try MasterKeyRing(current: current, previous: previous)
    }

    /// The key with this id, current or previous.
    public func key(id: String) -> MasterKey? {
        if current.id == id { return current }
        return previous.first { $0.id == id }
    }

    /// The ids of every key in the ring, current first.
    public var ids: [String] { [current.id] + previous.map(\.id) }

    public var description: String {
        "MasterKeyRing(current: \(current.id), previous: [\(previous.map(\.id).joined(separator: ", "))])"
    }
}

func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// Decodes hex digits (either case); nil for an odd count or any other character.
func decodeHex(_ utf8: [UInt8]) -> [UInt8]? {
    guard utf8.count % 2 == 0 else { return nil }
    func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity(utf8.count / 2)
    var index = 0
    while index < utf8.count {
        guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
        out.append(high << 4 | low)
        index += 2
    }
    return out
}
