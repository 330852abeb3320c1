import Foundation
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

/// A deterministic benign test image, encoded as PNG without any library: uncompressed deflate
/// blocks inside zlib, as the PNG specification allows. Rings and stripes give PDQ plenty of
/// structure (high quality), and nothing about it resembles a photograph.
enum CanaryImage {
    static func png(width: Int, height: Int) -> [UInt8] {
        encode(width: width, height: height, channels: 3) { x, y in
            let dx = Double(x - width / 2), dy = Double(y - height / 3)
            let ring = (Int((dx * dx + dy * dy).squareRoot()) / 12) % 2 == 0
            let stripe = ((x + 2 * y) / 20) % 3
            return [ring ? 230 : 30, UInt8(60 + stripe * 70), UInt8((x * 255) / max(width - 1, 1))]
        }
    }

    /// An 8-bit PNG, greyscale (`channels` 1) or RGB (3), from a pixel function.
    static func encode(width: Int, height: Int, channels: Int, pixel: (Int, Int) -> [UInt8]) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity((width * channels + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter: none
            for x in 0..<width { raw += pixel(x, y).prefix(channels) }
        }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, channels == 1 ? 0 : 2, 0, 0, 0]  // 8-bit, grey or RGB, deflate, adaptive filters, no interlace
        chunk("IHDR", header, into: &png)
        chunk("IDAT", zlibStored(raw), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes
        png += data
        png += bigEndian(crc32(typeBytes + data))
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65_535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            out.append(final)
            out += [UInt8(count & 0xff), UInt8(count >> 8), UInt8(~count & 0xff), UInt8((~count >> 8) & 0xff)]
            out += data[offset..<offset + count]
            offset += count
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        out += bigEndian(b << 16 | a)
        return out
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xff)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
