/// The 32-character alphabet shared by bech32 (BIP-173) and CashAddr: no 1, b, i or o, so that
/// the separator '1' and the look-alike letters cannot appear in the data part.
enum Base32Alphabet {
    static let characters: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)

    /// Value of every byte, either case; -1 for bytes outside the alphabet.
    static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in characters.enumerated() {
            table[Int(character)] = Int8(value)
            if character >= UInt8(ascii: "a") && character <= UInt8(ascii: "z") {
                table[Int(character - 32)] = Int8(value)
            }
        }
        return table
    }()

    /// Regroups `values` from `from`-bit to `to`-bit numbers (big-endian bit order).
    ///
    /// With `pad` the last group is filled with zero bits (encoding). Without it, leftover bits
    /// must be fewer than `from` and all zero (decoding), as BIP-173 and CashAddr require, so that
    /// every payload has exactly one encoding.
    static func regroup<S: Sequence>(_ values: S, from: Int, to: Int, pad: Bool) -> [UInt8]? where S.Element == UInt8 {
        var accumulator: UInt32 = 0
        var bits = 0
        let mask: UInt32 = (1 << to) - 1
        var output: [UInt8] = []
        for value in values {
            guard value >> from == 0 else { return nil }
            accumulator = (accumulator << from | UInt32(value)) & 0xFFFF
            bits += from
            while bits >= to {
                bits -= to
                output.append(UInt8((accumulator >> bits) & mask))
            }
        }
        if pad {
            if bits > 0 { output.append(UInt8((accumulator << (to - bits)) & mask)) }
        } else if bits >= from || (accumulator << (to - bits)) & mask != 0 {
            return nil
        }
        return output
    }
}

/// Bech32 (BIP-173) and bech32m (BIP-350) strings: a human-readable part, the separator '1',
/// base-32 data and a 6-character BCH checksum over both.
enum Bech32 {
    enum Variant: Equatable {
        case bech32, bech32m

        /// The value the checksum polynomial must leave: BIP-350 changed it from 1 so that a
        /// 'q' inserted before a final 'p' is no longer undetected.
        var constant: UInt32 {
            switch self {
            case .bech32: return 1
            case .bech32m: return 0x2BC8_30A3
            }
        }
    }

    static let maxLength = 90
    static let checksumLength = 6

    @inline(__always)
    static func polymodStep(_ checksum: UInt32, _ value: UInt8) -> UInt32 {
        let top = checksum >> 25
        var next = (checksum & 0x01FF_FFFF) << 5 ^ UInt32(value)
        if top & 1 != 0 { next ^= 0x3B6A_57B2 }
        if top & 2 != 0 { next ^= 0x2650_8E6D }
        if top & 4 != 0 { next ^= 0x1EA1_19FA }
        if top & 8 != 0 { next ^= 0x3D42_33DD }
        if top & 16 != 0 { next ^= 0x2A14_62B3 }
        return next
    }

    /// Checksum state after the expanded human-readable part (high bits, a zero, low bits).
    static func polymod(humanReadable: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var checksum: UInt32 = 1
        for character in humanReadable { checksum = polymodStep(checksum, lowercased(character) >> 5) }
        checksum = polymodStep(checksum, 0)
        for character in humanReadable { checksum = polymodStep(checksum, lowercased(character) & 31) }
        return checksum
    }

    @inline(__always)
    static func lowercased(_ character: UInt8) -> UInt8 {
        character >= UInt8(ascii: "A") && character <= UInt8(ascii: "Z") ? character + 32 : character
    }

    /// A decoded string: the human-readable part in lower case and the data values (0...31)
    /// without the checksum.
    struct Decoded: Equatable {
        var humanReadable: String
        var data: [UInt8]
        var variant: Variant
    }

    /// Decodes and checks a bech32 or bech32m string per BIP-173/BIP-350: at most 90 characters,
    /// all printable ASCII, not mixed case, a non-empty human-readable part, at least 6 data
    /// characters and a checksum matching one of the two variants.
    static func decode(_ text: UnsafeBufferPointer<UInt8>) -> Decoded? {
        guard text.count <= maxLength else { return nil }
        var hasLower = false, hasUpper = false
        var separator = -1
        for (index, character) in text.enumerated() {
            guard character >= 33 && character <= 126 else { return nil }
            if character >= UInt8(ascii: "a") && character <= UInt8(ascii: "z") { hasLower = true }
            if character >= UInt8(ascii: "A") && character <= UInt8(ascii: "Z") { hasUpper = true }
            if character == UInt8(ascii: "1") { separator = index }
        }
        guard !(hasLower && hasUpper), separator >= 1, text.count - separator - 1 >= checksumLength else { return nil }
        let humanReadable = UnsafeBufferPointer(rebasing: text[0..<separator])
        // Verify before allocating anything: most candidates in hostile text fail here.
        var checksum = polymod(humanReadable: humanReadable)
        for character in text[(separator + 1)...] {
            let value = Base32Alphabet.values[Int(character)]
            guard value >= 0 else { return nil }
            checksum = polymodStep(checksum, UInt8(value))
        }
        let variant: Variant
        switch checksum {
        case Variant.bech32.constant: variant = .bech32
        case Variant.bech32m.constant: variant = .bech32m
        default: return nil
        }
        let data = text[(separator + 1)..<(text.count - checksumLength)].map { UInt8(Base32Alphabet.values[Int($0)]) }
        return Decoded(humanReadable: String(decoding: humanReadable.map(lowercased), as: UTF8.self),
                       data: data, variant: variant)
    }

    /// Encodes a lower-case human-readable part and data values (0...31) with a checksum.
    static func encode(humanReadable: String, data: [UInt8], variant: Variant) -> String {
        let hrp = Array(humanReadable.utf8)
        var checksum = hrp.withUnsafeBufferPointer { polymod(humanReadable: $0) }
        for value in data { checksum = polymodStep(checksum, value) }
        for _ in 0..<checksumLength { checksum = polymodStep(checksum, 0) }
        checksum ^= variant.constant
        let check = (0..<checksumLength).map { UInt8((checksum >> (5 * (5 - $0))) & 31) }
        let body = (data + check).map { Base32Alphabet.characters[Int($0)] }
        return String(decoding: hrp + [UInt8(ascii: "1")] + body, as: UTF8.self)
    }
}

/// Native segregated-witness addresses (BIP-173 for version 0, BIP-350 for versions 1...16).
enum SegwitAddress {
    /// Shortest possible address for the shortest accepted prefix: "bc" + "1" + version +
    /// 2-byte program (4 characters) + checksum.
    static let minimumLength = 14

    /// Human-readable parts accepted, with their chains. Testnets are deliberately absent: a
    /// test-coin address in a post is not a payment request worth flagging.
    static func chain(humanReadable: String) -> Chain? {
        switch humanReadable {
        case "bc": return .bitcoin
        case "ltc": return .litecoin
        default: return nil
        }
    }

    /// True if the text starts with "bc1" or "ltc1" in either case; `find` uses it to skip
    /// ordinary words without decoding them.
    static func hasKnownPrefix(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        func matches(_ prefix: StaticString) -> Bool {
            guard text.count >= prefix.utf8CodeUnitCount else { return false }
            for index in 0..<prefix.utf8CodeUnitCount where Bech32.lowercased(text[index]) != prefix.utf8Start[index] {
                return false
            }
            return true
        }
        return matches("bc1") || matches("ltc1")
    }

    /// Decodes any segwit address (any human-readable part) into its version and program.
    static func decode(_ text: UnsafeBufferPointer<UInt8>) -> (humanReadable: String, version: Int, program: [UInt8])? {
        guard let decoded = Bech32.decode(text), let first = decoded.data.first else { return nil }
        let version = Int(first)
        guard version <= 16,
              let program = Base32Alphabet.regroup(decoded.data.dropFirst(), from: 5, to: 8, pad: false),
              (2...40).contains(program.count) else { return nil }
        if version == 0 {
            guard decoded.variant == .bech32, program.count == 20 || program.count == 32 else { return nil }
        } else {
            guard decoded.variant == .bech32m else { return nil }
        }
        return (decoded.humanReadable, version, program)
    }

    static func wallet(_ text: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard let (humanReadable, version, program) = decode(text),
              let chain = chain(humanReadable: humanReadable) else { return nil }
        let kind: String
        switch (version, program.count) {
        case (0, 20): kind = "p2wpkh"
        case (0, _): kind = "p2wsh"
        case (1, 32): kind = "p2tr"
        default: kind = "segwit"
        }
        return Wallet(chain: chain, canonical: String(decoding: text.map(Bech32.lowercased), as: UTF8.self), kind: kind)
    }

    /// Builds an address (bech32 for version 0, bech32m otherwise); tests generate addresses with it.
    static func encode(humanReadable: String, version: Int, program: [UInt8]) -> String {
        let data = [UInt8(version)] + Base32Alphabet.regroup(program, from: 8, to: 5, pad: true)!
        return Bech32.encode(humanReadable: humanReadable, data: data, variant: version == 0 ? .bech32 : .bech32m)
    }
}
