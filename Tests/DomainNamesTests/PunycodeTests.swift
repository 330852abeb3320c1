import Testing

@testable import DomainNames

@Suite("Punycode: RFC 3492")
struct PunycodeTests {
    /// RFC 3492 §7.1 sample strings (the Unicode given as escapes so no editor can renormalize it).
    /// The RFC prints some encodings with upper-case letters that only annotate case; encoders
    /// output digits in lower case.
    static let samples: [(name: String, unicode: String, punycode: String)] = [
        ("A Arabic", "\u{644}\u{64A}\u{647}\u{645}\u{627}\u{628}\u{62A}\u{643}\u{644}\u{645}\u{648}\u{634}\u{639}\u{631}\u{628}\u{64A}\u{61F}", "egbpdaj6bu4bxfgehfvwxn"),
        ("B Chinese (simplified)", "\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}", "ihqwcrb4cv8a8dqg056pqjye"),
        ("C Chinese (traditional)", "\u{4ED6}\u{5011}\u{7232}\u{4EC0}\u{9EBD}\u{4E0D}\u{8AAA}\u{4E2D}\u{6587}", "ihqwctvzc91f659drss3x8bo0yb"),
        ("D Czech", "Pro\u{10D}prost\u{11B}nemluv\u{ED}\u{10D}esky", "Proprostnemluvesky-uyb24dma41a"),
        ("E Hebrew", "\u{5DC}\u{5DE}\u{5D4}\u{5D4}\u{5DD}\u{5E4}\u{5E9}\u{5D5}\u{5D8}\u{5DC}\u{5D0}\u{5DE}\u{5D3}\u{5D1}\u{5E8}\u{5D9}\u{5DD}\u{5E2}\u{5D1}\u{5E8}\u{5D9}\u{5EA}", "4dbcagdahymbxekheh6e0a7fei0b"),
        ("G Japanese", "\u{306A}\u{305C}\u{307F}\u{3093}\u{306A}\u{65E5}\u{672C}\u{8A9E}\u{3092}\u{8A71}\u{3057}\u{3066}\u{304F}\u{308C}\u{306A}\u{3044}\u{306E}\u{304B}", "n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa"),
        ("I Russian", "\u{43F}\u{43E}\u{447}\u{435}\u{43C}\u{443}\u{436}\u{435}\u{43E}\u{43D}\u{438}\u{43D}\u{435}\u{433}\u{43E}\u{432}\u{43E}\u{440}\u{44F}\u{442}\u{43F}\u{43E}\u{440}\u{443}\u{441}\u{441}\u{43A}\u{438}", "b1abfaaepdrnnbgefbadotcwatmq2g4l"),
        ("J Spanish", "Porqu\u{E9}nopuedensimplementehablarenEspa\u{F1}ol", "PorqunopuedensimplementehablarenEspaol-fmd56a"),
        ("K Vietnamese", "T\u{1EA1}isaoh\u{1ECD}kh\u{F4}ngth\u{1EC3}ch\u{1EC9}n\u{F3}iti\u{1EBF}ngVi\u{1EC7}t", "TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g"),
        ("L 3<nen>B<gumi><kinpachi><sensei>", "3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}", "3B-ww4c5e180e575a65lsy2b"),
        ("M <amuro><namie>-with-SUPER-MONKEYS", "\u{5B89}\u{5BA4}\u{5948}\u{7F8E}\u{6075}-with-SUPER-MONKEYS", "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"),
        ("N Hello-Another-Way-<sorezore><no><basho>", "Hello-Another-Way-\u{305D}\u{308C}\u{305E}\u{308C}\u{306E}\u{5834}\u{6240}", "Hello-Another-Way--fc4qua05auwb3674vfr0b"),
        ("O <hitotsu><yane><no><shita>2", "\u{3072}\u{3068}\u{3064}\u{5C4B}\u{6839}\u{306E}\u{4E0B}2", "2-u9tlzr9756bt3uc0v"),
        ("P Maji<de>Koi<suru>5<byou><mae>", "Maji\u{3067}Koi\u{3059}\u{308B}5\u{79D2}\u{524D}", "MajiKoi5-783gue6qz075azm5e"),
        ("Q <pafii>de<runba>", "\u{30D1}\u{30D5}\u{30A3}\u{30FC}de\u{30EB}\u{30F3}\u{30D0}", "de-jg4avhby1noc0d"),
        ("R <sono><supiido><de>", "\u{305D}\u{306E}\u{30B9}\u{30D4}\u{30FC}\u{30C9}\u{3067}", "d9juau41awczczp"),
        ("S -> $1.00 <-", "-> $1.00 <-", "-> $1.00 <--"),
    ]

    @Test("RFC 3492 sample strings encode and decode", arguments: samples)
    func rfcSamples(sample: (name: String, unicode: String, punycode: String)) {
        #expect(Punycode.encode(sample.unicode.unicodeScalars) == sample.punycode, "\(sample.name)")
        #expect(Punycode.decode(sample.punycode[...]) == sample.unicode, "\(sample.name)")
    }

    @Test func decodeIgnoresDigitCase() {
        // As printed in the RFC, with case annotations.
        #expect(Punycode.decode("b1abfaaepdrnnbgefbaDotcwatmq2g4l")
            == "\u{43F}\u{43E}\u{447}\u{435}\u{43C}\u{443}\u{436}\u{435}\u{43E}\u{43D}\u{438}\u{43D}\u{435}\u{433}\u{43E}\u{432}\u{43E}\u{440}\u{44F}\u{442}\u{43F}\u{43E}\u{440}\u{443}\u{441}\u{441}\u{43A}\u{438}")
        #expect(Punycode.decode("MNCHEN-3YA") == "M\u{FC}NCHEN")
        #expect(Punycode.decode("mnchen-3ya") == "m\u{FC}nchen")
    }

    @Test func edgeCases() {
        #expect(Punycode.encode("".unicodeScalars) == "")
        #expect(Punycode.decode("") == "")
        #expect(Punycode.encode("abc".unicodeScalars) == "abc-", "all-basic input still gets the delimiter")
        #expect(Punycode.decode("abc-") == "abc")
        #expect(Punycode.encode("\u{FC}".unicodeScalars) == "tda")
        #expect(Punycode.encode("a\u{10FFFF}".unicodeScalars) == "a-h023p")
        #expect(Punycode.decode("a-h023p") == "a\u{10FFFF}")
    }

    @Test func decodeRejectsMalformedInput() {
        #expect(Punycode.decode("\u{FC}-tda") == nil, "non-ASCII before the delimiter")
        #expect(Punycode.decode("abc-\u{FC}") == nil, "non-ASCII digit")
        #expect(Punycode.decode("abc-!") == nil, "invalid digit")
        #expect(Punycode.decode("-abc") == nil, "a leading delimiter is then read as a digit")
        #expect(Punycode.decode("abc-9") == nil, "integer truncated at the end")
        #expect(Punycode.decode("ib9b") == nil, "decodes to the surrogate U+D800")
        #expect(Punycode.decode("en32g") == nil, "decodes to U+110000")
        #expect(Punycode.decode("99999999999999999999") == nil, "32-bit overflow")
        #expect(Punycode.decode(Substring(String(repeating: "9", count: 1000))) == nil)
    }

    @Test func encodeDetectsOverflow() {
        // delta = (0x10FFFF - 0x80) × (basic count + 1) exceeds 2³² - 1 above ~3,855 basic scalars.
        let tooMany = String(repeating: "a", count: 5000) + "\u{10FFFF}"
        #expect(Punycode.encode(tooMany.unicodeScalars) == nil)
        let fits = String(repeating: "a", count: 3000) + "\u{10FFFF}"
        let encoded = Punycode.encode(fits.unicodeScalars)
        #expect(encoded != nil)
        #expect(encoded.flatMap { Punycode.decode($0[...]) } == fits)
    }

    @Test func randomRoundTrips() {
        var rng = SplitMix64(seed: 0x5EED_0F_B01_7A11)
        // Mostly small alphabets (so scalars repeat and deltas are small), plus the full range.
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0xA0...0x24F, 0x370...0x4FF, 0x3040...0x30FF, 0x4E00...0x9FFF,
            0xAC00...0xD7A3, 0x1F300...0x1FAFF, 0x80...0x10FFFF,
        ]
        for _ in 0..<3000 {
            let count = Int(rng.next() % 48)
            var scalars: [Unicode.Scalar] = []
            while scalars.count < count {
                let range = ranges[Int(rng.next() % UInt64(ranges.count))]
                let value = range.lowerBound + UInt32(rng.next() % UInt64(range.count))
                if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
            }
            var original = ""
            original.unicodeScalars.append(contentsOf: scalars)
            guard let encoded = Punycode.encode(scalars) else {
                Issue.record("encode failed for \(scalars.map { String($0.value, radix: 16) })")
                continue
            }
            #expect(encoded.utf8.allSatisfy { $0 < 0x80 })
            #expect(Punycode.decode(encoded[...]) == original)
        }
    }
}

/// A small deterministic generator, so a failing round trip can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
