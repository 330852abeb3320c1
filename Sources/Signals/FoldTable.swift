/// How one non-ASCII scalar is rewritten before links, handles and terms are looked for.
///
/// Built once from the generated table (`scripts/gen-fold-table.py`, from Unicode's
/// confusables.txt and normalisation data); ASCII never needs an entry.
struct FoldEntry: Sendable {
    /// Compatibility normalisation (NFKC) of the scalar, case kept; nil when NFKC leaves it as it is.
    var nfkc: [Unicode.Scalar]?
    /// The string the scalar is drawn to look like (NFKD, confusable prototypes, marks removed).
    var fold: [Unicode.Scalar]
    /// A default-ignorable scalar (zero-width, bidi control, variation selector, tag): removed.
    var ignorable: Bool
    /// `fold` is entirely ASCII.
    var foldsToASCII: Bool
    /// A Latin letter with an accent: a real diacritic rather than a disguise.
    var diacritic: Bool
}

/// The scalar → fold table, parsed once per process (about 26,000 entries, a few milliseconds).
enum FoldTable {
    static let entries: [UInt32: FoldEntry] = parse(foldTableText)

    static func parse(_ text: String) -> [UInt32: FoldEntry] {
        var table: [UInt32: FoldEntry] = [:]
        table.reserveCapacity(27_000)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count == 4, let scalar = UInt32(fields[0], radix: 16) else { continue }
            let nfkc: [Unicode.Scalar]? = fields[1] == "=" ? nil : scalars(fields[1])
            let flags = fields[3]
            table[scalar] = FoldEntry(nfkc: nfkc, fold: scalars(fields[2]), ignorable: flags.contains("i"),
                                      foldsToASCII: flags.contains("a"), diacritic: flags.contains("d"))
        }
        return table
    }

    private static func scalars(_ field: Substring) -> [Unicode.Scalar] {
        field.split(separator: " ").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) }
    }
}
