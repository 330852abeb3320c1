/// A blockchain whose addresses Bulwark recognises in text.
///
/// The raw values are the stable names used in storage and in the API (a block list is keyed by
/// `chain.rawValue` and `Wallet.canonical`), so they must never change once shipped.
public enum Chain: String, Sendable, Hashable, CaseIterable {
    case bitcoin, litecoin, ethereum, tron, monero, dogecoin
    case bitcoinCash = "bitcoin-cash"
}

/// A cryptocurrency address whose checksum has been verified.
///
/// Why `canonical` and not the text as found: the same account can be written several ways
/// (`BC1Q…` and `bc1q…`, an Ethereum address in lower case or with its EIP-55 capitals, a
/// CashAddr with or without its `bitcoincash:` prefix). Matching a post against a list of known
/// scam wallets must not depend on which way the poster chose, so every spelling of one account
/// maps to one `canonical` string:
/// - bech32/bech32m (`bc1…`, `ltc1…`) and CashAddr: lower case; CashAddr always carries
///   `bitcoincash:`.
/// - Ethereum: `0x` followed by lower-case hex.
/// - Base58 formats (Bitcoin/Litecoin/Dogecoin legacy, Tron, Monero): exactly as written, because
///   base58 is case-sensitive and has exactly one spelling per payload.
///
/// Two wallets are equal when chain, canonical text and kind are equal; since `kind` is a
/// function of the canonical text, that is the same as comparing `(chain, canonical)`.
public struct Wallet: Sendable, Hashable {
    /// The chain the address belongs to. Addresses that are valid on several chains with the same
    /// bytes (a base58 `3…` P2SH address is both Bitcoin's and Litecoin's old format; legacy
    /// Bitcoin Cash addresses are Bitcoin's) are reported as `.bitcoin`.
    public let chain: Chain
    /// The one spelling of this address used for comparison and storage (see the type's notes).
    public let canonical: String
    /// What the address pays to, in the vocabulary of its chain:
    /// - Bitcoin, Litecoin, Dogecoin base58: `p2pkh`, `p2sh`.
    /// - Segregated witness (`bc1…`, `ltc1…`): `p2wpkh`, `p2wsh` (version 0), `p2tr` (version 1,
    ///   32 bytes) or `segwit` (any other version/length that BIP-350 says wallets must accept).
    /// - Bitcoin Cash: `p2pkh`, `p2sh`, and the CashTokens-aware `p2pkh-tokens`, `p2sh-tokens`.
    /// - Ethereum: `eip55` (the `0x`+40 hex format; the case checksum was verified when present).
    /// - Tron: `account`.
    /// - Monero: `standard`, `subaddress`, `integrated`.
    public let kind: String

    init(chain: Chain, canonical: String, kind: String) {
        self.chain = chain
        self.canonical = canonical
        self.kind = kind
    }
}
