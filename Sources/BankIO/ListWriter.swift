import Foundation
import Storage

/// Writes entries as lines of a `ListFormat`, the inverse of `ListParser`: what Bulwark exports,
/// Bulwark (and, for the plain formats, python-threatexchange and HMA) imports again.
///
/// Output is deterministic: fixed column and key order, timestamps in UTC to the millisecond the
/// store keeps, `\n` line endings, no trailing spaces. The same bank exports to the same bytes, so
/// exports can be diffed and checksummed.
public struct ListWriter: Sendable {
    public let format: ListFormat

    /// The CSV columns, in order. Every one of them is read back by the CSV importer.
    public static let csvColumns = ["signal_type", "value", "source", "external_id", "category",
                                    "added_at", "added_by", "note", "enabled"]

    public init(format: ListFormat) {
        self.format = format
    }

    /// What comes before the first entry: the CSV header row; nothing for the other formats.
    public func header() -> [UInt8] {
        format == .csv ? Array((Self.csvColumns.joined(separator: ",") + "\n").utf8) : []
    }

    /// Appends one entry's line, with its line break.
    public func append(_ entry: BankEntry, to out: inout [UInt8]) {
        switch format {
        case .hashes:
            out.append(contentsOf: entry.value.utf8)
        case .threatexchange:
            out.append(contentsOf: SignalTypeName.threatExchangeName(entry.signalType).utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: entry.value.utf8)
        case .lists:
            out.append(contentsOf: entry.signalType.rawValue.utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: entry.value.utf8)
        case .csv:
            let fields: [String?] = [entry.signalType.rawValue, entry.value, entry.source, entry.externalId, entry.category,
                                     Timestamp.format(entry.addedAt), entry.addedBy, entry.note, entry.enabled ? "true" : "false"]
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                if let field { Self.appendCSVField(field, to: &out) }
            }
        case .jsonl:
            out.append(UInt8(ascii: "{"))
            Self.appendJSONPair("signal_type", entry.signalType.rawValue, first: true, to: &out)
            Self.appendJSONPair("value", entry.value, to: &out)
            Self.appendJSONPair("source", entry.source, to: &out)
            Self.appendJSONPair("external_id", entry.externalId, to: &out)
            Self.appendJSONPair("category", entry.category, to: &out)
            Self.appendJSONPair("added_at", Timestamp.format(entry.addedAt), to: &out)
            Self.appendJSONPair("added_by", entry.addedBy, to: &out)
            Self.appendJSONPair("note", entry.note, to: &out)
            out.append(contentsOf: (entry.enabled ? #","enabled":true}"# : #","enabled":false}"#).utf8)
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// Whether a list entry can be written in this format and read back unchanged: only the
    /// `lists` format carries list entries, and it cannot carry a value with a space or tab
    /// followed by `#`, or one that is `#` or starts with `#` and a space or tab, which its
    /// reader takes for comments.
    public func canWrite(_ entry: ListEntry) -> Bool {
        guard format == .lists else { return false }
        let utf8 = Array(entry.value.utf8.prefix(2))
        if utf8.first == UInt8(ascii: "#") && (utf8.count == 1 || utf8[1] == 0x20 || utf8[1] == 0x09) { return false }
        var previous: UInt8 = 0
        for byte in entry.value.utf8 {
            if byte == UInt8(ascii: "#") && (previous == 0x20 || previous == 0x09) { return false }
            previous = byte
        }
        return true
    }

    /// Appends one list entry's line (`TYPE VALUE`), with its line break, and returns true; writes
    /// nothing and returns false when `canWrite` is false.
    @discardableResult
    public func append(_ entry: ListEntry, to out: inout [UInt8]) -> Bool {
        guard canWrite(entry) else { return false }
        out.append(contentsOf: entry.signalType.rawValue.utf8)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: entry.value.utf8)
        out.append(UInt8(ascii: "\n"))
        return true
    }

    /// One entry's line as a string, without the line break (tests, previews).
    public func line(for entry: BankEntry) -> String {
        var out: [UInt8] = []
        append(entry, to: &out)
        out.removeLast()
        return String(decoding: out, as: UTF8.self)
    }

    /// One list entry's line as a string, without the line break, or nil when `canWrite` is false.
    public func line(for entry: ListEntry) -> String? {
        var out: [UInt8] = []
        guard append(entry, to: &out) else { return nil }
        out.removeLast()
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 4180 quoting when needed. Line breaks become spaces: the importer reads one line at a
    /// time, so a field may not span lines (JSON lines keeps them, escaped).
    static func appendCSVField(_ text: String, to out: inout [UInt8]) {
        let bytes = text.utf8
        let needsQuotes = bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || bytes.first.map(ListParser.isSpace) == true || bytes.last.map(ListParser.isSpace) == true
        if needsQuotes { out.append(UInt8(ascii: "\"")) }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\"")])
            case 0x0A, 0x0D: out.append(UInt8(ascii: " "))
            default: out.append(byte)
            }
        }
        if needsQuotes { out.append(UInt8(ascii: "\"")) }
    }

    static func appendJSONPair(_ key: String, _ value: String?, first: Bool = false, to out: inout [UInt8]) {
        guard let value else { return }
        if !first { out.append(UInt8(ascii: ",")) }
        appendJSONString(key, to: &out)
        out.append(UInt8(ascii: ":"))
        appendJSONString(value, to: &out)
    }

    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20, 0x7F:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
