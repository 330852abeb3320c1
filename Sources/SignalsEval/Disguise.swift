/// The ways traders write a link, handle or wallet so that filters miss it, as the eval applies
/// them. Each post of a listed target rotates through the classes that fit its kind.
enum Disguise {
    static let zeroWidth: [Character] = ["\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{FEFF}"]
    /// Latin letters and the Cyrillic or Greek letters drawn the same.
    static let homoglyphs: [Character: Character] = [
        "a": "\u{0430}", "e": "\u{0435}", "o": "\u{043E}", "p": "\u{0440}", "c": "\u{0441}", "x": "\u{0445}",
        "y": "\u{0443}", "i": "\u{0456}", "s": "\u{0455}", "j": "\u{0458}", "k": "\u{03BA}", "v": "\u{03BD}",
    ]

    static func fullwidth(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { scalar in
            (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
        }))
    }

    static func mathBold(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { scalar in
            switch scalar.value {
            case 0x61...0x7A: Unicode.Scalar(0x1D41A + scalar.value - 0x61)!
            case 0x41...0x5A: Unicode.Scalar(0x1D400 + scalar.value - 0x41)!
            case 0x30...0x39: Unicode.Scalar(0x1D7CE + scalar.value - 0x30)!
            default: scalar
            }
        }))
    }

    static func cyrillic(_ s: String, rng: inout SeededRandom) -> String {
        var out = ""
        var replaced = false
        for ch in s {
            if let look = homoglyphs[ch], rng.chance(0.5) || !replaced { out.append(look); replaced = true } else { out.append(ch) }
        }
        return out
    }

    static func zeroWidths(_ s: String, rng: inout SeededRandom) -> String {
        var out = ""
        for (k, ch) in s.enumerated() {
            out.append(ch)
            if k % 3 == 1 { out.append(rng.pick(zeroWidth)) }
        }
        return out
    }

    static func spacedOut(_ s: String) -> String { s.map(String.init).joined(separator: " ") }

    static func defangDots(_ s: String, _ marker: String) -> String { s.replacingAll(".", with: marker) }

    /// A disguised form of the target, and the class's name. `round` rotates through the
    /// classes that fit the target's kind.
    static func apply(_ target: EvalTarget, round: Int, rng: inout SeededRandom) -> (String, String) {
        switch target {
        case .telegram(let name):
            let forms: [(String, String)] = [
                ("t.me/\(name)", "plain"),
                ("https://t.me/\(name.capitalizedFirst)", "scheme-case"),
                ("t[.]me/\(name)", "bracket-dot"),
                ("t(dot)me/\(name)", "paren-dot"),
                ("t dot me slash \(name)", "spelled-out"),
                ("t . me / \(name)", "spaced-separators"),
                (fullwidth("t.me/\(name)"), "fullwidth"),
                (cyrillic("t.me/\(name)", rng: &rng), "homoglyph"),
                (zeroWidths("t.me/\(name)", rng: &rng), "zero-width"),
                ("hxxps://t[.]me/\(name)", "hxxp"),
                (rng.pick(["telegram.dog/\(name)", "telegram.me/\(name)", "tg://resolve?domain=\(name)", "https://t.me/s/\(name)"]), "alias-host"),
                (rng.pick(["tg: @\(name)", "telegram - \(name)", "\u{2708}\u{FE0F} \(name)", "@\(name) on telegram", "Telegram: \(name)"]), "prose-handle"),
                ("t e l e g r a m : \(name)", "spaced-letters"),
                (mathBold("t.me/\(name)"), "math-letters"),
                ("https://t.me/\(name)?utm_source=ig&fbclid=x1", "tracking"),
            ]
            return forms[round % forms.count]
        case .telegramInvite(let code):
            let forms: [(String, String)] = [
                ("t.me/+\(code)", "plain"),
                ("https://t.me/joinchat/\(code)", "alias-host"),
                ("t[.]me/+\(code)", "bracket-dot"),
                (zeroWidths("t.me/+\(code)", rng: &rng), "zero-width"),
                ("tg://join?invite=\(code)", "alias-host"),
                (fullwidth("t.me/+\(code)"), "fullwidth"),
                ("telegram.me/+\(code)", "alias-host"),
                ("t . me / +\(code)", "spaced-separators"),
            ]
            return forms[round % forms.count]
        case .discord(let code):
            let forms: [(String, String)] = [
                ("discord.gg/\(code)", "plain"),
                ("https://discord.com/invite/\(code)", "alias-host"),
                ("discord[.]gg/\(code)", "bracket-dot"),
                ("discordapp.com/invite/\(code)", "alias-host"),
                ("discord . gg / \(code)", "spaced-separators"),
                (zeroWidths("discord.gg/\(code)", rng: &rng), "zero-width"),
                (fullwidth("discord.gg/\(code)"), "fullwidth"),
            ]
            return forms[round % forms.count]
        case .domain(let host):
            let forms: [(String, String)] = [
                ("\(host)/\(rng.pick(["a", "files", "vip"]))", "plain"),
                ("https://www.\(host)/x", "scheme-case"),
                (defangDots(host, "[.]"), "bracket-dot"),
                ("files.\(host)", "subdomain"),
                (host.uppercased(), "scheme-case"),
                (defangDots(host, " dot ") + " slash menu", "spelled-out"),
                (fullwidth(host), "fullwidth"),
                (cyrillic(host, rng: &rng), "homoglyph"),
                (zeroWidths(host, rng: &rng), "zero-width"),
                ("hxxp://\(defangDots(host, "(.)"))/", "hxxp"),
            ]
            return forms[round % forms.count]
        case .fileURL(let host, let path):
            let forms: [(String, String)] = [
                ("https://\(host)\(path)", "plain"),
                ("\(host)\(path)", "no-scheme"),
                ("hxxps://\(defangDots(host, "[.]"))\(path)", "hxxp"),
                ("\(host)\(path)?utm_source=x", "tracking"),
                ("HTTPS://\(host.uppercased())\(path)", "scheme-case"),
                ("\(host)\(path)/", "trailing-slash"),
                ("\(host)\(path)/part2.zip", "path-prefix"),
                (zeroWidths(host, rng: &rng) + path, "zero-width"),
                (cyrillic(host, rng: &rng) + path, "homoglyph"),
            ]
            return forms[round % forms.count]
        case .wallet(let address):
            let scheme = address.hasPrefix("0x") ? "ethereum" : address.hasPrefix("bc1") || address.hasPrefix("1") || address.hasPrefix("3") ? "bitcoin" : "pay"
            let forms: [(String, String)] = [
                (address, "plain"),
                ("\(scheme):\(address)?amount=0.01", "wallet-uri"),
                ("(\(address))", "punctuation"),
                (zeroWidths(address, rng: &rng), "zero-width"),
                (fullwidth(address), "fullwidth"),
                ("pay here:\n\(address).", "punctuation"),
            ]
            return forms[round % forms.count]
        case .whatsapp(let number):
            let grouped = "+\(number.prefix(2)) \(number.dropFirst(2).prefix(4)) \(number.dropFirst(6).prefix(3)) \(number.dropFirst(9))"
            let forms: [(String, String)] = [
                ("wa.me/\(number)", "plain"),
                ("whatsapp: +\(number)", "prose-handle"),
                ("https://api.whatsapp.com/send?phone=\(number)", "alias-host"),
                ("whatsapp \(grouped)", "prose-handle"),
                ("wa[.]me/\(number)", "bracket-dot"),
            ]
            return forms[round % forms.count]
        }
    }

    /// One character changed, inserted or dropped (a different, unlisted name).
    static func nearMiss(_ name: String, rng: inout SeededRandom) -> String {
        var chars = Array(name)
        let k = Int.random(in: 0..<chars.count, using: &rng)
        switch Int.random(in: 0...2, using: &rng) {
        case 0: chars[k] = chars[k] == "z" ? "y" : "z"
        case 1: chars.insert("q", at: k)
        default: if chars.count > 5 { chars.remove(at: k) } else { chars.append("q") }
        }
        return String(chars)
    }

    /// The same code with one letter's case flipped (invite codes are case-sensitive).
    static func flipCase(_ code: String, rng: inout SeededRandom) -> String {
        var chars = Array(code)
        let letters = chars.indices.filter { chars[$0].isLetter }
        guard let k = letters.isEmpty ? nil : letters[Int.random(in: 0..<letters.count, using: &rng)] else { return code + "x" }
        chars[k] = chars[k].isUppercase ? Character(chars[k].lowercased()) : Character(chars[k].uppercased())
        return String(chars)
    }

    /// One character of an address replaced by another of its alphabet: the checksum fails.
    static func oneWrongCharacter(_ address: String, rng: inout SeededRandom) -> String {
        var chars = Array(address)
        let k = Int.random(in: 4..<chars.count, using: &rng)
        let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
        var replacement = rng.pick(alphabet)
        while replacement == chars[k] { replacement = rng.pick(alphabet) }
        chars[k] = chars[k].isUppercase ? Character(replacement.uppercased()) : replacement
        return String(chars)
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}
