// swift-tools-version: 6.0
import PackageDescription

// Hot paths (PDQ's box filter, luma conversion, Hamming distance) are only fast when the
// compiler may use the instructions the machine actually has: `swiftc -O` for x86-64 otherwise
// targets a baseline CPU without POPCNT or AVX. By default Bulwark is built for the machine that
// builds it. For binaries that move between machines set BULWARK_TARGET_CPU to an LLVM CPU name
// ("haswell" for AVX2 servers, "skylake-avx512", "znver4"), or to "generic".
import Foundation
let targetCPU = ProcessInfo.processInfo.environment["BULWARK_TARGET_CPU"] ?? "native"
let hotPathFlags: [SwiftSetting] = targetCPU == "generic" ? [] : [.unsafeFlags(["-target-cpu", targetCPU])]

let package = Package(
    name: "Bulwark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bulwark", targets: ["bulwark"]),
        .library(name: "PDQ", targets: ["PDQ"]),
        .library(name: "MediaDecode", targets: ["MediaDecode"]),
        .library(name: "MediaHashing", targets: ["MediaHashing"]),
        .library(name: "HashIndex", targets: ["HashIndex"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "BulwarkServer", targets: ["BulwarkServer"]),
        .library(name: "Signals", targets: ["Signals"]),
        .library(name: "AccountGraph", targets: ["AccountGraph"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "AuditChain", targets: ["AuditChain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Pure Swift, no dependencies: the 256-bit hash, PDQ from pixels, quality, dihedral variants.
        .target(name: "PDQ", swiftSettings: hotPathFlags),

        // System C libraries, linked by name or pkg-config, and the one C shim that turns
        // libjpeg/libpng longjmp errors into return codes Swift can handle.
        .systemLibrary(name: "CJPEG", path: "Sources/CSystem/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CSystem/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CWebP", path: "Sources/CSystem/CWebP", pkgConfig: "libwebp",
                       providers: [.apt(["libwebp-dev"])]),
        .systemLibrary(name: "CGIF", path: "Sources/CSystem/CGIF",
                       providers: [.apt(["libgif-dev"])]),
        .target(name: "CImageShim", dependencies: ["CJPEG", "CPNG"],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        // WebP and GIF have no longjmp error paths, so Swift calls them directly.
        .target(name: "MediaDecode", dependencies: ["CImageShim", "CWebP", "CGIF"], swiftSettings: hotPathFlags),

        // File bytes -> PDQ + MD5 + SHA-256 in one pass (decoder rows stream into the hasher).
        .target(name: "MediaHashing", dependencies: [
            "PDQ", "MediaDecode",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPathFlags),

        .executableTarget(name: "bulwark", dependencies: [
            "MediaHashing", "PDQ", "MediaDecode", "BulwarkServer", "Matching", "Storage", "BankIO", "Signals", "SignalsEval",
            "AccountGraph", "AccountGraphEval", "AccountRegistry", "Policy", "AuditChain", "EvidenceVault", "CyberTipline", "Review",
            "DemoScenario", "SyntheticMedia",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: hotPathFlags),

        // Exact Hamming range search over PDQ hashes (multi-index hashing) and exact MD5/SHA-256 sets.
        .target(name: "HashIndex", dependencies: ["PDQ"], swiftSettings: hotPathFlags),
        // Benchmark driver for scripts/bench-index.sh (not a test); lives with its harness in bench/hashindex.
        .executableTarget(name: "hashindex-bench", dependencies: ["HashIndex", "PDQ"],
                          path: "bench/hashindex/Sources/hashindex-bench", swiftSettings: hotPathFlags),

        // Banks, entries, the change feed, API keys and import checkpoints behind one interface
        // (`BulwarkStore`), over SQLKit with SQLite (embedded default) and PostgreSQL backends.
        .target(name: "Storage", dependencies: [
            "AuditChain",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Streaming import/export of hash lists (plain hashes, CSV, JSON lines, threatexchange
        // text) in resumable, idempotent transactional batches; used by the CLI and the server.
        .target(name: "BankIO", dependencies: ["Storage", "PDQ"]),

        // The in-memory match engine: index loaded from storage, following its change feed.
        .target(name: "Matching", dependencies: [
            "PDQ", "HashIndex", "Storage", "Signals", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPathFlags),

        // Text signals: pure modules, quick to build and test on their own.
        // Public Suffix List (shipped data file), punycode and IDNA host names.
        .target(name: "DomainNames", exclude: ["Data"], swiftSettings: hotPathFlags),
        // Cryptocurrency addresses found in text, validated by their checksums.
        .target(name: "WalletAddress", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: hotPathFlags),
        // Posts, bios and names -> canonical links, handles, wallets; list matches; solicitation score.
        .target(name: "Signals", dependencies: [
            "DomainNames", "WalletAddress", .product(name: "Crypto", package: "swift-crypto"),
        ], exclude: ["Data"], swiftSettings: hotPathFlags),
        // Labelled synthetic posts and the precision/recall report of `bulwark text eval`.
        .target(name: "SignalsEval", dependencies: ["Signals", "WalletAddress"]),
        // Benchmark driver for scripts/bench-text.sh (not a test).
        .executableTarget(name: "signals-bench", dependencies: ["Signals", "SignalsEval"],
                          path: "bench/signals/Sources/signals-bench", swiftSettings: hotPathFlags),

        // Accounts, the links between them, actors and bans; the ban-evasion screen. Pure: values in, values out.
        .target(name: "AccountGraph", dependencies: ["PDQ", "HashIndex", "Signals"], swiftSettings: hotPathFlags),
        // The platform simulator and the report of `bulwark accounts eval`.
        .target(name: "AccountGraphEval", dependencies: ["AccountGraph", "PDQ", "WalletAddress"]),

        // The account graph made durable: events decoded, logged in the store, replayed at start-up.
        .target(name: "AccountRegistry", dependencies: [
            "AccountGraph", "Storage", "Signals", "PDQ", .product(name: "Logging", package: "swift-log"),
        ]),

        // Benchmark driver for scripts/bench-accounts.sh (not a test).
        .executableTarget(name: "accounts-bench", dependencies: [
            "AccountGraph", "AccountRegistry", "Storage", "PDQ", .product(name: "Logging", package: "swift-log"),
        ], path: "bench/accounts/Sources/accounts-bench", swiftSettings: hotPathFlags),

        // The hash chain of the audit log: how a record is hashed and how a chain is verified. Pure.
        .target(name: "AuditChain", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // Rules over signals -> decisions, read from YAML with line-accurate errors; shadow mode. Pure.
        .target(name: "Policy", dependencies: [.product(name: "Yams", package: "Yams")]),

        // Actions delivered to the platform: signed webhooks from the durable outbox, with retries,
        // backoff and dead letters.
        .target(name: "Delivery", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),

        // Evidence preserved for a case: AES-GCM per item under wrapped keys, retention and legal hold. Pure.
        .target(name: "EvidenceVault", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // CyberTipline reports: the document, its XML, completeness, and the submission flow. Pure.
        .target(name: "CyberTipline", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // Benign images made from a seed, and the dependency-free PNG writer behind them: the canary,
        // the demo's "known" images and test fixtures. Pure.
        .target(name: "SyntheticMedia"),

        // The review console's logic: roles, the reveal budget and queue rotation, session and reveal
        // tokens, a case's dossier, and the CyberTipline report built from it. Pure: values in, values out.
        .target(name: "Review", dependencies: ["CyberTipline", .product(name: "Crypto", package: "swift-crypto")]),

        // The benign story `bulwark demo` plays: generated "known" images, ordinary users and a trader
        // who comes back after a ban, as intake requests. Pure data.
        .target(name: "DemoScenario", dependencies: ["SyntheticMedia", "Signals", .product(name: "Crypto", package: "swift-crypto")]),

        // The HTTP service (Hummingbird 2): /v1 API, HMA-compatible routes, health, metrics.
        .target(name: "BulwarkServer", dependencies: [
            "PDQ", "MediaDecode", "MediaHashing", "Matching", "Storage", "BankIO", "Signals", "AccountGraph", "AccountRegistry",
            "Policy", "AuditChain", "Delivery", "SyntheticMedia", "Review", "EvidenceVault", "CyberTipline",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], resources: [.copy("Resources/openapi.json"), .copy("Resources/console")]),

        .testTarget(name: "BulwarkServerTests", dependencies: [
            "BulwarkServer", "Matching", "Storage", "PDQ", "AccountGraph", "AccountRegistry", "Delivery", "Policy", "AuditChain",
            "MediaHashing", "SyntheticMedia",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "PDQTests", dependencies: ["PDQ"]),
        // The C libraries are direct dependencies so the tests can generate fixtures with their encoders.
        .testTarget(name: "MediaDecodeTests", dependencies: ["MediaDecode", "CJPEG", "CPNG", "CWebP", "CGIF"]),
        .testTarget(name: "MediaHashingTests", dependencies: ["MediaHashing", "PDQ", "MediaDecode"]),
        .testTarget(name: "HashIndexTests", dependencies: ["HashIndex", "PDQ"]),
        // Runs against SQLite always and PostgreSQL when BULWARK_TEST_POSTGRES_URL is set (scripts/with-postgres.sh).
        .testTarget(name: "StorageTests", dependencies: [
            "Storage", "AuditChain", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "BankIOTests", dependencies: ["BankIO", "Storage"]),
        .testTarget(name: "DomainNamesTests", dependencies: ["DomainNames"]),
        .testTarget(name: "WalletAddressTests", dependencies: ["WalletAddress"]),
        .testTarget(name: "SignalsTests", dependencies: ["Signals", "SignalsEval", "WalletAddress"]),
        .testTarget(name: "AccountGraphTests", dependencies: ["AccountGraph", "PDQ", "Signals"]),
        .testTarget(name: "AccountRegistryTests", dependencies: [
            "AccountRegistry", "AccountGraph", "Storage", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"]),
        .testTarget(name: "AuditChainTests", dependencies: ["AuditChain"]),
        .testTarget(name: "EvidenceVaultTests", dependencies: ["EvidenceVault"]),
        .testTarget(name: "CyberTiplineTests", dependencies: ["CyberTipline"]),
        .testTarget(name: "ReviewTests", dependencies: ["Review", "CyberTipline"]),
        .testTarget(name: "DemoScenarioTests", dependencies: ["DemoScenario"]),
        .testTarget(name: "DeliveryTests", dependencies: ["Delivery"]),
        .testTarget(name: "AccountGraphEvalTests", dependencies: ["AccountGraphEval", "AccountGraph", "PDQ", "WalletAddress", "Signals"]),
    ]
)

// libFuzzer target over MediaDecode, declared only for scripts/fuzz.sh (BULWARK_FUZZ=1), which
// builds it with -sanitize=fuzzer,address into its own scratch path (.build-fuzz). libFuzzer
// provides main(), so the target cannot link in an ordinary build.
if ProcessInfo.processInfo.environment["BULWARK_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "MediaDecodeFuzz", dependencies: ["MediaDecode"], path: "Fuzz/MediaDecodeFuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
}
