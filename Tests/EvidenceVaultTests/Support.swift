import Foundation
@testable import EvidenceVault

/// A small deterministic generator (SplitMix64), so "random" hostile inputs are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// A key with bytes 0, 1, 2 … 31 (offset by `start`), so tests can look for its hex in output.
func fixedKeyBytes(start: UInt8 = 0) -> [UInt8] {
    (0..<32).map { UInt8($0) &+ start }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

func makeKey(start: UInt8 = 0, id: String? = nil) throws -> MasterKey {
    try MasterKey(bytes: fixedKeyBytes(start: start), id: id)
}

func vault(_ key: MasterKey, previous: [MasterKey] = []) throws -> Vault {
    Vault(keys: try MasterKeyRing(current: key, previous: previous))
}

/// Runs `body` with a fresh temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vault-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}

func writeFile(_ text: String, at url: URL, mode: Int) throws {
    try Data(text.utf8).write(to: url)
    try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode)], ofItemAtPath: url.path)
}
