@testable import WalletAddress

/// SplitMix64: a small deterministic generator, so a failing random case reproduces exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
}

func bytes(hex: String) -> [UInt8] {
    let characters = Array(hex.lowercased().utf8)
    precondition(characters.count.isMultiple(of: 2), "odd hex length")
    func nibble(_ character: UInt8) -> UInt8 {
        character <= UInt8(ascii: "9") ? character - UInt8(ascii: "0") : character - UInt8(ascii: "a") + 10
    }
    return stride(from: 0, to: characters.count, by: 2).map { nibble(characters[$0]) << 4 | nibble(characters[$0 + 1]) }
}

/// Runs `WalletParser.find` over raw bytes (the buffer API).
func findBytes(_ bytes: [UInt8]) -> [(range: Range<Int>, wallet: Wallet)] {
    bytes.withUnsafeBufferPointer { WalletParser.find(in: $0) }
}

/// The text of `text.utf8[range]`, for checking reported ranges.
func utf8Slice(_ text: String, _ range: Range<Int>) -> String {
    String(decoding: Array(text.utf8)[range], as: UTF8.self)
}

/// `text` with the character at `offset` replaced.
func replacing(_ text: String, at offset: Int, with character: UInt8) -> String {
    var bytes = Array(text.utf8)
    bytes[offset] = character
    return String(decoding: bytes, as: UTF8.self)
}

/// Alphabets for single-character substitutions.
enum Alphabet {
    static let base58 = Base58.alphabet
    static let base32Lower = Base32Alphabet.characters
}
