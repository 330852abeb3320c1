import Storage

/// The text formats a hash list can come in. Lists arrive from outside (NCMEC, StopNCII, industry
/// exchanges, another Bulwark or HMA deployment), so every format is read one line at a time and
/// every line is checked on its own: a bad line is reported with its number and never takes the
/// rest of the file with it. docs/lists.md describes each format with examples.
public enum ListFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// One hash per line, nothing else: what most industry lists are. The signal type comes from
    /// the caller or the hash's length (32 hex: MD5; 64 hex: PDQ unless the caller says SHA-256).
    case hashes
    /// Comma-separated values with a header row naming the columns (`signal_type,value,source,…`),
    /// RFC 4180 quoting, one record per line.
    case csv
    /// One JSON object per line (`{"signal_type":"pdq","value":"…"}`), snake_case or camelCase
    /// field names; also HMA's signal objects (`{"pdq":"…"}`).
    case jsonl
    /// python-threatexchange's simple text format: `<signal_type> <hash>` per line (what the
    /// `local_file` exchange reads and writes and `threatexchange dataset -P -S` prints), with
    /// threatexchange's signal type names (`pdq`, `video_md5`, `video_sha256`).
    case threatexchange
    /// Bulwark's list format for text signals: `TYPE VALUE` per line, TYPE one of the list types
    /// (`url`, `domain`, `handle`, `wallet`, `keyword`, `url-md5`, `url-sha256`, any case) or a
    /// hash type (`pdq`, `md5`, `sha256` and their threatexchange names), so a bank holding both
    /// kinds exports and re-imports whole. The value is the rest of the line: it may contain
    /// spaces (keywords) and `#` (URL fragments, hashtags). A comment is a line whose first
    /// non-blank character is `#`, or the part of a line from a `#` that follows a space or tab
    /// after the value (`url http://example.org/#top   # reported 2024-05-01`). So a value can
    /// begin with `#` (`keyword #tag`) but cannot contain a space or tab followed by `#`.
    case lists

    public var description: String { rawValue }

    /// Looks a format up by the name a person types (`--format`), accepting common synonyms
    /// (`txt`, `ndjson`, `te`) so a wrong guess about our naming is not an error.
    public init?(name: String) {
        switch name.lowercased() {
        case "hashes", "hash", "txt", "text", "plain", "lines": self = .hashes
        case "csv": self = .csv
        case "jsonl", "ndjson", "json-lines", "jsonlines", "json_lines": self = .jsonl
        case "threatexchange", "te", "tx", "threat-exchange", "local_file", "local-file": self = .threatexchange
        case "lists", "list-entries", "list_entries", "signals": self = .lists
        default: return nil
        }
    }

    /// A format guessed from a file name's extension, for CLIs that do not want to ask; nil when
    /// the extension says nothing (then ask, rather than guess wrong).
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "csv": self = .csv
        case "jsonl", "ndjson": self = .jsonl
        case "txt", "md5", "pdq", "sha256", "lst", "list", "hashes": self = .hashes
        case "te", "tx": self = .threatexchange
        default: return nil
        }
    }

    /// Whether the format can carry per-entry metadata (source, category, enabled…). Plain
    /// formats lose it on export, which is why exports of them leave disabled entries out.
    public var carriesMetadata: Bool {
        switch self {
        case .csv, .jsonl: true
        case .hashes, .threatexchange, .lists: false
        }
    }

    /// Whether the format can carry list entries (URLs, domains, handles…), not just hashes.
    public var carriesListEntries: Bool { self == .lists }
}

/// What is wrong with one line of a list, and where. `message` says what to fix; it never repeats
/// the hash itself, because hash lists are sensitive and error reports travel further (logs,
/// tickets) than the lists do.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number in the input, counting every line (blank lines and comments too), so
    /// it matches what an editor shows.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

/// The result of parsing one line.
public enum ParsedLine: Sendable, Hashable {
    /// Nothing to import: a blank line, a comment, or a CSV header.
    case skipped
    /// One hash to import.
    case entry(NewEntry)
    /// Several hashes from one line (an HMA signal object such as `{"pdq":"…","video_md5":"…"}`).
    case entries([NewEntry])
    /// One list entry (a URL, domain, handle…) to import (`lists` format).
    case listEntry(NewListEntry)
    /// The line is bad; the rest of the input is still readable. Skipped or fatal to the batch
    /// according to the import's policy.
    case invalid(LineError)
    /// Nothing after this line can be read correctly (a CSV without a usable header, a UTF-16
    /// file): the import stops whatever the policy, instead of reporting every later line.
    case fatal(LineError)
}

/// Metadata applied to every imported entry whose line does not set the field itself, so a plain
/// list (which carries no metadata) still records where it came from.
public struct EntryDefaults: Sendable, Hashable {
    /// E.g. `ncmec`, `stopncii`, `industry:2024-06`.
    public var source: String?
    public var category: String?
    public var addedBy: String?
    public var note: String?
    /// Whether entries start enabled (default true). A line's own `enabled` field wins.
    public var enabled: Bool

    public init(source: String? = nil, category: String? = nil, addedBy: String? = nil, note: String? = nil,
                enabled: Bool = true) {
        self.source = source
        self.category = category
        self.addedBy = addedBy
        self.note = note
        self.enabled = enabled
    }
}

/// The names signal types go by in the lists Bulwark reads. Exchanges do not agree on them:
/// python-threatexchange and HMA call a file MD5 `video_md5`, ThreatExchange's graph API
/// `HASH_MD5` or `VIDEO_HASH_MD5`. All of them mean one of Bulwark's three types.
public enum SignalTypeName {
    /// The signal type a name means (case-insensitive; `-` and `_` are interchangeable), or nil.
    public static func parse(_ name: String) -> SignalType? {
        parse(bytes: Array(name.utf8)[...])
    }

    static func parse(bytes: ArraySlice<UInt8>) -> SignalType? {
        guard bytes.count <= 24 else { return nil }
        var key: [UInt8] = []
        key.reserveCapacity(bytes.count)
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): key.append(byte | 0x20)
            case UInt8(ascii: "-"), UInt8(ascii: " "): key.append(UInt8(ascii: "_"))
            default: key.append(byte)
            }
        }
        switch String(decoding: key, as: UTF8.self) {
        case "pdq", "hash_pdq", "photo_pdq", "pdq_hash":
            return .pdq
        case "md5", "video_md5", "vmd5", "photo_md5", "file_md5", "hash_md5", "video_hash_md5", "md5_hash":
            return .md5
        case "sha256", "sha_256", "video_sha256", "photo_sha256", "file_sha256", "hash_sha256",
             "hash_video_sha256", "sha256_hash":
            return .sha256
        default:
            return nil
        }
    }

    /// The name python-threatexchange and HMA use, so their tools accept what Bulwark exports
    /// (they name the file digests after the content type they first used them for).
    public static func threatExchangeName(_ type: SignalType) -> String {
        switch type {
        case .pdq: "pdq"
        case .md5: "video_md5"
        case .sha256: "video_sha256"
        }
    }
}
