import Signals

/// Runs a corpus through a scanner and counts, per disguise class, how many listed targets were
/// matched (recall), how many matches were right (precision), and how the solicitation band did.
public struct EvalReport: Sendable {
    public struct ClassRow: Sendable {
        public var name: String
        public var posts = 0
        /// Posts whose every expected entry matched.
        public var found = 0
        public var matches = 0
        public var correctMatches = 0
        public var recall: Double { posts == 0 ? 1 : Double(found) / Double(posts) }
        public var precision: Double { matches == 0 ? 1 : Double(correctMatches) / Double(matches) }
    }

    public var listed: [ClassRow] = []
    public var lookalikes: [ClassRow] = []
    /// List matches on benign look-alikes (each is a false positive).
    public var lookalikeMatches = 0
    public var lookalikePosts = 0
    public var solicitationTruePositives = 0
    public var solicitationFalsePositives = 0
    public var solicitationFalseNegatives = 0
    /// Benign posts that mention Telegram, VIP packages or prices and were put in the solicitation band.
    public var benignInSolicitationBand = 0
    public var benignPosts = 0
    public var misses: [(id: String, text: String, disguise: String)] = []

    public var overallRecall: Double {
        let posts = listed.reduce(0) { $0 + $1.posts }, found = listed.reduce(0) { $0 + $1.found }
        return posts == 0 ? 1 : Double(found) / Double(posts)
    }

    public var solicitationPrecision: Double {
        let flagged = solicitationTruePositives + solicitationFalsePositives
        return flagged == 0 ? 1 : Double(solicitationTruePositives) / Double(flagged)
    }

    public var solicitationRecall: Double {
        let positives = solicitationTruePositives + solicitationFalseNegatives
        return positives == 0 ? 1 : Double(solicitationTruePositives) / Double(positives)
    }

    /// Runs every post of `corpus` through `scanner`.
    public static func run(_ corpus: EvalCorpus, scanner: TextScanner) -> EvalReport {
        var report = EvalReport()
        var listedRows: [String: ClassRow] = [:]
        var lookalikeRows: [String: ClassRow] = [:]
        for post in corpus.posts {
            let result = scanner.scan(post.text)
            let matched = Set(result.matches.map(\.entry.value))
            if !post.expected.isEmpty {
                var row = listedRows[post.disguise] ?? ClassRow(name: post.disguise)
                row.posts += 1
                if post.expected.allSatisfy(matched.contains) {
                    row.found += 1
                } else if report.misses.count < 200 {
                    report.misses.append((post.id, post.text, post.disguise))
                }
                row.matches += result.matches.count
                row.correctMatches += result.matches.filter { post.expected.contains($0.entry.value) }.count
                listedRows[post.disguise] = row
            } else if post.lookalike {
                var row = lookalikeRows[post.disguise] ?? ClassRow(name: post.disguise)
                row.posts += 1
                row.matches += result.matches.count
                if result.matches.isEmpty { row.found += 1 }
                lookalikeRows[post.disguise] = row
                report.lookalikeMatches += result.matches.count
                report.lookalikePosts += 1
            }
            let flagged = result.band == .solicitation
            switch (post.solicitation, flagged) {
            case (true, true): report.solicitationTruePositives += 1
            case (false, true): report.solicitationFalsePositives += 1
            case (true, false): report.solicitationFalseNegatives += 1
            case (false, false): break
            }
            if !post.solicitation {
                report.benignPosts += 1
                if flagged { report.benignInSolicitationBand += 1 }
            }
        }
        report.listed = listedRows.values.sorted { $0.name < $1.name }
        report.lookalikes = lookalikeRows.values.sorted { $0.name < $1.name }
        return report
    }

    /// A plain-text table for `bulwark text eval`.
    public func table() -> String {
        func pct(_ x: Double) -> String {
            let tenths = Int((x * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10)%"
        }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var out = "Listed targets, by disguise\n"
        out += pad("class", 20) + lpad("posts", 7) + lpad("recall", 9) + lpad("precision", 11) + "\n"
        for row in listed {
            out += pad(row.name, 20) + lpad(String(row.posts), 7) + lpad(pct(row.recall), 9) + lpad(pct(row.precision), 11) + "\n"
        }
        out += pad("all", 20) + lpad(String(listed.reduce(0) { $0 + $1.posts }), 7) + lpad(pct(overallRecall), 9) + "\n\n"
        out += "Benign look-alikes (any list match is a false positive)\n"
        out += pad("class", 20) + lpad("posts", 7) + lpad("matches", 9) + "\n"
        for row in lookalikes { out += pad(row.name, 20) + lpad(String(row.posts), 7) + lpad(String(row.matches), 9) + "\n" }
        out += pad("all", 20) + lpad(String(lookalikePosts), 7) + lpad(String(lookalikeMatches), 9) + "\n\n"
        out += "Solicitation band\n"
        out += "  precision \(pct(solicitationPrecision)) (\(solicitationTruePositives) of \(solicitationTruePositives + solicitationFalsePositives) flagged posts)\n"
        out += "  recall    \(pct(solicitationRecall)) (\(solicitationTruePositives) of \(solicitationTruePositives + solicitationFalseNegatives) sales pitches)\n"
        out += "  benign posts in the band: \(benignInSolicitationBand) of \(benignPosts)\n"
        return out
    }
}
