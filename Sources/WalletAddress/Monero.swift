/// Monero's base58: the Bitcoin alphabet, but the bytes are cut into 8-byte blocks and each block
/// is written as exactly 11 characters (a shorter last block uses the length from
/// `encodedBlockSizes`). Why Monero does this: fixed-width blocks make encoding linear in the
/// length and make every address of one type the same length (95 or 106 characters), which is
/// also what lets `find` reject Monero candidates by length alone.
enum MoneroBase58 {
    /// Characters used for a block of 0...8 bytes.
    static let encodedBlockSizes = [0, 2, 3, 5, 6, 7, 9, 10, 11]
    static let fullBlockBytes = 8
    static let fullBlockCharacters = 11

    /// The number of bytes `characters` characters decode to, or nil if no byte count encodes to
    /// that many characters.
    static func decodedCount(characters: Int) -> Int? {
        let remainder = characters % fullBlockCharacters
        guard let lastBlock = encodedBlockSizes.firstIndex(of: remainder) else { return nil }
        return characters / fullBlockCharacters * fullBlockBytes + lastBlock
    }

    /// Decodes into `output`, whose count must be `decodedCount(characters: text.count)`.
    /// Returns false for a character outside the alphabet or a block whose value does not fit its
    /// byte count (such text has no encoder that would produce it).
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        var inputStart = 0
        var outputStart = 0
        while inputStart < text.count {
            let characters = min(fullBlockCharacters, text.count - inputStart)
            guard let byteCount = encodedBlockSizes.firstIndex(of: characters), byteCount > 0,
                  outputStart + byteCount <= output.count else { return false }
            var value: UInt64 = 0
            for index in inputStart..<(inputStart + characters) {
                let digit = Base58.digitValues[Int(text[index])]
                if digit == 0xFF { return false }
                let (shifted, overflowMultiply) = value.multipliedReportingOverflow(by: 58)
                let (sum, overflowAdd) = shifted.addingReportingOverflow(UInt64(digit))
                if overflowMultiply || overflowAdd { return false }
                value = sum
            }
            if byteCount < fullBlockBytes && value >> UInt64(8 * byteCount) != 0 { return false }
            for index in 0..<byteCount {
                output[outputStart + index] = UInt8(truncatingIfNeeded: value >> UInt64(8 * (byteCount - 1 - index)))
            }
            inputStart += characters
            outputStart += byteCount
        }
        return outputStart == output.count
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        var start = 0
        while start < bytes.count {
            let byteCount = min(fullBlockBytes, bytes.count - start)
            var value: UInt64 = 0
            for byte in bytes[start..<(start + byteCount)] { value = value << 8 | UInt64(byte) }
            var block = [UInt8](repeating: Base58.alphabet[0], count: encodedBlockSizes[byteCount])
            var index = block.count - 1
            while value > 0 {
                block[index] = Base58.alphabet[Int(value % 58)]
                value /= 58
                index -= 1
            }
            text += block
            start += byteCount
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// Monero mainnet addresses: a network tag, the public spend and view keys (32 bytes each), for
/// integrated addresses an 8-byte payment id, then the first 4 bytes of Keccak-256 of all that.
enum MoneroAddress {
    static let standardTag: UInt8 = 0x12
    static let integratedTag: UInt8 = 0x13
    static let subaddressTag: UInt8 = 0x2A
    /// Text lengths: standard and subaddress (69 bytes) and integrated (77 bytes).
    static let shortLength = 95
    static let integratedLength = 106

    static func wallet(_ text: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard text.count == shortLength || text.count == integratedLength,
              let count = MoneroBase58.decodedCount(characters: text.count) else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { bytes -> Wallet? in
            guard MoneroBase58.decode(text, into: bytes) else { return nil }
            let kind: String
            switch (bytes[0], text.count) {
            case (standardTag, shortLength): kind = "standard"
            case (subaddressTag, shortLength): kind = "subaddress"
            case (integratedTag, integratedLength): kind = "integrated"
            default: return nil
            }
            let digest = Keccak.hash256(UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: bytes[0..<(count - 4)])))
            for index in 0..<4 where digest[index] != bytes[count - 4 + index] { return nil }
            return Wallet(chain: .monero, canonical: String(decoding: text, as: UTF8.self), kind: kind)
        }
    }

    /// Builds an address from a tag and the bytes that follow it (64 key bytes, plus 8 for an
    /// integrated address); tests generate addresses with it.
    static func encode(tag: UInt8, body: [UInt8]) -> String {
        let data = [tag] + body
        let digest = data.withUnsafeBytes { Keccak.hash256($0) }
        return MoneroBase58.encode(data + (0..<4).map { digest[$0] })
    }
}
