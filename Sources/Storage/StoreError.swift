/// How a bank was looked up, so "not found" can say what was asked for.
public enum BankReference: Sendable, Hashable, CustomStringConvertible {
    case id(Int64)
    case name(String)

    public var description: String {
        switch self {
        case .id(let id): "id \(id)"
        case .name(let name): "name \"\(name)\""
        }
    }
}

/// Every error the store throws. Callers match on the case (the HTTP layer maps them to 4xx/5xx);
/// `description` tells a person what to fix. Descriptions never contain credentials, connection
/// URLs, SQL with values, or hash values (hash lists are sensitive).
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    // Input the caller can fix (HTTP 4xx).
    /// A bank name that is empty, too long or uses characters other than `A–Z a–z 0–9 _ - .`.
    case invalidBankName(String)
    /// Another bank already has this name.
    case bankNameTaken(String)
    case bankNotFound(BankReference)
    /// A PDQ threshold outside 0...256.
    case invalidThreshold(Int)
    /// A hash that is not hex of the signal type's length. The value itself is not repeated.
    case invalidHashValue(signalType: SignalType, reason: String)
    /// A text field that is too long or contains characters the database cannot store.
    case invalidField(field: String, reason: String)
    case entryNotFound(Int64)
    /// A list entry value the store refuses (empty, too long, a control character, a malformed
    /// digest or handle). The value itself is not repeated: URL lists are as sensitive as hash lists.
    case invalidListValue(signalType: ListSignalType, reason: String)
    case listEntryNotFound(Int64)
    case apiKeyNotFound(Int64)
    /// A key with this hash already exists (a secret was reused or the hash computed twice).
    case apiKeyHashTaken
    /// A batch added with `.rejectBatch` had invalid rows; nothing was written.
    case invalidBatch([BatchRowError])
    /// A limit or page size outside its allowed range.
    case invalidLimit(name: String, value: Int, allowed: ClosedRange<Int>)
    case actionNotFound(Int64)
    /// An operator asked to retry an action that was already delivered: retrying it would
    /// deliver it again.
    case actionDelivered(Int64)
    /// No review case has this id.
    case caseNotFound(Int64)
    /// Another reviewer already has this name (names are how reviewers sign in and are audited).
    case reviewerNameTaken(String)
    case reviewerNotFound(Int64)
    /// No evidence vault item has this id.
    case vaultItemNotFound(String)
    /// The vault item was destroyed (its sealed bytes and key are gone); it can no longer change.
    case vaultItemDestroyed(String)
    case reportNotFound(Int64)

    // Deployment problems an operator can fix.
    /// The database was migrated by a newer Bulwark than this one.
    case schemaTooNew(found: Int, known: Int)
    /// The tables do not exist yet: `migrate()` has not run against this database.
    case schemaNotMigrated
    /// A database URL, path or option that cannot be used; the reason never repeats secrets.
    case invalidConfiguration(String)
    /// The database cannot be reached or refused the connection.
    case unavailable(String)
    /// The database rejected a write because it would break a constraint.
    case constraintViolated(String)
    /// Any other database failure, described without SQL values.
    case databaseFailure(String)
    /// The store was shut down; no further operations are possible.
    case shutDown

    public var description: String {
        switch self {
        case .invalidBankName(let reason):
            "invalid bank name: \(reason); use 1–100 characters of A–Z a–z 0–9 _ - ."
        case .bankNameTaken(let name):
            "a bank named \"\(name)\" already exists; choose another name or use the existing bank"
        case .bankNotFound(let reference):
            "no bank with \(reference); list banks to see the names and ids that exist"
        case .invalidThreshold(let value):
            "invalid PDQ threshold \(value); use a distance from 0 to 256 (the usual value is 31)"
        case .invalidHashValue(let signalType, let reason):
            "invalid \(signalType) hash: \(reason); expected \(signalType.hexLength) hex characters (0-9, a-f)"
        case .invalidField(let field, let reason):
            "invalid \(field): \(reason)"
        case .entryNotFound(let id):
            "no entry with id \(id); it may have been deleted"
        case .invalidListValue(let signalType, let reason):
            "invalid \(signalType) list entry: \(reason); \(Self.expectation(signalType))"
        case .listEntryNotFound(let id):
            "no list entry with id \(id); it may have been deleted"
        case .apiKeyNotFound(let id):
            "no API key with id \(id); list keys to see the ids that exist"
        case .apiKeyHashTaken:
            "an API key with this hash already exists; generate a new secret"
        case .invalidBatch(let rows):
            "the batch was rejected and nothing was written: \(rows.count) invalid row(s); first: "
                + (rows.first.map(\.description) ?? "none")
                + "; fix those rows or choose to skip invalid rows"
        case .invalidLimit(let name, let value, let allowed):
            "invalid \(name) \(value); use a value from \(allowed.lowerBound) to \(allowed.upperBound)"
        case .actionNotFound(let id):
            "no action with id \(id); list the outbox's actions to see the ids that exist"
        case .actionDelivered(let id):
            "action \(id) was already delivered; only pending actions and dead letters can be retried"
        case .caseNotFound(let id):
            "no case with id \(id); list the review queues to see the cases that exist"
        case .reviewerNameTaken(let name):
            "a reviewer named \"\(name)\" already exists; choose another name or use the existing reviewer"
        case .reviewerNotFound(let id):
            "no reviewer with id \(id); list reviewers to see the ids that exist"
        case .vaultItemNotFound(let id):
            "no evidence vault item with id \"\(id)\"; list the content's vault items to see the ids that exist"
        case .vaultItemDestroyed(let id):
            "evidence vault item \"\(id)\" was destroyed at the end of its retention; its contents are gone and it cannot change"
        case .reportNotFound(let id):
            "no report with id \(id); list the case's reports to see the ids that exist"
        case .schemaTooNew(let found, let known):
            "the database schema is at version \(found) but this Bulwark knows versions up to \(known); "
                + "upgrade Bulwark (a newer version has migrated this database)"
        case .schemaNotMigrated:
            "the database has no Bulwark tables yet; run `bulwark migrate` (or start the server, which migrates)"
        case .invalidConfiguration(let reason):
            "invalid database configuration: \(reason)"
        case .unavailable(let reason):
            "the database is unavailable: \(reason)"
        case .constraintViolated(let reason):
            "the database rejected the change: \(reason)"
        case .databaseFailure(let reason):
            "database error: \(reason)"
        case .shutDown:
            "the store has been shut down; this is a bug in the caller (an operation after shutdown)"
        }
    }

    /// What a valid value of a list type looks like, for `invalidListValue`'s message.
    private static func expectation(_ type: ListSignalType) -> String {
        let text = "1–\(Validate.listValueBytes.upperBound) bytes without control characters"
        return switch type {
        case .url: "give the URL as the list has it, \(text)"
        case .domain: "give the host or domain name (e.g. example.org), \(text)"
        case .handle: "write it as platform:name (e.g. telegram:somechannel), \(text)"
        case .wallet: "give the address as the list has it, \(text)"
        case .keyword: "give the term or phrase, \(text)"
        case .urlMD5: "expected the MD5 of the canonical URL as 32 hex characters (0-9, a-f)"
        case .urlSHA256: "expected the SHA-256 of the canonical URL as 64 hex characters (0-9, a-f)"
        }
    }
}
