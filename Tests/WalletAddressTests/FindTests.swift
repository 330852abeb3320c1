import Testing
@testable import WalletAddress

private let genesis = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
private let taproot = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
private let ethereum = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
private let cashAddr = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
private let monero = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
private let tron = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

/// The texts `find` reported, in order.
private func foundTexts(_ text: String) -> [String] {
    WalletParser.find(in: text).map { utf8Slice(text, $0.range) }
}

@Suite struct FindTests {
    @Test func addressesInProseAreFoundInOrder() {
        let post = """
        Giveaway!! Send 0.1 BTC to \(genesis) or ETH to \(ethereum) and get DOUBLE back.
        Taproot: \(taproot)
        BCH → \(cashAddr), XMR: \(monero); USDT (TRC-20) \(tron)!
        """
        #expect(foundTexts(post) == [genesis, ethereum, taproot, cashAddr, monero, tron])
        let chains = WalletParser.find(in: post).map(\.wallet.chain)
        #expect(chains == [.bitcoin, .ethereum, .bitcoin, .bitcoinCash, .monero, .tron])
    }

    @Test func paymentURIs() {
        #expect(foundTexts("bitcoin:\(genesis)?amount=1&label=Prize") == [genesis])
        #expect(foundTexts("bitcoin:\(taproot.uppercased())?amount=0.5") == [taproot.uppercased()])
        #expect(foundTexts("ethereum:\(ethereum)@1?value=1e18") == [ethereum])
        #expect(foundTexts("\(cashAddr)?amount=0.01") == [cashAddr])
        #expect(foundTexts("monero:\(monero)?tx_amount=1.5") == [monero])
        #expect(foundTexts("https://example.com/pay?to=\(tron)&memo=x") == [tron])
        #expect(foundTexts("<a href=\"bitcoin:\(genesis)\">\(genesis)</a>") == [genesis, genesis])
    }

    @Test(arguments: ["(", "[", "{", "\"", "'", "<", "*", "`", " ", "\n", "\t", ">", "=", ":", "/", "_", "-", "\u{00A0}", "«"])
    func punctuationDelimits(open: String) {
        for address in [genesis, taproot, ethereum, cashAddr, monero, tron] {
            for close in [")", ".", ",", "!", "?", ";", "…", "\u{00A0}", "-", "_", "»", "\r\n"] {
                let text = "x\(open)\(address)\(close)y"
                #expect(foundTexts(text) == [address], "\(text)")
            }
        }
    }

    @Test func rangesAreUTF8ByteOffsets() throws {
        let text = "送金先：\(genesis)。ありがとう 🙏 \(ethereum)"
        let found = WalletParser.find(in: text)
        try #require(found.count == 2)
        let prefixLength = "送金先：".utf8.count
        #expect(found[0].range == prefixLength..<(prefixLength + genesis.utf8.count))
        #expect(utf8Slice(text, found[1].range) == ethereum)
        #expect(found[1].range.upperBound == text.utf8.count)
    }

    @Test func cashAddrRangeIncludesItsPrefixOnlyWhenPresentAndSameCase() {
        let payload = String(cashAddr.dropFirst(12))
        #expect(foundTexts("pay \(payload) now") == [payload])
        #expect(foundTexts("pay \(cashAddr.uppercased()) now") == [cashAddr.uppercased()])
        // A prefix in the other case is not part of the address; the payload alone still is.
        #expect(foundTexts("pay bitcoincash:\(payload.uppercased()) now") == [payload.uppercased()])
        // Every spelling has the same canonical form.
        let canonicals = Set(WalletParser.find(in: "\(payload) \(cashAddr) \(cashAddr.uppercased())").map(\.wallet.canonical))
        #expect(canonicals == [cashAddr])
    }

    /// A candidate is a maximal run of its alphabet: characters of the same alphabet glued to an
    /// address make a different (invalid) token, characters outside it are delimiters.
    @Test func tokenBoundariesFollowTheAlphabet() {
        #expect(foundTexts("x\(genesis)").isEmpty)  // 'x' is base58
        #expect(foundTexts("\(genesis)x").isEmpty)
        #expect(foundTexts("1\(genesis)").isEmpty)
        #expect(foundTexts("\(genesis)0") == [genesis])  // '0' is not base58
        #expect(foundTexts("l\(genesis)") == [genesis])  // nor is 'l'
        #expect(foundTexts("a\(ethereum)").isEmpty)  // 'a' is hex
        #expect(foundTexts("\(ethereum)0").isEmpty)
        #expect(foundTexts("\(ethereum)g") == [ethereum])
        #expect(foundTexts("z\(ethereum)") == [ethereum])
        #expect(foundTexts("x\(taproot)").isEmpty)
        #expect(foundTexts("\(taproot)x").isEmpty)
    }

    @Test func lookalikesAreNotReported() {
        let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        let texts = [
            "tx 0x\(sha256) confirmed",  // a transaction hash, 64 hex digits
            "sha256: \(sha256)",
            "uuid 123e4567-e89b-12d3-a456-426614174000",
            "base64 QmFzZTU4IGlzIG5vdCBiYXNlNjQsIGJ1dCBpdCBsb29rcyBzaW1pbGFyIGVub3VnaA==",
            "ipfs QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
            "key 5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
            "abcdefghijkmnopqrstuvwxyz123456789ABCDEFGHJKLMN",
            "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.",
            String(genesis.dropLast()),
            String(genesis.dropLast()) + "b",
        ]
        for text in texts {
            #expect(foundTexts(text).isEmpty, "\(text)")
        }
    }

    @Test func emptyAndTinyInputs() {
        #expect(WalletParser.find(in: "").isEmpty)
        #expect(WalletParser.find(in: "1").isEmpty)
        #expect(findBytes([]).isEmpty)
        #expect(findBytes([0]).isEmpty)
        #expect(foundTexts(genesis) == [genesis])
    }

    @Test func invalidUTF8AroundAnAddressInTheBufferAPI() {
        let bytes: [UInt8] = [0xFF, 0xC3] + Array(genesis.utf8) + [0x80, 0xED, 0xA0, 0x80] + Array(ethereum.utf8) + [0xC0]
        let found = findBytes(bytes)
        #expect(found.map(\.range) == [2..<(2 + 34), (2 + 34 + 4)..<(2 + 34 + 4 + 42)])
        #expect(found.map(\.wallet.chain) == [.bitcoin, .ethereum])
    }

    @Test func manyAddressesInOneText() {
        var rng = SeededGenerator(seed: 99)
        var addresses: [String] = []
        for index in 0..<3000 {
            switch index % 3 {
            case 0: addresses.append(Base58Check.encode(version: 0, payload: rng.bytes(20)))
            case 1: addresses.append(SegwitAddress.encode(humanReadable: "bc", version: 0, program: rng.bytes(20)))
            default: addresses.append(EthereumAddress.checksummed(hexString(rng.bytes(20))))
            }
        }
        let text = addresses.joined(separator: ", ")
        #expect(foundTexts(text) == addresses)
    }

    // Hostile inputs: these must finish (in linear time) without crashing and report nothing.

    @Test func megabyteOfOnes() {
        #expect(WalletParser.find(in: String(repeating: "1", count: 1 << 20)).isEmpty)
    }

    @Test func megabyteOfRandomBase58() {
        var rng = SeededGenerator(seed: 1)
        let bytes = (0..<(1 << 20)).map { _ in Base58.alphabet.randomElement(using: &rng)! }
        #expect(findBytes(bytes).isEmpty)
    }

    @Test func megabyteOfRandomBase58WithSpacesEveryFewCharacters() {
        // Tokens of every candidate length, each one decoded and checksummed.
        var rng = SeededGenerator(seed: 2)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 20)
        while bytes.count < 1 << 20 {
            let length = Int.random(in: 24...36, using: &rng)
            bytes.append(UInt8(ascii: "1"))
            for _ in 1..<length { bytes.append(Base58.alphabet.randomElement(using: &rng)!) }
            bytes.append(UInt8(ascii: " "))
        }
        #expect(findBytes(bytes).isEmpty)
    }

    @Test func megabyteOfAddressShapedNoise() {
        var rng = SeededGenerator(seed: 3)
        var text = ""
        while text.utf8.count < 1 << 20 {
            let base58 = String(decoding: (0..<94).map { _ in Base58.alphabet.randomElement(using: &rng)! }, as: UTF8.self)
            let base32 = String(decoding: (0..<39).map { _ in Base32Alphabet.characters.randomElement(using: &rng)! }, as: UTF8.self)
            // Forty letters in random case: an EIP-55 checksum that holds by chance (2^-40).
            let hex = String(decoding: (0..<40).map { _ in
                UInt8.random(in: UInt8(ascii: "a")...UInt8(ascii: "f"), using: &rng) - (Bool.random(using: &rng) ? 32 : 0)
            }, as: UTF8.self)
            text += "4\(base58) bc1q\(base32) bitcoincash:q\(base32)qq 0x\(hex) "
        }
        #expect(WalletParser.find(in: text).isEmpty)
    }

    @Test func megabyteOfRandomBytes() {
        var rng = SeededGenerator(seed: 4)
        let found = findBytes(rng.bytes(1 << 20))
        // Random bytes could in principle hold a valid address; they must at least be well formed.
        for (range, wallet) in found {
            #expect(range.lowerBound >= 0 && range.upperBound <= 1 << 20)
            #expect(WalletParser.parse(wallet.canonical) == wallet)
        }
    }

    @Test func longRunsOfEveryAlphabet() {
        for unit in ["q", "0x", "a", "bc1", "bitcoincash:", "4", "z", "0"] {
            #expect(WalletParser.find(in: String(repeating: unit, count: (1 << 20) / unit.count)).isEmpty, "\(unit)")
        }
        // A valid address at the very end of a long run is part of that run, not an address.
        #expect(WalletParser.find(in: String(repeating: "1", count: 1 << 16) + genesis).isEmpty)
        // But after a delimiter it is found.
        #expect(foundTexts(String(repeating: "1", count: 1 << 16) + " " + genesis) == [genesis])
    }
}
