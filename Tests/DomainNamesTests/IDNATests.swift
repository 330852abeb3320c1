import Testing

@testable import DomainNames

@Suite("IDNA: host to ASCII and back")
struct IDNATests {
    @Test func asciiHostsAreLowerCasedAndLoseOneTrailingDot() {
        #expect(IDNA.toASCII("example.com") == "example.com")
        #expect(IDNA.toASCII("WWW.Example.COM") == "www.example.com")
        #expect(IDNA.toASCII("example.com.") == "example.com")
        #expect(IDNA.toASCII("localhost") == "localhost")
        #expect(IDNA.toASCII("_dmarc.example.com") == "_dmarc.example.com", "underscores occur in real hosts")
        #expect(IDNA.toASCII("-a-.example") == "-a-.example", "hyphens are not position-checked, as in browsers")
        #expect(IDNA.toASCII("192.0.2.1") == "192.0.2.1")
    }

    @Test func unicodeLabelsBecomeALabels() {
        #expect(IDNA.toASCII("m\u{FC}nchen.de") == "xn--mnchen-3ya.de")
        #expect(IDNA.toASCII("www.m\u{FC}nchen.de.") == "www.xn--mnchen-3ya.de")
        // 食狮.公司.cn, 例え.テスト: encodings from the PSL's own tests and IANA's IDN test domain.
        #expect(IDNA.toASCII("\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn") == "xn--85x722f.xn--55qx5d.cn")
        #expect(IDNA.toASCII("\u{4F8B}\u{3048}.\u{30C6}\u{30B9}\u{30C8}") == "xn--r8jz45g.xn--zckzah")
        // The ideographic full stop separates labels like ".".
        #expect(IDNA.toASCII("\u{4F8B}\u{3048}\u{3002}\u{30C6}\u{30B9}\u{30C8}") == "xn--r8jz45g.xn--zckzah")
        #expect(IDNA.toASCII("example\u{3002}com\u{3002}") == "example.com")
    }

    @Test func nonASCIIIsLowerCasedHere() {
        // Documented choice: per-scalar lower-casing, so callers need not case-fold first.
        #expect(IDNA.toASCII("B\u{DC}CHER.example") == "xn--bcher-kva.example")
        #expect(IDNA.toASCII("\u{DC}nicode.Example.COM") == "xn--nicode-2ya.example.com")
        // U+0130 lower-cases to "i" + U+0307, as UTS #46 maps it.
        #expect(IDNA.toASCII("\u{130}stanbul.tr") == "xn--istanbul-o0e.tr")
        // Lower-casing, not case folding: ß stays ß (nontransitional processing, as browsers do).
        #expect(IDNA.toASCII("fa\u{DF}.de") == "xn--fa-hia.de")
    }

    @Test func ignoredCodePointsAreRemoved() {
        #expect(IDNA.toASCII("pay\u{AD}pal.com") == "paypal.com", "soft hyphen")
        #expect(IDNA.toASCII("pay\u{200B}pal.com") == "paypal.com", "zero-width space")
        #expect(IDNA.toASCII("i\u{2764}\u{FE0F}.ws") == "xn--i-7iq.ws", "emoji variation selector")
        #expect(IDNA.toASCII("\u{AD}.com") == nil, "a label of ignored code points only is empty")
    }

    @Test func invalidHostsAreRejected() {
        for host in ["", ".", "..", ".com", "a..b", "a.b..", "exa mple.com", "a/b.com", "user@example.com",
                     "example.com:80", "a*b.com", "a%20b.com", "tab\t.com", "a\u{0}.com"] {
            #expect(IDNA.toASCII(host[...]) == nil, "\(host.debugDescription)")
        }
        for host in ["exa\u{A0}mple.com", "a\u{202E}b.com", "\u{E000}.com", "a\u{FFFD}.com",
                     "\u{301}a.com", "a\u{200D}b.com", "a\u{200C}b.com", "a\u{3000}b.com", "a\u{85}.com"] {
            #expect(IDNA.toASCII(host[...]) == nil, "\(host.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func joinersAreAllowedAfterAVirama() throws {
        // क्‍ष: KA, VIRAMA, ZWJ, SSA.
        let host = "\u{915}\u{94D}\u{200D}\u{937}.in"
        #expect(IDNA.toASCII(host[...]) == "xn--11b2ezcw70k.in")
        #expect(IDNA.toUnicode("xn--11b2ezcw70k.in") == host)
    }

    @Test func lengthLimits() {
        let label63 = String(repeating: "a", count: 63)
        #expect(IDNA.toASCII(Substring(label63 + ".com")) == label63 + ".com")
        #expect(IDNA.toASCII(Substring(label63 + "a.com")) == nil)
        #expect(IDNA.toASCII(Substring("www." + label63 + "a")) == nil)
        // 4 × 63 + 3 dots = 255; trim to exactly 253 and 254 octets.
        let long = [String](repeating: label63, count: 4).joined(separator: ".")
        let host253 = String(long.dropLast(2))
        let host254 = String(long.dropLast(1))
        #expect(host253.utf8.count == 253)
        #expect(IDNA.toASCII(Substring(host253)) == host253)
        #expect(IDNA.toASCII(Substring(host253 + ".")) == host253, "the trailing dot does not count")
        #expect(IDNA.toASCII(Substring(host254)) == nil)
        #expect(IDNA.toASCII(Substring(host254 + ".")) == nil)
        // Limits apply after conversion: 10 × ü fits, 60 × ü is 66 octets as an A-label.
        #expect(IDNA.toASCII(Substring(String(repeating: "\u{FC}", count: 10) + ".de")) == "xn--tdaaaaaaaaaa.de")
        #expect(IDNA.toASCII(Substring(String(repeating: "\u{FC}", count: 60) + ".de")) == nil)
        // A Unicode host whose A-label form exceeds 253 octets.
        let unicodeLong = [String](repeating: String(repeating: "\u{FC}", count: 40), count: 6).joined(separator: ".")
        #expect(IDNA.toASCII(Substring(unicodeLong)) == nil)
    }

    @Test func existingALabelsAreValidated() {
        #expect(IDNA.toASCII("xn--mnchen-3ya.de") == "xn--mnchen-3ya.de")
        #expect(IDNA.toASCII("XN--MNCHEN-3YA.DE") == "xn--mnchen-3ya.de")
        #expect(IDNA.toASCII("xn--.com") == nil, "empty Punycode")
        #expect(IDNA.toASCII("xn--abc-.com") == nil, "decodes to ASCII only")
        #expect(IDNA.toASCII("xn--a.com") == nil, "decodes to the control character U+0080")
        #expect(IDNA.toASCII("xn--tda!.com") == nil)
        #expect(IDNA.toASCII("xn--ib9b.com") == nil, "decodes to a surrogate")
        #expect(IDNA.toASCII("xn--bcher-kva.example") == "xn--bcher-kva.example")
        #expect(IDNA.toASCII("xn--Bcher-kva.example") == "xn--bcher-kva.example")
        // Punycode of "Bücher" keeps the capital B as a basic code point; lower-casing the
        // A-label first yields the canonical spelling, so this is the same host.
        #expect(IDNA.toASCII("xn--\u{FC}.com") == nil, "non-ASCII in an A-label")
        // "xn--" + Punycode of "BÜCHER" decodes to upper-case non-ASCII, which is not canonical.
        let upper = "xn--" + (Punycode.encode("b\u{DC}cher".unicodeScalars) ?? "")
        #expect(IDNA.toASCII(Substring(upper + ".example")) == nil)
    }

    @Test func toUnicodeDecodesValidALabelsOnly() {
        #expect(IDNA.toUnicode("xn--mnchen-3ya.de") == "m\u{FC}nchen.de")
        #expect(IDNA.toUnicode("WWW.XN--MNCHEN-3YA.DE") == "www.m\u{FC}nchen.de")
        #expect(IDNA.toUnicode("xn--85x722f.xn--55qx5d.cn") == "\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn")
        #expect(IDNA.toUnicode("xn--a.com") == "xn--a.com", "invalid A-labels are left alone")
        #expect(IDNA.toUnicode("xn--zz!.com") == "xn--zz!.com")
        #expect(IDNA.toUnicode("a..b.") == "a..b.")
        #expect(IDNA.toUnicode("") == "")
        #expect(IDNA.toUnicode("xn--tda.\u{301}B") == "\u{FC}.\u{301}b", "a label may start mid-grapheme")
        for host in ["m\u{FC}nchen.de", "\u{4F8B}\u{3048}.\u{30C6}\u{30B9}\u{30C8}", "fa\u{DF}.de", "i\u{2764}.ws",
                     "\u{43F}\u{440}\u{438}\u{43C}\u{435}\u{440}.\u{440}\u{444}", "example.com"] {
            let ascii = IDNA.toASCII(host[...])
            #expect(ascii != nil, "\(host)")
            #expect(ascii.map { IDNA.toUnicode($0[...]) } == host)
        }
    }

    @Test func hostileInputReturnsPromptly() {
        let megabyte = String(repeating: "a", count: 1 << 20)
        #expect(IDNA.toASCII(megabyte[...]) == nil)
        #expect(IDNA.toASCII(Substring(megabyte + "\u{FC}")) == nil)
        #expect(IDNA.toASCII(Substring("\u{FC}" + megabyte)) == nil)
        #expect(IDNA.toASCII(Substring(String(repeating: "\u{4E2D}", count: 1 << 18))) == nil)
        #expect(IDNA.toASCII(Substring(String(repeating: "a.", count: 10_000) + "com")) == nil)
        #expect(IDNA.toASCII(Substring(String(repeating: ".", count: 10_000))) == nil)
        #expect(IDNA.toASCII(Substring(String(repeating: "\u{FC}.", count: 10_000))) == nil)
        // Ignored code points produce no output, so a megabyte of them is still a valid host.
        #expect(IDNA.toASCII(Substring(String(repeating: "\u{AD}", count: 1 << 19) + "a.com")) == "a.com")
        #expect(IDNA.toUnicode(Substring("xn--" + megabyte)) == "xn--" + megabyte)
        #expect(IDNA.toUnicode(Substring(String(repeating: "xn--tda.", count: 10_000))).utf8.count == 30_000)
    }
}
