/// Ethereum account addresses: "0x" and 40 hex digits (20 bytes).
///
/// The only checksum Ethereum has is EIP-55's letter case: a letter is upper case exactly when
/// the matching hex digit of Keccak-256(lower-case hex text) is 8 or more. Text in a single case
/// carries no checksum and EIP-55 accepts it as is; mixed case that disagrees with the hash is a
/// mistyped address and is rejected.
enum EthereumAddress {
    static let length = 42
    static let hexDigits = 40

    static func wallet(_ text: UnsafeBufferPointer<UInt8>) -> Wallet? {
        guard text.count == length, text[0] == UInt8(ascii: "0"), text[1] == UInt8(ascii: "x") else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { canonical -> Wallet? in
            canonical[0] = UInt8(ascii: "0")
            canonical[1] = UInt8(ascii: "x")
            var hasLower = false, hasUpper = false
            for index in 2..<length {
                let character = text[index]
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    canonical[index] = character
                case UInt8(ascii: "a")...UInt8(ascii: "f"):
                    canonical[index] = character
                    hasLower = true
                case UInt8(ascii: "A")...UInt8(ascii: "F"):
                    canonical[index] = character + 32
                    hasUpper = true
                default:
                    return nil
                }
            }
            let lowerHex = UnsafeRawBufferPointer(UnsafeMutableBufferPointer(rebasing: canonical[2..<length]))
            if hasLower && hasUpper {
                let digest = Keccak.hash256(lowerHex)
                for index in 0..<hexDigits {
                    let character = text[2 + index]
                    guard character > UInt8(ascii: "9") else { continue }
                    let wantUpper = hashNibble(digest, index) >= 8
                    let isUpper = character <= UInt8(ascii: "F")
                    if wantUpper != isUpper { return nil }
                }
            }
            return Wallet(chain: .ethereum, canonical: String(decoding: canonical, as: UTF8.self), kind: "eip55")
        }
    }

    @inline(__always)
    static func hashNibble(_ digest: Digest256, _ index: Int) -> UInt8 {
        let byte = digest[index >> 1]
        return index & 1 == 0 ? byte >> 4 : byte & 0x0F
    }

    /// The EIP-55 spelling of an address given as 40 hex digits in any case (tests use it).
    static func checksummed(_ hex: String) -> String {
        let lower = Array(hex.lowercased().utf8)
        let digest = lower.withUnsafeBytes { Keccak.hash256($0) }
        let cased = lower.enumerated().map { index, character -> UInt8 in
            character > UInt8(ascii: "9") && hashNibble(digest, index) >= 8 ? character - 32 : character
        }
        return "0x" + String(decoding: cased, as: UTF8.self)
    }
}
