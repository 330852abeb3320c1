/// A problem with a policy or case file, with where it is: "default.yaml:12:5: unknown key …".
///
/// Loading checks the whole document and reports up to ``PolicyError/limit`` problems at once:
/// the error thrown is the first one (by position), and ``more`` holds the others, also in order.
public struct PolicyError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The file name (or whatever name the caller gave the text).
    public var source: String
    /// 1-based; nil when the problem has no position (an empty or oversized document).
    public var line: Int?
    /// 1-based, in Unicode scalars.
    public var column: Int?
    public var message: String
    /// The problems after this one, when several were found.
    public var more: [PolicyError]

    /// At most this many problems are reported for one document.
    public static let limit = 20

    public init(source: String, line: Int? = nil, column: Int? = nil, message: String, more: [PolicyError] = []) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
        self.more = more
    }

    /// This problem alone: "source:line:column: message".
    public var description: String {
        var text = source
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text + ": " + message
    }

    /// This problem and the others, each on its own line.
    public var all: [PolicyError] {
        var first = self
        first.more = []
        return [first] + more
    }

    /// Every problem's description, one per line.
    public var report: String { all.map(\.description).joined(separator: "\n") }

    /// Sorted by position (problems without one first), at most `limit`, as one error.
    static func combining(_ errors: [PolicyError]) -> PolicyError? {
        let sorted = errors.enumerated().sorted { a, b in
            let ka = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let kb = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return ka < kb
        }.map(\.element)
        guard var first = sorted.first else { return nil }
        first.more = Array(sorted.dropFirst().prefix(limit - 1))
        return first
    }
}
