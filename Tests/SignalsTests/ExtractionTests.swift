import Testing
@testable import Signals
import WalletAddress

@Suite("Extraction and canonical forms")
struct ExtractionTests {
    let scanner = TextScanner()

    @Test func urlsWithAndWithoutSchemeAreCanonical() {
        let r = scanner.scan("see WWW.Example.COM.:443/a/./b/../c/?utm_source=x&id=7#top, and http://example.org:80/")
        #expect(r.urls == ["https://www.example.com/a/c?id=7", "http://example.org/"])
    }

    @Test func sentencePunctuationIsNotPartOfALink() {
        #expect(scanner.scan("(see bad.net/x).").urls == ["https://bad.net/x"])
        #expect(scanner.scan("visit example.com, then go").urls == ["https://example.com/"])
    }

    @Test func wordsWithDotsThatAreNotDomainsAreIgnored() {
        let r = scanner.scan("e.g. 3.50 i.e. setup.py readme.md v1.2.3 end.Next")
        #expect(r.urls.isEmpty)
    }

    @Test func internationalHostsBecomePunycode() {
        #expect(scanner.scan("https://Bücher.example/x").urls == ["https://xn--bcher-kva.example/x"])
    }

    @Test func bulletsAndBarsBetweenListItemsDoNotGlueWordsOntoTheHost() {
        // A bullet between spaces separates bio items; only between letters does it stand for a dot.
        for text in ["menu • t dot me slash vipstore_x", "menu · t.me/vipstore_x", "prices | t . me / vipstore_x",
                     "prices | t . m e / vipstore_x", "t•me/vipstore_x", "nails • lashes • t . me / vipstore_x"] {
            #expect(scanner.scan(text).handles == ["telegram:vipstore_x"], "\(text)")
        }
        // Still no link where nothing was written as one.
        #expect(scanner.scan("coffee • tea • cake").urls.isEmpty)
        #expect(scanner.scan("A | B | C").urls.isEmpty)
    }

    @Test func telegramAliasesAndHandlesAreOneTarget() {
        for text in ["t.me/SomeName", "https://telegram.me/somename/", "telegram.dog/somename", "tg://resolve?domain=somename",
                     "https://t.me/s/somename", "somename.t.me", "tg: @somename", "telegram - somename", "@somename on telegram",
                     "\u{2708}\u{FE0F} somename"] {
            let r = scanner.scan(text)
            #expect(r.handles == ["telegram:somename"], "\(text)")
        }
    }

    @Test func invitesKeepTheirCase() {
        let r = scanner.scan("t.me/joinchat/AbCdEf123 and https://t.me/+AbCdEf123 and discord.com/invite/XyZ12 and chat.whatsapp.com/GhIj")
        #expect(r.invites == ["https://t.me/+AbCdEf123", "https://discord.gg/XyZ12", "https://chat.whatsapp.com/GhIj"])
        #expect(r.handles.isEmpty)
    }

    @Test func proseWordsAfterAPlatformNameAreNotHandles() {
        #expect(scanner.scan("join my telegram channel today").handles.isEmpty)
        #expect(scanner.scan("telegram is down again").handles.isEmpty)
    }

    @Test func emailsPhonesAndShorteners() {
        let r = scanner.scan("mail John.Doe@Example.com, call +44 7700 900123, whatsapp: 447700900456, bit.ly/abc")
        #expect(r.emails == ["john.doe@example.com"])
        #expect(r.phones == ["+447700900123", "447700900456"])
        #expect(r.handles == ["whatsapp:447700900456"])
        #expect(r.shortened == ["https://bit.ly/abc"])
    }

    @Test func walletsAreValidatedByChecksum() {
        let btc = WalletSamples.address(chain: .bitcoin, seed: Array(1...64), variant: 2)
        let eth = WalletSamples.address(chain: .ethereum, seed: Array(5...70), variant: 0)
        let r = scanner.scan("pay bitcoin:\(btc)?amount=1 or \(eth).")
        #expect(r.wallets == [btc, eth.lowercased()])
        var broken = Array(btc)
        broken[10] = broken[10] == "q" ? "p" : "q"
        #expect(scanner.scan("pay \(String(broken))").wallets.isEmpty)
    }
}
