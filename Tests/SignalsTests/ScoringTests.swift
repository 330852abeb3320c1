import Testing
@testable import Signals
import SignalsEval

@Suite("Solicitation scoring")
struct ScoringTests {
    let fixture = try! Lexicon(parsing: "term content 0.5 SYNTH_TERM_1\nterm age 0.4 SYNTH_TERM_2\n")

    var scanner: TextScanner {
        var lexicon = Lexicon.builtIn
        lexicon.merge(fixture)
        return TextScanner(lexicon: lexicon)
    }

    @Test func benignPostsThatMentionTelegramVIPOrPricesStayBelowSolicitation() {
        for text in ["Gym VIP packages from $30 a month, DM us or join our Telegram t.me/citygym_club",
                     "Web design packages: landing page $300. Telegram: @studio_webs",
                     "Concert VIP package includes meet & greet, tickets at example.com"] {
            let r = scanner.scan(text)
            #expect(r.band != .solicitation, "\(text): \(r.score)")
        }
    }

    @Test func aPitchWithASensitiveTermIsSolicitationAndExplained() {
        let text = "SYNTH_TERM_1 VIP menu, prices in dm ✈️ @seller_x1"
        let r = scanner.scan(text)
        #expect(r.band == .solicitation)
        let labels = Set(r.hits.map(\.label))
        #expect(labels.isSuperset(of: ["SYNTH_TERM_1", "menu", "handle"]))
        // Every hit points at the words in the original text.
        let bytes = Array(text.utf8)
        let term = r.hits.first { $0.label == "SYNTH_TERM_1" }!
        #expect(String(decoding: bytes[term.span], as: UTF8.self) == "SYNTH_TERM_1")
    }

    @Test func lexiconErrorsNameTheLine() {
        #expect(throws: Lexicon.ParseError.self) { try Lexicon(parsing: "term commerce 0.1 ok\nterm commerce heavy word\n") }
        do {
            _ = try Lexicon(parsing: "# c\nnear commerce 0.1 3 vip package\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
        }
        #expect(throws: Lexicon.ParseError.self) { try Lexicon(parsing: "signal commerce 0.1 telepathy\n") }
    }

    @Test func proximityAndWildcards() throws {
        let lexicon = try Lexicon(parsing: "near commerce 0.3 2 vip | package*\nterm commerce 0.2 price*\n")
        let s = TextScanner(lexicon: lexicon)
        #expect(s.scan("vip packages").score == 0.3)
        #expect(s.scan("vip is a large packages").score == 0)
        #expect(s.scan("prices").score == 0.2)
        #expect(s.scan("pricing").score == 0)
    }

    @Test func hostileInputIsBounded() {
        let s = TextScanner(maximumTextBytes: 1 << 20)
        let long = String(repeating: "t.me/a@b. ", count: 150_000)
        let r = s.scan(long)
        #expect(r.truncated)
        let dots = s.scan(String(repeating: ".", count: 200_000) + " " + String(repeating: "a.", count: 100_000))
        #expect(!dots.truncated)
        let spaced = s.scan(String(repeating: "a ", count: 200_000))
        #expect(spaced.urls.isEmpty)
        let at = s.scan(String(repeating: "@", count: 300_000))
        #expect(at.emails.isEmpty)
    }

    @Test func evalCorpusMeetsTheTargets() {
        let corpus = EvalCorpusGenerator.generate(seed: 3, targets: 70, postsPerTarget: 15)
        var lists = SignalLists()
        lists.setBank(ListBank(id: 1, name: "eval"))
        for (k, e) in ListFile.parse(corpus.listFile).entries.enumerated() {
            lists.add(ListItem(id: Int64(k + 1), bankId: 1, type: e.type, value: e.value))
        }
        var lexicon = Lexicon.builtIn
        lexicon.merge(try! Lexicon(parsing: corpus.lexiconFile))
        let report = EvalReport.run(corpus, scanner: TextScanner(lists: lists, lexicon: lexicon))
        #expect(report.overallRecall >= 0.98, "\(report.table())")
        #expect(report.lookalikeMatches == 0)
        #expect(report.solicitationPrecision >= 0.99)
    }
}
