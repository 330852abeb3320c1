/// Keccak-256 as used by Ethereum (EIP-55) and Monero address checksums.
///
/// Why here and not swift-crypto: both chains use the original Keccak submission, whose padding
/// starts with the bit pattern 0x01, not FIPS-202 SHA3-256 (padding 0x06), and swift-crypto only
/// offers the latter. The two differ in nothing else, which is also how the tests check the
/// permutation against SHA3-256 values computed elsewhere.
enum Keccak {
    /// Bytes absorbed per permutation for a 256-bit output: (1600 - 2 * 256) / 8.
    static let rate = 136
    /// First padding byte of original Keccak.
    static let keccakPadding: UInt8 = 0x01
    /// First padding byte of FIPS-202 SHA-3 (used only to test the permutation).
    static let sha3Padding: UInt8 = 0x06

    /// Round constants of the ι step (derived from an LFSR; the tests re-derive them).
    static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]

    /// The ρ and π steps done in place: starting from lane (1, 0), each lane is rotated and moved
    /// to the position π sends it to, and the lane it displaces is carried to the next step.
    /// `piTargets[t]` is where the t-th carried lane goes (index x + 5y) and `rhoOffsets[t]` its
    /// rotation, (t + 1)(t + 2)/2 mod 64. The tests re-derive both from those definitions.
    static let piTargets: [Int] = [10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]
    static let rhoOffsets: [UInt64] = [1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]

    /// Keccak-256 of `data`.
    static func hash256(_ data: UnsafeRawBufferPointer) -> Digest256 {
        hash256(data, padding: keccakPadding)
    }

    /// The 256-bit Keccak sponge with the given first padding byte (0x01 Keccak, 0x06 SHA3-256).
    static func hash256(_ data: UnsafeRawBufferPointer, padding: UInt8) -> Digest256 {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 25) { state -> Digest256 in
            state.initialize(repeating: 0)
            let lanes = state.baseAddress!
            var offset = 0
            while data.count - offset >= rate {
                absorb(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + rate)]), into: lanes)
                permute(lanes)
                offset += rate
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: rate) { block in
                block.initialize(repeating: 0)
                let remaining = data.count - offset
                for index in 0..<remaining { block[index] = data[offset + index] }
                block[remaining] ^= padding
                block[rate - 1] ^= 0x80
                absorb(UnsafeRawBufferPointer(block), into: lanes)
            }
            permute(lanes)
            return Digest256(words: (lanes[0], lanes[1], lanes[2], lanes[3]))
        }
    }

    /// XORs one `rate`-byte block into the state, lanes little-endian.
    private static func absorb(_ block: UnsafeRawBufferPointer, into lanes: UnsafeMutablePointer<UInt64>) {
        for lane in 0..<(rate / 8) {
            lanes[lane] ^= UInt64(littleEndian: block.loadUnaligned(fromByteOffset: lane * 8, as: UInt64.self))
        }
    }

    @inline(__always)
    private static func rotateLeft(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        value &<< amount | value &>> (64 &- amount)
    }

    /// Keccak-f[1600]: 24 rounds of θ, ρ, π, χ, ι over 25 lanes indexed x + 5y.
    static func permute(_ a: UnsafeMutablePointer<UInt64>) {
        roundConstants.withUnsafeBufferPointer { constants in
            piTargets.withUnsafeBufferPointer { targets in
                rhoOffsets.withUnsafeBufferPointer { offsets in
                    for round in 0..<24 {
                        // θ: XOR each lane with the parities of two neighbouring columns.
                        let c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20]
                        let c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21]
                        let c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22]
                        let c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23]
                        let c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24]
                        let d0 = c4 ^ rotateLeft(c1, 1)
                        let d1 = c0 ^ rotateLeft(c2, 1)
                        let d2 = c1 ^ rotateLeft(c3, 1)
                        let d3 = c2 ^ rotateLeft(c4, 1)
                        let d4 = c3 ^ rotateLeft(c0, 1)
                        for row in stride(from: 0, to: 25, by: 5) {
                            a[row] ^= d0
                            a[row + 1] ^= d1
                            a[row + 2] ^= d2
                            a[row + 3] ^= d3
                            a[row + 4] ^= d4
                        }
                        // ρ and π.
                        var carried = a[1]
                        for step in 0..<24 {
                            let target = targets[step]
                            let displaced = a[target]
                            a[target] = rotateLeft(carried, offsets[step])
                            carried = displaced
                        }
                        // χ: the only non-linear step, along each row.
                        for row in stride(from: 0, to: 25, by: 5) {
                            let b0 = a[row], b1 = a[row + 1], b2 = a[row + 2], b3 = a[row + 3], b4 = a[row + 4]
                            a[row] = b0 ^ (~b1 & b2)
                            a[row + 1] = b1 ^ (~b2 & b3)
                            a[row + 2] = b2 ^ (~b3 & b4)
                            a[row + 3] = b3 ^ (~b4 & b0)
                            a[row + 4] = b4 ^ (~b0 & b1)
                        }
                        // ι
                        a[0] ^= constants[round]
                    }
                }
            }
        }
    }
}

/// A 32-byte digest kept as four little-endian lanes, so hashing allocates nothing.
struct Digest256: Equatable {
    let words: (UInt64, UInt64, UInt64, UInt64)

    /// Byte `index` (0..<32) of the digest.
    subscript(index: Int) -> UInt8 {
        let word: UInt64
        switch index >> 3 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return UInt8(truncatingIfNeeded: word >> UInt64(8 * (index & 7)))
    }

    var bytes: [UInt8] { (0..<32).map { self[$0] } }

    static func == (lhs: Digest256, rhs: Digest256) -> Bool {
        lhs.words == rhs.words
    }
}
