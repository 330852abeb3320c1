import Foundation
import Testing
@testable import EvidenceVault

@Suite("Master keys")
struct KeyTests {
    let bytes = fixedKeyBytes()
    var hexText: String { hexString(bytes) }
    var base64Text: String { Data(bytes).base64EncodedString() }

    @Test("hex (either case) and base64 parse to the same key and id")
    func parseForms() throws {
        let fromHex = try MasterKey.parse(hexText)
        let fromUpper = try MasterKey.parse(hexText.uppercased())
        let fromBase64 = try MasterKey.parse(base64Text)
        let fromBytes = try MasterKey(bytes: bytes)
        #expect(fromHex.id == fromBytes.id)
        #expect(fromUpper.id == fromBytes.id)
        #expect(fromBase64.id == fromBytes.id)
        #expect(fromHex.id.count == 8)
        #expect(fromHex.id == MasterKey.derivedId(of: bytes))
        // A key parsed from text opens what the same bytes sealed.
        let item = Vault(key: fromBytes).seal([1, 2], itemId: "i")
        #expect(try Vault(key: fromBase64).open(item) == [1, 2])
    }

    @Test("whitespace and newlines around the key are ignored")
    func whitespace() throws {
        let id = try MasterKey(bytes: bytes).id
        #expect(try MasterKey.parse("  \(hexText)\n").id == id)
        #expect(try MasterKey.parse("\t\(base64Text)\r\n").id == id)
    }

    @Test("wrong lengths and foreign text are refused without echoing the text",
          arguments: [
              "", "abc", String(repeating: "a", count: 62), String(repeating: "a", count: 63),
              String(repeating: "a", count: 66), String(repeating: "a", count: 128),
              Data(repeating: 7, count: 16).base64EncodedString(), Data(repeating: 7, count: 33).base64EncodedString(),
              String(repeating: "g", count: 64), "0123456789abcdef 0123456789abcdef 0123456789abcdef 0123456789abcdef",
          ])
    func badText(text: String) throws {
        #expect(throws: VaultError.self) { try MasterKey.parse(text) }
        do throws(VaultError) {
            _ = try MasterKey.parse(text)
            Issue.record("parsed")
        } catch {
            if text.count >= 8 {
                #expect(!error.description.contains(text))
            }
            #expect(error.description.contains("openssl rand -hex 32"))
        }
    }

    @Test("wrong byte counts and bad ids are refused")
    func badBytesAndIds() throws {
        #expect(throws: VaultError.invalidKeyLength(bytes: 16)) { try MasterKey(bytes: [UInt8](repeating: 1, count: 16)) }
        #expect(throws: VaultError.invalidKeyLength(bytes: 0)) { try MasterKey(bytes: []) }
        #expect(throws: VaultError.invalidKeyId("")) { try MasterKey(bytes: bytes, id: "") }
        #expect(throws: VaultError.invalidKeyId("has space")) { try MasterKey(bytes: bytes, id: "has space") }
        #expect(throws: VaultError.self) { try MasterKey(bytes: bytes, id: String(repeating: "k", count: 65)) }
        #expect(try MasterKey(bytes: bytes, id: "prod-2026.01_a").id == "prod-2026.01_a")
    }

    @Test("descriptions, debug output and dumps never contain the key")
    func descriptionsHideTheKey() throws {
        let key = try MasterKey.parse(hexText)
        let ring = try MasterKeyRing(current: key)
        var dumped = ""
        dump(key, to: &dumped)
        dump(ring, to: &dumped)
        dump(Vault(keys: ring), to: &dumped)
        let outputs = [key.description, key.debugDescription, String(describing: key), String(reflecting: key),
                       "\(key)", ring.description, String(reflecting: ring), dumped]
        for output in outputs {
            #expect(!output.lowercased().contains(hexText))
            #expect(!output.contains(base64Text))
            #expect(!output.lowercased().contains(String(hexText.prefix(16))))
        }
        #expect(key.description.contains(key.id))
    }

    @Test("every error message is free of key material")
    func errorMessagesHideTheKey() throws {
        let errors: [VaultError] = [
            .invalidKeyText(characters: 63), .invalidKeyLength(bytes: 31), .noMasterKey,
            .ambiguousMasterKey(keyFile: "/k"), .keyFileTooOpen(path: "/k", mode: 0o644),
            .unknownMasterKey(id: "a", known: ["b"]), .authenticationFailed(itemId: "i", part: .dataKey),
            .authenticationFailed(itemId: "i", part: .content), .digestMismatch(itemId: "i"),
            .unsupportedVersion(9), .malformedEnvelope("x"), .duplicateKeyId("k"), .invalidKeyId("?"),
            .keyFileUnreadable(path: "/k", reason: "gone"),
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
            #expect(error.errorDescription == error.description)
        }
        #expect(VaultError.keyFileTooOpen(path: "/k", mode: 0o644).description.contains("chmod 600 /k"))
        #expect(VaultError.keyFileTooOpen(path: "/k", mode: 0o644).description.contains("644"))
    }
}

@Suite("Loading keys")
struct KeyLoadingTests {
    let hexText = hexString(fixedKeyBytes())

    @Test("from BULWARK_VAULT_KEY")
    func fromEnvironment() throws {
        let key = try MasterKey.load(environment: ["BULWARK_VAULT_KEY": hexText + "\n"], keyFile: nil)
        #expect(key.id == MasterKey.derivedId(of: fixedKeyBytes()))
    }

    @Test("from a key file readable only by its owner, given directly or through BULWARK_VAULT_KEY_FILE")
    func fromPrivateFile() throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("vault.key")
            try writeFile(hexText + "\n", at: file, mode: 0o600)
            #expect(try MasterKey.load(environment: [:], keyFile: file.path).id == MasterKey.derivedId(of: fixedKeyBytes()))
            try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: 0o400)], ofItemAtPath: file.path)
            #expect(try MasterKey.load(environment: ["BULWARK_VAULT_KEY_FILE": file.path], keyFile: nil).id
                    == MasterKey.derivedId(of: fixedKeyBytes()))
        }
    }

    @Test("a key file readable by group or others is refused", arguments: [0o644, 0o640, 0o604, 0o660, 0o666])
    func openFileRefused(mode: Int) throws {
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("vault.key")
            try writeFile(hexText, at: file, mode: mode)
            #expect(throws: VaultError.keyFileTooOpen(path: file.path, mode: UInt16(mode))) {
                try MasterKey.load(environment: [:], keyFile: file.path)
            }
        }
    }

    @Test("a symbolic link is judged by the file it points to")
    func symlinkTarget() throws {
        try withTemporaryDirectory { dir in
            let target = dir.appendingPathComponent("real.key")
            let link = dir.appendingPathComponent("link.key")
            try writeFile(hexText, at: target, mode: 0o644)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
            #expect(throws: VaultError.self) { try MasterKey.load(environment: [:], keyFile: link.path) }
            try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: 0o600)], ofItemAtPath: target.path)
            #expect(try MasterKey.load(environment: [:], keyFile: link.path).id == MasterKey.derivedId(of: fixedKeyBytes()))
        }
    }

    @Test("missing, ambiguous, unreadable and malformed sources are refused")
    func badSources() throws {
        #expect(throws: VaultError.noMasterKey) { try MasterKey.load(environment: [:], keyFile: nil) }
        #expect(throws: VaultError.noMasterKey) { try MasterKey.load(environment: ["BULWARK_VAULT_KEY": ""], keyFile: nil) }
        #expect(throws: VaultError.ambiguousMasterKey(keyFile: "/etc/k")) {
            try MasterKey.load(environment: ["BULWARK_VAULT_KEY": hexText], keyFile: "/etc/k")
        }
        #expect(throws: VaultError.self) { try MasterKey.load(environment: [:], keyFile: "/nonexistent/vault.key") }
        try withTemporaryDirectory { dir in
            #expect(throws: VaultError.self) { try MasterKey.load(environment: [:], keyFile: dir.path) }
            let file = dir.appendingPathComponent("short.key")
            try writeFile(String(hexText.prefix(40)), at: file, mode: 0o600)
            #expect(throws: VaultError.invalidKeyText(characters: 40)) {
                try MasterKey.load(environment: [:], keyFile: file.path)
            }
            let big = dir.appendingPathComponent("big.key")
            try writeFile(String(repeating: "a", count: 10_000), at: big, mode: 0o600)
            #expect(throws: VaultError.self) { try MasterKey.load(environment: [:], keyFile: big.path) }
        }
    }

    @Test("a ring loads previous keys from the environment and from files")
    func ringLoading() throws {
        let previousA = hexString(fixedKeyBytes(start: 40))
        let previousB = Data(fixedKeyBytes(start: 80)).base64EncodedString()
        try withTemporaryDirectory { dir in
            let file = dir.appendingPathComponent("old.key")
            try writeFile(hexString(fixedKeyBytes(start: 120)), at: file, mode: 0o600)
            let ring = try MasterKeyRing.load(
                environment: ["BULWARK_VAULT_KEY": hexText, "BULWARK_VAULT_PREVIOUS_KEYS": "\(previousA), \(previousB)\n"],
                keyFile: nil, previousKeyFiles: [file.path])
            #expect(ring.current.id == MasterKey.derivedId(of: fixedKeyBytes()))
            #expect(ring.previous.map(\.id) == [40, 80, 120].map { MasterKey.derivedId(of: fixedKeyBytes(start: $0)) })
        }
    }
}
