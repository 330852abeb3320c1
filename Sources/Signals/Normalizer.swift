/// Reduces what a person wrote to what a reader understands, in three views of increasing
/// boldness. Each later view is computed from the one before, and every byte keeps the position of
/// the character it came from.
///
/// 1. ``unicode(_:)``: compatibility normalisation (NFKC: full-width, mathematical and circled
///    letters become plain ones), default-ignorable characters removed (zero-width spaces and
///    joiners, bidi controls, variation selectors, tags), control characters made spaces, and
///    look-alike letters folded to the ASCII letters they imitate (UTS #39 confusables: Cyrillic
///    "е" in "tеlеgram"). Folding is decided per word: a word is folded only when every non-ASCII
///    letter in it imitates ASCII and at least one is a disguise rather than an accent, so
///    Russian prose and "münchen.de" keep their letters while "раураl" becomes "paypal".
///    Case is kept: invite codes and wallet addresses are case-sensitive.
/// 2. ``defang(_:)``: the markers people use to stop text becoming a link, which no ordinary
///    sentence contains: `[.]`, `(.)`, `{dot}`, `[:]`, `[at]`, `hxxps`. Everything found in this
///    view is reported.
/// 3. ``aggressive(_:)``: readings that ordinary prose can also produce: ` dot ` and ` slash `
///    spelled out, spaces around `.`, `/`, `:` and `@`, letters spaced out (`t e l e g r a m`).
///    What is found only in this view is reported when it names a known off-platform service or
///    matches a list, never on its own.
public enum Normalizer {
    // MARK: - Unicode

    /// View 1: NFKC, ignorables removed, look-alikes folded word by word. ASCII-only text (the
    /// common case) costs one copy.
    public static func unicode(_ text: String) -> TextView {
        var text = text
        let utf8Count = text.utf8.count
        let asciiOnly = text.withUTF8 { buffer in buffer.allSatisfy { $0 < 0x80 } }
        if asciiOnly {
            return text.withUTF8 { buffer in
                var view = TextView(reservingCapacity: buffer.count, originalLength: utf8Count)
                for (offset, byte) in buffer.enumerated() {
                    view.append(byte < 0x20 && !ASCII.isSpace(byte) || byte == 0x7F ? 0x20 : byte, from: Int32(offset))
                }
                return view
            }
        }
        return foldUnicode(text, utf8Count: utf8Count)
    }

    private enum Role { case word, separator, ignorable }

    private static func role(_ scalar: Unicode.Scalar, _ entry: FoldEntry?) -> Role {
        let value = scalar.value
        if value < 0x80 {
            return ASCII.isAlnum(UInt8(value)) ? .word : .separator
        }
        if let entry {
            if entry.ignorable { return .ignorable }
            if entry.fold.count == 1, entry.fold[0].value < 0x80, !ASCII.isAlnum(UInt8(entry.fold[0].value)) {
                return .separator
            }
            return .word
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.generalCategory == .nonspacingMark
            || properties.generalCategory == .decimalNumber {
            return .word
        }
        return .separator
    }

    private static func foldUnicode(_ text: String, utf8Count: Int) -> TextView {
        let table = FoldTable.entries
        var scalars: [(scalar: Unicode.Scalar, offset: Int32, entry: FoldEntry?, role: Role)] = []
        scalars.reserveCapacity(utf8Count)
        var offset = 0
        for scalar in text.unicodeScalars {
            let entry = scalar.value < 0x80 ? nil : table[scalar.value]
            scalars.append((scalar, Int32(offset), entry, role(scalar, entry)))
            offset += UTF8.width(scalar)
        }
        // Whether each whitespace-separated token has an ASCII letter: look-alikes are folded only
        // in tokens that are at least partly written in Latin letters ("bad.сом", "tеlеgram"), so
        // that Russian or Greek prose keeps its letters even where each one has a Latin twin.
        var latinToken = [Bool](repeating: false, count: scalars.count)
        var tokenStart = 0
        var hasLatin = false
        for k in 0...scalars.count {
            let atSpace = k == scalars.count || scalars[k].scalar.properties.isWhitespace
            if atSpace {
                if hasLatin { for m in tokenStart..<k { latinToken[m] = true } }
                tokenStart = k + 1
                hasLatin = false
            } else if scalars[k].scalar.value < 0x80, ASCII.isAlpha(UInt8(scalars[k].scalar.value)) {
                hasLatin = true
            }
        }
        var view = TextView(reservingCapacity: utf8Count, originalLength: utf8Count)
        var index = 0
        while index < scalars.count {
            let item = scalars[index]
            switch item.role {
            case .ignorable:
                index += 1
            case .separator:
                // A dot-like bullet between spaces ("menu • t dot me") separates list items, as
                // "|" does; only between letters ("t•me") does it stand for a dot.
                if Self.dotLikeBullets.contains(item.scalar.value),
                   index == 0 || scalars[index - 1].scalar.properties.isWhitespace,
                   index + 1 == scalars.count || scalars[index + 1].scalar.properties.isWhitespace {
                    view.append(0x20, from: item.offset)
                } else {
                    emitSeparator(item.scalar, item.entry, item.offset, into: &view)
                }
                index += 1
            case .word:
                // A word: the run of word characters (ignorables inside do not break it).
                var end = index
                var foldable = true
                var disguised = false
                while end < scalars.count, scalars[end].role != .separator {
                    let s = scalars[end]
                    if s.role == .word, s.scalar.value >= 0x80 {
                        if let entry = s.entry, entry.foldsToASCII {
                            if !entry.diacritic { disguised = true }
                        } else {
                            foldable = false
                        }
                    }
                    end += 1
                }
                let fold = foldable && disguised && latinToken[index]
                for k in index..<end where scalars[k].role == .word {
                    let s = scalars[k]
                    if s.scalar.value < 0x80 {
                        view.append(UInt8(s.scalar.value), from: s.offset)
                    } else if let entry = s.entry {
                        for out in (fold ? entry.fold : entry.nfkc ?? [s.scalar]) { view.append(out, from: s.offset) }
                    } else {
                        view.append(s.scalar, from: s.offset)
                    }
                }
                index = end
            }
        }
        return view
    }

    /// Middle dot, bullet, bullet operator, katakana middle dot: fold-extra.txt folds them to "."
    /// for "t•me"; between spaces they are list separators.
    static let dotLikeBullets: Set<UInt32> = [0x00B7, 0x2022, 0x2219, 0x30FB]

    private static func emitSeparator(_ scalar: Unicode.Scalar, _ entry: FoldEntry?, _ offset: Int32, into view: inout TextView) {
        let value = scalar.value
        if value < 0x80 {
            let byte = UInt8(value)
            view.append(byte < 0x20 && !ASCII.isSpace(byte) || byte == 0x7F ? 0x20 : byte, from: offset)
        } else if (0x80...0x9F).contains(value) || scalar.properties.isWhitespace {
            view.append(0x20, from: offset)
        } else if let entry, entry.foldsToASCII {
            for out in entry.fold { view.append(out, from: offset) }
        } else if let entry {
            for out in entry.nfkc ?? [scalar] { view.append(out, from: offset) }
        } else {
            view.append(scalar, from: offset)
        }
    }

    // MARK: - De-fanging

    /// Inner texts of a bracket pair that stand for a separator: `[.]`, `(dot)`, `{:}`, `[at]`.
    private static let bracketed: [(inner: StaticString, replacement: StaticString)] = [
        (".", "."), ("dot", "."), ("d0t", "."), (":", ":"), ("/", "/"), ("//", "//"), ("://", "://"),
        ("@", "@"), ("at", "@"), (",", "."), ("punkt", "."), ("point", "."), ("period", "."),
    ]

    /// View 2: de-fanging markers, which no ordinary sentence contains (and `\\/`, a slash
    /// escaped as in JSON).
    public static func defang(_ input: TextView) -> TextView {
        let b = input.bytes
        var view = TextView(reservingCapacity: b.count, originalLength: input.originalLength)
        var i = 0
        while i < b.count {
            let byte = b[i]
            if byte == 0x5B || byte == 0x28 || byte == 0x7B || byte == 0x3C,  // [ ( { <
               let (replacement, next) = bracketMarker(b, at: i) {
                view.dropTrailingSpaces()
                replacement.withUTF8Buffer { for r in $0 { view.append(r, from: input.origin[i]) } }
                i = next
                while i < b.count, b[i] == 0x20 { i += 1 }
                continue
            }
            if (byte | 0x20) == 0x68, (i == 0 || !ASCII.isWord(b[i - 1])), let next = fangedScheme(b, at: i) {
                for (k, r) in "http".utf8.enumerated() { view.append(r, from: input.origin[i + min(k, 3)]) }
                i = next
                continue
            }
            if byte == 0x5C, i + 1 < b.count, b[i + 1] == 0x2F {
                // "t.me\/name": a slash escaped as in JSON.
                view.append(0x2F, from: input.origin[i])
                i += 2
                continue
            }
            view.append(byte, from: input.origin[i])
            i += 1
        }
        return view
    }

    /// `[.]`-style markers at `i`: the replacement and the index after the closing bracket.
    private static func bracketMarker(_ b: [UInt8], at i: Int) -> (StaticString, Int)? {
        let close: UInt8 = switch b[i] {
        case 0x5B: 0x5D
        case 0x28: 0x29
        case 0x7B: 0x7D
        default: 0x3E
        }
        var j = i + 1
        while j < b.count, b[j] == 0x20 { j += 1 }
        let innerStart = j
        while j < b.count, j - innerStart <= 6, b[j] != close, b[j] != 0x20 { j += 1 }
        let innerEnd = j
        while j < b.count, b[j] == 0x20 { j += 1 }
        guard j < b.count, b[j] == close, innerEnd > innerStart else { return nil }
        for (inner, replacement) in bracketed where inner.utf8CodeUnitCount == innerEnd - innerStart {
            if ASCII.hasPrefix(b, at: innerStart, inner) { return (replacement, j + 1) }
        }
        return nil
    }

    /// `hxxp`, `hXXps`, `h**p`, `hxtp` followed by `:` or `[:`: the index of the `s` or `:` after
    /// the four letters, so that "http" can be written in their place.
    private static func fangedScheme(_ b: [UInt8], at i: Int) -> Int? {
        guard i + 4 < b.count, (b[i + 3] | 0x20) == 0x70 else { return nil }
        let m1 = ASCII.lower(b[i + 1]), m2 = ASCII.lower(b[i + 2])
        func isMask(_ c: UInt8) -> Bool { c == 0x78 || c == 0x2A || c == 0x74 || c == 0x5F || c == 0x2D || c == 0x2E }  // x * t _ - .
        guard isMask(m1), isMask(m2), !(m1 == 0x74 && m2 == 0x74) else { return nil }
        var j = i + 4
        if j < b.count, (b[j] | 0x20) == 0x73 { j += 1 }
        guard j < b.count, b[j] == 0x3A || b[j] == 0x5B || b[j] == 0x28 else { return nil }
        return i + 4
    }

    // MARK: - Aggressive readings

    /// Whether ``aggressive(_:)`` could read anything new into this view; most posts have none of
    /// its triggers, and then the third view is not built at all.
    public static func mayHaveSpelledOutLinks(_ view: TextView) -> Bool {
        let b = view.bytes
        guard b.count >= 3 else { return false }
        for i in 1..<(b.count - 1) {
            let byte = b[i]
            if (byte == 0x2E || byte == 0x2F || byte == 0x3A || byte == 0x40) && (b[i - 1] == 0x20 || b[i + 1] == 0x20) { return true }
            if byte == 0x20, i + 2 < b.count, ASCII.isAlnum(b[i + 1]), b[i + 2] == 0x20, ASCII.isAlnum(b[i - 1]),
               i < 2 || !ASCII.isAlnum(b[i - 2]) { return true }
            if byte == 0x20, ASCII.hasPrefix(b, at: i + 1, "dot ") || ASCII.hasPrefix(b, at: i + 1, "slash ")
                || ASCII.hasPrefix(b, at: i + 1, "d0t ") { return true }
            if (byte == 0x2D || byte == 0x2A || byte == 0x5F), ASCII.isAlnum(b[i - 1]), ASCII.isAlnum(b[i + 1]),
               i < 2 || !ASCII.isAlnum(b[i - 2]) { return true }
        }
        return false
    }

    /// Spelled-out separators: the word between spaces, and what it stands for.
    private static let spelled: [(word: StaticString, replacement: UInt8)] = [
        ("dot", 0x2E), ("d0t", 0x2E), ("slash", 0x2F), ("colon", 0x3A),
    ]

    /// View 3: spelled-out separators, spaces around separators, spaced-out letters.
    public static func aggressive(_ input: TextView) -> TextView {
        let spaced = collapseSpacedLetters(input)
        let b = spaced.bytes
        var view = TextView(reservingCapacity: b.count, originalLength: input.originalLength)
        var i = 0
        while i < b.count {
            let byte = b[i]
            if byte == 0x20 {
                // " dot " between two words.
                var matched = false
                if i > 0, ASCII.isWord(b[i - 1]) {
                    for (word, replacement) in spelled {
                        let n = word.utf8CodeUnitCount
                        if i + n + 2 < b.count, b[i + n + 1] == 0x20, ASCII.isWord(b[i + n + 2]), ASCII.hasPrefix(b, at: i + 1, word) {
                            view.append(replacement, from: spaced.origin[i + 1])
                            i += n + 2
                            matched = true
                            break
                        }
                    }
                }
                if matched { continue }
                // Spaces before a separator that joins words: "t . me", "t .me".
                var j = i
                while j < b.count, b[j] == 0x20 { j += 1 }
                if j < b.count, isJoiner(b[j]), i > 0, ASCII.isWord(b[i - 1]) {
                    i = j
                    continue
                }
                view.append(byte, from: spaced.origin[i])
                i += 1
                continue
            }
            view.append(byte, from: spaced.origin[i])
            i += 1
            // Spaces after a separator: "t . me" (spaces on both sides), "t.me/ name". A "." with
            // a space only after it ends a sentence and stays.
            if isJoiner(byte), view.bytes.count >= 2, byte != 0x2E || i >= 2 && b[i - 2] == 0x20 {
                var j = i
                while j < b.count, b[j] == 0x20 { j += 1 }
                if j > i, j < b.count, ASCII.isWord(b[j]) || b[j] == 0x2B || b[j] == 0x40 { i = j }
            }
        }
        return view
    }

    @inline(__always) private static func isJoiner(_ b: UInt8) -> Bool { b == 0x2E || b == 0x2F || b == 0x3A || b == 0x40 }

    /// Runs of single characters between single separators ("t e l e g r a m", "t-e-l-e-g-r-a-m",
    /// "t . m e / n a m e") become one word. A run needs three characters with spaces, four with
    /// `-`, `_`, `*` (so initials and "A - B" stay as they are).
    static func collapseSpacedLetters(_ input: TextView) -> TextView {
        let b = input.bytes
        let n = b.count
        var view = TextView(reservingCapacity: n, originalLength: input.originalLength)
        var i = 0
        while i < n {
            if i + 2 < n, b[i] != 0x20, b[i] < 0x80, i == 0 || !ASCII.isAlnum(b[i - 1]) {
                let sep = b[i + 1]
                if sep == 0x20 || sep == 0x2D || sep == 0x5F || sep == 0x2A {
                    // Spaced out, a run is letters, digits and the joiners of an address
                    // (". / : @"): "| t . m e" must not glue the bar onto the host.
                    func single(_ x: UInt8) -> Bool {
                        x < 0x80 && x != 0x20 && x != sep && (ASCII.isAlnum(x) || (sep == 0x20 && isJoiner(x)))
                    }
                    func continues(_ x: UInt8) -> Bool { x != sep && x != 0x20 && ASCII.isAlnum(x) }
                    if single(b[i]) {
                        var last = i
                        var count = 1
                        while last + 2 < n, b[last + 1] == sep, single(b[last + 2]),
                              last + 3 >= n || !continues(b[last + 3]) {
                            last += 2
                            count += 1
                        }
                        if count >= (sep == 0x20 ? 3 : 4) {
                            var k = i
                            while k <= last {
                                view.append(b[k], from: input.origin[k])
                                k += 2
                            }
                            i = last + 1
                            continue
                        }
                    }
                }
            }
            view.append(b[i], from: input.origin[i])
            i += 1
        }
        return view
    }
}

extension UTF8 {
    /// The number of UTF-8 bytes of a scalar.
    @inline(__always) static func width(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case ..<0x80: 1
        case ..<0x800: 2
        case ..<0x10000: 3
        default: 4
        }
    }
}
