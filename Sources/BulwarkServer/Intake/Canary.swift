import Foundation
import SyntheticMedia
import Logging
import MediaHashing
import Metrics
import PDQ
import ServiceLifecycle
import Storage

/// Proves, every minute, that known media is still caught.
///
/// Hash matching fails silently: a bank that stopped loading, an index that stopped following,
/// a decoder that returns garbage, a policy edit that drops a rule; every post is then "allow",
/// and nothing looks wrong. The canary submits a benign image, generated here, that sits in a
/// canary bank, through the whole intake (decode, hash, match, screen, policy) without
/// recording anything, and checks that it was matched. `bulwark_canary_ok` is 1 while it is
/// caught and 0 when it is not, and every failure is logged at error level.
final class Canary: Sendable {
    static let bankName = "bulwark-canary"
    static let category = "canary"

    let pipeline: IntakePipeline
    let store: any BulwarkStore
    let logger: Logger
    private let ok = Gauge(label: "bulwark_canary_ok")
    private let lastSuccess = Gauge(label: "bulwark_canary_last_success_timestamp_seconds")
    private let failures = Counter(label: "bulwark_canary_failures_total")

    init(pipeline: IntakePipeline, store: any BulwarkStore, logger: Logger) {
        self.pipeline = pipeline
        self.store = store
        self.logger = logger
    }

    /// The canary image: a 256×256 PNG of rings and stripes, the same bytes on every machine.
    static let image: [UInt8] = CanaryImage.png(width: 256, height: 256)

    /// Creates the canary bank and puts the canary's hashes in it (both idempotent).
    func ensureBank() async throws(StoreError) {
        let bank: Bank
        do {
            bank = try await store.bank(named: Self.bankName)
        } catch .bankNotFound {
            do {
                bank = try await store.createBank(NewBank(name: Self.bankName, enabled: true, pdqThreshold: 31, category: Self.category,
                                                          action: nil, isNegative: false))
            } catch .bankNameTaken {
                bank = try await store.bank(named: Self.bankName)
            }
        }
        let hashes: MediaHashes
        do {
            hashes = try MediaHasher.hash(Self.image)
        } catch {
            logger.error("the canary image could not be hashed; the canary cannot run", metadata: ["error": "\(error)"])
            return
        }
        _ = try await store.addEntries([
            NewEntry(signalType: .pdq, value: hashes.pdq.hex, source: "bulwark canary", note: "benign generated image; see docs/operations.md"),
            NewEntry(signalType: .md5, value: hashes.md5, source: "bulwark canary", note: "benign generated image; see docs/operations.md"),
        ], toBank: bank.id)
    }

    static func requestBody(contentId: String) -> [UInt8] {
        let base64 = Data(image).base64EncodedString()
        return Array("{\"contentId\":\"\(contentId)\",\"kind\":\"post\",\"account\":\"bulwark-canary\",\"media\":[{\"bytes\":\"\(base64)\"}]}".utf8)
    }

    /// Submits the canary once; returns whether it was caught.
    @discardableResult
    func check() async -> Bool {
        let body = Self.requestBody(contentId: "canary-\(UUID().uuidString)")
        do {
            let result = try await pipeline.process(body, principal: "system:canary", persistence: .dryRun, logger: logger)
            if result.mediaMatches.contains(where: { $0.bank == Self.bankName }) {
                ok.record(1)
                lastSuccess.record(Date().timeIntervalSince1970)
                return true
            }
            fail("the canary image went through the intake and was NOT matched: known media is not being caught. "
                + "Check that the index is loaded (/readyz, /v1/index/status) and that the \(Self.bankName) bank is enabled.")
        } catch {
            fail("the canary image could not go through the intake: \(error)")
        }
        return false
    }

    private func fail(_ message: String) {
        ok.record(0)
        failures.increment()
        logger.error("CANARY FAILED: \(message)")
    }

    func run(every interval: Duration) async {
        do {
            try await ensureBank()
        } catch {
            logger.error("could not create the canary bank", metadata: ["error": "\(error)"])
        }
        // A large index takes a while to load: the canary starts once it has (a red canary during
        // start-up would be noise), then gives the index a moment to follow the bank's creation.
        while !pipeline.engine.isReady && !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
        }
        try? await Task.sleep(for: .seconds(2))
        while !Task.isCancelled {
            await check()
            try? await Task.sleep(for: interval)
        }
    }
}

/// Runs the canary until shutdown.
struct CanaryService: Service {
    let canary: Canary
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await canary.run(every: interval)
        }
    }
}

/// The canary's image: deterministic rings and stripes (see `SyntheticMedia.rings`).
enum CanaryImage {
    static func png(width: Int, height: Int) -> [UInt8] {
        SyntheticImage.rings(width: width, height: height, seed: 0)
    }
}
