/// Valid addresses made from arbitrary bytes, for synthetic data: the text-pipeline evaluation and
/// test fixtures need real checksums without naming anyone's real wallet.
public enum WalletSamples {
    /// A valid address of `chain` derived from `seed` (at least 64 bytes are used when given;
    /// shorter seeds are repeated). `variant` picks among the chain's address kinds.
    public static func address(chain: Chain, seed: [UInt8], variant: Int = 0) -> String {
        let source = seed.isEmpty ? [UInt8](repeating: 7, count: 64) : seed
        func bytes(_ count: Int) -> [UInt8] { (0..<count).map { source[$0 % source.count] } }
        switch chain {
        case .bitcoin:
            switch variant % 4 {
            case 0: return Base58Check.encode(version: 0x00, payload: bytes(20))
            case 1: return Base58Check.encode(version: 0x05, payload: bytes(20))
            case 2: return SegwitAddress.encode(humanReadable: "bc", version: 0, program: bytes(20))
            default: return SegwitAddress.encode(humanReadable: "bc", version: 1, program: bytes(32))
            }
        case .litecoin:
            return variant % 2 == 0 ? Base58Check.encode(version: 0x30, payload: bytes(20))
                : SegwitAddress.encode(humanReadable: "ltc", version: 0, program: bytes(20))
        case .dogecoin:
            return Base58Check.encode(version: 0x1E, payload: bytes(20))
        case .ethereum:
            let hex = bytes(20).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
            return variant % 2 == 0 ? EthereumAddress.checksummed(hex) : "0x" + hex
        case .tron:
            return Base58Check.encode(version: 0x41, payload: bytes(20))
        case .monero:
            return MoneroAddress.encode(tag: variant % 2 == 0 ? 0x12 : 0x2A, body: bytes(64))
        case .bitcoinCash:
            return CashAddr.encode(prefix: "bitcoincash", type: 0, hash: bytes(20)) ?? Base58Check.encode(version: 0x00, payload: bytes(20))
        }
    }
}
