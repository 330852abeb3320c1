import Crypto
import Foundation

/// One record of the audit log, as stored: what happened (`kind`), who did it (`actor`), to
/// what (`subject`), the details as JSON text, and the two hashes that chain it to the record
/// before it.
///
/// Records are numbered densely from 1. Each record's `hash` covers its own fields and the
/// previous record's hash, so editing, removing or reordering any record breaks the chain at
/// that point, and ``AuditChain/Verifier`` says where. The chain alone cannot show that records
/// were cut off the *end*; the store keeps a head (last number and hash) for that, and operators
/// who need protection against someone who can rewrite both should publish the head elsewhere
/// from time to time (`bulwark audit head`).
public struct AuditRecord: Sendable, Hashable, Codable {
    public var sequence: Int64
    /// Milliseconds since 1970.
    public var at: Int64
    /// What happened, as a dotted name: `decision`, `action.delivered`, `policy.loaded`, `bank.created`…
    public var kind: String
    /// Who did it: `api-key:<prefix>`, `system`, `cli`, `reviewer:<name>`.
    public var actor: String
    /// What it was done to: a decision id, a bank name, an action's idempotency key.
    public var subject: String
    /// The details, as JSON text (never parsed by the chain; hashed as bytes).
    public var detail: String
    /// The previous record's `hash` (``AuditChain/genesis`` for record 1).
    public var previousHash: String
    /// This record's hash: ``AuditChain/hash(sequence:at:kind:actor:subject:detail:previousHash:)``.
    public var hash: String

    public init(sequence: Int64, at: Int64, kind: String, actor: String, subject: String, detail: String,
                previousHash: String, hash: String) {
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.detail = detail
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Builds the record that follows `previous` (nil for the first record), hashing it.
    public static func chained(after previous: (sequence: Int64, hash: String)?, at: Int64, kind: String, actor: String,
                               subject: String, detail: String) -> AuditRecord {
        let sequence = (previous?.sequence ?? 0) + 1
        let previousHash = previous?.hash ?? AuditChain.genesis
        let hash = AuditChain.hash(sequence: sequence, at: at, kind: kind, actor: actor, subject: subject,
                                   detail: detail, previousHash: previousHash)
        return AuditRecord(sequence: sequence, at: at, kind: kind, actor: actor, subject: subject, detail: detail,
                           previousHash: previousHash, hash: hash)
    }

    /// Whether `hash` is what this record's fields hash to.
    public var hashIsValid: Bool {
        hash == AuditChain.hash(sequence: sequence, at: at, kind: kind, actor: actor, subject: subject,
                                detail: detail, previousHash: previousHash)
    }
}

/// How audit records are hashed and how a chain of them is checked.
public enum AuditChain {
    /// The `previousHash` of the first record: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256, as 64 lowercase hex digits, over the record's fields in a fixed order, each
    /// written as an 8-byte big-endian length followed by its bytes (numbers as decimal text).
    /// Length prefixes make the encoding unambiguous: moving bytes from one field to the next
    /// changes the hash, which plain concatenation would not.
    public static func hash(sequence: Int64, at: Int64, kind: String, actor: String, subject: String,
                            detail: String, previousHash: String) -> String {
        var hasher = SHA256()
        for field in ["bulwark-audit-v1", String(sequence), String(at), kind, actor, subject, detail, previousHash] {
            var length = UInt64(field.utf8.count).bigEndian
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: Data(field.utf8))
        }
        return hasher.finalize().map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]], as: UTF8.self)
        }.joined()
    }

    /// What is wrong with a chain, at the first record where it goes wrong.
    public enum Problem: Sendable, Hashable, CustomStringConvertible {
        /// The record's fields do not hash to its stored hash: it was edited.
        case edited(sequence: Int64)
        /// The record does not point at the hash of the record before it: a record before it was
        /// removed, replaced or moved, or this one was.
        case brokenLink(sequence: Int64)
        /// Numbers jump from `after` to `found`: the records between were removed.
        case missing(after: Int64, found: Int64)
        /// A number is repeated or goes backwards: records were reordered or duplicated.
        case outOfOrder(after: Int64, found: Int64)
        /// The head says the log ends at `head`, but it ends at `last`: records were removed from the end.
        case truncated(last: Int64, head: Int64)
        /// The head's hash is not the last record's hash.
        case headMismatch(sequence: Int64)

        public var description: String {
            switch self {
            case .edited(let s):
                return "record \(s) was edited: its contents do not match its hash"
            case .brokenLink(let s):
                return "record \(s) does not follow the record before it: a record was removed, replaced or moved at this point"
            case .missing(let after, let found):
                let count = found - after - 1
                return "\(count) record\(count == 1 ? " is" : "s are") missing after record \(after) (the next is \(found))"
            case .outOfOrder(let after, let found):
                return "record \(found) comes after record \(after): records were reordered or duplicated"
            case .truncated(let last, let head):
                return "the log ends at record \(last) but its head says \(head): the last \(head - last) record(s) were removed"
            case .headMismatch(let s):
                return "the head's hash does not match record \(s): the head or the last record was rewritten"
            }
        }
    }

    /// Checks records one at a time, in the order read, so a log of any length is verified in
    /// constant memory. Feed every record to ``check(_:)``; the first problem stops the walk
    /// (everything after a break is unverifiable). Then ``finish(head:)`` compares the end of the
    /// chain with the store's head.
    public struct Verifier: Sendable {
        public private(set) var checked: Int64 = 0
        public private(set) var last: (sequence: Int64, hash: String)?

        public init() {}

        /// Checks the next record; returns the first problem found, or nil.
        public mutating func check(_ record: AuditRecord) -> Problem? {
            let expected = (last?.sequence ?? 0) + 1
            if record.sequence < expected {
                return .outOfOrder(after: expected - 1, found: record.sequence)
            }
            if record.sequence > expected {
                return .missing(after: expected - 1, found: record.sequence)
            }
            if !record.hashIsValid { return .edited(sequence: record.sequence) }
            if record.previousHash != (last?.hash ?? AuditChain.genesis) { return .brokenLink(sequence: record.sequence) }
            last = (record.sequence, record.hash)
            checked += 1
            return nil
        }

        /// Compares the end of the chain with the head the store keeps (nil when it has none).
        public func finish(head: (sequence: Int64, hash: String)?) -> Problem? {
            guard let head else { return nil }
            let lastSequence = last?.sequence ?? 0
            if head.sequence > lastSequence { return .truncated(last: lastSequence, head: head.sequence) }
            if head.sequence < lastSequence { return .outOfOrder(after: head.sequence, found: lastSequence) }
            if head.sequence > 0, head.hash != last?.hash { return .headMismatch(sequence: head.sequence) }
            return nil
        }
    }
}
