import AccountGraph
import AccountRegistry
import Foundation
import Logging
import PDQ
import Storage

// Benchmark driver for scripts/bench-accounts.sh (not a test): builds an account graph of N
// synthetic accounts, optionally with its account log in SQLite or PostgreSQL, then measures
// screens of new signups and profile edits (each one recorded, as the API does) and reports
// p50/p99/max latency, build rate and resident memory.
//
//   accounts-bench --accounts 1000000 [--db PATH|postgres://…] [--screens 10000]

let arguments = CommandLine.arguments.dropFirst()
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), arguments.index(after: i) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: i)]
}
let accounts = Int(option("--accounts") ?? "") ?? 100_000
let screens = Int(option("--screens") ?? "") ?? 10_000
let database = option("--db")

/// SplitMix64: deterministic synthetic data.
struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func hex() -> String { String(next(), radix: 16) + String(next(), radix: 16) }
}

let syllables = ["ka", "lo", "mi", "ra", "te", "su", "an", "na", "vi", "po", "el", "da", "ri", "jo", "ne", "sa"]
let defaultAvatars = (0..<3).map { n -> PDQHash in
    var r = Random(state: UInt64(n) &+ 77)
    return PDQHash(w0: r.next(), w1: r.next(), w2: r.next(), w3: r.next())
}

/// One synthetic profile: mostly unique private signals, carrier-NAT networks, default avatars,
/// some bios with an own channel, a few with commerce words.
func profile(_ n: Int, at: Milliseconds, _ r: inout Random) -> AccountProfile {
    let name = syllables[r.below(16)] + syllables[r.below(16)] + syllables[r.below(16)]
    var bio: String
    switch r.below(10) {
    case 0, 1, 2: bio = "my channel t.me/\(name)_\(n) for updates"
    case 3: bio = "gym coach, VIP packages, prices in DM"
    case 4, 5: bio = "coffee, books and long walks with \(name)"
    default: bio = "hello"
    }
    let avatar: PDQHash = r.below(4) == 0 ? defaultAvatars[r.below(3)] : PDQHash(w0: r.next(), w1: r.next(), w2: r.next(), w3: r.next())
    let ip = r.below(10) < 6 ? "100.64.\(r.below(40)).0/24" : "198.\(r.below(256)).\(r.below(256)).0/24"
    if r.below(100) == 0 { bio += " pay bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq" }
    return AccountProfile(id: "b\(n)", at: at, handle: "\(name)\(r.below(100))", displayName: name.capitalized, bio: bio,
                          avatarPDQ: avatar,
                          signals: PrivateSignals(email: r.hex(), phone: r.below(2) == 0 ? r.hex() : nil,
                                                  devices: [r.hex()], ips: [ip], payments: r.below(10) == 0 ? [r.hex()] : []))
}

func residentMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
          let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return 0 }
    return pages * 4096 / 1_048_576
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

let quiet = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
var store: SQLStore? = nil
if let database {
    if database.hasPrefix("postgres") {
        store = try await SQLStore.postgres(url: database, options: PostgresOptions(maxConnections: 4, logger: quiet))
    } else {
        store = try await SQLStore.sqlite(path: database, options: SQLiteOptions(logger: quiet))
    }
    _ = try await store!.migrate()
}

let t0: Milliseconds = 1_767_225_600_000
var random = Random(state: 1)
let registry = AccountRegistry(graph: AccountGraph(expectedAccounts: accounts + screens), store: store, logger: quiet)
let baseline = residentMiB()
let clock = ContinuousClock()
var started = clock.now
var batch: [AccountEvent] = []
for n in 0..<accounts {
    batch.append(.account(profile(n, at: t0 + Milliseconds(n) * 1_000, &random)))
    if n % 97 == 0 { batch.append(.ban(id: "b\(n)", at: t0 + Milliseconds(n) * 1_000 + 1, reason: "bench")) }
    if batch.count >= 5_000 {
        _ = try await registry.record(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
_ = try await registry.record(batch)
let buildSeconds = seconds(clock.now - started)
let stats = await registry.statistics
print(String(format: "built %d accounts (%d actors, %d banned) in %.1f s: %.0f events/s, resident %.0f MiB (+%.0f MiB)",
             stats.accounts, stats.actors, stats.banned, buildSeconds, Double(accounts + accounts / 97) / buildSeconds,
             residentMiB(), residentMiB() - baseline))

// Screens: half new signups (a tenth of them returning banned accounts' handles or devices),
// half profile edits of existing accounts; each recorded, one at a time, as the API does.
var latencies: [Double] = []
latencies.reserveCapacity(screens)
var decisions: [Decision: Int] = [:]
for k in 0..<screens {
    let at = t0 + Milliseconds(accounts + k) * 1_000
    var p: AccountProfile
    if k % 2 == 0 {
        p = profile(accounts + k, at: at, &random)
        if k % 20 == 0 {
            let banned = random.below(accounts / 97) * 97
            p.bio = "back again: t.me/x_\(banned)"
        }
    } else {
        p = profile(random.below(accounts), at: at, &random)
        p.signals = PrivateSignals()
    }
    started = clock.now
    let outcome = try await registry.record(.account(p))
    latencies.append(seconds(clock.now - started) * 1_000)
    if case .screened(let s) = outcome { decisions[s.decision, default: 0] += 1 }
}
latencies.sort()
let sorted = latencies
func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
print(String(format: "screens: %d recorded one at a time on %@: p50 %.3f ms, p99 %.3f ms, max %.3f ms; decisions %@",
             screens, database == nil ? "memory" : (database!.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"),
             percentile(0.5), percentile(0.99), sorted.last ?? 0,
             decisions.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")))

if let store {
    // Restart: a fresh registry rebuilt from the log.
    if database != nil {
        started = clock.now
        let again = AccountRegistry(graph: AccountGraph(expectedAccounts: accounts + screens), store: store, logger: quiet)
        let report = try await again.load()
        print(String(format: "restart: %d events replayed from the log in %.1f s (%.0f events/s)",
                     report.events, report.seconds, Double(report.events) / max(report.seconds, 1e-9)))
    }
    await store.shutdown()
}
