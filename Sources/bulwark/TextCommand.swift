import ArgumentParser
import Foundation
import Signals
import SignalsEval

struct TextCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Find off-platform links, handles, wallets and sales pitch in posts, bios and names.",
        subcommands: [TextScanCommand.self, TextEvalCommand.self]
    )
}

/// Options shared by the text commands: list files and lexicons.
struct TextSignalOptions: ParsableArguments {
    @Option(name: .customLong("lists"), help: ArgumentHelp(
        "A list file: one `TYPE VALUE` per line (types: url, domain, handle, wallet, keyword, url-md5, url-sha256; # starts a comment). Repeatable. The bank reported in matches is the file's name without extension, or NAME from NAME=FILE.",
        valueName: "file"))
    var lists: [String] = []

    @Option(name: .customLong("lexicon"), help: ArgumentHelp(
        "A lexicon file (terms, weights, categories, bands; see docs/text-signals.md), added to the built-in commerce and off-platform lexicon. Repeatable.",
        valueName: "file"))
    var lexicons: [String] = []

    @Flag(help: "Use only the given lexicons, not the built-in one.")
    var noDefaultLexicon = false

    @Flag(help: "Refuse to start when any list line is malformed (by default such lines are reported and skipped).")
    var strictLists = false

    /// Builds the scanner, reporting list problems on standard error.
    func makeScanner() throws -> TextScanner {
        var signalLists = SignalLists()
        var nextEntry: Int64 = 1
        var problems = 0
        for (index, spec) in lists.enumerated() {
            var path = spec
            var name = URL(fileURLWithPath: spec).deletingPathExtension().lastPathComponent
            if let equals = spec.firstIndex(of: "="), !FileManager.default.fileExists(atPath: spec) {
                name = String(spec[..<equals])
                path = String(spec[spec.index(after: equals)...])
            }
            let text: String
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: path))
                guard let decoded = String(data: data, encoding: .utf8) else {
                    throw ValidationError("list file \(path) is not UTF-8 text.")
                }
                text = decoded
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot read list file \(path): \(error.localizedDescription)")
            }
            let bankId = Int64(index + 1)
            signalLists.setBank(ListBank(id: bankId, name: name))
            let (entries, errors) = ListFile.parse(text)
            for error in errors {
                problems += 1
                printError("\(path): \(error)")
            }
            for entry in entries {
                if let problem = signalLists.add(ListItem(id: nextEntry, bankId: bankId, type: entry.type, value: entry.value)) {
                    printError("\(path): line \(entry.line): \(problem.reason)")
                }
                nextEntry += 1
            }
        }
        if strictLists && problems > 0 {
            throw ValidationError("\(problems) malformed list line(s); fix them or drop --strict-lists.")
        }
        let lexicon = try loadLexicon(files: lexicons, startingFrom: noDefaultLexicon ? Lexicon() : .builtIn)
        return TextScanner(lists: signalLists, lexicon: lexicon)
    }
}

/// The lexicon files merged onto `base`, in order; a file that cannot be read or parsed is an
/// error naming it (and the line). Shared by `text scan` and `serve`.
func loadLexicon(files: [String], startingFrom base: Lexicon = .builtIn) throws -> Lexicon {
    var lexicon = base
    for path in files {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read lexicon file \(path) as UTF-8 text.")
        }
        do {
            lexicon.merge(try Lexicon(parsing: text))
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }
    return lexicon
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

struct TextScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan JSON lines {\"id\",\"text\"} from standard input; one JSON line out per line in.",
        discussion: """
            Each output line: {"id", "urls":[canonical], "handles":["platform:name"], "wallets":[…], \
            "emails", "phones", "invites", "shortened", "matches":[{"type","value","bank","target",\
            "start","end"}], "hits":[…], "score", "band"}. matches[].value is the list entry exactly \
            as the list wrote it; start/end are UTF-8 byte offsets in the text. No URL is ever fetched.

            A line that is not a JSON object with a string "text" gets {"id", "error"} and the scan \
            goes on; the exit status is then 1.

            Examples:
              echo '{"id":"1","text":"menu on t . me / name"}' | bulwark text scan --lists lists.txt
              bulwark text scan --lists hotline=urls.txt --lexicon licensed.lex < posts.jsonl
            """
    )

    @OptionGroup var options: TextSignalOptions

    @Option(help: "Lines longer than this many bytes are refused with an error (the rest of the line is skipped, not held).")
    var maxLineBytes = 4 << 20

    func run() throws {
        let scanner = try options.makeScanner()
        var failures = 0
        let out = BufferedOutput()
        var reader = LineReader(fileDescriptor: 0, maxLineLength: maxLineBytes)
        while let line = reader.next() {
            switch line {
            case .oversized(let number, let length):
                failures += 1
                out.write("{\"id\":null,\"error\":\(JSONString.quote("line \(number) is \(length) bytes; the limit is \(maxLineBytes) (--max-line-bytes)"))}")
            case .text(let number, let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                switch Self.parse(bytes) {
                case .failure(let message):
                    failures += 1
                    out.write("{\"id\":null,\"error\":\(JSONString.quote("line \(number): \(message)"))}")
                case .success(let (idJSON, text)):
                    out.write(scanner.scan(text).json(idJSON: idJSON ?? "null"))
                }
            }
        }
        out.flush()
        if failures > 0 { throw ExitCode(1) }
    }

    enum ParseOutcome { case success((String?, String)), failure(String) }

    static func parse(_ bytes: [UInt8]) -> ParseOutcome {
        guard String(validating: bytes, as: UTF8.self) != nil else { return .failure("not valid UTF-8") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            return .failure("not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else { return .failure("expected a JSON object {\"id\",\"text\"}") }
        guard let text = dictionary["text"] as? String else { return .failure("\"text\" is missing or not a string") }
        var idJSON: String? = nil
        switch dictionary["id"] {
        case let id as String: idJSON = JSONString.quote(id)
        case let id as NSNumber where String(cString: id.objCType) != "c":
            // A number (JSONSerialization gives booleans as NSNumber of type "c"; those are not ids).
            idJSON = id.stringValue
        default: idJSON = nil
        }
        return .success((idJSON, text))
    }
}

struct TextEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Generate labelled synthetic posts and print precision and recall per disguise class.",
        discussion: """
            The corpus: listed targets (Telegram names and invites, Discord invites, domains, file-host \
            URLs, wallets, WhatsApp numbers) posted through every disguise, and benign look-alikes \
            (gym "VIP packages", ordinary Telegram channels, prices, near-miss handles and invite \
            codes, wallets with one wrong character). Sensitive categories appear only as the \
            placeholder tokens SYNTH_TERM_1…4. --write DIR saves the corpus (lists.txt, \
            lexicon.txt, posts.jsonl with labels) to rerun with `bulwark text scan`.
            """
    )

    @Option(help: "Random seed (the same seed gives the same corpus).")
    var seed: UInt64 = 1
    @Option(help: "Number of listed targets.")
    var targets = 200
    @Option(help: "Posts per listed target (as many benign posts again).")
    var postsPerTarget = 12
    @Option(help: "Write the corpus to this directory.")
    var write: String?
    @Flag(help: "Print the posts that were missed.")
    var showMisses = false

    func validate() throws {
        guard (1...100_000).contains(targets) else { throw ValidationError("--targets must be 1…100000.") }
        guard (1...100).contains(postsPerTarget) else { throw ValidationError("--posts-per-target must be 1…100.") }
    }

    func run() throws {
        let corpus = EvalCorpusGenerator.generate(seed: seed, targets: targets, postsPerTarget: postsPerTarget)
        var lists = SignalLists()
        lists.setBank(ListBank(id: 1, name: "eval"))
        for (k, entry) in ListFile.parse(corpus.listFile).entries.enumerated() {
            lists.add(ListItem(id: Int64(k + 1), bankId: 1, type: entry.type, value: entry.value))
        }
        var lexicon = Lexicon.builtIn
        lexicon.merge(try Lexicon(parsing: corpus.lexiconFile))
        let report = EvalReport.run(corpus, scanner: TextScanner(lists: lists, lexicon: lexicon))
        print(report.table(), terminator: "")
        if showMisses {
            for miss in report.misses { print("missed [\(miss.disguise)] \(miss.id): \(miss.text.debugDescription)") }
        }
        if let write {
            try FileManager.default.createDirectory(atPath: write, withIntermediateDirectories: true)
            try corpus.listFile.write(toFile: write + "/lists.txt", atomically: true, encoding: .utf8)
            try corpus.lexiconFile.write(toFile: write + "/lexicon.txt", atomically: true, encoding: .utf8)
            let lines = corpus.posts.map { post in
                "{\"id\":\(JSONString.quote(post.id)),\"text\":\(JSONString.quote(post.text)),\"disguise\":\(JSONString.quote(post.disguise)),"
                    + "\"expected\":[\(post.expected.map(JSONString.quote).joined(separator: ","))],\"solicitation\":\(post.solicitation),\"lookalike\":\(post.lookalike)}"
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: write + "/posts.jsonl", atomically: true, encoding: .utf8)
            print("corpus written to \(write)/ (lists.txt, lexicon.txt, posts.jsonl)")
        }
    }
}

/// Standard output in large writes (one JSON line per post adds up).
final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Lines from a file descriptor with bounded memory: a line longer than the limit is reported
/// with its length and skipped as it goes by.
struct LineReader {
    enum Line {
        case text(number: Int, bytes: [UInt8])
        case oversized(number: Int, length: Int)
    }

    let fileDescriptor: Int32
    let maxLineLength: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var current: [UInt8] = []
    private var currentLength = 0
    private var number = 0
    private var finished = false

    init(fileDescriptor: Int32, maxLineLength: Int) {
        self.fileDescriptor = fileDescriptor
        self.maxLineLength = maxLineLength
    }

    mutating func next() -> Line? {
        while true {
            if start < end {
                if let newline = buffer[start..<end].firstIndex(of: 0x0A) {
                    append(buffer[start..<newline])
                    start = newline + 1
                    return take()
                }
                append(buffer[start..<end])
                start = end
            }
            if finished {
                return currentLength > 0 ? take() : nil
            }
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                finished = true
            } else {
                start = 0
                end = count
            }
        }
    }

    private mutating func append(_ bytes: ArraySlice<UInt8>) {
        currentLength += bytes.count
        if currentLength <= maxLineLength { current.append(contentsOf: bytes) } else { current.removeAll() }
    }

    private mutating func take() -> Line {
        number += 1
        defer { current = []; currentLength = 0 }
        if currentLength > maxLineLength { return .oversized(number: number, length: currentLength) }
        if current.last == 0x0D { current.removeLast() }
        return .text(number: number, bytes: current)
    }
}
