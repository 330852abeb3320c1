import Testing
@testable import WalletAddress

private func decodeBech32(_ bytes: [UInt8]) -> Bech32.Decoded? {
    bytes.withUnsafeBufferPointer { Bech32.decode($0) }
}

private func decodeSegwit(_ text: String) -> (humanReadable: String, version: Int, program: [UInt8])? {
    Array(text.utf8).withUnsafeBufferPointer { SegwitAddress.decode($0) }
}

/// The scriptPubKey a segwit address pays to: OP_n, a push of the program.
private func scriptPubKey(version: Int, program: [UInt8]) -> String {
    hexString([UInt8(version == 0 ? 0 : 0x50 + version), UInt8(program.count)] + program)
}

/// BIP-173 and BIP-350 test vectors, verbatim.
@Suite struct SegwitVectorTests {
    @Test(arguments: [
        "A12UEL5L", "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    ])
    func validBech32(text: String) {
        #expect(decodeBech32(Array(text.utf8))?.variant == .bech32)
    }

    @Test(arguments: [
        "A1LQFN3A", "a1lqfn3a",
        "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
        "?1v759aa",
    ])
    func validBech32m(text: String) {
        #expect(decodeBech32(Array(text.utf8))?.variant == .bech32m)
    }

    @Test func invalidBech32AndBech32mStrings() {
        let invalid: [[UInt8]] = [
            [0x20] + Array("1nwldj5".utf8), [0x7F] + Array("1axkwrx".utf8), [0x80] + Array("1eym55h".utf8),
            Array("an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx".utf8),
            Array("pzry9x0s0muk".utf8), Array("1pzry9x0s0muk".utf8), Array("x1b4n0q5v".utf8), Array("li1dgmt3".utf8),
            Array("de1lg7wt".utf8) + [0xFF], Array("A1G7SGD8".utf8), Array("10a06t8".utf8), Array("1qzzfhee".utf8),
            // BIP-350's list for bech32m.
            [0x20] + Array("1xj0phk".utf8), [0x7F] + Array("1g6xzxy".utf8), [0x80] + Array("1vctc34".utf8),
            Array("an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4".utf8),
            Array("qyrz8wqd2c9m".utf8), Array("1qyrz8wqd2c9m".utf8), Array("y1b0jsk6g".utf8), Array("lt1igcx5c0".utf8),
            Array("in1muywd".utf8), Array("mm1crxm3i".utf8), Array("au1s5cgom".utf8), Array("M1VUXWEZ".utf8),
            Array("16plkw9".utf8), Array("1p2gdwpf".utf8),
        ]
        for bytes in invalid {
            #expect(decodeBech32(bytes) == nil, "\(hexString(bytes))")
        }
    }

    /// BIP-350's valid segwit addresses with the scriptPubKey each pays to.
    @Test(arguments: [
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"),
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
         "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"),
        ("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
         "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"),
        ("BC1SW50QGDZ25J", "6002751e"),
        ("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"),
        ("tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
         "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
        ("tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
         "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
         "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
    ])
    func validSegwitAddress(text: String, script: String) throws {
        let decoded = try #require(decodeSegwit(text))
        #expect(scriptPubKey(version: decoded.version, program: decoded.program) == script)
        let wallet = WalletParser.parse(text)
        if decoded.humanReadable == "bc" {
            #expect(wallet?.chain == .bitcoin)
            #expect(wallet?.canonical == text.lowercased())
        } else {
            #expect(wallet == nil, "testnet addresses are not reported")
        }
    }

    @Test func mainnetSegwitKinds() {
        #expect(WalletParser.parse("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")?.kind == "p2wpkh")
        #expect(WalletParser.parse("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0")?.kind == "p2tr")
        // Version 1 with a 40-byte program, and versions 16 and 2: valid, but not taproot.
        #expect(WalletParser.parse("bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y")?.kind == "segwit")
        #expect(WalletParser.parse("BC1SW50QGDZ25J")?.kind == "segwit")
        #expect(WalletParser.parse("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs")?.kind == "segwit")
    }

    /// BIP-173 and BIP-350's invalid segwit addresses, plus BIP-173's version 1+ addresses, which
    /// used bech32 and are invalid since BIP-350.
    @Test(arguments: [
        "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
        "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
        "bc1pw5dgrnzv",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
        "bc1gmk9yu",
        "tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
        "BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2",
        "bc1rw5uspcuh",
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
        "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
        "BC1SW50QA3JX3S",
        "bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj",
    ])
    func invalidSegwitAddress(text: String) {
        // "tc" vectors are well formed but name no Bitcoin network; every other one is malformed.
        if let decoded = decodeSegwit(text) {
            #expect(!["bc", "tb"].contains(decoded.humanReadable))
        }
        #expect(WalletParser.parse(text) == nil)
        #expect(WalletParser.find(in: "pay \(text) now").isEmpty)
    }

    @Test func mixedCaseIsRejected() {
        #expect(WalletParser.parse("Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4") == nil)
        #expect(WalletParser.parse("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kV8F3T4") == nil)
    }
}

/// The CashAddr specification's test vectors, verbatim.
@Suite struct CashAddrVectorTests {
    /// Legacy address and CashAddr of the same hash.
    @Test(arguments: [
        ("1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu", "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"),
        ("1KXrWXciRDZUpQwQmuM1DbwsKDLYAYsVLR", "bitcoincash:qr95sy3j9xwd2ap32xkykttr4cvcu7as4y0qverfuy"),
        ("16w1D5WRVKJuZUsSRzdLp9w3YGcgoxDXb", "bitcoincash:qqq3728yw0y47sqn6l2na30mcw6zm78dzqre909m2r"),
        ("3CWFddi6m4ndiGyKqzYvsFYagqDLPVMTzC", "bitcoincash:ppm2qsznhks23z7629mms6s4cwef74vcwvn0h829pq"),
        ("3LDsS579y7sruadqu11beEJoTjdFiFCdX4", "bitcoincash:pr95sy3j9xwd2ap32xkykttr4cvcu7as4yc93ky28e"),
        ("31nwvkZwyPdgzjBJZXfDmSWsC4ZLKpYyUw", "bitcoincash:pqq3728yw0y47sqn6l2na30mcw6zm78dzq5ucqzc37"),
    ])
    func translation(legacy: String, cashAddr: String) throws {
        let legacyWallet = try #require(WalletParser.parse(legacy))
        let cashWallet = try #require(WalletParser.parse(cashAddr))
        #expect(legacyWallet.chain == .bitcoin)
        #expect(cashWallet.chain == .bitcoinCash)
        #expect(cashWallet.canonical == cashAddr)
        #expect(legacyWallet.kind == cashWallet.kind)
        #expect(legacyWallet.kind == (legacy.hasPrefix("1") ? "p2pkh" : "p2sh"))
        // Both encode the same 20-byte hash.
        let legacyHash = try #require(Base58.decode(legacy))[1..<21]
        let payload = Array(cashAddr.utf8.dropFirst(12))
        let cashHash = try #require(payload.withUnsafeBufferPointer {
            CashAddr.decode(payload: $0, prefixState: CashAddr.mainnetPrefixState)
        }).hash
        #expect(Array(legacyHash) == cashHash)
        // The prefix may be left out, and upper case is accepted; the canonical form is the same.
        #expect(WalletParser.parse(String(cashAddr.dropFirst(12))) == cashWallet)
        #expect(WalletParser.parse(cashAddr.uppercased()) == cashWallet)
        #expect(WalletParser.parse(String(cashAddr.dropFirst(12)).uppercased()) == cashWallet)
    }

    /// The "larger test vectors": sizes 160...512 bits under three prefixes.
    @Test(arguments: [
        (20, 0, "bitcoincash:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eylep8ekg2", "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
        (20, 1, "bchtest:pr6m7j9njldwwzlg9v7v53unlr4jkmx6eyvwc0uz5t", "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
        (20, 1, "pref:pr6m7j9njldwwzlg9v7v53unlr4jkmx6ey65nvtks5", "F5BF48B397DAE70BE82B3CCA4793F8EB2B6CDAC9"),
        (24, 0, "bitcoincash:q9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2ws4mr9g0",
         "7ADBF6C17084BC86C1706827B41A56F5CA32865925E946EA"),
        (24, 1, "bchtest:p9adhakpwzztepkpwp5z0dq62m6u5v5xtyj7j3h2u94tsynr", "7ADBF6C17084BC86C1706827B41A56F5CA32865925E946EA"),
        (28, 0, "bitcoincash:qgagf7w02x4wnz3mkwnchut2vxphjzccwxgjvvjmlsxqwkcw59jxxuz",
         "3A84F9CF51AAE98A3BB3A78BF16A6183790B18719126325BFC0C075B"),
        (28, 1, "pref:pgagf7w02x4wnz3mkwnchut2vxphjzccwxgjvvjmlsxqwkcrsr6gzkn",
         "3A84F9CF51AAE98A3BB3A78BF16A6183790B18719126325BFC0C075B"),
        (32, 0, "bitcoincash:qvch8mmxy0rtfrlarg7ucrxxfzds5pamg73h7370aa87d80gyhqxq5nlegake",
         "3173EF6623C6B48FFD1A3DCC0CC6489B0A07BB47A37F47CFEF4FE69DE825C060"),
        (40, 0, "bitcoincash:qnq8zwpj8cq05n7pytfmskuk9r4gzzel8qtsvwz79zdskftrzxtar994cgutavfklv39gr3uvz",
         "C07138323E00FA4FC122D3B85B9628EA810B3F381706385E289B0B25631197D194B5C238BEB136FB"),
        (48, 0, "bitcoincash:qh3krj5607v3qlqh5c3wq3lrw3wnuxw0sp8dv0zugrrt5a3kj6ucysfz8kxwv2k53krr7n933jfsunqex2w82sl",
         "E361CA9A7F99107C17A622E047E3745D3E19CF804ED63C5C40C6BA763696B98241223D8CE62AD48D863F4CB18C930E4C"),
        (56, 0, "bitcoincash:qmvl5lzvdm6km38lgga64ek5jhdl7e3aqd9895wu04fvhlnare5937w4ywkq57juxsrhvw8ym5d8qx7sz7zz0zvcypqscw8jd03f",
         "D9FA7C4C6EF56DC4FF423BAAE6D495DBFF663D034A72D1DC7D52CBFE7D1E6858F9D523AC0A7A5C34077638E4DD1A701BD017842789982041"),
        (64, 0, "bitcoincash:qlg0x333p4238k0qrc5ej7rzfw5g8e4a4r6vvzyrcy8j3s5k0en7calvclhw46hudk5flttj6ydvjc0pv3nchp52amk97tqa5zygg96mtky5sv5w",
         "D0F346310D5513D9E01E299978624BA883E6BDA8F4C60883C10F28C2967E67EC77ECC7EEEAEAFC6DA89FAD72D11AC961E164678B868AEEEC5F2C1DA08884175B"),
        (64, 1, "pref:plg0x333p4238k0qrc5ej7rzfw5g8e4a4r6vvzyrcy8j3s5k0en7calvclhw46hudk5flttj6ydvjc0pv3nchp52amk97tqa5zygg96mg7pj3lh8",
         "D0F346310D5513D9E01E299978624BA883E6BDA8F4C60883C10F28C2967E67EC77ECC7EEEAEAFC6DA89FAD72D11AC961E164678B868AEEEC5F2C1DA08884175B"),
    ])
    func largerVector(size: Int, type: Int, text: String, hash: String) throws {
        let colon = try #require(text.firstIndex(of: ":"))
        let prefix = String(text[..<colon])
        let payload = Array(text[text.index(after: colon)...].utf8)
        let decoded = try #require(payload.withUnsafeBufferPointer {
            CashAddr.decode(payload: $0, prefixState: CashAddr.polymod(prefix: Array(prefix.utf8)))
        })
        #expect(decoded.type == type)
        #expect(decoded.hash == bytes(hex: hash))
        #expect(decoded.hash.count == size)
        #expect(CashAddr.encode(prefix: prefix, type: type, hash: bytes(hex: hash)) == text)
        let wallet = WalletParser.parse(text)
        if prefix == "bitcoincash" {
            #expect(wallet?.chain == .bitcoinCash)
            #expect(wallet?.kind == (type == 0 ? "p2pkh" : "p2sh"))
            #expect(wallet?.canonical == text)
        } else {
            #expect(wallet == nil, "other networks' prefixes are not reported")
        }
    }

    /// Strings from the specification whose checksum is valid but whose payload is not.
    @Test func validChecksumInvalidPayload() {
        let vectors = [
            "prefix:x64nx6hz", "p:gpf8m4h7", "bitcoincash:qpzry9x8gf2tvdw0s3jn54khce6mua7lcw20ayyn",
            "bchtest:testnetaddress4d6njnut", "bchtest:spectestnetaddressrealrealaddressqpan2k9lh",
            "bchreg:555555555555555555555555555555555555555555555udxmlmrz",
        ]
        for text in vectors {
            let parts = text.split(separator: ":")
            var checksum = CashAddr.polymod(prefix: Array(parts[0].utf8))
            for character in parts[1].utf8 { checksum = CashAddr.polymodStep(checksum, UInt8(Base32Alphabet.values[Int(character)])) }
            #expect(checksum == 1, "\(text) should have a valid checksum")
            #expect(WalletParser.parse(text) == nil, "\(text) has no valid payload")
        }
    }

    @Test func mixedCaseAndWrongPrefixesAreRejected() {
        let address = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
        #expect(WalletParser.parse("bitcoincash:QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A") == nil)
        #expect(WalletParser.parse("BITCOINCASH:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a") == nil)
        #expect(WalletParser.parse("bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdX6a") == nil)
        #expect(WalletParser.parse("bchtest:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a") == nil)
        #expect(WalletParser.parse("bitcoincash::qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a") == nil)
        #expect(WalletParser.parse("bitcoincash:") == nil)
        #expect(WalletParser.parse(address)?.kind == "p2pkh")
    }
}

/// EIP-55's examples, verbatim.
@Suite struct EthereumVectorTests {
    static let mixedCase = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]
    /// Addresses whose checksummed form happens to be all capitals or all lower case.
    static let singleCase = [
        "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
        "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
    ]

    @Test func checksumEncoderReproducesEveryExample() {
        for address in Self.mixedCase + Self.singleCase {
            #expect(EthereumAddress.checksummed(String(address.dropFirst(2))) == address)
        }
    }

    @Test func examplesParseToLowerCaseCanonical() throws {
        for address in Self.mixedCase + Self.singleCase {
            let wallet = try #require(WalletParser.parse(address))
            #expect(wallet.chain == .ethereum)
            #expect(wallet.kind == "eip55")
            #expect(wallet.canonical == address.lowercased())
        }
    }

    @Test func changingTheCaseOfAnyLetterIsRejected() {
        for address in Self.mixedCase {
            for (offset, character) in address.utf8.enumerated().dropFirst(2) where character > UInt8(ascii: "9") {
                let flipped = replacing(address, at: offset, with: character ^ 0x20)
                #expect(WalletParser.parse(flipped) == nil, "\(flipped)")
            }
        }
    }

    @Test func singleCaseSpellingsCarryNoChecksumAndAreAccepted() {
        for address in Self.mixedCase {
            let hex = String(address.dropFirst(2))
            #expect(WalletParser.parse("0x" + hex.lowercased())?.canonical == address.lowercased())
            #expect(WalletParser.parse("0x" + hex.uppercased())?.canonical == address.lowercased())
        }
    }

    @Test func malformedAddressesAreRejected() {
        let hex = "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        for text in ["0X" + hex, "0x" + hex.dropLast(), "0x" + hex + "0", "0x" + hex.dropLast() + "g", "00" + hex, hex] {
            #expect(WalletParser.parse(text) == nil, "\(text)")
        }
    }
}

/// Addresses published by their owners, and what they must parse to.
@Suite struct PublishedAddressTests {
    @Test(arguments: [
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", Chain.bitcoin, "p2pkh"),  // the genesis block's
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", Chain.bitcoin, "p2sh"),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", Chain.bitcoin, "p2wpkh"),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", Chain.tron, "account"),  // Tether's TRC-20 contract
        // Monero's general-fund donation address and subaddress.
        ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
         Chain.monero, "standard"),
        ("888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H",
         Chain.monero, "subaddress"),
        ("4LiMFV6cvNPEnw78i2hTtsdfFsAZakMfGMiwiMZrYygUc3dDXn9z4jSfCafKCtUwbSPCjudw4Uj7SdLReEpcCGWsNEz9zBNWbJmL4f6cUn",
         Chain.monero, "integrated"),
    ])
    func parses(address: String, chain: Chain, kind: String) throws {
        let wallet = try #require(WalletParser.parse(address))
        #expect(wallet.chain == chain)
        #expect(wallet.kind == kind)
        #expect(wallet.canonical == address)
    }

    @Test func genesisAddressPaysToItsHash160() throws {
        let decoded = try #require(Base58.decode("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"))
        #expect(decoded.count == 25)
        #expect(decoded[0] == 0)
        #expect(hexString(Array(decoded[1..<21])) == "62e907b15cbf27d5425399ebf6f0fb50ebb88f18")
    }

    @Test func oneWrongCharacterIsRejected() {
        #expect(WalletParser.parse("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb") == nil)
        #expect(WalletParser.parse("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN") == nil)
        #expect(WalletParser.parse("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNaa") == nil)
        #expect(WalletParser.parse("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u") == nil)
        // Bitcoin Core's base58 test vector: 25 bytes with version 0, but the last four are not
        // the checksum of the rest.
        #expect(Base58.decode("1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L")?.count == 25)
        #expect(WalletParser.parse("1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L") == nil)
        #expect(WalletParser.parse("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr") == nil)
        #expect(WalletParser.parse(
            "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B") == nil)
    }

    @Test func nonAddressesAreRejected() {
        for text in ["", " ", "hello", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ", " 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                     "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", String(repeating: "1", count: 34),
                     String(repeating: "q", count: 42), "0x" + String(repeating: "0", count: 64)] {
            #expect(WalletParser.parse(text) == nil, "\(text)")
        }
    }

    @Test func everyCanonicalFormParsesToItself() throws {
        for address in ["BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "QPM2QSZNHKS23Z7629MMS6S4CWEF74VCWVY22GDX6A",
                        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"] {
            let wallet = try #require(WalletParser.parse(address))
            #expect(WalletParser.parse(wallet.canonical) == wallet)
        }
    }
}
