/// Bitcoin Cash's CashAddr: `prefix:payload`, where the payload is base-32 (the bech32 alphabet)
/// of a version byte, a hash and a 40-bit BCH checksum computed over the prefix too.
///
/// Why the prefix matters even when it is not written: it is part of the checksum, so a bare
/// payload is only valid for the network whose prefix it was made with. Only mainnet
/// (`bitcoincash`) is accepted.
enum CashAddr {
    static let mainnetPrefix: [UInt8] = Array("bitcoincash".utf8)
    /// "bitcoincash:" — what `find` looks for in front of a payload.
    static let prefixWithSeparatorCount = 12
    static let checksumLength = 8
    /// Hash sizes in bytes selected by the low 3 bits of the version byte.
    static let hashSizes = [20, 24, 28, 32, 40, 48, 56, 64]
    /// Payload lengths of the shortest (160-bit) and longest (512-bit) hashes.
    static let payloadLengths = 42...112

    /// The first payload character, which carries the type bits of the version byte: q (P2PKH),
    /// p (P2SH), z and r (their CashTokens-aware forms), in either case.
    static func mayStart(with character: UInt8) -> Bool {
        switch Bech32.lowercased(character) {
        case UInt8(ascii: "q"), UInt8(ascii: "p"), UInt8(ascii: "z"), UInt8(ascii: "r"): return true
        default: return false
        }
    }

    static func polymodStep(_ checksum: UInt64, _ value: UInt8) -> UInt64 {
        let top = checksum >> 35
        var next = (checksum & 0x07_FFFF_FFFF) << 5 ^ UInt64(value)
        if top & 1 != 0 { next ^= 0x98_F2BC_8E61 }
        if top & 2 != 0 { next ^= 0x79_B76D_99E2 }
        if top & 4 != 0 { next ^= 0xF3_3E5F_B3C4 }
        if top & 8 != 0 { next ^= 0xAE_2EAB_E2A8 }
        if top & 16 != 0 { next ^= 0x1E_4F43_E470 }
        return next
    }

    /// Checksum state after the prefix (low 5 bits of each character) and the separator's zero.
    static func polymod(prefix: [UInt8]) -> UInt64 {
        var checksum: UInt64 = 1
        for character in prefix { checksum = polymodStep(checksum, character & 31) }
        return polymodStep(checksum, 0)
    }

    /// Mainnet checksum state after the prefix, computed once.
    static let mainnetPrefixState = polymod(prefix: mainnetPrefix)

    /// Decodes a payload (the text after the colon) checked against a prefix's checksum state.
    /// Returns the type bits (0...15) and the hash; nil when the payload is mixed case, has a
    /// character outside the alphabet, fails the checksum, has non-zero padding, a reserved bit
    /// set, or a hash whose length disagrees with the size bits.
    static func decode(payload: UnsafeBufferPointer<UInt8>, prefixState: UInt64) -> (type: Int, hash: [UInt8])? {
        guard payload.count > checksumLength else { return nil }
        var hasLower = false, hasUpper = false
        var checksum = prefixState
        for character in payload {
            let value = Base32Alphabet.values[Int(character)]
            guard value >= 0 else { return nil }
            if character >= UInt8(ascii: "a") { hasLower = true } else if character >= UInt8(ascii: "A") { hasUpper = true }
            checksum = polymodStep(checksum, UInt8(value))
        }
        guard !(hasLower && hasUpper), checksum == 1 else { return nil }
        let values = payload[..<(payload.count - checksumLength)].map { UInt8(Base32Alphabet.values[Int($0)]) }
        guard let bytes = Base32Alphabet.regroup(values, from: 5, to: 8, pad: false), let version = bytes.first,
              version & 0x80 == 0 else { return nil }
        let hash = Array(bytes.dropFirst())
        guard hash.count == hashSizes[Int(version & 7)] else { return nil }
        return (Int(version >> 3), hash)
    }

    /// A mainnet wallet from a bare payload (no prefix).
    static func wallet(payload: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard payloadLengths.contains(payload.count),
              let (type, _) = decode(payload: payload, prefixState: mainnetPrefixState) else { return nil }
        let kind: String
        switch type {
        case 0: kind = "p2pkh"
        case 1: kind = "p2sh"
        case 2: kind = "p2pkh-tokens"
        case 3: kind = "p2sh-tokens"
        default: return nil
        }
        let canonical = mainnetPrefix + [UInt8(ascii: ":")] + payload.map(Bech32.lowercased)
        return Wallet(chain: .bitcoinCash, canonical: String(decoding: canonical, as: UTF8.self), kind: kind)
    }

    /// A mainnet wallet from `bitcoincash:payload` (either case, but one case throughout) or a
    /// bare payload.
    static func wallet(_ text: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else { return wallet(payload: text) }
        guard colon == mainnetPrefix.count else { return nil }
        let prefix = text[..<colon]
        let payload = UnsafeBufferPointer(rebasing: text[(colon + 1)...])
        let hasUpper = payload.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        let hasLower = payload.contains { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        if prefix.elementsEqual(mainnetPrefix) {
            guard !hasUpper else { return nil }
        } else if prefix.elementsEqual(mainnetPrefix.lazy.map { $0 - 32 }) {
            guard !hasLower else { return nil }
        } else {
            return nil
        }
        return wallet(payload: payload)
    }

    /// Builds `prefix:payload` for a type (0...15) and hash; tests generate addresses with it.
    static func encode(prefix: String, type: Int, hash: [UInt8]) -> String? {
        guard let sizeBits = hashSizes.firstIndex(of: hash.count), (0...15).contains(type) else { return nil }
        let prefixBytes = Array(prefix.utf8)
        let version = UInt8(type << 3 | sizeBits)
        let values = Base32Alphabet.regroup([version] + hash, from: 8, to: 5, pad: true)!
        var checksum = polymod(prefix: prefixBytes)
        for value in values { checksum = polymodStep(checksum, value) }
        for _ in 0..<checksumLength { checksum = polymodStep(checksum, 0) }
        checksum ^= 1
        let check = (0..<checksumLength).map { UInt8((checksum >> (5 * (7 - $0))) & 31) }
        let payload = (values + check).map { Base32Alphabet.characters[Int($0)] }
        return String(decoding: prefixBytes + [UInt8(ascii: ":")] + payload, as: UTF8.self)
    }
}
