import Crypto
import EvidenceVault
import Foundation
import MediaDecode
import Signals
import Storage
import SyntheticMedia

/// Preserves the evidence of decisions that need a person, and opens it again for the console and
/// for reports: the one place that holds the vault's keys.
///
/// At intake, content whose decision holds it for review or reports it is preserved before its
/// bytes are dropped: the media files, the post's metadata (text, links, profile, platform ids)
/// and the decision's signals, each sealed under its own AES-256-GCM data key wrapped by the
/// master key (`EvidenceVault`). Item ids derive from the content id, so a retried intake finds
/// the items it already wrote. Every seal and every opening is written to the audit log.
public struct EvidenceKeeper: Sendable {
    let vault: Vault
    let retention: RetentionPolicy

    public init(keys: MasterKeyRing, retention: RetentionPolicy = .standard) {
        self.vault = Vault(keys: keys)
        self.retention = retention
    }

    /// The id of one preserved item: stable across retries of the same content.
    static func itemId(contentId: String, kind: VaultItemKind, index: Int?) -> String {
        let key = "\(contentId)\u{0}\(kind.rawValue)\u{0}\(index.map(String.init) ?? "")"
        return "ev_" + String(APIKeys.hex(Array(SHA256.hash(data: Data(key.utf8)))).prefix(32))
    }

    struct Preserved {
        var items: [NewVaultItem]
        var audit: [NewAuditEvent]
    }

    /// Seals the evidence of one decided item of content.
    func preserve(contentId: String, metadata: String, signals: String,
                  media: [(index: Int, bytes: [UInt8], md5: String?, sha256: String?, pdq: String?)],
                  by actor: String, at: Date) -> Preserved {
        var out = Preserved(items: [], audit: [])
        func add(_ plaintext: [UInt8], kind: VaultItemKind, index: Int?, contentType: String?,
                 md5: String? = nil, sha256: String? = nil, pdq: String? = nil) {
            let itemId = Self.itemId(contentId: contentId, kind: kind, index: index)
            let sealed = vault.seal(plaintext, itemId: itemId)
            let record = retention.start(itemId: itemId, contentDigest: sealed.contentDigest, preservedAt: at)
            out.items.append(NewVaultItem(
                itemId: itemId, contentId: contentId, kind: kind, mediaIndex: index, sealed: sealed.serialized(),
                keyId: sealed.masterKeyId, contentDigest: sealed.contentDigest, size: plaintext.count, contentType: contentType,
                md5: md5, sha256: sha256, pdq: pdq, preservedAt: at, retainUntil: record.retainUntil,
                retention: Self.json(record)))
            out.audit.append(Self.audit(.sealed(sealed, by: actor, at: at, reason: "preserved at intake"), subjectContent: contentId))
        }
        add(Array(metadata.utf8), kind: .metadata, index: nil, contentType: "application/json")
        add(Array(signals.utf8), kind: .signals, index: nil, contentType: "application/json")
        for item in media {
            let type = item.bytes.withUnsafeBytes { MediaDecoder.detectFormat($0) }.map(Self.mimeType)
            add(item.bytes, kind: .media, index: item.index, contentType: type, md5: item.md5, sha256: item.sha256, pdq: item.pdq)
        }
        return out
    }

    /// Opens a stored item. Throws when it was destroyed or its envelope does not open (a wrong
    /// or missing master key, tampering). The caller writes the audit record (`openedAudit`)
    /// before it uses the plaintext.
    func open(_ record: VaultItemRecord) throws -> [UInt8] {
        guard let bytes = record.sealed else { throw EvidenceError.destroyed(record.itemId) }
        let sealed = try SealedItem(serialized: bytes)
        guard sealed.itemId == record.itemId else { throw EvidenceError.mismatch(record.itemId) }
        return try vault.open(sealed)
    }

    static func openedAudit(_ record: VaultItemRecord, by actor: String, at: Date, reason: String) -> NewAuditEvent {
        audit(AccessEvent(kind: .opened, itemId: record.itemId, actor: actor, at: at, reason: reason,
                          contentDigest: record.contentDigest, masterKeyId: record.keyId), subjectContent: record.contentId)
    }

    /// An access event as an audit record: kind `vault.<event>`, subject the item id.
    static func audit(_ event: AccessEvent, subjectContent: String?) -> NewAuditEvent {
        var fields = ["\"event\":\"\(event.kind.rawValue)\""]
        if let contentId = subjectContent { fields.append("\"contentId\":\(JSONString.quote(contentId))") }
        if let reason = event.reason { fields.append("\"reason\":\(JSONString.quote(reason))") }
        if let digest = event.contentDigest { fields.append("\"contentDigest\":\(JSONString.quote(digest))") }
        if let key = event.masterKeyId { fields.append("\"masterKeyId\":\(JSONString.quote(key))") }
        if let hold = event.holdId { fields.append("\"holdId\":\(JSONString.quote(hold))") }
        return NewAuditEvent(at: event.at, kind: "vault.\(event.kind.rawValue)", actor: event.actor, subject: event.itemId,
                             detail: "{" + fields.joined(separator: ",") + "}")
    }

    static func mimeType(_ format: ImageFormat) -> String {
        switch format {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        }
    }

    static func json(_ record: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func retention(_ text: String) -> RetentionRecord? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try? decoder.decode(RetentionRecord.self, from: Data(text.utf8))
    }
}

/// Why a preserved item could not be opened. Descriptions name the item, never its content.
enum EvidenceError: Error, CustomStringConvertible {
    case destroyed(String)
    case mismatch(String)
    case notConfigured

    var description: String {
        switch self {
        case .destroyed(let id): "Evidence item \(id) was destroyed; only its tombstone remains."
        case .mismatch(let id): "Evidence item \(id) does not hold the envelope it should; it was not opened."
        case .notConfigured: "No vault key is configured (serve --vault-key-file or BULWARK_VAULT_KEY), so evidence cannot be opened."
        }
    }
}

/// The blurred stand-in a reviewer sees before revealing anything: the image reduced to a few
/// grey pixels on the server, so the page never receives the picture itself until a specialist
/// asks for it. The browser scales it up and blurs it further.
enum MediaPreview {
    /// The longest side of a preview, in pixels.
    static let side = 12

    static func png(_ bytes: [UInt8], limits: DecodeLimits) -> [UInt8]? {
        let options = DecodeOptions(limits: limits, jpegMinimumScaledSide: 32, preferLuma: true, fastDCT: true)
        guard let image = try? bytes.withUnsafeBytes({ try MediaDecoder.decodeImage($0, options: options) }),
              image.width > 0, image.height > 0 else { return nil }
        let scale = Double(max(image.width, image.height)) / Double(side)
        let width = max(1, Int((Double(image.width) / scale).rounded())), height = max(1, Int((Double(image.height) / scale).rounded()))
        let channels = image.layout == .grey8 ? 1 : 3
        var grey = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let x0 = x * image.width / width, x1 = max(x0 + 1, (x + 1) * image.width / width)
                let y0 = y * image.height / height, y1 = max(y0 + 1, (y + 1) * image.height / height)
                var sum = 0, count = 0
                var sy = y0
                while sy < y1 {
                    var sx = x0
                    while sx < x1 {
                        let offset = (sy * image.width + sx) * channels
                        if channels == 1 {
                            sum += Int(image.pixels[offset])
                        } else {
                            sum += (299 * Int(image.pixels[offset]) + 587 * Int(image.pixels[offset + 1])
                                + 114 * Int(image.pixels[offset + 2])) / 1_000
                        }
                        count += 1
                        sx += max(1, (x1 - x0) / 8)
                    }
                    sy += max(1, (y1 - y0) / 8)
                }
                grey[y * width + x] = UInt8(sum / max(count, 1))
            }
        }
        return PNGWriter.encode(width: width, height: height, channels: 1) { x, y in [grey[y * width + x]] }
    }
}
