// Benchmark driver for scripts/bench-text.sh (not a test): normalise + extract + match + score
// throughput with a large list loaded, in posts per CPU-second, and the memory the lists take.
import Foundation
import Signals
import SignalsEval

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let value = Int(arguments[index + 1]) else { return fallback }
    return value
}
let entryCount = option("--entries", 100_000)
let postCount = option("--posts", 200_000)

func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = status.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let corpus = EvalCorpusGenerator.generate(seed: 7, targets: 400, postsPerTarget: 12)
let rssBefore = residentBytes()
let loadStart = cpuSeconds()
var lists = SignalLists()
lists.setBank(ListBank(id: 1, name: "bench"))
var id: Int64 = 1
for entry in ListFile.parse(corpus.listFile).entries {
    lists.add(ListItem(id: id, bankId: 1, type: entry.type, value: entry.value))
    id += 1
}
var rng = SystemRandomNumberGenerator()
let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
while id <= Int64(entryCount) {
    let token = String((0..<12).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
    switch id % 5 {
    case 0: lists.add(ListItem(id: id, bankId: 1, type: .url, value: "https://files-\(token).example.net/f/\(token)"))
    case 1: lists.add(ListItem(id: id, bankId: 1, type: .domain, value: "\(token)-share.example.org"))
    case 2: lists.add(ListItem(id: id, bankId: 1, type: .handle, value: "telegram:t\(token)"))
    case 3: lists.add(ListItem(id: id, bankId: 1, type: .keyword, value: "k\(token)"))
    default: lists.add(ListItem(id: id, bankId: 1, type: .url, value: "https://t.me/+\(token)AbC"))
    }
    id += 1
}
let loadSeconds = cpuSeconds() - loadStart
let rssLoaded = residentBytes()
var lexicon = Lexicon.builtIn
lexicon.merge(try Lexicon(parsing: corpus.lexiconFile))
let scanner = TextScanner(lists: lists, lexicon: lexicon)
let texts = corpus.posts.map(\.text)
let bytes = texts.reduce(0) { $0 + $1.utf8.count }
let nonASCII = texts.filter { $0.utf8.contains { $0 >= 0x80 } }.count
for text in texts.prefix(2000) { _ = scanner.scan(text) }
let cpuStart = cpuSeconds()
var matches = 0
for k in 0..<postCount { matches += scanner.scan(texts[k % texts.count]).matches.count }
let cpu = cpuSeconds() - cpuStart
print("list entries    \(lists.count) (built in \(String(format: "%.2f", loadSeconds)) CPU-s)")
print("memory          \(rssLoaded / 1_048_576) MiB resident after loading, \((rssLoaded - rssBefore) / 1_048_576) MiB of it for the lists")
print("posts           \(postCount) scanned, \(texts.count) distinct, mean \(bytes / texts.count) bytes, \(nonASCII * 100 / texts.count)% with non-ASCII; \(matches) list matches")
print("throughput      \(Int(Double(postCount) / cpu)) posts per CPU-second (\(String(format: "%.2f", cpu / Double(postCount) * 1e6)) µs per post)")
