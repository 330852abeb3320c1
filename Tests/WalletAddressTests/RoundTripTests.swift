import Testing
@testable import WalletAddress

/// Every chain and kind, generated from random payloads with the module's own encoders.
enum GeneratedKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case bitcoinP2PKH, bitcoinP2SH, bitcoinP2WPKH, bitcoinP2WSH, bitcoinP2TR, bitcoinV1Other, bitcoinFutureSegwit
    case litecoinP2PKH, litecoinP2SH, litecoinP2WPKH, litecoinP2WSH, litecoinP2TR
    case dogecoinP2PKH, dogecoinP2SH
    case tron
    case bitcoinCashP2PKH, bitcoinCashP2SH, bitcoinCashP2SH32, bitcoinCashTokens, bitcoinCashLargeHash
    case ethereum
    case moneroStandard, moneroSubaddress, moneroIntegrated

    var testDescription: String { rawValue }

    var chain: Chain {
        switch self {
        case .bitcoinP2PKH, .bitcoinP2SH, .bitcoinP2WPKH, .bitcoinP2WSH, .bitcoinP2TR, .bitcoinV1Other, .bitcoinFutureSegwit:
            return .bitcoin
        case .litecoinP2PKH, .litecoinP2SH, .litecoinP2WPKH, .litecoinP2WSH, .litecoinP2TR: return .litecoin
        case .dogecoinP2PKH, .dogecoinP2SH: return .dogecoin
        case .tron: return .tron
        case .bitcoinCashP2PKH, .bitcoinCashP2SH, .bitcoinCashP2SH32, .bitcoinCashTokens, .bitcoinCashLargeHash:
            return .bitcoinCash
        case .ethereum: return .ethereum
        case .moneroStandard, .moneroSubaddress, .moneroIntegrated: return .monero
        }
    }

    /// A random address of this kind, and the kind string `parse` must report.
    func generate(using rng: inout SeededGenerator) -> (text: String, kind: String) {
        switch self {
        case .bitcoinP2PKH: return (Base58Check.encode(version: 0x00, payload: rng.bytes(20)), "p2pkh")
        case .bitcoinP2SH: return (Base58Check.encode(version: 0x05, payload: rng.bytes(20)), "p2sh")
        case .litecoinP2PKH: return (Base58Check.encode(version: 0x30, payload: rng.bytes(20)), "p2pkh")
        case .litecoinP2SH: return (Base58Check.encode(version: 0x32, payload: rng.bytes(20)), "p2sh")
        case .dogecoinP2PKH: return (Base58Check.encode(version: 0x1E, payload: rng.bytes(20)), "p2pkh")
        case .dogecoinP2SH: return (Base58Check.encode(version: 0x16, payload: rng.bytes(20)), "p2sh")
        case .tron: return (Base58Check.encode(version: 0x41, payload: rng.bytes(20)), "account")
        case .bitcoinP2WPKH: return (SegwitAddress.encode(humanReadable: "bc", version: 0, program: rng.bytes(20)), "p2wpkh")
        case .bitcoinP2WSH: return (SegwitAddress.encode(humanReadable: "bc", version: 0, program: rng.bytes(32)), "p2wsh")
        case .bitcoinP2TR: return (SegwitAddress.encode(humanReadable: "bc", version: 1, program: rng.bytes(32)), "p2tr")
        case .bitcoinV1Other:
            let length = [2, 20, 31, 33, 40].randomElement(using: &rng)!
            return (SegwitAddress.encode(humanReadable: "bc", version: 1, program: rng.bytes(length)), "segwit")
        case .bitcoinFutureSegwit:
            let version = Int.random(in: 2...16, using: &rng)
            let program = rng.bytes(Int.random(in: 2...40, using: &rng))
            return (SegwitAddress.encode(humanReadable: "bc", version: version, program: program), "segwit")
        case .litecoinP2WPKH: return (SegwitAddress.encode(humanReadable: "ltc", version: 0, program: rng.bytes(20)), "p2wpkh")
        case .litecoinP2WSH: return (SegwitAddress.encode(humanReadable: "ltc", version: 0, program: rng.bytes(32)), "p2wsh")
        case .litecoinP2TR: return (SegwitAddress.encode(humanReadable: "ltc", version: 1, program: rng.bytes(32)), "p2tr")
        case .bitcoinCashP2PKH: return (CashAddr.encode(prefix: "bitcoincash", type: 0, hash: rng.bytes(20))!, "p2pkh")
        case .bitcoinCashP2SH: return (CashAddr.encode(prefix: "bitcoincash", type: 1, hash: rng.bytes(20))!, "p2sh")
        case .bitcoinCashP2SH32: return (CashAddr.encode(prefix: "bitcoincash", type: 1, hash: rng.bytes(32))!, "p2sh")
        case .bitcoinCashTokens:
            let type = Int.random(in: 2...3, using: &rng)
            let hash = rng.bytes(type == 2 ? 20 : 32)
            return (CashAddr.encode(prefix: "bitcoincash", type: type, hash: hash)!, type == 2 ? "p2pkh-tokens" : "p2sh-tokens")
        case .bitcoinCashLargeHash:
            let size = CashAddr.hashSizes.randomElement(using: &rng)!
            return (CashAddr.encode(prefix: "bitcoincash", type: 0, hash: rng.bytes(size))!, "p2pkh")
        case .ethereum: return (EthereumAddress.checksummed(hexString(rng.bytes(20))), "eip55")
        case .moneroStandard: return (MoneroAddress.encode(tag: 0x12, body: rng.bytes(64)), "standard")
        case .moneroSubaddress: return (MoneroAddress.encode(tag: 0x2A, body: rng.bytes(64)), "subaddress")
        case .moneroIntegrated: return (MoneroAddress.encode(tag: 0x13, body: rng.bytes(72)), "integrated")
        }
    }

    var canonicalIsLowercased: Bool { chain == .ethereum }

    /// Where single-character substitutions must be caught by a checksum, and with which
    /// characters. Ethereum is absent: its checksum is only the letters' case (tested apart),
    /// and a changed digit escapes it with probability 2^-(number of letters).
    var mutableOffsets: (start: Int, alphabet: [UInt8])? {
        switch chain {
        case .bitcoin, .litecoin:
            switch self {
            case .bitcoinP2WPKH, .bitcoinP2WSH, .bitcoinP2TR, .bitcoinV1Other, .bitcoinFutureSegwit:
                return (3, Alphabet.base32Lower)  // after "bc1"
            case .litecoinP2WPKH, .litecoinP2WSH, .litecoinP2TR:
                return (4, Alphabet.base32Lower)  // after "ltc1"
            default:
                return (0, Alphabet.base58)
            }
        case .dogecoin, .tron, .monero: return (0, Alphabet.base58)
        case .bitcoinCash: return (12, Alphabet.base32Lower)  // after "bitcoincash:"
        case .ethereum: return nil
        }
    }
}

@Suite struct RoundTripTests {
    @Test(arguments: GeneratedKind.allCases)
    func generatedAddressesParseAndAreFound(kind: GeneratedKind) throws {
        var rng = SeededGenerator(seed: UInt64(kind.rawValue.hashValueStable))
        for _ in 0..<40 {
            let (text, expectedKind) = kind.generate(using: &rng)
            let wallet = try #require(WalletParser.parse(text), "\(text)")
            #expect(wallet.chain == kind.chain)
            #expect(wallet.kind == expectedKind)
            #expect(wallet.canonical == (kind.canonicalIsLowercased ? text.lowercased() : text))
            #expect(WalletParser.parse(wallet.canonical) == wallet)

            let post = "Donations welcome: \(text). Thank you!"
            let found = WalletParser.find(in: post)
            #expect(found.count == 1)
            if let first = found.first {
                #expect(first.wallet == wallet)
                #expect(utf8Slice(post, first.range) == text)
            }
        }
    }

    /// Replace each character in turn by a random other one from the same alphabet: the checksum
    /// must reject every such string.
    @Test(arguments: GeneratedKind.allCases.filter { $0.mutableOffsets != nil })
    func everySingleSubstitutionIsRejected(kind: GeneratedKind) throws {
        let (start, alphabet) = try #require(kind.mutableOffsets)
        var rng = SeededGenerator(seed: UInt64(kind.rawValue.hashValueStable) ^ 0xABCD)
        for _ in 0..<10 {
            let text = kind.generate(using: &rng).text
            let characters = Array(text.utf8)
            for offset in start..<characters.count {
                let replacement = alphabet.filter { $0 != characters[offset] }.randomElement(using: &rng)!
                let mutated = replacing(text, at: offset, with: replacement)
                #expect(WalletParser.parse(mutated) == nil, "\(text) → \(mutated)")
                #expect(WalletParser.find(in: " \(mutated) ").isEmpty, "\(mutated)")
            }
        }
    }

    /// The same, exhaustively (every position, every other character) for one address per kind.
    @Test(arguments: GeneratedKind.allCases.filter { $0.mutableOffsets != nil })
    func exhaustiveSubstitutionsAreRejected(kind: GeneratedKind) throws {
        let (start, alphabet) = try #require(kind.mutableOffsets)
        var rng = SeededGenerator(seed: 0x5EED ^ UInt64(kind.rawValue.hashValueStable))
        let text = kind.generate(using: &rng).text
        let characters = Array(text.utf8)
        var accepted: [String] = []
        for offset in start..<characters.count {
            for replacement in alphabet where replacement != characters[offset] {
                let mutated = replacing(text, at: offset, with: replacement)
                if WalletParser.parse(mutated) != nil { accepted.append(mutated) }
            }
        }
        #expect(accepted.isEmpty, "\(text) accepted \(accepted)")
    }

    @Test func segwitAndCashAddrPrefixesAreChecked() {
        var rng = SeededGenerator(seed: 7)
        let segwit = SegwitAddress.encode(humanReadable: "bc", version: 0, program: rng.bytes(20))
        #expect(WalletParser.parse("tb" + segwit.dropFirst(2)) == nil)
        #expect(WalletParser.parse("ltc" + segwit.dropFirst(2)) == nil)
        let litecoin = SegwitAddress.encode(humanReadable: "ltc", version: 0, program: rng.bytes(20))
        #expect(WalletParser.parse("bc" + litecoin.dropFirst(3)) == nil)
        let cash = CashAddr.encode(prefix: "bitcoincash", type: 0, hash: rng.bytes(20))!
        #expect(WalletParser.parse("bchtest" + cash.dropFirst(11)) == nil)
        #expect(WalletParser.parse("bitcoincasg" + cash.dropFirst(11)) == nil)
        // A payload made for another prefix does not validate as a bare mainnet payload.
        let testnet = CashAddr.encode(prefix: "bchtest", type: 0, hash: rng.bytes(20))!
        #expect(WalletParser.parse(String(testnet.dropFirst(8))) == nil)
    }

    @Test func wrongVersionsAndTagsAreRejected() {
        var rng = SeededGenerator(seed: 8)
        // Bitcoin testnet (0x6F, 0xC4) and Dogecoin's script/privkey neighbours are not accepted.
        for version: UInt8 in [0x6F, 0xC4, 0x80, 0x01, 0x42] {
            #expect(WalletParser.parse(Base58Check.encode(version: version, payload: rng.bytes(20))) == nil, "\(version)")
        }
        // Right version, wrong length.
        #expect(WalletParser.parse(Base58Check.encode(version: 0, payload: rng.bytes(19))) == nil)
        #expect(WalletParser.parse(Base58Check.encode(version: 0, payload: rng.bytes(21))) == nil)
        // Monero testnet/stagenet tags, and a standard tag at the integrated length.
        for tag: UInt8 in [0x35, 0x18, 0x3F, 0x24] {
            #expect(WalletParser.parse(MoneroAddress.encode(tag: tag, body: rng.bytes(64))) == nil, "\(tag)")
        }
        #expect(WalletParser.parse(MoneroAddress.encode(tag: 0x12, body: rng.bytes(72))) == nil)
        #expect(WalletParser.parse(MoneroAddress.encode(tag: 0x13, body: rng.bytes(64))) == nil)
        // CashAddr type bits outside 0...3.
        #expect(WalletParser.parse(CashAddr.encode(prefix: "bitcoincash", type: 4, hash: rng.bytes(20))!) == nil)
        #expect(WalletParser.parse(CashAddr.encode(prefix: "bitcoincash", type: 15, hash: rng.bytes(20))!) == nil)
    }
}

extension String {
    /// A hash of the text that is the same in every run (String.hashValue is seeded per process).
    var hashValueStable: UInt32 {
        utf8.reduce(2_166_136_261) { ($0 ^ UInt32($1)) &* 16_777_619 }
    }
}
