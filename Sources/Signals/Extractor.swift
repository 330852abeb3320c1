import WalletAddress

/// One thing found in a post: a link, an e-mail address, a platform handle, a wallet, a phone
/// number, in canonical form, with where the author wrote it.
public struct Finding: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case url, email, handle, wallet, phone
    }

    /// How sure the reading is. `strong` findings are reported; `listOnly` ones come from bolder
    /// readings ("telegram today" as a handle, "t dot me" in prose) and count only when they
    /// match a list entry or name a known off-platform service.
    public enum Strength: Sendable, Hashable { case strong, listOnly }

    public var kind: Kind
    /// Canonical value: URL text, lower-case e-mail, `platform:name`, canonical address, phone digits.
    public var value: String
    /// UTF-8 byte offsets in the original text.
    public var span: Range<Int>
    public var strength: Strength
    public var url: CanonicalURL?
    public var chain: String?

    public init(kind: Kind, value: String, span: Range<Int>, strength: Strength = .strong,
                url: CanonicalURL? = nil, chain: String? = nil) {
        self.kind = kind
        self.value = value
        self.span = span
        self.strength = strength
        self.url = url
        self.chain = chain
    }
}

/// Finds links, e-mail addresses, handles written as prose, phone numbers and wallets in one
/// normalised view. One left-to-right pass over the bytes; work per post is linear in its length.
public enum Extractor {
    /// Words that announce a phone number.
    static let phoneContext: Set<String> = [
        "whatsapp", "whatsap", "watsapp", "wa", "phone", "tel", "call", "text", "sms", "viber", "signal", "mobile",
        "cell", "ph", "number", "num", "whats",
    ]

    public static func extract(_ view: TextView, strength: Finding.Strength = .strong) -> [Finding] {
        let b = view.bytes
        let n = b.count
        var found: [Finding] = []
        var i = 0
        while i < n {
            let byte = b[i]
            if byte == 0x40 {  // @
                if let (finding, end) = email(b, at: i, view) ?? mention(b, at: i, view, strength) {
                    found.append(finding)
                    i = end
                } else {
                    i += 1
                }
                continue
            }
            if byte == 0x2B, i + 1 < n, ASCII.isDigit(b[i + 1]), i == 0 || !ASCII.isWord(b[i - 1]) {
                if let (digits, end) = phoneDigits(b, from: i + 1), (8...15).contains(digits.count) {
                    found.append(Finding(kind: .phone, value: "+" + digits, span: view.originalRange(of: i..<end), strength: strength))
                    i = end
                    continue
                }
            }
            let wordStart = (ASCII.isAlnum(byte) || byte >= 0x80) && (i == 0 || !isInWord(b[i - 1]))
            guard wordStart else { i += 1; continue }
            if let candidate = URLSyntax.scan(b, at: i), let url = CanonicalURL.canonicalize(candidate, b) {
                let span = view.originalRange(of: candidate.start..<candidate.end)
                found.append(Finding(kind: .url, value: url.string, span: span, strength: strength, url: url))
                if let handle = url.handle {
                    found.append(Finding(kind: .handle, value: handle, span: span, strength: strength, url: url))
                }
                i = candidate.end
                continue
            }
            if let (findings, end) = proseHandle(b, at: i, view, strength) {
                found.append(contentsOf: findings)
                i = end
                continue
            }
            // Skip the rest of the word.
            i += 1
            while i < n, ASCII.isAlnum(b[i]) || b[i] >= 0x80 && b[i] < 0xC0 { i += 1 }
        }
        found.append(contentsOf: wallets(view, strength: strength))
        return found
    }

    @inline(__always) static func isInWord(_ b: UInt8) -> Bool {
        ASCII.isAlnum(b) || b >= 0x80 || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x40 || b == 0x2B
    }

    // MARK: - E-mail and mentions

    static func email(_ b: [UInt8], at: Int, _ view: TextView) -> (Finding, Int)? {
        var start = at
        while start > 0, start > at - 64 {
            let c = b[start - 1]
            guard ASCII.isAlnum(c) || c == 0x2E || c == 0x5F || c == 0x25 || c == 0x2B || c == 0x2D else { break }
            start -= 1
        }
        while start < at, b[start] == 0x2E { start += 1 }
        guard start < at, at + 1 < b.count, ASCII.isAlnum(b[at + 1]) || b[at + 1] >= 0x80 else { return nil }
        guard let candidate = URLSyntax.scan(b, at: at + 1, emailDomain: true), candidate.path == nil,
              candidate.port == nil, candidate.scheme == nil,
              let url = CanonicalURL.canonicalize(candidate, b) else { return nil }
        let local = ASCII.lowercased(b[start..<at])
        let value = local + "@" + url.host
        return (Finding(kind: .email, value: value, span: view.originalRange(of: start..<candidate.end)), candidate.end)
    }

    /// Words between a mention and the platform named after it ("@name on telegram").
    static let mentionLinks: Set<String> = ["on", "in", "via", "at"]

    /// "@name (telegram)", "@name on tg": a mention with the platform named after it. A bare
    /// "@name" is an on-platform mention and is not reported.
    static func mention(_ b: [UInt8], at: Int, _ view: TextView, _ strength: Finding.Strength) -> (Finding, Int)? {
        guard at == 0 || !ASCII.isWord(b[at - 1]) else { return nil }
        let (name, nameEnd) = readName(b, from: at + 1, platform: "")
        guard !name.isEmpty else { return nil }
        var j = nameEnd
        var hops = 0
        while j < b.count, hops < 4 {
            while j < b.count, b[j] == 0x20 || b[j] == 0x28 || b[j] == 0x2D || b[j] == 0x2C || b[j] == 0x5B { j += 1 }
            let (word, wordEnd) = lowerWord(b, at: j)
            if mentionLinks.contains(word) { j = wordEnd; hops += 1; continue }
            if let platform = Services.proseNames[word], platform != "signal" || word == "signal" {
                let handleName = name.lowercased()
                guard Services.isPlausibleName(handleName, platform: platform) else { return nil }
                let value = platform + ":" + handleName
                return (Finding(kind: .handle, value: value, span: view.originalRange(of: at..<nameEnd), strength: strength), nameEnd)
            }
            break
        }
        return nil
    }

    // MARK: - Handles in prose

    /// "tg: @name", "telegram - name", "✈️ name", "snap: name", "whatsapp +1 555 …".
    static func proseHandle(_ b: [UInt8], at i: Int, _ view: TextView, _ strength: Finding.Strength) -> ([Finding], Int)? {
        let (word, wordEnd) = lowerWord(b, at: i)
        let isPhoneContext = phoneContext.contains(word)
        guard let platform = Services.proseNames[word] ?? (isPhoneContext ? "phone" : nil) else { return nil }
        if wordEnd < b.count, b[wordEnd] == 0x2E || b[wordEnd] == 0x2F { return nil }  // telegram.org, tg/…
        var j = wordEnd
        // The paper plane is Telegram's logo: nobody writes it before a word by chance.
        var explicit = word == "\u{2708}"
        var steps = 0
        while j < b.count, steps < 6 {
            steps += 1
            while j < b.count, b[j] == 0x20 { j += 1 }
            guard j < b.count else { break }
            let c = b[j]
            if c == 0x3A || c == 0x2D || c == 0x3D || c == 0x3E || c == 0x7C || c == 0x7E || c == 0x28 || c == 0x5B {
                explicit = true; j += 1; continue
            }
            if c >= 0x80, let width = arrowWidth(b, at: j) { explicit = true; j += width; continue }
            if c == 0x40 { explicit = true; break }
            let (filler, fillerEnd) = lowerWord(b, at: j)
            if Services.fillers.contains(filler), fillerEnd < b.count, b[fillerEnd] == 0x20 || b[fillerEnd] == 0x3A || b[fillerEnd] == 0x2D {
                j = fillerEnd
                continue
            }
            break
        }
        guard j < b.count else { return nil }
        var findings: [Finding] = []
        let phonePlatform = platform == "phone" || platform == "whatsapp" || platform == "viber" || platform == "signal"
        if phonePlatform, b[j] == 0x2B || ASCII.isDigit(b[j]) {
            let digitsStart = b[j] == 0x2B ? j + 1 : j
            if let (digits, end) = phoneDigits(b, from: digitsStart), (9...15).contains(digits.count) {
                let span = view.originalRange(of: j..<end)
                findings.append(Finding(kind: .phone, value: b[j] == 0x2B ? "+" + digits : digits, span: span, strength: strength))
                if platform == "whatsapp" || platform == "viber" {
                    findings.append(Finding(kind: .handle, value: platform + ":" + digits, span: span, strength: strength))
                }
                return (findings, end)
            }
            return nil
        }
        guard platform != "phone" else { return nil }
        var nameStart = j
        if b[nameStart] == 0x40 { nameStart += 1 }
        let (rawName, nameEnd) = readName(b, from: nameStart, platform: platform)
        let name = rawName.lowercased()
        guard !name.isEmpty, !Services.notHandles.contains(name), Services.isPlausibleName(name, platform: platform) else { return nil }
        if nameEnd < b.count, b[nameEnd] == 0x2F { return nil }  // a path: the URL scanner's business
        let hasMarks = name.utf8.contains { ASCII.isDigit($0) || $0 == 0x5F }
        let sure: Finding.Strength = explicit || hasMarks || b[j] == 0x40 ? strength : .listOnly
        let value = platform + ":" + name
        findings.append(Finding(kind: .handle, value: value, span: view.originalRange(of: i..<nameEnd), strength: sure))
        return (findings, nameEnd)
    }

    /// Arrows and pointing hands people put between a platform's name and the handle.
    static func arrowWidth(_ b: [UInt8], at j: Int) -> Int? {
        let (scalar, width) = URLSyntax.decodeScalar(b, at: j)
        guard let scalar else { return nil }
        switch scalar.value {
        case 0x2013, 0x2014, 0x2192, 0x21D2, 0x27A1, 0x279C, 0x27A4, 0x1F449, 0x2B95, 0x25B6, 0x1F4E9, 0x1F4F2:
            return width
        default:
            return nil
        }
    }

    /// The lower-case ASCII word (letters and digits) at `i`, or the paper-plane sign.
    static func lowerWord(_ b: [UInt8], at i: Int) -> (String, Int) {
        if i + 2 < b.count, b[i] == 0xE2, b[i + 1] == 0x9C, b[i + 2] == 0x88 { return ("\u{2708}", i + 3) }
        var j = i
        while j < b.count, j - i < 24, ASCII.isAlnum(b[j]) { j += 1 }
        return (ASCII.lowercased(b[i..<j]), j)
    }

    /// A username: letters, digits, "_", and "." or "-" inside (not at the end).
    static func readName(_ b: [UInt8], from i: Int, platform: String) -> (String, Int) {
        var j = i
        let allowDots = platform != "telegram"
        while j < b.count, j - i < 40 {
            let c = b[j]
            if ASCII.isAlnum(c) || c == 0x5F {
                j += 1
            } else if allowDots, c == 0x2E || c == 0x2D, j + 1 < b.count, ASCII.isAlnum(b[j + 1]) || b[j + 1] == 0x5F {
                j += 1
            } else {
                break
            }
        }
        // A name glued to more word characters (non-ASCII) is not a name.
        if j < b.count, b[j] >= 0x80 {
            let (scalar, _) = URLSyntax.decodeScalar(b, at: j)
            if let scalar, scalar.properties.isAlphabetic { return ("", j) }
        }
        return (String(decoding: b[i..<j], as: UTF8.self), j)
    }

    // MARK: - Phones

    /// Digits with single separators between groups ("555 123-4567", "(555) 123 4567").
    static func phoneDigits(_ b: [UInt8], from i: Int) -> (String, Int)? {
        var digits: [UInt8] = []
        var j = i
        var lastDigitEnd = i
        while j < b.count, digits.count <= 16 {
            let c = b[j]
            if ASCII.isDigit(c) {
                digits.append(c)
                j += 1
                lastDigitEnd = j
            } else if (c == 0x20 || c == 0x2D || c == 0x2E || c == 0x28 || c == 0x29), j + 1 < b.count,
                      ASCII.isDigit(b[j + 1]) || (c == 0x20 && b[j + 1] == 0x28) || (c == 0x29 && b[j + 1] == 0x20) {
                j += 1
            } else {
                break
            }
        }
        guard !digits.isEmpty, digits.count <= 15 else { return nil }
        if lastDigitEnd < b.count, ASCII.isAlpha(b[lastDigitEnd]) { return nil }
        return (String(decoding: digits, as: UTF8.self), lastDigitEnd)
    }

    // MARK: - Wallets

    static func wallets(_ view: TextView, strength: Finding.Strength) -> [Finding] {
        let matches = view.bytes.withUnsafeBufferPointer { WalletParser.find(in: $0) }
        return matches.map { match in
            Finding(kind: .wallet, value: match.wallet.canonical, span: view.originalRange(of: match.range),
                    strength: strength, chain: match.wallet.chain.rawValue)
        }
    }
}
