import Foundation
import Storage

/// Turns the lines of a hash list into entries, one line at a time, in any `ListFormat`.
///
/// A parser keeps only what a format needs across lines (the CSV header's column order) and a few
/// bounded observations for the import summary, so it can read a list of any length. Lines are
/// bytes, not `String`s: lists come from outside and may not be valid UTF-8, and a hash line is
/// checked faster than it could be decoded.
///
/// The signal type of a line is, in order: the type the line names itself (a `signal_type` column
/// or field, a `pdq <hash>` prefix); the type the caller gives for the whole list; the hash's
/// length (32 hex characters: MD5; 64: PDQ). SHA-256 is also 64 hex characters, so a SHA-256 list
/// must say so (`signalType: .sha256`); `inferredPDQCount` tells the caller how many 64-character
/// hashes were taken to be PDQ without being told.
public struct ListParser: Sendable {
    public let format: ListFormat
    /// The type for lines that do not name one; nil to infer it from the length.
    public let signalType: SignalType?
    public var defaults: EntryDefaults

    /// How many 64-character hashes were read as PDQ because nothing said what they were.
    public private(set) var inferredPDQCount = 0
    /// CSV columns or JSON fields that Bulwark does not use (at most 20 names), so the caller can
    /// warn about a `notes` that was meant to be `note`.
    public private(set) var ignoredFields: [String] = []

    private var columns: [Field?]?
    private let decoder = JSONDecoder()

    public init(format: ListFormat, signalType: SignalType? = nil, defaults: EntryDefaults = EntryDefaults()) {
        self.format = format
        self.signalType = signalType
        self.defaults = defaults
    }

    /// True for a CSV whose header has not been read yet: the next line that is not blank or a
    /// comment must be the header, even when resuming past it.
    public var awaitingHeader: Bool { format == .csv && columns == nil }

    /// The most fields a CSV row may have: far more than any list uses, few enough that a hostile
    /// line of commas costs nothing.
    static let maxCSVFields = 256
    /// How deeply a JSON line may nest (only HMA's `metadata` object is read; anything deeper is
    /// refused before the JSON parser recurses into it).
    static let maxJSONDepth = 8

    /// Parses one line (without its line break). `number` is the 1-based line number for messages.
    public mutating func parse<C: Collection<UInt8>>(line: C, number: Int) -> ParsedLine {
        if let result = line.withContiguousStorageIfAvailable({ parse(buffer: $0, number: number) }) {
            return result
        }
        return Array(line).withUnsafeBufferPointer { parse(buffer: $0, number: number) }
    }

    /// Parses one line given as a string (tests, single values from an API).
    public mutating func parse(line: String, number: Int) -> ParsedLine {
        var line = line
        return line.withUTF8 { parse(buffer: $0, number: number) }
    }

    mutating func parse(buffer: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        var start = 0
        var end = buffer.count
        if number <= 1, end >= 2, (buffer[0] == 0xFF && buffer[1] == 0xFE) || (buffer[0] == 0xFE && buffer[1] == 0xFF) {
            return .fatal(LineError(line: number, message: "the file is UTF-16 encoded; save it as UTF-8 (or plain ASCII) and import it again"))
        }
        // A UTF-8 byte order mark, at the start of the file or where two files were concatenated.
        while end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF { start += 3 }
        while start < end, Self.isSpace(buffer[start]) { start += 1 }
        while end > start, Self.isSpace(buffer[end - 1]) { end -= 1 }
        if start == end || buffer[start] == UInt8(ascii: "#") { return .skipped }
        let text = UnsafeBufferPointer(rebasing: buffer[start..<end])
        switch format {
        case .hashes: return parseHashLine(text, number: number)
        case .threatexchange: return parseThreatExchangeLine(text, number: number)
        case .csv: return parseCSVLine(text, number: number)
        case .jsonl: return parseJSONLine(text, number: number)
        case .lists: return parseListsLine(text, number: number)
        }
    }

    // MARK: - Lists format

    /// Where a `lists` line's value ends: before the first `#` that follows a space or tab (a
    /// trailing comment), with the whitespace before it trimmed. Where the value starts, a `#`
    /// followed by a space, a tab or the end of the line is a comment (the line has no value,
    /// `valueStart` is returned); any other `#` there is the value's first character
    /// (`keyword #hashtag`).
    static func listValueEnd(_ text: UnsafeBufferPointer<UInt8>, valueStart: Int) -> Int {
        func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        if text[valueStart] == UInt8(ascii: "#") && (valueStart + 1 == text.count || isBlank(text[valueStart + 1])) {
            return valueStart
        }
        var end = text.count
        var i = valueStart + 1
        while i < text.count {
            if text[i] == UInt8(ascii: "#") && isBlank(text[i - 1]) {
                end = i
                break
            }
            i += 1
        }
        while end > valueStart, isSpace(text[end - 1]) { end -= 1 }
        return end
    }

    private mutating func parseListsLine(_ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        let typeEnd = text.firstIndex(where: Self.isSpace) ?? text.count
        let typeToken = UnsafeBufferPointer(rebasing: text[0..<typeEnd])
        var valueStart = typeEnd
        while valueStart < text.count, Self.isSpace(text[valueStart]) { valueStart += 1 }
        // The first word is named only by its length: when the type is missing it is the value,
        // and a listed URL or keyword must not end up in an error report.
        let listType = typeToken.count <= 16 ? Self.utf8String(typeToken).flatMap(ListSignalType.init(name:)) : nil
        let hashType = listType == nil ? SignalTypeName.parse(bytes: Array(typeToken)[...]) : nil
        guard listType != nil || hashType != nil else {
            return .invalid(LineError(line: number, message: "the line does not start with a list type (its first word has "
                + "\(typeToken.count) characters); write `TYPE VALUE` with TYPE one of "
                + ListSignalType.allCases.map(\.rawValue).joined(separator: ", ") + " (or pdq, md5, sha256 for hashes)"))
        }
        let valueEnd = valueStart < text.count ? Self.listValueEnd(text, valueStart: valueStart) : valueStart
        guard valueStart < valueEnd else {
            return .invalid(LineError(line: number, message: "the line names the type \((listType?.rawValue ?? hashType?.rawValue) ?? "") "
                + "but has no value after it"))
        }
        let value = UnsafeBufferPointer(rebasing: text[valueStart..<valueEnd])
        guard let listType else {
            // A hash line (`pdq <hex>`): the bank holds hashes and list entries alike.
            return entry(hash: value, explicit: hashType, number: number) { _ in }
        }
        guard let string = Self.utf8String(value) else {
            return .invalid(LineError(line: number, message: "the value is not valid UTF-8; save the file as UTF-8"))
        }
        let canonical: String
        do throws(StoreError) {
            canonical = try listType.canonicalValue(string)
        } catch {
            return .invalid(LineError(line: number, message: error.description))
        }
        return .listEntry(NewListEntry(signalType: listType, value: canonical, source: defaults.source,
                                       category: defaults.category, addedBy: defaults.addedBy, note: defaults.note,
                                       enabled: defaults.enabled))
    }

    // MARK: - Plain formats

    private mutating func parseHashLine(_ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        var end = text.count
        if let hash = text.firstIndex(of: UInt8(ascii: "#")) {
            end = hash
            while end > 0, Self.isSpace(text[end - 1]) { end -= 1 }
        }
        let value = UnsafeBufferPointer(rebasing: text[0..<end])
        if let separator = value.firstIndex(where: { Self.isSpace($0) || $0 == UInt8(ascii: ",") }) {
            let what = value[separator] == UInt8(ascii: ",") ? "a comma" : "a space"
            return .invalid(LineError(line: number, message: "expected one hash per line, found \(what) after character \(separator); "
                + "for `signal_type hash` lines use the threatexchange format, for columns use csv"))
        }
        return entry(hash: value, explicit: nil, number: number) { _ in }
    }

    private mutating func parseThreatExchangeLine(_ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        func isSeparator(_ byte: UInt8) -> Bool { Self.isSpace(byte) || byte == UInt8(ascii: ",") }
        let firstEnd = text.firstIndex(where: isSeparator) ?? text.count
        let first = UnsafeBufferPointer(rebasing: text[0..<firstEnd])
        if let type = SignalTypeName.parse(bytes: Array(first)[...]) {
            var valueStart = firstEnd
            while valueStart < text.count, isSeparator(text[valueStart]) { valueStart += 1 }
            let valueEnd = text[valueStart...].firstIndex(where: isSeparator) ?? text.count
            guard valueStart < valueEnd else {
                return .invalid(LineError(line: number, message: "the line names the signal type \(Describe.name(first)) but has no hash after it"))
            }
            // Anything after the hash (threatexchange's `dataset -P` prints the collaboration and
            // opinion there) is not part of the hash and is ignored.
            return entry(hash: UnsafeBufferPointer(rebasing: text[valueStart..<valueEnd]), explicit: type, number: number) { _ in }
        }
        if HashText.isAllHex(first) || first.count >= 16 {
            // A bare hash, as `threatexchange dataset -s pdq -P -S` prints, or the pdq hasher's
            // `hash,quality,filename`. (A long token that is not quite hex is reported as a hash.)
            return entry(hash: first, explicit: nil, number: number) { _ in }
        }
        return .invalid(LineError(line: number, message: "unknown signal type \(Describe.name(first)); "
            + "expected `<signal_type> <hash>` with pdq, md5 (video_md5) or sha256 (video_sha256), or a bare hash"))
    }

    /// Builds an entry for a hash, applying the defaults and then `customise` (the line's own metadata).
    private mutating func entry(hash: UnsafeBufferPointer<UInt8>, explicit: SignalType?, number: Int,
                                customise: (inout NewEntry) -> Void) -> ParsedLine {
        switch HashText.resolve(hash, explicit: explicit, fallback: signalType) {
        case .failure(let problem):
            return .invalid(LineError(line: number, message: problem.message))
        case .success(let resolved):
            if resolved.inferredPDQ { inferredPDQCount += 1 }
            var entry = NewEntry(signalType: resolved.signalType, value: resolved.value, source: defaults.source,
                                 category: defaults.category, addedBy: defaults.addedBy, note: defaults.note,
                                 enabled: defaults.enabled)
            customise(&entry)
            return .entry(entry)
        }
    }

    // MARK: - Fields shared by CSV and JSON

    enum Field: Sendable, Hashable {
        case signalType, value, source, externalId, category, addedAt, addedBy, note, enabled

        /// The column or key name as documented (snake_case), for messages.
        var name: String {
            switch self {
            case .signalType: "signal_type"
            case .value: "value"
            case .source: "source"
            case .externalId: "external_id"
            case .category: "category"
            case .addedAt: "added_at"
            case .addedBy: "added_by"
            case .note: "note"
            case .enabled: "enabled"
            }
        }

        /// Field names are matched ignoring case, `_`, `-` and spaces, so `signal_type`,
        /// `signalType` and `Signal Type` all work. Synonyms cover threatexchange's CSV
        /// (`signal_str`, `collab`) and HMA's metadata (`content_id`).
        init?(name: some Collection<UInt8>) {
            var key: [UInt8] = []
            for byte in name.prefix(64) {
                switch byte {
                case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: " "): continue
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): key.append(byte | 0x20)
                default: key.append(byte)
                }
            }
            switch String(decoding: key, as: UTF8.self) {
            case "signaltype", "type", "hashtype": self = .signalType
            case "value", "hash", "signal", "signalstr", "hashvalue": self = .value
            case "source", "collab": self = .source
            case "externalid", "contentid": self = .externalId
            case "category": self = .category
            case "addedat", "createdat": self = .addedAt
            case "addedby": self = .addedBy
            case "note", "notes", "comment": self = .note
            case "enabled": self = .enabled
            default: return nil
            }
        }
    }

    private mutating func noteIgnored(_ name: some Collection<UInt8>) {
        guard ignoredFields.count < 20 else { return }
        let name = name.count > 24 ? "(a name of \(name.count) characters)" : String(Describe.quoted(name).dropFirst().dropLast())
        if !ignoredFields.contains(name) { ignoredFields.append(name) }
    }

    static func parseBool(_ text: some Collection<UInt8>) -> Bool? {
        switch String(decoding: text.prefix(8), as: UTF8.self).lowercased() {
        case "true", "t", "yes", "y", "1", "on", "enabled": true
        case "false", "f", "no", "n", "0", "off", "disabled": false
        default: nil
        }
    }

    /// The text of a field as a `String`, or nil for invalid UTF-8.
    static func utf8String(_ bytes: some Collection<UInt8>) -> String? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return String(scalars)
            case .error: return nil
            }
        }
    }

    // MARK: - CSV

    struct CSVField {
        var start: Int
        var end: Int
        /// Contains `""` pairs to be unescaped.
        var escaped: Bool

        func bytes(in line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            guard escaped else { return Array(line[start..<end]) }
            var out: [UInt8] = []
            out.reserveCapacity(end - start)
            var i = start
            while i < end {
                out.append(line[i])
                i += line[i] == UInt8(ascii: "\"") ? 2 : 1
            }
            return out
        }
    }

    /// Splits one CSV record (RFC 4180) into fields. Spaces around unquoted fields and around the
    /// quotes of quoted ones are dropped. Returns a message when the line is not a record.
    static func splitCSV(_ line: UnsafeBufferPointer<UInt8>) -> Result<[CSVField], LineProblem> {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        var fields: [CSVField] = []
        var i = 0
        let n = line.count
        while true {
            guard fields.count < maxCSVFields else {
                return .failure(LineProblem("the line has more than \(maxCSVFields) fields"))
            }
            var s = i
            while s < n, line[s] == 0x20 || line[s] == 0x09 { s += 1 }
            if s < n && line[s] == quote {
                var j = s + 1
                var escaped = false
                var closed = false
                while j < n {
                    if line[j] == quote {
                        if j + 1 < n && line[j + 1] == quote {
                            escaped = true
                            j += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    j += 1
                }
                guard closed else {
                    return .failure(LineProblem("the quoted field \(fields.count + 1) is not closed on this line; lists are read one line at a time, "
                        + "so a field cannot contain a line break: remove the line breaks (or use the jsonl format) and close the quote"))
                }
                fields.append(CSVField(start: s + 1, end: j, escaped: escaped))
                var k = j + 1
                while k < n, line[k] == 0x20 || line[k] == 0x09 { k += 1 }
                if k == n { return .success(fields) }
                guard line[k] == comma else {
                    return .failure(LineProblem("field \(fields.count) has text after its closing quote; "
                        + "write a quote inside a quoted field as two quotes (\"\")"))
                }
                i = k + 1
            } else {
                var j = i
                while j < n && line[j] != comma {
                    if line[j] == quote {
                        return .failure(LineProblem("field \(fields.count + 1) contains a quote but does not start with one; "
                            + "quote the whole field and write the quote inside it as two quotes (\"\")"))
                    }
                    j += 1
                }
                var a = i, b = j
                while a < b, line[a] == 0x20 || line[a] == 0x09 { a += 1 }
                while b > a, line[b - 1] == 0x20 || line[b - 1] == 0x09 { b -= 1 }
                fields.append(CSVField(start: a, end: b, escaped: false))
                if j == n { return .success(fields) }
                i = j + 1
            }
        }
    }

    private mutating func parseCSVLine(_ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        let fields: [CSVField]
        switch Self.splitCSV(text) {
        case .success(let split): fields = split
        case .failure(let problem):
            let error = LineError(line: number, message: problem.text)
            return columns == nil ? .fatal(error) : .invalid(error)
        }
        guard let columns else { return readHeader(fields, text, number: number) }

        if fields.count > columns.count {
            let extra = fields[columns.count...]
            if extra.contains(where: { $0.end > $0.start }) {
                return .invalid(LineError(line: number, message: "the line has \(fields.count) fields but the header has \(columns.count); "
                    + "a comma inside a value must be quoted (\"a, b\")"))
            }
        } else if fields.count < columns.count {
            return .invalid(LineError(line: number, message: "the line has \(fields.count) field\(fields.count == 1 ? "" : "s") "
                + "but the header has \(columns.count); every row needs a field for every column (leave it empty)"))
        }

        var values: [Field: [UInt8]] = [:]
        for (index, field) in fields.prefix(columns.count).enumerated() {
            guard let column = columns[index], field.end > field.start else { continue }
            values[column] = field.bytes(in: text)
        }
        return makeEntry(values, number: number)
    }

    private mutating func readHeader(_ fields: [CSVField], _ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        var mapped: [Field?] = []
        var seen: [Field: String] = [:]
        for field in fields {
            let name = field.bytes(in: text)
            let display = String(Describe.quoted(name).dropFirst().dropLast())
            if let column = Field(name: name) {
                if let earlier = seen[column] {
                    return .fatal(LineError(line: number, message: "the header has two columns for \(column.name) "
                        + "(\"\(earlier)\" and \"\(display)\"); keep one"))
                }
                seen[column] = display
                mapped.append(column)
            } else {
                if !name.isEmpty { noteIgnored(name) }
                mapped.append(nil)
            }
        }
        guard seen[.value] != nil else {
            let firstLooksLikeData = fields.contains { field in
                let bytes = field.bytes(in: text)
                return (bytes.count == 32 || bytes.count == 64) && bytes.allSatisfy(HashText.isHexDigit)
            }
            let message = firstLooksLikeData
                ? "this looks like data, not a header: the first line of a CSV list must name its columns, "
                    + "e.g. `signal_type,value,source` (or import a plain list with the hashes format)"
                : "the header names no hash column; call it `value` (or `hash`, `signal`, `signal_str`); "
                    + "columns found: \(fields.map { Describe.name($0.bytes(in: text)) }.joined(separator: ", "))"
            return .fatal(LineError(line: number, message: message))
        }
        columns = mapped
        return .skipped
    }

    // MARK: - JSON lines

    private mutating func parseJSONLine(_ text: UnsafeBufferPointer<UInt8>, number: Int) -> ParsedLine {
        guard text[0] == UInt8(ascii: "{") else {
            return .invalid(LineError(line: number, message: "expected a JSON object ({…}) on the line, found \(Describe.byte(text[0])) first"))
        }
        if let problem = Self.checkNesting(text) {
            return .invalid(LineError(line: number, message: problem))
        }
        let object: [String: JSONValue]
        let data = Data(buffer: text)
        do {
            object = try decoder.decode([String: JSONValue].self, from: data)
        } catch {
            return .invalid(LineError(line: number, message: "not valid JSON (\(Self.describeJSONError(in: data))); "
                + "each line must be one complete JSON object"))
        }

        var values: [Field: [UInt8]] = [:]
        var keys: [Field: String] = [:]
        var signals: [(SignalType, String, String)] = []
        var metadataId: [UInt8]?
        for (key, value) in object.sorted(by: { $0.key < $1.key }) {
            let display = String(Describe.quoted(Array(key.utf8)).dropFirst().dropLast())
            if let field = Field(name: Array(key.utf8)) {
                if let earlier = keys[field] {
                    return .invalid(LineError(line: number, message: "the object has both \"\(earlier)\" and \"\(display)\", which mean the same field; keep one"))
                }
                keys[field] = display
                switch Self.jsonText(value, field: field) {
                case .success(let bytes?): values[field] = bytes
                case .success(nil): break
                case .failure(let problem): return .invalid(LineError(line: number, message: "field \"\(display)\" \(problem.text)"))
                }
            } else if let type = SignalTypeName.parse(bytes: Array(key.utf8)[...]) {
                guard case .string(let hash) = value else {
                    return .invalid(LineError(line: number, message: "field \"\(display)\" must be a string holding the hash"))
                }
                signals.append((type, display, hash))
            } else if key == "metadata", case .object(let metadata) = value {
                // HMA's bank-content metadata: content_id is the id the source uses.
                if case .string(let id)? = metadata["content_id"] { metadataId = Array(id.utf8) }
            } else {
                noteIgnored(Array(key.utf8))
            }
        }
        if values[.externalId] == nil, let metadataId, !metadataId.isEmpty { values[.externalId] = metadataId }

        guard !signals.isEmpty else {
            return makeEntry(values, number: number)
        }
        // HMA's signal object: {"pdq": "…", "video_md5": "…"}, one entry per signal type.
        if values[.value] != nil || values[.signalType] != nil {
            return .invalid(LineError(line: number, message: "the object has both a value/signal_type and signal-type keys (\"\(signals[0].1)\"); "
                + "use one style: {\"signal_type\":\"pdq\",\"value\":\"…\"} or {\"pdq\":\"…\"}"))
        }
        signals.sort { SignalType.allCases.firstIndex(of: $0.0)! < SignalType.allCases.firstIndex(of: $1.0)! }
        for index in signals.indices.dropFirst() where signals[index].0 == signals[index - 1].0 {
            return .invalid(LineError(line: number, message: "the object has two keys for one signal type (\"\(signals[index - 1].1)\" and \"\(signals[index].1)\"); keep one"))
        }
        var entries: [NewEntry] = []
        for (type, _, hash) in signals {
            var fields = values
            fields[.signalType] = Array(type.rawValue.utf8)
            fields[.value] = Array(hash.utf8)
            switch makeEntry(fields, number: number) {
            case .entry(let entry): entries.append(entry)
            case let other: return other
            }
        }
        return entries.count == 1 ? .entry(entries[0]) : .entries(entries)
    }

    /// Refuses JSON that nests deeper than `maxJSONDepth` before a recursive parser sees it.
    static func checkNesting(_ text: UnsafeBufferPointer<UInt8>) -> String? {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxJSONDepth { return "the JSON nests more than \(maxJSONDepth) levels deep; a list line is a flat object" }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return nil
    }

    /// Where and why a line is not JSON. The decoder's own errors carry no position on Linux, so
    /// on this (rare) path the line is parsed once more by `JSONSerialization`, which says where
    /// it stopped. Safe because `checkNesting` has already bounded the depth.
    static func describeJSONError(in data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
            return "the top level is not an object"
        } catch {
            guard var text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String else { return "unreadable" }
            if text.hasSuffix(".") { text.removeLast() }
            // "around character 16" counts from 0; people count from 1.
            if let range = text.range(of: "around character "), let offset = Int(text[range.upperBound...]) {
                text = text[..<range.lowerBound] + "at character \(offset + 1)"
            }
            return String(text.prefix(120))
        }
    }

    /// A JSON field's value as the bytes the shared field conversion expects.
    static func jsonText(_ value: JSONValue, field: Field) -> Result<[UInt8]?, LineProblem> {
        switch value {
        case .null: return .success(nil)
        case .string(let text): return .success(text.isEmpty ? nil : Array(text.utf8))
        case .bool(let flag) where field == .enabled: return .success(Array((flag ? "true" : "false").utf8))
        case .number(let number) where field == .enabled && (number == 0 || number == 1):
            return .success(Array((number == 1 ? "true" : "false").utf8))
        case .number(let number) where field == .addedAt || field == .externalId:
            guard number.rounded() == number, abs(number) < 1e15 else {
                return .failure(LineProblem(field == .addedAt
                    ? "must be an ISO 8601 string or whole Unix seconds" : "must be a string or a whole number"))
            }
            return .success(Array(String(Int64(number)).utf8))
        default:
            let expected = field == .enabled ? "true or false" : "a string"
            return .failure(LineProblem("must be \(expected), found \(value.kind)"))
        }
    }

    // MARK: - Building an entry from fields

    private mutating func makeEntry(_ values: [Field: [UInt8]], number: Int) -> ParsedLine {
        var explicit: SignalType?
        if let name = values[.signalType] {
            guard let type = SignalTypeName.parse(bytes: name[...]) else {
                return .invalid(LineError(line: number, message: "unknown signal type \(Describe.name(name)); use pdq, md5 or sha256"))
            }
            explicit = type
        }
        guard let hash = values[.value] else {
            return .invalid(LineError(line: number, message: "the hash (\(Field.value.name)) is empty"))
        }
        var texts: [Field: String] = [:]
        for field in [Field.source, .externalId, .category, .addedBy, .note] {
            guard let bytes = values[field] else { continue }
            guard let text = Self.utf8String(bytes) else {
                return .invalid(LineError(line: number, message: "\(field.name) is not valid UTF-8; save the file as UTF-8"))
            }
            texts[field] = text
        }
        var addedAt: Date?
        if let bytes = values[.addedAt] {
            guard let date = Timestamp.parse(bytes) else {
                return .invalid(LineError(line: number, message: "added_at \(Describe.name(bytes)) is not a date; "
                    + "use ISO 8601, e.g. 2024-05-01T12:00:00Z or 2024-05-01"))
            }
            addedAt = date
        }
        var enabled: Bool?
        if let bytes = values[.enabled] {
            guard let flag = Self.parseBool(bytes) else {
                return .invalid(LineError(line: number, message: "enabled \(Describe.name(bytes)) is not true or false"))
            }
            enabled = flag
        }
        var trimmed = hash[...]
        while let first = trimmed.first, Self.isSpace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, Self.isSpace(last) { trimmed = trimmed.dropLast() }
        return trimmed.withUnsafeBufferPointer { buffer in
            entry(hash: buffer, explicit: explicit, number: number) { entry in
                if let source = texts[.source] { entry.source = source }
                if let externalId = texts[.externalId] { entry.externalId = externalId }
                if let category = texts[.category] { entry.category = category }
                if let addedBy = texts[.addedBy] { entry.addedBy = addedBy }
                if let note = texts[.note] { entry.note = note }
                if let addedAt { entry.addedAt = addedAt }
                if let enabled { entry.enabled = enabled }
            }
        }
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}

/// A message about a line, before the line number is attached.
struct LineProblem: Error {
    var text: String
    init(_ text: String) { self.text = text }
}

/// Any JSON value, decoded only as deep as `ListParser.maxJSONDepth` allows.
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case object([String: JSONValue])
    case array([JSONValue])

    init(from decoder: any Decoder) throws {
        if let container = try? decoder.singleValueContainer() {
            if container.decodeNil() { self = .null; return }
            if let flag = try? container.decode(Bool.self) { self = .bool(flag); return }
            if let number = try? container.decode(Double.self) { self = .number(number); return }
            if let text = try? container.decode(String.self) { self = .string(text); return }
            if let object = try? container.decode([String: JSONValue].self) { self = .object(object); return }
        }
        self = .array(try [JSONValue](from: decoder))
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .object: "an object"
        case .array: "an array"
        }
    }
}
