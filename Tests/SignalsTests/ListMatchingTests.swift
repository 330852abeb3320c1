import Crypto
import Testing
@testable import Signals
import WalletAddress

@Suite("List matching")
struct ListMatchingTests {
    func scanner(_ lines: String, negative: String? = nil) -> TextScanner {
        var lists = SignalLists()
        lists.setBank(ListBank(id: 1, name: "hotline"))
        var id: Int64 = 1
        for entry in ListFile.parse(lines).entries {
            lists.add(ListItem(id: id, bankId: 1, type: entry.type, value: entry.value))
            id += 1
        }
        if let negative {
            lists.setBank(ListBank(id: 2, name: "allow", isNegative: true))
            for entry in ListFile.parse(negative).entries {
                lists.add(ListItem(id: id, bankId: 2, type: entry.type, value: entry.value))
                id += 1
            }
        }
        return TextScanner(lists: lists)
    }

    @Test func aTelegramURLEntryMatchesTheHandleAndTheOtherWayRound() {
        let s = scanner("url https://t.me/BadSeller\nhandle tg:@other_one\n")
        let a = s.scan("msg me tg: @badseller")
        #expect(a.matches.map(\.entry.value) == ["https://t.me/BadSeller"])
        #expect(a.matches.first?.bank.name == "hotline")
        let b = s.scan("t dot me slash other_one")
        #expect(b.matches.map(\.entry.value) == ["tg:@other_one"])
    }

    @Test func domainsMatchSubdomainsButNotLookAlikes() {
        let s = scanner("domain bad-host.net\n")
        #expect(s.scan("files.bad-host.net/x").matches.count == 1)
        #expect(s.scan("x@bad-host.net").matches.count == 1)
        #expect(s.scan("notbad-host.net/x bad-host.net.example.com").matches.isEmpty)
    }

    @Test func urlEntriesMatchThePageAndWhatIsUnderIt() {
        let s = scanner("url https://files.example.net/f/AbC\n")
        #expect(s.scan("files.example.net/f/AbC/part2").matches.count == 1)
        #expect(s.scan("http://files.example.net/f/AbC?utm_campaign=z").matches.count == 1)
        #expect(s.scan("files.example.net/f/AbCd files.example.net/f/abc").matches.isEmpty)
    }

    @Test func invitesAreCaseSensitive() {
        let s = scanner("url https://discord.gg/AbCdEf\n")
        #expect(s.scan("discord.com/invite/AbCdEf").matches.count == 1)
        #expect(s.scan("discord.gg/abcdef").matches.isEmpty)
    }

    @Test func walletsMatchOnlyExactlyAndChecksumsRejectNearMisses() {
        let address = WalletSamples.address(chain: .bitcoin, seed: Array(9...80), variant: 0)
        let s = scanner("wallet \(address)\n")
        #expect(s.scan("send to \u{200B}\(address)").matches.count == 1)
        var near = Array(address)
        near[8] = near[8] == "z" ? "y" : "z"
        #expect(s.scan("send to \(String(near))").matches.isEmpty)
    }

    @Test func hashedURLListsMatchCanonicalURLs() {
        let digest = SHA256.hash(data: Array("https://bad.example.net/x/y".utf8)).map { String(format: $0) }.joined()
        let s = scanner("url-sha256 \(digest)\n")
        #expect(s.scan("BAD.example.net/x/y/?utm_source=a").matches.count == 1)
        #expect(s.scan("bad.example.net/x/z").matches.isEmpty)
    }

    @Test func keywordsMatchWholeNormalisedWords() {
        let s = scanner("keyword SYNTH_TERM_1\nkeyword vip menu\n")
        #expect(s.scan("new ＶＩＰ  menu").matches.map(\.entry.value) == ["vip menu"])
        #expect(s.scan("SYNTH_TERM_1").matches.count == 1)
        #expect(s.scan("SYNTH_TERM_12 vipmenu").matches.isEmpty)
    }

    @Test func negativeBanksSuppressAndDisabledBanksAreSilent() {
        let s = scanner("domain example.org\n", negative: "url https://example.org/safe\n")
        #expect(s.scan("example.org/safe").matches.isEmpty)
        #expect(s.scan("example.org/other").matches.count == 1)
        var disabled = s
        disabled.lists.setBank(ListBank(id: 1, name: "hotline", enabled: false))
        #expect(disabled.scan("example.org/other").matches.isEmpty)
    }

    @Test func removingAnEntryStopsItsMatches() {
        var s = scanner("domain example.org\n")
        s.lists.remove(entryId: 1)
        #expect(s.scan("example.org/x").matches.isEmpty)
        #expect(s.lists.isEmpty)
    }

    @Test func malformedListLinesAreReportedWithTheirNumbers() {
        let (entries, errors) = ListFile.parse("# c\nurl https://a.example/#frag\nbogus x\nwallet\n\ndomain ok.example # note\n" + "url " + String(repeating: "a", count: 5000))
        #expect(entries.map(\.value) == ["https://a.example/#frag", "ok.example"])
        #expect(errors.map(\.line) == [3, 4, 7])
    }

    @Test func entriesThatCannotBeReadAreReportedNotLost() {
        var lists = SignalLists()
        lists.setBank(ListBank(id: 1, name: "b"))
        let problem = lists.add(ListItem(id: 1, bankId: 1, type: .wallet, value: "1NotAValidAddress"))
        #expect(problem != nil)
        #expect(lists.count == 1)
    }
}

extension String {
    init(format byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
