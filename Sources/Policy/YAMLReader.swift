import Foundation
import Yams

/// Reads YAML nodes into values, collecting problems with their line and column (from the nodes'
/// marks) instead of stopping at the first. Shared by policies and case files. One reader per
/// document, used on one task.
final class YAMLReader {
    /// Documents larger than this many UTF-8 bytes are refused before parsing.
    static let maximumBytes = 1 << 20
    /// Conditions nested deeper than this are refused.
    static let maximumDepth = 32
    /// Values visited in one document (after aliases are expanded): bounds the work a document
    /// full of aliases to aliases can cause.
    static let maximumNodes = 100_000

    struct Entry {
        let key: String
        let keyNode: Node
        let value: Node
    }

    let source: String
    private(set) var errors: [PolicyError] = []
    private var nodesLeft = maximumNodes

    init(source: String) {
        self.source = source
    }

    // MARK: Documents

    /// The root node of a single-document YAML text; nil for an empty document. Syntax errors,
    /// duplicate keys and oversized texts are thrown with their position.
    static func compose(_ text: String, source: String) throws(PolicyError) -> Node? {
        let bytes = text.utf8.count
        guard bytes <= maximumBytes else {
            throw PolicyError(source: source, message: "the document is \(bytes) bytes; the limit is \(maximumBytes) (1 MiB)")
        }
        do {
            return try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw policyError(error, text: text, source: source)
        } catch {
            throw PolicyError(source: source, message: "invalid YAML: \(error)")
        }
    }

    static func policyError(_ error: YamlError, text: String, source: String) -> PolicyError {
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            guard let context else { return "invalid YAML: \(problem)" }
            return "invalid YAML: \(problem) (\(context.text) at \(context.mark.line):\(context.mark.column))"
        }
        switch error {
        case .parser(_, let problem, let mark, _) where problem.hasPrefix("Maximum nesting level"):
            return PolicyError(source: source, line: mark.line, column: mark.column,
                               message: "invalid YAML: nested more than 1000 levels deep")
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return PolicyError(source: source, line: mark.line, column: mark.column, message: withContext(problem, context))
        case .reader(let problem, let offset, _, _):
            let position = offset.map { lineAndColumn(atCharacterOffset: $0, in: text) }
            return PolicyError(source: source, line: position?.line, column: position?.column, message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let subject = duplicates.count == 1 ? "key \(keys) appears" : "keys \(keys) appear"
            return PolicyError(source: source, line: context.mark.line, column: context.mark.column,
                               message: "\(subject) more than once in the same mapping (this is the first)")
        default:
            return PolicyError(source: source, message: "invalid YAML: \(error)")
        }
    }

    /// 1-based line and column (in Unicode scalars) of a Character offset.
    static func lineAndColumn(atCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    // MARK: Problems

    func fail(_ message: String, at node: Node?) {
        let mark = node?.mark
        errors.append(PolicyError(source: source, line: mark?.line, column: mark?.column, message: message))
    }

    /// Counts one visited value; false (reported once) when the document has too many.
    func visit(_ node: Node) -> Bool {
        if nodesLeft > 0 {
            nodesLeft -= 1
            return true
        }
        if nodesLeft == 0 {
            nodesLeft = -1
            fail("the document has more than \(Self.maximumNodes) values (after expanding aliases); the rest is not read", at: node)
        }
        return false
    }

    // MARK: Values

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch node.tagName {
            case .null: return "nothing (null)"
            case .bool: return "true/false"
            case .int, .float: return "the number \(node.string ?? "")"
            default: return "the string '\(node.string ?? "")'"
            }
        }
    }

    /// The entries of a mapping whose keys are strings; reports other keys.
    func mapping(_ node: Node, _ what: String) -> [Entry]? {
        guard case .mapping(let mapping) = node else {
            fail("\(what) must be a mapping, got \(Self.describe(node))", at: node)
            return nil
        }
        var entries: [Entry] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                fail("keys must be plain words, got \(Self.describe(key))", at: key)
                continue
            }
            entries.append(Entry(key: scalar.string, keyNode: key, value: value))
        }
        return entries
    }

    /// Reports keys not in `allowed`, with a suggestion: a close allowed key, a known synonym,
    /// or where a key from another level goes (`elsewhere`: key → "under 'then'").
    func checkKeys(_ entries: [Entry], allowed: [String], location: String,
                   synonyms: [String: String] = [:], elsewhere: [String: String] = [:], noun: String = "key") {
        for entry in entries where !allowed.contains(entry.key) {
            var message = "unknown \(noun) '\(entry.key)' \(location); expected one of: \(allowed.joined(separator: ", "))"
            if let place = elsewhere[entry.key] {
                message += " ('\(entry.key)' goes \(place))"
            } else if let synonym = synonyms[entry.key.lowercased()] {
                message += " (did you mean '\(synonym)'?)"
            } else if let close = Self.suggestion(for: entry.key, among: allowed) {
                message += " (did you mean '\(close)'?)"
            } else if let close = Self.suggestion(for: entry.key, among: Array(elsewhere.keys).sorted()),
                      let place = elsewhere[close] {
                message += " (did you mean '\(close)' \(place)?)"
            }
            fail(message, at: entry.keyNode)
        }
    }

    /// A string value: any scalar but null (so `NO`, `1` or `on` stay the text they are).
    func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, node.tagName != .null else {
            fail("\(what) must be a string, got \(Self.describe(node))", at: node)
            return nil
        }
        return scalar.string
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar = node, node.tagName == .bool, let value = node.bool else {
            fail("\(what) must be true or false, got \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    func integer(_ node: Node, _ what: String, in range: ClosedRange<Int>) -> Int? {
        let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
        guard case .scalar = node, node.tagName == .int, let value = node.int else {
            let kind = range.upperBound == Int.max ? "a whole number of at least \(range.lowerBound)" : "a whole number \(bounds)"
            fail("\(what) must be \(kind), got \(Self.describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            fail("\(what) must be \(bounds), got \(value)", at: node)
            return nil
        }
        return value
    }

    func number(_ node: Node, _ what: String, in range: ClosedRange<Double>) -> Double? {
        let bounds = "from \(Condition.format(range.lowerBound)) to \(Condition.format(range.upperBound))"
        guard case .scalar = node, node.tagName == .int || node.tagName == .float,
              let value = node.tagName == .int ? node.int.map(Double.init) : node.float else {
            fail("\(what) must be a number \(bounds), got \(Self.describe(node))", at: node)
            return nil
        }
        guard range.contains(value) else {
            fail("\(what) must be \(bounds), got \(node.string ?? "\(value)")", at: node)
            return nil
        }
        return value
    }

    /// A non-empty list, or (when `single`) one value standing for a list of one.
    func list(_ node: Node, _ what: String, single: Bool = true) -> [Node]? {
        switch node {
        case .sequence(let sequence):
            guard !sequence.isEmpty else {
                fail("\(what) must not be empty", at: node)
                return nil
            }
            return Array(sequence)
        case .scalar where single && node.tagName != .null:
            return [node]
        default:
            fail("\(what) must be a list\(single ? " or a single value" : ""), got \(Self.describe(node))", at: node)
            return nil
        }
    }

    func strings(_ node: Node, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        var values: [String] = []
        var ok = true
        for item in items {
            guard visit(item) else { return nil }
            if let value = string(item, "each of \(what)") { values.append(value) } else { ok = false }
        }
        return ok ? values : nil
    }

    /// One of a fixed set of words, with a did-you-mean.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _ type: T.Type,
                                                    noun: String) -> T? where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        return word(node, what, among: names, noun: noun).flatMap(T.init(rawValue:))
    }

    func word(_ node: Node, _ what: String, among names: [String], noun: String) -> String? {
        guard let value = string(node, what) else { return nil }
        guard names.contains(value) else {
            var message = "unknown \(noun) '\(value)'; expected one of: \(names.joined(separator: ", "))"
            if let close = Self.suggestion(for: value, among: names) { message += " (did you mean '\(close)'?)" }
            fail(message, at: node)
            return nil
        }
        return value
    }

    func choices<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _ type: T.Type,
                                                     noun: String) -> [T]? where T.RawValue == String {
        guard let items = list(node, what) else { return nil }
        var values: [T] = []
        var ok = true
        for item in items {
            guard visit(item) else { return nil }
            if let value = choice(item, "each of \(what)", type, noun: noun) { values.append(value) } else { ok = false }
        }
        return ok ? values : nil
    }

    // MARK: Did you mean

    /// The closest candidate: by edit distance (case-insensitive, with transpositions; at most 1
    /// for words of up to 3 letters, 2 up to 6, 3 beyond), else one the word begins or is part of
    /// ("block" → "block_upload", "review" → "hold_for_review").
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let lowered = word.lowercased()
        let limit = lowered.count <= 3 ? 1 : lowered.count <= 6 ? 2 : 3
        var best: (candidate: String, distance: Int)? = nil
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= limit, best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        if let best { return best.candidate }
        guard lowered.count >= 3 else { return nil }
        let normalized = lowered.replacingOccurrences(of: "-", with: "_")
        return candidates.first { $0.lowercased().hasPrefix(normalized) }
            ?? candidates.first { $0.lowercased().contains(normalized) && normalized.count >= 4 }
    }

    /// Optimal string alignment distance (Levenshtein with adjacent transpositions).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        guard abs(a.count - b.count) <= 8, a.count <= 64, b.count <= 64 else { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}

extension Node {
    /// The resolved tag (`!!str`, `!!int`, `!!null`…) of the node.
    var tagName: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
