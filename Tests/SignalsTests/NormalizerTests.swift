import Testing
@testable import Signals

@Suite("Normalisation")
struct NormalizerTests {
    func unicode(_ s: String) -> String { String(decoding: Normalizer.unicode(s).bytes, as: UTF8.self) }
    func strict(_ s: String) -> String { String(decoding: Normalizer.defang(Normalizer.unicode(s)).bytes, as: UTF8.self) }
    func bold(_ s: String) -> String { String(decoding: Normalizer.aggressive(Normalizer.defang(Normalizer.unicode(s))).bytes, as: UTF8.self) }

    @Test func compatibilityFormsBecomePlainLetters() {
        #expect(unicode("ｔ．ｍｅ／ｎａｍｅ") == "t.me/name")
        #expect(unicode("𝐭.𝐦𝐞/𝐧𝐚𝐦𝐞") == "t.me/name")
        #expect(unicode("ⓣⓔⓛⓔⓖⓡⓐⓜ") == "telegram")
    }

    @Test func lookAlikesFoldOnlyInWordsThatImitateASCII() {
        // Cyrillic а, е, о inside Latin words are disguises.
        #expect(unicode("t.mе/bаdsеllеr") == "t.me/badseller")
        #expect(unicode("раураl") == "paypal")
        // Russian prose and accented Latin keep their letters.
        #expect(unicode("Привет, как дела") == "Привет, как дела")
        #expect(unicode("münchen.de") == "münchen.de")
        // …but a Latin token with a Cyrillic top-level domain is a disguise.
        #expect(unicode("bad.сом") == "bad.com")
        // ASCII digits and letters are never folded into each other.
        #expect(unicode("name10 l0l") == "name10 l0l")
    }

    @Test func invisibleCharactersAreRemovedAndCaseIsKept() {
        #expect(unicode("t\u{200B}.m\u{200D}e/Na\u{FEFF}me\u{202E}") == "t.me/Name")
        #expect(unicode("a\u{0007}b") == "a b")
    }

    @Test func defangingMarkers() {
        #expect(strict("t[.]me/name") == "t.me/name")
        #expect(strict("t (.) me") == "t.me")
        #expect(strict("bad{dot}net") == "bad.net")
        #expect(strict("hxxps://bad[.]net") == "https://bad.net")
        #expect(strict("h**p://x[.]org") == "http://x.org")
        #expect(strict("name[at]mail[.]com") == "name@mail.com")
        // Ordinary brackets stay.
        #expect(strict("a (b) [c]") == "a (b) [c]")
    }

    @Test func bolderReadings() {
        #expect(bold("t dot me slash name") == "t.me/name")
        #expect(bold("t . me / name") == "t.me/name")
        #expect(bold("t e l e g r a m") == "telegram")
        #expect(bold("t-e-l-e-g-r-a-m") == "telegram")
        // A sentence's full stop does not join the next sentence.
        #expect(bold("t . me / name. Next") == "t.me/name. Next")
        // Ordinary prose: nothing to collapse.
        #expect(bold("I am a cat") == "I am a cat")
    }

    @Test func positionsPointAtTheOriginal() {
        let text = "xx ｔ．ｍｅ/a"
        let view = Normalizer.unicode(text)
        let found = String(decoding: view.bytes, as: UTF8.self)
        let start = found.utf8.firstIndex(of: UInt8(ascii: "t"))!
        let offset = found.utf8.distance(from: found.utf8.startIndex, to: start)
        let range = view.originalRange(of: offset..<(offset + 4))
        let original = Array(text.utf8)[range]
        #expect(String(decoding: original, as: UTF8.self) == "ｔ．ｍｅ")
    }
}
