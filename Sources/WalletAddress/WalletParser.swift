/// Finds and validates cryptocurrency addresses.
///
/// Why checksums and not patterns: a regular expression for "34 base58 characters starting with
/// 1" matches ordinary identifiers, hashes and random tokens, and flagging those as wallets would
/// put false accusations in front of moderators. Every address format here carries a checksum
/// (or, for Ethereum, an optional case checksum), so a candidate is reported only when its
/// checksum holds; one mistyped character is enough to reject it.
public enum WalletParser {
    /// Validates one candidate token (no surrounding text). nil if not a valid address.
    ///
    /// Accepts every spelling `find` reports, plus `bitcoincash:`-prefixed CashAddr; `parse` of a
    /// wallet's `canonical` returns the same wallet.
    public static func parse(_ token: Substring) -> Wallet? {
        var token = token
        return token.withUTF8 { parse(bytes: $0) }
    }

    /// `parse` for a whole string.
    public static func parse(_ token: String) -> Wallet? {
        parse(token[...])
    }

    /// Finds every valid address in a text (UTF-8), with the UTF-8 byte range where it was found.
    ///
    /// A candidate is a maximal run of one address alphabet (base58, hex after "0x", the bech32
    /// alphabet, or letters and digits for `bc1`/`ltc1`), so any character outside that alphabet
    /// delimits it: `bitcoin:ADDR?amount=1`, `(ADDR)` and `ADDR.` are all found, while an address
    /// glued to more characters of its own alphabet is a different token and is not. A CashAddr
    /// range includes a `bitcoincash:` written directly before it.
    ///
    /// Runs in time linear in the input, whatever it holds, and accepts any bytes (invalid UTF-8
    /// simply never matches). Results are in order of position.
    public static func find(in utf8: UnsafeBufferPointer<UInt8>) -> [(range: Range<Int>, wallet: Wallet)] {
        var scanner = AddressScanner(text: utf8)
        return scanner.run()
    }

    /// Finds every valid address in a string; ranges are byte offsets into `text.utf8`.
    public static func find(in text: String) -> [(range: Range<Int>, wallet: Wallet)] {
        var text = text
        return text.withUTF8 { find(in: $0) }
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Wallet? {
        let count = bytes.count
        guard count >= SegwitAddress.minimumLength else { return nil }
        if count == EthereumAddress.length && bytes[0] == UInt8(ascii: "0") && bytes[1] == UInt8(ascii: "x") {
            return EthereumAddress.wallet(bytes)
        }
        if bytes.contains(UInt8(ascii: ":")) {
            return CashAddr.wallet(bytes)
        }
        if SegwitAddress.hasKnownPrefix(bytes) {
            return SegwitAddress.wallet(bytes)
        }
        if count == MoneroAddress.shortLength || count == MoneroAddress.integratedLength {
            return MoneroAddress.wallet(bytes)
        }
        if Base58Check.lengths.contains(count) {
            return Base58Check.wallet(bytes)
        }
        return CashAddr.wallet(payload: bytes)
    }
}

/// Character classes of the address alphabets, one bit each, looked up once per byte.
enum ByteClass {
    static let base58: UInt8 = 1
    static let hex: UInt8 = 2
    static let base32: UInt8 = 4
    static let alphanumeric: UInt8 = 8

    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for character in Base58.alphabet { table[Int(character)] |= base58 }
        for character in "0123456789abcdefABCDEF".utf8 { table[Int(character)] |= hex }
        for (index, value) in Base32Alphabet.values.enumerated() where value >= 0 { table[index] |= base32 }
        for character in "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8 {
            table[Int(character)] |= alphanumeric
        }
        return table
    }()
}

/// One pass over the bytes of a text, tracking four kinds of runs at once.
///
/// A candidate is a maximal run of one address alphabet, so anything outside that alphabet
/// delimits it: `bitcoin:ADDR?amount=1`, `(ADDR)` and `ADDR.` all work, while an address glued
/// to more characters of its own alphabet is part of a longer token and is not reported.
/// - base58 runs: Bitcoin/Litecoin/Dogecoin legacy, Tron (25...35 characters), Monero (95, 106);
/// - hex runs, where an "x" may follow a leading "0": Ethereum (exactly 42 characters);
/// - bech32-alphabet runs: CashAddr payloads (42...112 characters), extended backwards over a
///   directly preceding `bitcoincash:`;
/// - alphanumeric runs: segwit addresses (14...90 characters starting with `bc1` or `ltc1`).
///
/// Why this bounds the work: each byte is looked at once per run kind, a run is validated at most
/// once when it ends, only when its length and first characters fit some address, and every
/// validation costs time proportional to a bounded length (at most 112 characters). So a
/// megabyte of base58 letters is one run that is skipped for its length, and a megabyte of
/// address-shaped tokens costs one checksum each: linear either way. Nothing is allocated per
/// byte; a validation allocates only for small working arrays and for the result.
struct AddressScanner {
    let text: UnsafeBufferPointer<UInt8>
    var found: [(range: Range<Int>, wallet: Wallet)] = []

    init(text: UnsafeBufferPointer<UInt8>) {
        self.text = text
    }

    mutating func run() -> [(range: Range<Int>, wallet: Wallet)] {
        let count = text.count
        // Start of the current run of each kind, or -1 outside one.
        var base58Start = -1, hexStart = -1, base32Start = -1, wordStart = -1
        ByteClass.table.withUnsafeBufferPointer { classes in
            for index in 0..<count {
                let byte = text[index]
                let byteClass = classes[Int(byte)]
                if byteClass == 0 && (base58Start & hexStart & base32Start & wordStart) < 0 { continue }

                if byteClass & ByteClass.base58 != 0 {
                    if base58Start < 0 { base58Start = index }
                } else if base58Start >= 0 {
                    base58Run(base58Start..<index)
                    base58Start = -1
                }

                if byteClass & ByteClass.hex != 0 {
                    if hexStart < 0 { hexStart = index }
                } else if hexStart >= 0 {
                    let isPrefixX = byte == UInt8(ascii: "x") && index == hexStart + 1 && text[hexStart] == UInt8(ascii: "0")
                    if !isPrefixX {
                        hexRun(hexStart..<index)
                        hexStart = -1
                    }
                }

                if byteClass & ByteClass.base32 != 0 {
                    if base32Start < 0 { base32Start = index }
                } else if base32Start >= 0 {
                    base32Run(base32Start..<index)
                    base32Start = -1
                }

                if byteClass & ByteClass.alphanumeric != 0 {
                    if wordStart < 0 { wordStart = index }
                } else if wordStart >= 0 {
                    wordRun(wordStart..<index)
                    wordStart = -1
                }
            }
        }
        if base58Start >= 0 { base58Run(base58Start..<count) }
        if hexStart >= 0 { hexRun(hexStart..<count) }
        if base32Start >= 0 { base32Run(base32Start..<count) }
        if wordStart >= 0 { wordRun(wordStart..<count) }
        // Runs are reported when they end, which is not always in order of their start.
        found.sort { $0.range.lowerBound < $1.range.lowerBound }
        return found
    }

    private func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[range])
    }

    private mutating func base58Run(_ range: Range<Int>) {
        let length = range.count
        let first = text[range.lowerBound]
        let wallet: Wallet?
        if Base58Check.lengths.contains(length) {
            guard Base58Check.mayStart(with: first) else { return }
            wallet = Base58Check.wallet(slice(range))
        } else if length == MoneroAddress.shortLength || length == MoneroAddress.integratedLength {
            guard first == UInt8(ascii: "4") || first == UInt8(ascii: "8") else { return }
            wallet = MoneroAddress.wallet(slice(range))
        } else {
            return
        }
        if let wallet { found.append((range, wallet)) }
    }

    private mutating func hexRun(_ range: Range<Int>) {
        guard range.count == EthereumAddress.length, text[range.lowerBound + 1] == UInt8(ascii: "x"),
              let wallet = EthereumAddress.wallet(slice(range)) else { return }
        found.append((range, wallet))
    }

    private mutating func base32Run(_ range: Range<Int>) {
        guard CashAddr.payloadLengths.contains(range.count), CashAddr.mayStart(with: text[range.lowerBound]),
              let wallet = CashAddr.wallet(payload: slice(range)) else { return }
        // Include a directly preceding "bitcoincash:" written in the payload's case.
        var start = range.lowerBound
        let prefixStart = start - CashAddr.prefixWithSeparatorCount
        if prefixStart >= 0 && text[start - 1] == UInt8(ascii: ":") {
            let written = slice(prefixStart..<(start - 1))
            let payloadIsUpper = !text[range].contains { $0 >= UInt8(ascii: "a") }
            let expected = CashAddr.mainnetPrefix.lazy.map { payloadIsUpper ? $0 - 32 : $0 }
            if written.elementsEqual(expected) { start = prefixStart }
        }
        found.append((start..<range.upperBound, wallet))
    }

    private mutating func wordRun(_ range: Range<Int>) {
        guard range.count >= SegwitAddress.minimumLength && range.count <= Bech32.maxLength else { return }
        let candidate = slice(range)
        guard SegwitAddress.hasKnownPrefix(candidate), let wallet = SegwitAddress.wallet(candidate) else { return }
        found.append((range, wallet))
    }
}
