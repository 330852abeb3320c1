import Crypto

/// Bitcoin's base58: a big-endian base-58 number, with each leading zero byte written as '1'.
///
/// The alphabet drops 0, O, I and l so that hand-copied addresses are less ambiguous; the same
/// alphabet (but a different block layout, see `MoneroBase58`) is used by Monero.
enum Base58 {
    static let alphabet: [UInt8] = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)

    /// Digit value of every byte, 0xFF for bytes outside the alphabet.
    static let digitValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    /// Decodes `text` into exactly `output.count` bytes.
    ///
    /// Why a fixed-size output: every address format here has one decoded length, so the caller
    /// can decode into stack memory and reject an over-long number as soon as it overflows,
    /// instead of allocating for whatever length a hostile token implies. Returns false for a
    /// character outside the alphabet, or when the text does not encode exactly that many bytes
    /// (the number of leading '1's must equal the number of leading zero bytes).
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        output.update(repeating: 0)
        let count = output.count
        // Bytes before `top` are still zero, so a digit only has to be folded into the rest.
        var top = count
        for character in text {
            let digit = digitValues[Int(character)]
            if digit == 0xFF { return false }
            var carry = UInt32(digit)
            var index = count - 1
            while index >= top || carry != 0 {
                if index < 0 { return false }  // the number needs more than `count` bytes
                carry += UInt32(output[index]) * 58
                output[index] = UInt8(truncatingIfNeeded: carry)
                carry >>= 8
                index -= 1
            }
            top = index + 1
        }
        var leadingOnes = 0
        while leadingOnes < text.count && text[leadingOnes] == UInt8(ascii: "1") { leadingOnes += 1 }
        var leadingZeros = 0
        while leadingZeros < count && output[leadingZeros] == 0 { leadingZeros += 1 }
        return leadingOnes == leadingZeros
    }

    /// Decodes base58 text of any length; nil for a character outside the alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        return utf8.withUnsafeBufferPointer { text -> [UInt8]? in
            var leadingOnes = 0
            while leadingOnes < text.count && text[leadingOnes] == UInt8(ascii: "1") { leadingOnes += 1 }
            // log(58)/log(256) < 0.733, so this many bytes always hold the number.
            let capacity = text.count * 733 / 1000 + 1
            var bytes = [UInt8](repeating: 0, count: capacity)
            let valid = bytes.withUnsafeMutableBufferPointer { output -> Bool in
                for character in text {
                    let digit = digitValues[Int(character)]
                    if digit == 0xFF { return false }
                    var carry = UInt32(digit)
                    for index in stride(from: capacity - 1, through: 0, by: -1) {
                        carry += UInt32(output[index]) * 58
                        output[index] = UInt8(truncatingIfNeeded: carry)
                        carry >>= 8
                    }
                }
                return true
            }
            guard valid else { return nil }
            let significant = bytes.drop(while: { $0 == 0 })
            return [UInt8](repeating: 0, count: leadingOnes) + significant
        }
    }

    /// Encodes bytes as base58 (used to build test addresses and by `Base58Check.encode`).
    static func encode(_ bytes: [UInt8]) -> String {
        let leadingZeros = bytes.prefix(while: { $0 == 0 }).count
        // Base-58 digits, least significant first.
        var digits: [UInt8] = []
        for byte in bytes[leadingZeros...] {
            var carry = UInt32(byte)
            for index in digits.indices {
                carry += UInt32(digits[index]) << 8
                digits[index] = UInt8(carry % 58)
                carry /= 58
            }
            while carry > 0 {
                digits.append(UInt8(carry % 58))
                carry /= 58
            }
        }
        let text = [UInt8](repeating: UInt8(ascii: "1"), count: leadingZeros) + digits.reversed().map { alphabet[Int($0)] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Base58Check: a version byte, a 20-byte hash and the first 4 bytes of SHA-256(SHA-256(both)),
/// base58-encoded. Used by Bitcoin, Litecoin and Dogecoin legacy addresses and by Tron.
enum Base58Check {
    /// Decoded length of every address this module accepts: version + hash160 + checksum.
    static let decodedCount = 25
    /// Shortest and longest text that can decode to 25 bytes with a known version byte.
    static let lengths = 25...35

    /// The first character of every accepted version byte's addresses: a cheap filter that keeps
    /// most base58-looking words in a post from being decoded at all.
    static func mayStart(with character: UInt8) -> Bool {
        switch character {
        case UInt8(ascii: "1"), UInt8(ascii: "3"), UInt8(ascii: "L"), UInt8(ascii: "M"),
             UInt8(ascii: "D"), UInt8(ascii: "9"), UInt8(ascii: "A"), UInt8(ascii: "T"):
            return true
        default:
            return false
        }
    }

    /// The chain and kind of a version byte. 0x05 is Bitcoin's P2SH and Litecoin's deprecated
    /// one; the bytes are the same, so it is reported as Bitcoin.
    static func kind(ofVersion version: UInt8) -> (Chain, String)? {
        switch version {
        case 0x00: return (.bitcoin, "p2pkh")
        case 0x05: return (.bitcoin, "p2sh")
        case 0x30: return (.litecoin, "p2pkh")
        case 0x32: return (.litecoin, "p2sh")
        case 0x1E: return (.dogecoin, "p2pkh")
        case 0x16: return (.dogecoin, "p2sh")
        case 0x41: return (.tron, "account")
        default: return nil
        }
    }

    static func wallet(_ text: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard lengths.contains(text.count) else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: decodedCount) { bytes -> Wallet? in
            guard Base58.decode(text, into: bytes) else { return nil }
            guard let (chain, kind) = kind(ofVersion: bytes[0]) else { return nil }
            let body = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: bytes[0..<(decodedCount - 4)]))
            let stored = UInt32(bytes[21]) << 24 | UInt32(bytes[22]) << 16 | UInt32(bytes[23]) << 8 | UInt32(bytes[24])
            guard checksum(body) == stored else { return nil }
            return Wallet(chain: chain, canonical: String(decoding: text, as: UTF8.self), kind: kind)
        }
    }

    /// The first four bytes of SHA-256(SHA-256(bytes)), big-endian.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var first = SHA256()
        first.update(bufferPointer: bytes)
        var second = SHA256()
        first.finalize().withUnsafeBytes { second.update(bufferPointer: $0) }
        return second.finalize().withUnsafeBytes { digest in
            UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        }
    }

    /// Builds an address from a version byte and a payload (tests generate addresses with it).
    static func encode(version: UInt8, payload: [UInt8]) -> String {
        let body = [version] + payload
        let sum = body.withUnsafeBytes { checksum($0) }
        return Base58.encode(body + [UInt8(sum >> 24), UInt8(truncatingIfNeeded: sum >> 16),
                                     UInt8(truncatingIfNeeded: sum >> 8), UInt8(truncatingIfNeeded: sum)])
    }
}
