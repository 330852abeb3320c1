import Foundation
import Testing

@testable import DomainNames

@Suite("Public Suffix List")
struct PublicSuffixListTests {
    let psl = PublicSuffixList.shared

    /// The reference tests' checkPublicSuffix(input, expected): the input is canonicalized with
    /// `IDNA.toASCII` (malformed input, such as a leading dot, has no registrable domain), then
    /// reduced to its registrable domain; expected Unicode is compared in ASCII form.
    func check(_ input: String, _ expected: String?, sourceLocation: SourceLocation = #_sourceLocation) {
        let actual = IDNA.toASCII(input[...]).flatMap { psl.registrableDomain(of: $0[...]).map { String($0) } }
        let wanted = expected.map { IDNA.toASCII($0[...]) ?? "(invalid expectation)" }
        #expect(actual == wanted, "\(input)", sourceLocation: sourceLocation)
    }

    /// From the list's test_psl.txt (publicsuffix/list, tests/), which every implementation runs.
    @Test func referenceTestCases() {
        // Mixed case.
        check("COM", nil)
        check("example.COM", "example.com")
        check("WwW.example.COM", "example.com")
        // Leading dot.
        check(".com", nil)
        check(".example", nil)
        check(".example.com", nil)
        check(".example.example", nil)
        // Unlisted TLD.
        check("example", nil)
        check("example.example", "example.example")
        check("b.example.example", "example.example")
        check("a.b.example.example", "example.example")
        // TLD with only 1 rule.
        check("biz", nil)
        check("domain.biz", "domain.biz")
        check("b.domain.biz", "domain.biz")
        check("a.b.domain.biz", "domain.biz")
        // TLD with some 2-level rules.
        check("com", nil)
        check("example.com", "example.com")
        check("b.example.com", "example.com")
        check("a.b.example.com", "example.com")
        check("uk.com", nil)
        check("example.uk.com", "example.uk.com")
        check("b.example.uk.com", "example.uk.com")
        check("a.b.example.uk.com", "example.uk.com")
        check("test.ac", "test.ac")
        // TLD with only 1 (wildcard) rule.
        check("mm", nil)
        check("c.mm", nil)
        check("b.c.mm", "b.c.mm")
        check("a.b.c.mm", "b.c.mm")
        // More complex TLD.
        check("jp", nil)
        check("test.jp", "test.jp")
        check("www.test.jp", "test.jp")
        check("ac.jp", nil)
        check("test.ac.jp", "test.ac.jp")
        check("www.test.ac.jp", "test.ac.jp")
        check("kyoto.jp", nil)
        check("test.kyoto.jp", "test.kyoto.jp")
        check("ide.kyoto.jp", nil)
        check("b.ide.kyoto.jp", "b.ide.kyoto.jp")
        check("a.b.ide.kyoto.jp", "b.ide.kyoto.jp")
        check("c.kobe.jp", nil)
        check("b.c.kobe.jp", "b.c.kobe.jp")
        check("a.b.c.kobe.jp", "b.c.kobe.jp")
        check("city.kobe.jp", "city.kobe.jp")
        check("www.city.kobe.jp", "city.kobe.jp")
        // TLD with a wildcard rule and exceptions.
        check("ck", nil)
        check("test.ck", nil)
        check("b.test.ck", "b.test.ck")
        check("a.b.test.ck", "b.test.ck")
        check("www.ck", "www.ck")
        check("www.www.ck", "www.ck")
        // US K12.
        check("us", nil)
        check("test.us", "test.us")
        check("www.test.us", "test.us")
        check("ak.us", nil)
        check("test.ak.us", "test.ak.us")
        check("www.test.ak.us", "test.ak.us")
        check("k12.ak.us", nil)
        check("test.k12.ak.us", "test.k12.ak.us")
        check("www.test.k12.ak.us", "test.k12.ak.us")
        // IDN labels: 食狮.com.cn, 食狮.公司.cn, 食狮.中国.
        check("\u{98DF}\u{72EE}.com.cn", "\u{98DF}\u{72EE}.com.cn")
        check("\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn", "\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn")
        check("www.\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn", "\u{98DF}\u{72EE}.\u{516C}\u{53F8}.cn")
        check("shishi.\u{516C}\u{53F8}.cn", "shishi.\u{516C}\u{53F8}.cn")
        check("\u{516C}\u{53F8}.cn", nil)
        check("\u{98DF}\u{72EE}.\u{4E2D}\u{56FD}", "\u{98DF}\u{72EE}.\u{4E2D}\u{56FD}")
        check("www.\u{98DF}\u{72EE}.\u{4E2D}\u{56FD}", "\u{98DF}\u{72EE}.\u{4E2D}\u{56FD}")
        check("shishi.\u{4E2D}\u{56FD}", "shishi.\u{4E2D}\u{56FD}")
        check("\u{4E2D}\u{56FD}", nil)
        // Same as above, but punycoded.
        check("xn--85x722f.com.cn", "xn--85x722f.com.cn")
        check("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")
        check("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn")
        check("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn")
        check("xn--55qx5d.cn", nil)
        check("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")
        check("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s")
        check("shishi.xn--fiqs8s", "shishi.xn--fiqs8s")
        check("xn--fiqs8s", nil)
    }

    @Test func publicSuffixes() {
        #expect(psl.publicSuffix(of: "example.com") == "com")
        #expect(psl.publicSuffix(of: "a.b.example.co.uk") == "co.uk")
        #expect(psl.publicSuffix(of: "www.ck") == "ck", "exception rule")
        #expect(psl.publicSuffix(of: "a.b.test.ck") == "test.ck", "wildcard rule")
        #expect(psl.publicSuffix(of: "www.city.kobe.jp") == "kobe.jp")
        #expect(psl.publicSuffix(of: "example.zzz") == "zzz", "implicit * rule")
        #expect(psl.publicSuffix(of: "localhost") == "localhost")
        #expect(psl.publicSuffix(of: "com") == "com")
        #expect(psl.publicSuffix(of: "example.bd") == "example.bd", "wildcard-only TLD")
        #expect(psl.publicSuffix(of: "a.b.example.uk.com") == "uk.com", "private rule")
        #expect(psl.publicSuffix(of: "xn--85x722f.xn--55qx5d.cn") == "xn--55qx5d.cn", "rule written as 公司.cn")
        // Results are slices of the input, so they keep its case.
        #expect(psl.publicSuffix(of: "WWW.Example.CO.UK") == "CO.UK")
        #expect(psl.registrableDomain(of: "WWW.Example.CO.UK") == "Example.CO.UK")
    }

    @Test func registrableDomains() {
        #expect(psl.registrableDomain(of: "example.com") == "example.com")
        #expect(psl.registrableDomain(of: "a.b.example.com") == "example.com")
        #expect(psl.registrableDomain(of: "www.example.co.uk") == "example.co.uk")
        #expect(psl.registrableDomain(of: "www.ck") == "www.ck")
        #expect(psl.registrableDomain(of: "a.b.test.ck") == "b.test.ck")
        #expect(psl.registrableDomain(of: "a.b.example.uk.com") == "example.uk.com", "private rule")
        #expect(psl.registrableDomain(of: "localhost") == nil)
        #expect(psl.registrableDomain(of: "com") == nil)
        #expect(psl.registrableDomain(of: "co.uk") == nil)
        #expect(psl.registrableDomain(of: "192.0.2.1") == "2.1", "IP addresses are not special-cased")
    }

    @Test func worksOnSlicesOfLargerText() {
        let text = "Visit WWW.Example.co.uk, or m\u{FC}nchen.de!"
        let host = text.split(separator: " ")[1].dropLast()  // "WWW.Example.co.uk"
        #expect(psl.registrableDomain(of: host) == "Example.co.uk")
        #expect(psl.publicSuffix(of: host) == "co.uk")
        #expect(psl.hasKnownTLD(host))
        let idn = text.split(separator: " ")[3].dropLast()
        #expect(IDNA.toASCII(idn) == "xn--mnchen-3ya.de")
        #expect(IDNA.toASCII(text.split(separator: " ")[1]) == nil, "the comma")
    }

    @Test func malformedHosts() {
        #expect(psl.registrableDomain(of: "") == nil)
        #expect(psl.registrableDomain(of: ".example.com") == nil)
        #expect(psl.registrableDomain(of: "example.com.") == nil)
        #expect(psl.registrableDomain(of: "a..example.com") == nil)
        #expect(psl.registrableDomain(of: "www..com") == nil)
        #expect(psl.publicSuffix(of: "") == "")
        #expect(psl.publicSuffix(of: "example.com.") == "")
        #expect(psl.publicSuffix(of: "a..com") == "com")
        #expect(psl.publicSuffix(of: ".") == "")
    }

    @Test func privateRulesCanBeExcluded() {
        let icann = psl.icannOnly
        #expect(psl.includesPrivateRules)
        #expect(!icann.includesPrivateRules)
        #expect(psl.registrableDomain(of: "alice.github.io") == "alice.github.io")
        #expect(icann.registrableDomain(of: "alice.github.io") == "github.io")
        #expect(psl.registrableDomain(of: "github.io") == nil)
        #expect(icann.registrableDomain(of: "github.io") == "github.io")
        #expect(icann.registrableDomain(of: "a.b.example.uk.com") == "uk.com")
        // A private wildcard rule, *.compute.amazonaws.com.
        #expect(psl.publicSuffix(of: "a.b.compute.amazonaws.com") == "b.compute.amazonaws.com")
        #expect(psl.registrableDomain(of: "a.b.compute.amazonaws.com") == "a.b.compute.amazonaws.com")
        #expect(icann.registrableDomain(of: "a.b.compute.amazonaws.com") == "amazonaws.com")
        // ICANN rules are unaffected.
        #expect(icann.registrableDomain(of: "www.city.kobe.jp") == "city.kobe.jp")
        #expect(icann.registrableDomain(of: "a.b.c.kobe.jp") == "b.c.kobe.jp")
    }

    @Test func knownTLDs() {
        for host in ["example.com", "EXAMPLE.COM", "com", "example.bd", "www.xn--85x722f.xn--fiqs8s", "readme.md", "a.io"] {
            #expect(psl.hasKnownTLD(host[...]), "\(host)")
        }
        for host in ["localhost", "example.zzz", "example.com.", "", ".", "file.txt", "e.g", "i.e",
                     "\u{98DF}\u{72EE}.\u{4E2D}\u{56FD}"] {
            #expect(!psl.hasKnownTLD(host[...]), "\(host)")
        }
    }

    @Test func parsesTheListFormat() {
        let text = """
            // A comment, then rules; text after white space is ignored.
            com
            example.com   this part is ignored
              // an indented comment
            *.ck
            !www.ck
            \u{516C}\u{53F8}.cn
            a.*.bad
            !single
            // ===BEGIN ICANN DOMAINS===
            uk\r
            co.uk\r
            // ===END ICANN DOMAINS===
            // ===BEGIN PRIVATE DOMAINS===
            blogspot.com
            *.private.example
            // ===END PRIVATE DOMAINS===
            after.private.com
            """
        let list = PublicSuffixList(parsing: text)
        #expect(list.ruleCount == 12)
        #expect(list.droppedRules == ["a.*.bad", "!single"])
        #expect(list.registrableDomain(of: "example.com") == nil)
        #expect(list.registrableDomain(of: "a.b.example.com") == "b.example.com")
        #expect(list.registrableDomain(of: "a.b.test.ck") == "b.test.ck")
        #expect(list.registrableDomain(of: "www.ck") == "www.ck")
        #expect(list.publicSuffix(of: "shop.xn--55qx5d.cn") == "xn--55qx5d.cn")
        #expect(list.registrableDomain(of: "www.example.co.uk") == "example.co.uk", "CRLF line ends")
        #expect(list.registrableDomain(of: "me.blogspot.com") == "me.blogspot.com")
        #expect(list.icannOnly.registrableDomain(of: "me.blogspot.com") == "blogspot.com")
        #expect(list.registrableDomain(of: "a.b.private.example") == "a.b.private.example")
        #expect(list.icannOnly.registrableDomain(of: "a.b.private.example") == "private.example")
        #expect(list.icannOnly.registrableDomain(of: "x.after.private.com") == "x.after.private.com",
                "rules after the private section are ICANN rules")
        #expect(list.hasKnownTLD("x.com") && list.hasKnownTLD("x.example") && !list.icannOnly.hasKnownTLD("x.example"))
        #expect(!list.hasKnownTLD("x.bad"), "a dropped rule leaves no trace")

        let empty = PublicSuffixList(parsing: "")
        #expect(empty.ruleCount == 0)
        #expect(empty.registrableDomain(of: "a.b.example.com") == "example.com")
        #expect(!empty.hasKnownTLD("example.com"))
    }

    @Test func shippedListIsEmbeddedAndFullyUsed() throws {
        let dat = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DomainNames/Data/public_suffix_list.dat")
        var text = try String(contentsOf: dat, encoding: .utf8).replacingOccurrences(of: "\r", with: "")
        while text.hasSuffix("\n") { text.removeLast() }
        #expect(text == publicSuffixListText, "PublicSuffixData.swift is stale: run scripts/gen-psl.sh")
        #expect(psl.droppedRules == [])
        #expect(psl.ruleCount > 9000)
        let lines = text.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("//") }
        #expect(psl.ruleCount == lines.count)
    }

    @Test func hostileHostsReturnPromptly() {
        let megabyte = String(repeating: "a", count: 1 << 20)
        #expect(psl.publicSuffix(of: megabyte[...]).utf8.count == 1 << 20)
        #expect(psl.registrableDomain(of: megabyte[...]) == nil)
        #expect(!psl.hasKnownTLD(megabyte[...]))
        #expect(psl.registrableDomain(of: Substring(megabyte + ".com"))?.utf8.count == (1 << 20) + 4)
        #expect(psl.registrableDomain(of: Substring(megabyte + ".kobe.jp")) == nil)
        #expect(psl.registrableDomain(of: Substring("x." + megabyte + ".kobe.jp"))?.utf8.count == (1 << 20) + 10)
        let dots = String(repeating: "a.", count: 10_000) + "com"
        #expect(psl.registrableDomain(of: dots[...]) == "a.com")
        #expect(psl.registrableDomain(of: Substring(String(repeating: "a.", count: 10_000) + "b.c.kobe.jp")) == "b.c.kobe.jp")
        #expect(psl.registrableDomain(of: Substring(String(repeating: ".", count: 10_000))) == nil)
        #expect(psl.publicSuffix(of: Substring(String(repeating: ".", count: 10_000))) == "")
        #expect(psl.publicSuffix(of: Substring(String(repeating: "\u{FC}.", count: 10_000) + "\u{FC}")) == "\u{FC}")
    }
}
