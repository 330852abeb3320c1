import Testing
@testable import WalletAddress

/// The building blocks: Keccak, base58 (both layouts) and the 5/8-bit regrouping.
@Suite struct KeccakTests {
    private func keccak(_ bytes: [UInt8], padding: UInt8 = Keccak.keccakPadding) -> String {
        hexString(bytes.withUnsafeBytes { Keccak.hash256($0, padding: padding) }.bytes)
    }

    @Test func keccak256OfEmptyInput() {
        #expect(keccak([]) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    }

    @Test func keccak256OfAbc() {
        #expect(keccak(Array("abc".utf8)) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    }

    /// With SHA-3's padding byte the same sponge must give FIPS-202 SHA3-256. These values were
    /// computed with Python's hashlib.sha3_256 over bytes (7i + 3) mod 256, at lengths on both
    /// sides of the 136-byte block boundary, so multi-block absorption is covered too.
    @Test(arguments: [
        (0, "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"),
        (1, "e3ed56bd086d8958483a12734fa0ae7f5c8bb160ef9092c67e82ed9b19e4c7b2"),
        (3, "fffadd0ae913c0947143ac7c6bf1d512c1b265db8ac52100614bd022ae2412d4"),
        (135, "d9dcf1f98e49a79b0643a9e68fef48079ff8777c5e7e7f93469ded65f192ac71"),
        (136, "743bd32e775ac7387a57d4d574c89ddef5ebcb08bb5cc6b88c55a27b5035cc45"),
        (137, "01d47e8d6dce6e3dcbf1baa6f845b6ace4ef74bd17da8176ecc49bc35dbe5d21"),
        (200, "9da37ea2fb33acd563a014f50d6f7cc225f25577a81d900452b72b5de98f239d"),
        (271, "20bf2d2a8b462cf032927768963867773b04bcfdbf1419d1ac06aa23637e5b19"),
        (272, "ddeb5151c079739970e780e6257d0c4d52d83bf82c6aa8d47d5195530b5d5f4b"),
        (273, "ca74f68cfcda3bbd9068ae31dd3156e6df046aeb68e3176e4e17bf1557174553"),
        (500, "00feda856f27ffba753868e7cf5aa894d13043e8db549eb94dff21cd61de7714"),
    ])
    func sha3PaddingGivesSha3256(length: Int, expected: String) {
        let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
        #expect(keccak(input, padding: Keccak.sha3Padding) == expected)
    }

    @Test func sha3256OfAbc() {
        #expect(keccak(Array("abc".utf8), padding: Keccak.sha3Padding)
            == "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
    }

    /// The ι constants re-derived from their definition: bit 2^j - 1 of round r's constant is
    /// output 7r + j of the LFSR x^8 + x^6 + x^5 + x^4 + 1 started at 1.
    @Test func roundConstantsMatchTheirLFSRDefinition() {
        var register: UInt8 = 1
        var derived: [UInt64] = []
        for _ in 0..<24 {
            var constant: UInt64 = 0
            for j in 0..<7 {
                if register & 1 != 0 { constant |= 1 << ((1 << j) - 1) }
                register = (register << 1) ^ (register & 0x80 != 0 ? 0x71 : 0)
            }
            derived.append(constant)
        }
        #expect(derived == Keccak.roundConstants)
    }

    /// ρ offsets and π targets re-derived: lane (x, y) moves to (y, 2x + 3y) and the t-th lane
    /// visited from (1, 0) rotates by (t + 1)(t + 2)/2.
    @Test func rhoAndPiTablesMatchTheirDefinition() {
        var x = 1, y = 0
        var targets: [Int] = [], offsets: [UInt64] = []
        for t in 0..<24 {
            offsets.append(UInt64(((t + 1) * (t + 2) / 2) % 64))
            (x, y) = (y, (2 * x + 3 * y) % 5)
            targets.append(x + 5 * y)
        }
        #expect(targets == Keccak.piTargets)
        #expect(offsets == Keccak.rhoOffsets)
    }
}

@Suite struct Base58Tests {
    /// Bitcoin Core's src/test/data/base58_encode_decode.json.
    static let coreVectors: [(String, String)] = [
        ("", ""),
        ("61", "2g"),
        ("626262", "a3gV"),
        ("636363", "aPEr"),
        ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
        ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
        ("516b6fcd0f", "ABnLTmg"),
        ("bf4f89001e670274dd", "3SEo3LWLoPntC"),
        ("572e4794", "3EFU7m"),
        ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
        ("10c8511e", "Rt5zm"),
        ("00000000000000000000", "1111111111"),
    ]

    @Test func bitcoinCoreVectors() {
        for (hex, text) in Self.coreVectors {
            #expect(Base58.encode(bytes(hex: hex)) == text)
            #expect(Base58.decode(text) == bytes(hex: hex))
        }
    }

    @Test func fixedSizeDecoderAgreesWithTheGeneralOne() {
        var rng = SeededGenerator(seed: 58)
        for length in 1...40 {
            for leadingZeros in [0, 1, 3] where leadingZeros <= length {
                let payload = [UInt8](repeating: 0, count: leadingZeros) + rng.bytes(length - leadingZeros)
                let text = Array(Base58.encode(payload).utf8)
                let (exact, short, long) = text.withUnsafeBufferPointer { text in
                    (decodeFixed(text, count: length), decodeFixed(text, count: length - 1),
                     decodeFixed(text, count: length + 1))
                }
                #expect(exact == payload)
                #expect(short == nil, "a \(length)-byte value must not fit in \(length - 1) bytes")
                #expect(long == nil, "a \(length)-byte value must not pass as \(length + 1) bytes")
            }
        }
    }

    @Test func rejectsCharactersOutsideTheAlphabet() {
        for text in ["0", "O", "I", "l", "3mJr0", "abc!", "a b"] {
            #expect(Base58.decode(text) == nil, "\(text)")
        }
    }

    private func decodeFixed(_ text: UnsafeBufferPointer<UInt8>, count: Int) -> [UInt8]? {
        guard count >= 0 else { return nil }
        var output = [UInt8](repeating: 0xAA, count: count)
        let ok = output.withUnsafeMutableBufferPointer { Base58.decode(text, into: $0) }
        return ok ? output : nil
    }
}

@Suite struct MoneroBase58Tests {
    @Test func roundTripsEveryLength() {
        var rng = SeededGenerator(seed: 0x4D4F_4E45)
        for length in 0...100 {
            let payload = rng.bytes(length)
            let text = MoneroBase58.encode(payload)
            #expect(MoneroBase58.decodedCount(characters: text.utf8.count) == length)
            let decoded = Array(text.utf8).withUnsafeBufferPointer { text -> [UInt8]? in
                var output = [UInt8](repeating: 0, count: length)
                return output.withUnsafeMutableBufferPointer { MoneroBase58.decode(text, into: $0) } ? output : nil
            }
            #expect(decoded == payload)
        }
    }

    @Test func blockLengthsFollowTheSizeTable() {
        #expect(MoneroBase58.encode([0]) == "11")
        #expect(MoneroBase58.encode([UInt8](repeating: 0, count: 8)) == "11111111111")
        #expect(MoneroBase58.encode([UInt8](repeating: 0xFF, count: 8)).utf8.count == 11)
        #expect(MoneroBase58.decodedCount(characters: 95) == 69)
        #expect(MoneroBase58.decodedCount(characters: 106) == 77)
        // 1, 4 and 8 characters are never the length of a block.
        for invalid in [1, 4, 8, 12, 15] {
            #expect(MoneroBase58.decodedCount(characters: invalid) == nil, "\(invalid)")
        }
    }

    @Test func rejectsBlocksWhoseValueDoesNotFit() {
        func decodes(_ text: String) -> Bool {
            guard let count = MoneroBase58.decodedCount(characters: text.utf8.count) else { return false }
            return Array(text.utf8).withUnsafeBufferPointer { text in
                var output = [UInt8](repeating: 0, count: count)
                return output.withUnsafeMutableBufferPointer { MoneroBase58.decode(text, into: $0) }
            }
        }
        #expect(decodes("5Q"))  // 4 * 58 + 23 = 255 fits one byte
        #expect(!decodes("5R"))  // 256 does not
        #expect(!decodes("zz"))
        #expect(!decodes("zzzzzzzzzzz"))  // 58^11 - 1 exceeds 2^64 - 1
        #expect(decodes("jpXCZedGfVQ"))  // 2^64 - 1, the largest full block
        #expect(MoneroBase58.encode([UInt8](repeating: 0xFF, count: 8)) == "jpXCZedGfVQ")
    }
}

@Suite struct RegroupTests {
    @Test func roundTripsAndRejectsBadPadding() {
        var rng = SeededGenerator(seed: 32)
        for length in 0...70 {
            let payload = rng.bytes(length)
            let fives = Base32Alphabet.regroup(payload, from: 8, to: 5, pad: true)!
            #expect(fives.count == (length * 8 + 4) / 5)
            #expect(Base32Alphabet.regroup(fives, from: 5, to: 8, pad: false) == payload)
        }
        // 2 groups = 10 bits: one byte and 2 padding bits that must be zero.
        #expect(Base32Alphabet.regroup([31, 28], from: 5, to: 8, pad: false) == [0xFF])
        #expect(Base32Alphabet.regroup([31, 29], from: 5, to: 8, pad: false) == nil)
        // 3 groups = 15 bits: one byte and 7 leftover bits, more than a group's worth.
        #expect(Base32Alphabet.regroup([31, 28, 0], from: 5, to: 8, pad: false) == nil)
    }
}
