import AccountGraph

/// How well an engine's screenings of a ``Simulation`` caught re-created accounts of banned
/// actors, and how often it flagged ordinary users: the figures of `bulwark accounts eval`.
///
/// Definitions:
/// - A re-created account is *caught* when its signup or its first profile edit was screened
///   `review` or `block` (a platform acts on the first flag; catching at the first edit matters
///   because traders sign up clean and put the handle in right after).
/// - Its *catch delay* is the time from its signup to that first flag (0 when the signup itself
///   was flagged).
/// - A *false positive* is an ordinary user's account event (signup or edit) screened other than
///   `allow`.
/// - A missing screening (nil at an account event) counts as `allow`.
public struct EvalReport: Sendable {
    /// Share of re-created accounts that must be caught at signup or first edit.
    public static let targetCaughtRate = 0.90
    /// Share of ordinary users' account events that may be flagged.
    public static let targetFalsePositiveRate = 0.005

    /// Trader accounts created after a ban of their actor (that have events).
    public var recreatedAccounts = 0
    public var recreatedCaught = 0
    /// `recreatedCaught / recreatedAccounts` (0 when there are none).
    public var recreatedCaughtRate = 0.0
    /// Ordinary accounts in the labels.
    public var ordinaryUsers = 0
    public var ordinaryEvents = 0
    public var ordinaryFlagged = 0
    /// `ordinaryFlagged / ordinaryEvents` (0 when there are none).
    public var falsePositiveRate = 0.0
    /// Distinct ordinary users with any flagged event.
    public var ordinaryUsersFlagged = 0
    /// For each caught re-created account, the time from signup to its first flag; ascending.
    public var catchDelays: [Milliseconds] = []
    /// Re-created accounts missed at signup and first edit but flagged at a later edit.
    public var caughtLater = 0
    /// Of the caught re-created accounts, the share blocked (at signup or first edit).
    public var blockShare = 0.0
    /// Of the caught re-created accounts, the share whose first flag names as `bannedMatch` an
    /// account of the same actor.
    public var correctMatchRate = 0.0
    /// Re-created accounts whose carried public signals appeared only at the first edit.
    public var carriedFromEditAccounts = 0
    public var carriedFromEditCaught = 0
    /// Re-created accounts per carried signal class, sorted by name. An account counts under
    /// every class it carried; `only:<class>` rows count accounts that carried exactly one
    /// class, and the `weak-only` row those that carried nothing but `bio`, `handle-pattern` and
    /// `ip`.
    public var byCarried: [(signal: String, accounts: Int, caught: Int)] = []
    /// The report for people: targets with PASS/FAIL, delays, the per-class table.
    public var text = ""
    /// The same figures as one JSON object, keys in a fixed order.
    public var json = ""

    public var caughtPasses: Bool { recreatedCaughtRate >= Self.targetCaughtRate }
    public var falsePositivePasses: Bool { falsePositiveRate <= Self.targetFalsePositiveRate }
    public var passes: Bool { caughtPasses && falsePositivePasses }

    static let weakClasses: Set<String> = ["bio", "handle-pattern", "ip"]

    /// `screenings[i]` is the engine's answer for `simulation.events[i]` when that event is
    /// `.account`, nil otherwise. The two arrays must have the same length.
    public init(simulation: Simulation, screenings: [Screening?]) {
        precondition(screenings.count == simulation.events.count,
                     "EvalReport: \(screenings.count) screenings for \(simulation.events.count) events")
        var accountEvents: [String: [Int]] = [:]
        for (index, event) in simulation.events.enumerated() {
            if case .account(let profile) = event { accountEvents[profile.id, default: []].append(index) }
        }
        func decision(_ index: Int) -> Decision { screenings[index]?.decision ?? .allow }

        var flaggedUsers = 0
        var blocked = 0
        var correct = 0
        var rows: [String: (accounts: Int, caught: Int)] = [:]
        for id in simulation.labels.keys.sorted() {
            guard let label = simulation.labels[id] else { continue }
            let indices = accountEvents[id] ?? []
            switch label.role {
            case .ordinary:
                ordinaryUsers += 1
                var flagged = false
                for index in indices {
                    ordinaryEvents += 1
                    if decision(index) != .allow {
                        ordinaryFlagged += 1
                        flagged = true
                    }
                }
                if flagged { flaggedUsers += 1 }
            case .trader(let actor):
                guard label.recreated, !indices.isEmpty else { continue }
                recreatedAccounts += 1
                let early = indices.prefix(2)
                let firstFlag = early.first { decision($0) != .allow }
                if let firstFlag {
                    recreatedCaught += 1
                    catchDelays.append(simulation.events[firstFlag].at - label.createdAt)
                    if early.contains(where: { decision($0) == .block }) { blocked += 1 }
                    if let match = screenings[firstFlag]?.bannedMatch, simulation.labels[match]?.actor == actor { correct += 1 }
                } else if indices.dropFirst(2).contains(where: { decision($0) != .allow }) {
                    caughtLater += 1
                }
                let caught = firstFlag == nil ? 0 : 1
                if label.carriedFromEdit {
                    carriedFromEditAccounts += 1
                    carriedFromEditCaught += caught
                }
                var names = Set(label.carried)
                if names.count == 1, let only = names.first { names.insert("only:" + only) }
                if !label.carried.isEmpty && label.carried.allSatisfy(Self.weakClasses.contains) { names.insert("weak-only") }
                for name in names {
                    let row = rows[name] ?? (0, 0)
                    rows[name] = (row.accounts + 1, row.caught + caught)
                }
            }
        }
        ordinaryUsersFlagged = flaggedUsers
        catchDelays.sort()
        recreatedCaughtRate = Self.ratio(recreatedCaught, recreatedAccounts)
        falsePositiveRate = Self.ratio(ordinaryFlagged, ordinaryEvents)
        blockShare = Self.ratio(blocked, recreatedCaught)
        correctMatchRate = Self.ratio(correct, recreatedCaught)
        byCarried = rows.keys.sorted().map { (signal: $0, accounts: rows[$0]!.accounts, caught: rows[$0]!.caught) }
        text = makeText()
        json = makeJSON()
    }

    static func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

    /// The delay below which a share `p` (0 < p ≤ 1) of the catch delays fall (nearest rank),
    /// nil when nothing was caught.
    public func catchDelayPercentile(_ p: Double) -> Milliseconds? {
        guard !catchDelays.isEmpty else { return nil }
        let rank = Int((p * Double(catchDelays.count)).rounded(.up))
        return catchDelays[min(max(rank, 1), catchDelays.count) - 1]
    }

    // MARK: - Formatting

    /// `x` with exactly `digits` decimals, without Foundation.
    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "0" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let total = Int64((abs(x) * Double(scale)).rounded())
        let sign = x < 0 && total != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(total) }
        var fraction = String(total % scale)
        while fraction.count < digits { fraction = "0" + fraction }
        return sign + String(total / scale) + "." + fraction
    }

    static func percent(_ x: Double, _ digits: Int) -> String { fixed(x * 100, digits) + "%" }

    static func minutes(_ ms: Milliseconds?) -> String { ms.map { fixed(Double($0) / 60_000, 1) } ?? "-" }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    static func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }

    private func makeText() -> String {
        func verdict(_ ok: Bool) -> String { ok ? "PASS" : "FAIL" }
        let width = 52
        var out = "Ban-evasion screening on the simulated platform\n"
        out += "  " + Self.pad("re-created accounts caught at signup or first edit", width)
            + Self.lpad(Self.percent(recreatedCaughtRate, 1), 7) + "  (\(recreatedCaught) of \(recreatedAccounts))"
            + "  target >= " + Self.percent(Self.targetCaughtRate, 1) + "  " + verdict(caughtPasses) + "\n"
        out += "  " + Self.pad("ordinary users' events flagged (false positives)", width)
            + Self.lpad(Self.percent(falsePositiveRate, 2), 7) + "  (\(ordinaryFlagged) of \(ordinaryEvents))"
            + "  target <= " + Self.percent(Self.targetFalsePositiveRate, 2) + "  " + verdict(falsePositivePasses) + "\n"
        out += "  " + Self.pad("ordinary users flagged at least once", width) + "\(ordinaryUsersFlagged) of \(ordinaryUsers)\n"
        out += "  " + Self.pad("re-created accounts caught only by a later edit", width) + "\(caughtLater)\n"
        out += "  " + Self.pad("caught accounts blocked (not only reviewed)", width) + Self.percent(blockShare, 1) + "\n"
        out += "  " + Self.pad("caught accounts matched to their own actor", width) + Self.percent(correctMatchRate, 1) + "\n"
        out += "  " + Self.pad("signals only in the first edit: caught", width)
            + "\(carriedFromEditCaught) of \(carriedFromEditAccounts)\n"
        out += "  " + Self.pad("catch delay after signup, minutes", width)
            + "median \(Self.minutes(catchDelayPercentile(0.5))), p90 \(Self.minutes(catchDelayPercentile(0.9))), "
            + "max \(Self.minutes(catchDelays.last))\n"
        out += "  overall: " + verdict(passes) + "\n\n"
        out += "Re-created accounts by carried signal (an account counts under every class it carried)\n"
        out += "  " + Self.pad("signal", 34) + Self.lpad("accounts", 9) + Self.lpad("caught", 8) + Self.lpad("rate", 8) + "\n"
        for row in byCarried {
            out += "  " + Self.pad(row.signal, 34) + Self.lpad(String(row.accounts), 9) + Self.lpad(String(row.caught), 8)
                + Self.lpad(Self.percent(Self.ratio(row.caught, row.accounts), 1), 8) + "\n"
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    private func makeJSON() -> String {
        func rate(_ x: Double) -> String { Self.fixed(x, 6) }
        func minutes(_ ms: Milliseconds?) -> String { ms.map { Self.fixed(Double($0) / 60_000, 1) } ?? "null" }
        var fields: [String] = []
        fields.append("\"recreatedAccounts\":\(recreatedAccounts)")
        fields.append("\"recreatedCaught\":\(recreatedCaught)")
        fields.append("\"recreatedCaughtRate\":\(rate(recreatedCaughtRate))")
        fields.append("\"caughtLater\":\(caughtLater)")
        fields.append("\"blockShare\":\(rate(blockShare))")
        fields.append("\"correctMatchRate\":\(rate(correctMatchRate))")
        fields.append("\"carriedFromEditAccounts\":\(carriedFromEditAccounts)")
        fields.append("\"carriedFromEditCaught\":\(carriedFromEditCaught)")
        fields.append("\"catchDelayMinutes\":{\"median\":\(minutes(catchDelayPercentile(0.5))),"
            + "\"p90\":\(minutes(catchDelayPercentile(0.9))),\"max\":\(minutes(catchDelays.last))}")
        fields.append("\"ordinaryUsers\":\(ordinaryUsers)")
        fields.append("\"ordinaryEvents\":\(ordinaryEvents)")
        fields.append("\"ordinaryFlagged\":\(ordinaryFlagged)")
        fields.append("\"falsePositiveRate\":\(rate(falsePositiveRate))")
        fields.append("\"ordinaryUsersFlagged\":\(ordinaryUsersFlagged)")
        fields.append("\"targets\":{\"caughtRate\":\(rate(Self.targetCaughtRate)),"
            + "\"falsePositiveRate\":\(rate(Self.targetFalsePositiveRate)),"
            + "\"caughtPass\":\(caughtPasses),\"falsePositivePass\":\(falsePositivePasses),\"pass\":\(passes)}")
        let rows = byCarried.map { row in
            "{\"signal\":\(Self.jsonString(row.signal)),\"accounts\":\(row.accounts),\"caught\":\(row.caught),"
                + "\"rate\":\(rate(Self.ratio(row.caught, row.accounts)))}"
        }
        fields.append("\"byCarried\":[" + rows.joined(separator: ",") + "]")
        return "{" + fields.joined(separator: ",") + "}"
    }
}
