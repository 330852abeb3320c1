import AuditChain
import Foundation

/// Everything Bulwark keeps durably, behind one interface, so the server, the CLI and the tests do
/// not care whether it lives in an embedded SQLite file or a shared PostgreSQL database.
/// `SQLStore` implements it for both; every method throws only `StoreError`.
///
/// ## The change feed
/// Every process that matches keeps its index in memory and follows the database: it calls
/// `loadAll` once, then `changes(after:)` in a loop from the snapshot's sequence. Every change to
/// an entry (insert, enable, disable, quarantine, delete) or a bank (create, rename, update,
/// delete) gives that object a new, higher sequence number, and `changes(after:)` returns the
/// current state of every object whose latest change is after the cursor, in sequence order.
/// Sequence numbers become visible in commit order, so a follower that advances its cursor to the
/// last record it applied never misses a change (see docs/postgresql.md).
///
/// List entries (URLs, domains, handles, wallets, keywords) have a feed of their own,
/// `listChanges(after:)`, numbered from the same counter, as is the account event log: the two
/// feeds and the log together use every number once, and each skips the numbers of the others.
/// Followers must therefore never assume that consecutive records have consecutive numbers;
/// advancing to the last record read is all that is needed (and all that `MatchEngine` does).
/// Bank records appear in both feeds.
///
/// Bank-level changes arrive as one `BankState` record, not one record per entry: a follower
/// applies a bank's `enabled`, `pdqThreshold` and `isNegative` to all the entries it holds for
/// that bank, and drops them all when the bank is deleted.
public protocol BulwarkStore: Sendable {
    /// Which database this store runs on.
    var backend: StoreBackend { get }

    // MARK: Schema and lifecycle

    /// Brings the schema up to date: applies, in order and each in its own transaction, every
    /// migration the database has not recorded, and returns those it applied (empty when already
    /// current). Safe to run from several processes at once. Throws `.schemaTooNew` when a newer
    /// Bulwark migrated the database, rather than running old code against a newer schema.
    func migrate() async throws(StoreError) -> [AppliedMigration]

    /// The newest migration recorded in the database (0 for an empty database).
    func schemaVersion() async throws(StoreError) -> Int

    /// Closes every connection and stops the store's background work. Call once, after the last
    /// operation; later operations throw `.shutDown`.
    func shutdown() async

    // MARK: Banks

    /// Creates a bank. Throws `.invalidBankName`, `.invalidThreshold`, `.bankNameTaken`.
    func createBank(_ bank: NewBank) async throws(StoreError) -> Bank
    /// Every bank, ordered by name (by code point, so uppercase before lowercase, on both backends).
    func listBanks() async throws(StoreError) -> [Bank]
    func bank(id: Int64) async throws(StoreError) -> Bank
    func bank(named name: String) async throws(StoreError) -> Bank
    /// Renames a bank; its id, entries and policy are unchanged.
    func renameBank(id: Int64, to newName: String) async throws(StoreError) -> Bank
    /// Changes a bank's policy (enabled, threshold, category, action, negative) and returns the
    /// result. A no-op update writes nothing.
    func updateBank(id: Int64, _ update: BankUpdate) async throws(StoreError) -> Bank
    /// Deletes a bank and every entry in it (hash and list entries), in one transaction, and
    /// records the deletion in the change feeds (one bank record; followers drop the bank's entries).
    func deleteBank(id: Int64) async throws(StoreError) -> BankDeletion

    // MARK: Entries

    /// Adds one hash to a bank. A hash the bank already holds is reported as `.alreadyPresent`
    /// and nothing is written (idempotent imports).
    func addEntry(_ entry: NewEntry, toBank bankId: Int64) async throws(StoreError) -> AddEntryResult

    /// Adds many hashes in ONE transaction and reports each row's outcome in order: inserted,
    /// duplicate, or (with `.skip`) invalid. With `.rejectBatch`, any invalid row throws
    /// `.invalidBatch` and nothing is written. When `checkpoint` is given it is saved in the same
    /// transaction, so an interrupted import resumes exactly after its last committed batch.
    func addEntries(_ entries: [NewEntry], toBank bankId: Int64, invalidRows: InvalidRowPolicy,
                    checkpoint: CheckpointUpdate?) async throws(StoreError) -> BatchResult

    func entry(id: Int64) async throws(StoreError) -> BankEntry

    /// A page of a bank's entries in ascending id order, after the entry id `after` (0 for the
    /// first page). Keyset pagination: each page costs the same however deep it is.
    func entries(inBank bankId: Int64, after: Int64, limit: Int) async throws(StoreError) -> [BankEntry]

    /// Every entry of a bank, fetched page by page as the caller iterates, for export.
    func exportEntries(inBank bankId: Int64, pageSize: Int) async throws(StoreError) -> Pages<BankEntry>

    /// Enables or disables an entry; a disabled entry stops matching everywhere within a poll.
    func setEntryEnabled(id: Int64, _ enabled: Bool) async throws(StoreError) -> BankEntry
    /// Quarantines an entry: it still matches but no longer drives automatic actions.
    func quarantineEntry(id: Int64, reason: String) async throws(StoreError) -> BankEntry
    /// Lifts an entry's quarantine.
    func clearQuarantine(entryId: Int64) async throws(StoreError) -> BankEntry
    /// Deletes an entry, returning what it was; followers receive a deletion record.
    func deleteEntry(id: Int64) async throws(StoreError) -> BankEntry

    /// Entry counts per bank and signal type (of one bank when `bankId` is given).
    func entryCounts(bankId: Int64?) async throws(StoreError) -> [EntryCount]

    // MARK: List entries

    /// Adds many list entries in ONE transaction and reports each row's outcome in order, with
    /// the same conventions as `addEntries`: a (type, value) the bank already holds is a
    /// `.duplicate` with the existing id and nothing is written (idempotent imports); an invalid
    /// row is skipped (`.skip`) or rejects the whole batch (`.rejectBatch`, `.invalidBatch`);
    /// `checkpoint` is saved in the same transaction. Values are kept as given, trimmed (digest
    /// types lowercased), so `Example.org` and `example.org` are two entries: matching normalises.
    func addListEntries(_ entries: [NewListEntry], toBank bankId: Int64, invalidRows: InvalidRowPolicy,
                        checkpoint: CheckpointUpdate?) async throws(StoreError) -> BatchResult

    /// Throws `.listEntryNotFound` when there is none (list entry ids are not hash entry ids).
    func listEntry(id: Int64) async throws(StoreError) -> ListEntry

    /// A page of a bank's list entries in ascending id order, after the id `after` (0 for the
    /// first page). Keyset pagination, like `entries(inBank:after:limit:)`.
    func listEntries(inBank bankId: Int64, after: Int64, limit: Int) async throws(StoreError) -> [ListEntry]

    /// Every list entry of a bank, fetched page by page as the caller iterates, for export.
    func exportListEntries(inBank bankId: Int64, pageSize: Int) async throws(StoreError) -> Pages<ListEntry>

    /// Enables or disables a list entry; followers of the list feed receive its new state.
    func setListEntryEnabled(id: Int64, _ enabled: Bool) async throws(StoreError) -> ListEntry

    /// Deletes a list entry, returning what it was; followers receive a deletion record.
    func deleteListEntry(id: Int64) async throws(StoreError) -> ListEntry

    /// List entry counts per bank and type (of one bank when `bankId` is given).
    func listEntryCounts(bankId: Int64?) async throws(StoreError) -> [ListEntryCount]

    /// The list feed: up to `limit` records for list entries and banks whose latest change is
    /// after `sequence`, ascending, each the object's current state. Same semantics as
    /// `changes(after:limit:)`; pass the last record's sequence next time.
    func listChanges(after sequence: Int64, limit: Int) async throws(StoreError) -> [ListChange]

    /// The full current list state for startup: the sequence to follow `listChanges` from, every
    /// bank, and every list entry streamed in pages of `pageSize` (of one bank when `bankId` is given).
    func loadAllLists(pageSize: Int, bankId: Int64?) async throws(StoreError) -> ListSnapshot

    // MARK: Change feed

    /// The sequence number of the latest committed change (0 before any change).
    func currentSequence() async throws(StoreError) -> Int64

    /// Up to `limit` records for objects whose latest change is after `sequence`, in ascending
    /// sequence order, each the object's current state. Pass the last record's sequence next time.
    func changes(after sequence: Int64, limit: Int) async throws(StoreError) -> [Change]

    /// The full current state for startup: the sequence to follow from, every bank, and every
    /// entry streamed in pages of `pageSize` (of one bank when `bankId` is given).
    func loadAll(pageSize: Int, bankId: Int64?) async throws(StoreError) -> Snapshot

    // MARK: Account events

    /// Appends events to the account event log in ONE transaction, in the order given, and
    /// returns their sequence numbers (ascending, in the same order). Validates every event
    /// before writing any: the account id must be 1–256 bytes of UTF-8 without control
    /// characters, the payload at most 1 MiB of UTF-8 (without NUL), the time within the years
    /// a millisecond count can hold; otherwise throws `.invalidField` naming the field and the
    /// event's index, and writes nothing. An empty array writes nothing and returns [].
    ///
    /// Numbers come from the change counter (see the change feed above), so they increase in
    /// commit order across processes but are not dense: the hash and list feeds use the others.
    func appendAccountEvents(_ events: [NewAccountEvent]) async throws(StoreError) -> [Int64]

    /// The log after `sequence` (0 for the start), ascending, at most `limit` records (1...100,000,
    /// else `.invalidLimit`). Keyset pagination, for replay: pass the last record's sequence next
    /// time; an empty page means the reader has caught up.
    func accountEvents(after sequence: Int64, limit: Int) async throws(StoreError) -> [AccountEventRecord]

    /// One account's events after `sequence`, ascending, at most `limit` (as above): its timeline,
    /// and what an appeal reviews. Throws `.invalidField` for an id the log would never accept.
    func accountEvents(forAccount accountId: String, after sequence: Int64, limit: Int)
        async throws(StoreError) -> [AccountEventRecord]

    // MARK: Content intake

    /// Records decided content in ONE transaction for the whole array, so the server can batch
    /// concurrent requests into one commit (group commit). For each record, in order: when its
    /// content id is already recorded (in the database, by another process at the same moment,
    /// or by an earlier record of this array) the outcome is `.existing` with what is stored, and
    /// nothing of the record is written; otherwise its content row, actions (an idempotency key
    /// the outbox already holds is skipped silently: keys are deterministic), recent media and
    /// audit events are written, and the outcome is `.recorded` with its audit records. One
    /// replayed record never fails the others.
    ///
    /// Every record is validated before anything is written: identifiers must be 1–256 bytes of
    /// UTF-8 without control characters, responses, payloads and details at most 1 MiB without
    /// NUL, PDQ hashes 32 bytes, MD5 and SHA-256 hex of their length, times within the years a
    /// millisecond count can hold; otherwise throws `.invalidField` naming the field and the
    /// record's index (never the value) and writes nothing. Two distinct content ids in one array
    /// may not share a decision id (`.invalidField`); a decision id already recorded for other
    /// content throws `.constraintViolated` and writes nothing. An empty array writes nothing.
    func recordIntake(_ records: [IntakeRecord]) async throws(StoreError) -> [IntakeOutcome]

    /// The recorded content with this id, or nil. Throws `.invalidField` for an id the intake
    /// would never accept.
    func content(id contentId: String) async throws(StoreError) -> ContentRecord?

    // MARK: Actions outbox

    /// Adds actions to the outbox, due now, in ONE transaction with `audit`, and returns each
    /// action's new id in order, or nil where its idempotency key was already in the outbox (or
    /// earlier in `actions`): enqueueing is idempotent. The audit events are appended only when at
    /// least one action was new. Validated like `recordIntake` (`.invalidField`, nothing written).
    func enqueueActions(_ actions: [NewAction], audit: [NewAuditEvent]) async throws(StoreError) -> [Int64?]

    /// Leases up to `limit` (1...1,000) due actions to `owner` until `now + lease` and returns
    /// them, longest-waiting first: pending, `nextAttemptAt <= now`, and not leased by anyone at
    /// `now`. Claims by several workers, in several processes, never return the same action
    /// while its lease runs; an action whose lease ran out (its worker died) is claimable again.
    /// `lease` must be positive and at most a day.
    func claimActions(owner: String, limit: Int, now: Date, lease: Duration) async throws(StoreError) -> [ActionRecord]

    /// Marks a delivered action: status delivered at `at`, one more attempt, lease cleared, and
    /// `audit` appended in the same transaction. Only while the action is pending and leased by
    /// `owner`; otherwise (the lease was lost to another worker, or it was already completed)
    /// writes nothing and returns false.
    func completeAction(id: Int64, owner: String, at: Date, audit: NewAuditEvent?) async throws(StoreError) -> Bool

    /// Marks many delivered actions in ONE transaction, each exactly as `completeAction` would
    /// (only when its owner still holds it), and returns, in order, whether each was written. A
    /// delivery worker sends several webhooks at once; committing their outcomes together costs
    /// one commit instead of one per action.
    func completeActions(_ completions: [ActionCompletion]) async throws(StoreError) -> [Bool]

    /// Records a failed delivery attempt: one more attempt, `error` kept (its first 1,000
    /// characters), lease cleared, and `audit` appended in the same transaction. With `retryAt`
    /// the action stays pending and is due again then; without, it becomes a dead letter. Only
    /// while the action is pending and leased by `owner`; otherwise writes nothing and returns nil.
    func failAction(id: Int64, owner: String, error: String, retryAt: Date?, audit: NewAuditEvent?)
        async throws(StoreError) -> ActionRecord?

    /// Throws `.actionNotFound` when there is none.
    func action(id: Int64) async throws(StoreError) -> ActionRecord

    /// A page of the outbox (of one status when given) in ascending id order, after the id
    /// `after` (0 for the first page), at most `limit` (1...1,000). Keyset pagination.
    func actions(status: ActionStatus?, after id: Int64, limit: Int) async throws(StoreError) -> [ActionRecord]

    /// Every action a decision caused, in id order.
    func actions(decisionId: String) async throws(StoreError) -> [ActionRecord]

    /// An operator's retry, with `audit` appended in the same transaction: a dead letter becomes
    /// pending again, due at `at`, with its attempt count reset (its last error is kept); a
    /// pending action is only made due at `at`. Throws `.actionDelivered` for a delivered action
    /// (retrying would deliver it twice) and `.actionNotFound`.
    func retryAction(id: Int64, at: Date, audit: NewAuditEvent?) async throws(StoreError) -> ActionRecord

    /// Counts by status and the age of the oldest pending action, as one consistent snapshot.
    func outboxStats() async throws(StoreError) -> OutboxStats

    // MARK: Audit log

    /// Appends events to the hash-chained audit log in ONE transaction and returns the records
    /// as chained: numbered densely, in commit order, across every process (see AuditChain).
    /// Validated first (`.invalidField`, nothing written); an empty array writes nothing.
    func appendAudit(_ events: [NewAuditEvent]) async throws(StoreError) -> [AuditRecord]

    /// The log after `sequence` (0 for the start), ascending, at most `limit` (1...100,000):
    /// what `AuditChain.Verifier` walks. An empty page means the reader has caught up.
    func auditRecords(after sequence: Int64, limit: Int) async throws(StoreError) -> [AuditRecord]

    /// The last record's number and hash (0 and `AuditChain.genesis` for an empty log), to pass
    /// to `Verifier.finish(head:)` and to publish.
    func auditHead() async throws(StoreError) -> AuditHead

    // MARK: Recent media

    /// Recent media whose MD5 is `md5` (32 hex characters, either case), seen at or after
    /// `since`, in id order: the content a newly banked MD5 would have matched.
    func recentMedia(md5: String, since: Date) async throws(StoreError) -> [RecentMediaRecord]

    /// Recent media whose SHA-256 is `sha256` (64 hex characters, either case), seen at or after
    /// `since`, in id order.
    func recentMedia(sha256: String, since: Date) async throws(StoreError) -> [RecentMediaRecord]

    /// A page of the recent media that has a PDQ hash, seen at or after `since`, in id order
    /// after the id `after` (0 for the first page), at most `limit` (1...100,000): PDQ matches by
    /// distance, so a newly banked PDQ hash is compared with each of them.
    func recentMediaWithPDQ(since: Date, after id: Int64, limit: Int) async throws(StoreError) -> [RecentMediaRecord]

    /// Removes the recent media seen before `before` and returns how many rows went, in short
    /// transactions so intake is never held up for long.
    func purgeRecentMedia(before: Date) async throws(StoreError) -> Int

    // MARK: Cursors

    /// The position saved under `name`, or nil when none was saved.
    func cursor(named name: String) async throws(StoreError) -> Int64?

    /// Saves a follower's position (creating or replacing it). Throws `.invalidField` for a
    /// name that is not an identifier or a negative sequence.
    func saveCursor(named name: String, sequence: Int64) async throws(StoreError)

    // MARK: Review cases

    /// The active cases (open, escalated, confirmed) per queue, the queue with the most severe
    /// case first, then the one whose oldest case has waited longest.
    func queueSummaries() async throws(StoreError) -> [QueueSummary]

    /// A page of cases (of one queue when given; of the given statuses, or all when empty) in
    /// queue order: severity descending, then oldest first, then id. `limit` is 1...1,000.
    func cases(queue: String?, statuses: [CaseStatus], offset: Int, limit: Int) async throws(StoreError) -> [CaseRecord]

    /// Throws `.caseNotFound`.
    func caseRecord(id: Int64) async throws(StoreError) -> CaseRecord

    /// The accounts a case holds, sorted by code point.
    func caseAccounts(caseId: Int64) async throws(StoreError) -> [String]

    /// A case's items in time order (then id).
    func caseItems(caseId: Int64) async throws(StoreError) -> [CaseItemRecord]

    /// Every case, of any status, holding the account, newest first: the account's prior cases.
    func cases(account: String) async throws(StoreError) -> [CaseRecord]

    /// Assigns the next case of `queue` to a reviewer until `now + lease` and returns it (nil when
    /// none is free), in ONE transaction: the first active case in queue order, not in
    /// `excluding` (at most 1,000 ids), that is unassigned, whose assignment ran out, or that the
    /// reviewer already holds. Concurrent claims, in any process, never return the same case
    /// while its lease runs. `lease` must be positive and at most a day.
    func claimNextCase(queue: String, reviewerId: Int64, now: Date, lease: Duration, excluding: [Int64])
        async throws(StoreError) -> CaseRecord?

    /// Gives a case back to its queue, if the reviewer holds it. Throws `.caseNotFound`.
    func releaseCase(id: Int64, reviewerId: Int64) async throws(StoreError)

    /// Decides a case in ONE transaction: sets its status (active again only for open, escalated
    /// or confirmed), `decidedAt` = `event.at`, who and why, clears its assignment, appends
    /// `event` to its timeline, enqueues `actions` as `enqueueActions` does (a key already in the
    /// outbox is skipped) and appends `audit`. Throws `.caseNotFound`; validated first.
    func decideCase(id: Int64, status: CaseStatus, by: String, reason: String, event: NewCaseEvent,
                    actions: [NewAction], audit: [NewAuditEvent]) async throws(StoreError) -> CaseRecord

    /// Appends an event to a case's timeline with `audit`, in ONE transaction. Throws `.caseNotFound`.
    func appendCaseEvent(caseId: Int64, _ event: NewCaseEvent, audit: [NewAuditEvent]) async throws(StoreError)

    /// A case's timeline, in the order it was written.
    func caseEvents(caseId: Int64) async throws(StoreError) -> [CaseEventRecord]

    /// The case item recorded for this content, or nil.
    func caseForContent(contentId: String) async throws(StoreError) -> CaseItemRecord?

    // MARK: Reviewers and sessions

    /// Creates a reviewer. The name is 1–64 bytes of letters, digits, `.`, `_`, `-`
    /// (`.invalidField("name")`); a name in use throws `.reviewerNameTaken`.
    func createReviewer(name: String, role: ReviewerRole, at: Date) async throws(StoreError) -> Reviewer
    /// Throws `.reviewerNotFound`.
    func reviewer(id: Int64) async throws(StoreError) -> Reviewer
    func reviewer(named name: String) async throws(StoreError) -> Reviewer?
    /// Every reviewer, by name (code point order).
    func listReviewers() async throws(StoreError) -> [Reviewer]
    /// Disables a reviewer at `at` (ending their sessions and unused login tokens), or enables
    /// them again with nil.
    func setReviewerDisabled(id: Int64, at: Date?) async throws(StoreError) -> Reviewer

    /// Stores a single-use login token by its SHA-256 (64 hex characters).
    func createLoginToken(tokenHash: String, reviewerId: Int64, at: Date, expiresAt: Date) async throws(StoreError)
    /// Deletes the token and returns its reviewer, only when it had not expired at `now` and the
    /// reviewer is enabled; nil otherwise, and for every later call with the same hash.
    func consumeLoginToken(tokenHash: String, now: Date) async throws(StoreError) -> Reviewer?

    /// Stores a session by the SHA-256 of its token. The reviewer must exist and be enabled.
    func createSession(_ session: NewSession) async throws(StoreError)
    /// The session, or nil when unknown, expired at `now`, ended, or its reviewer is disabled.
    func session(tokenHash: String, now: Date) async throws(StoreError) -> SessionRecord?
    /// Ends a session (sign-out); a session already ended keeps its first end.
    func endSession(tokenHash: String, at: Date) async throws(StoreError)
    /// Saves the server's queue-rotation state for a session.
    func updateSessionRotation(tokenHash: String, severeStreak: Int, cooldown: Int) async throws(StoreError)

    /// How many audit records of `kind` `actor` wrote at or after `since` (a per-shift budget).
    func auditCount(kind: String, actor: String, since: Date) async throws(StoreError) -> Int
    /// Every audit record of `kind` about `subject`, in log order (who revealed this item).
    func auditRecords(kind: String, subject: String) async throws(StoreError) -> [AuditRecord]

    // MARK: Evidence vault

    /// The vault items of a piece of content, by kind and media index.
    func vaultItems(contentId: String) async throws(StoreError) -> [VaultItemRecord]
    /// Throws `.vaultItemNotFound`.
    func vaultItem(id: String) async throws(StoreError) -> VaultItemRecord
    /// Up to `limit` (1...10,000) items the retention sweep may destroy at `now`: not destroyed,
    /// not held, `retainUntil <= now`; the longest overdue first.
    func vaultItemsDue(now: Date, limit: Int) async throws(StoreError) -> [VaultItemRecord]
    /// Changes an item's retention and hold, with `audit`, in ONE transaction. Throws
    /// `.vaultItemNotFound`, and `.vaultItemDestroyed` for a destroyed item.
    func updateVaultRetention(itemId: String, retention: String, retainUntil: Date, held: Bool,
                              audit: [NewAuditEvent]) async throws(StoreError) -> VaultItemRecord
    /// Destroys an item (its sealed bytes, with the wrapped data key, become NULL) and records
    /// the tombstone and final retention, with `audit`, in ONE transaction. Idempotent: an item
    /// already destroyed is returned unchanged and nothing is appended.
    func destroyVaultItem(itemId: String, at: Date, tombstone: String, retention: String,
                          audit: [NewAuditEvent]) async throws(StoreError) -> VaultItemRecord
    /// Replaces an item's sealed bytes after a key rotation. Throws `.vaultItemNotFound` and
    /// `.vaultItemDestroyed`.
    func replaceSealed(itemId: String, sealed: [UInt8], keyId: String) async throws(StoreError)

    // MARK: Reports

    /// Saves a case's report draft with `audit`, in ONE transaction: replaces the case's report in
    /// status draft or failed (keeping its id; it becomes a draft), else inserts a new one.
    /// Throws `.caseNotFound`.
    func saveReportDraft(_ draft: NewReportDraft, at: Date, audit: [NewAuditEvent]) async throws(StoreError) -> ReportRecord
    /// Throws `.reportNotFound`.
    func report(id: Int64) async throws(StoreError) -> ReportRecord
    /// A case's reports, newest first.
    func reports(caseId: Int64) async throws(StoreError) -> [ReportRecord]
    /// Moves a report to `status` with `audit`, in ONE transaction; a remote id or error given is
    /// stored (nil keeps the stored one). Moving to `sending` is allowed only from draft or failed
    /// (`.invalidField("status")`), so a report is never sent twice. Throws `.reportNotFound`.
    func updateReport(id: Int64, status: ReportStatus, remoteId: Int64?, error: String?, at: Date,
                      audit: [NewAuditEvent]) async throws(StoreError) -> ReportRecord

    // MARK: API keys

    /// Records a new key. The caller generates the secret, shows it once, and passes only its
    /// SHA-256 (`keyHash`, 64 hex characters) and a display prefix.
    func createAPIKey(name: String, role: APIKeyRole, keyHash: String, prefix: String)
        async throws(StoreError) -> APIKey
    /// The key whose secret hashes to `keyHash`, revoked or not, or nil.
    func apiKey(hash keyHash: String) async throws(StoreError) -> APIKey?
    func apiKey(id: Int64) async throws(StoreError) -> APIKey
    /// Every key, newest first.
    func listAPIKeys() async throws(StoreError) -> [APIKey]
    /// Revokes a key (idempotent: the first revocation time is kept).
    func revokeAPIKey(id: Int64) async throws(StoreError) -> APIKey
    /// Records that a key was used. Cheap enough to call on every request: this process writes
    /// at most once a minute per key. Returns whether it wrote.
    @discardableResult
    func touchAPIKey(id: Int64) async throws(StoreError) -> Bool

    // MARK: Import checkpoints

    func importCheckpoint(key: String) async throws(StoreError) -> ImportCheckpoint?
    /// Creates or replaces a checkpoint (usually done by `addEntries(checkpoint:)` instead).
    @discardableResult
    func saveImportCheckpoint(_ checkpoint: CheckpointUpdate, bankId: Int64) async throws(StoreError) -> ImportCheckpoint
    /// Removes a finished import's checkpoint; returns whether one existed.
    @discardableResult
    func clearImportCheckpoint(key: String) async throws(StoreError) -> Bool
}

extension BulwarkStore {
    /// Adds many hashes in one transaction, skipping invalid rows (reported in the result).
    public func addEntries(_ entries: [NewEntry], toBank bankId: Int64,
                           invalidRows: InvalidRowPolicy = .skip) async throws(StoreError) -> BatchResult {
        try await addEntries(entries, toBank: bankId, invalidRows: invalidRows, checkpoint: nil)
    }

    /// Adds many list entries in one transaction, skipping invalid rows (reported in the result).
    public func addListEntries(_ entries: [NewListEntry], toBank bankId: Int64,
                               invalidRows: InvalidRowPolicy = .skip) async throws(StoreError) -> BatchResult {
        try await addListEntries(entries, toBank: bankId, invalidRows: invalidRows, checkpoint: nil)
    }

    /// List entry counts for every bank.
    public func listEntryCounts() async throws(StoreError) -> [ListEntryCount] {
        try await listEntryCounts(bankId: nil)
    }

    /// The full current list state of every bank, in pages of `pageSize` entries.
    public func loadAllLists(pageSize: Int = 50_000) async throws(StoreError) -> ListSnapshot {
        try await loadAllLists(pageSize: pageSize, bankId: nil)
    }

    /// Entry counts for every bank.
    public func entryCounts() async throws(StoreError) -> [EntryCount] {
        try await entryCounts(bankId: nil)
    }

    /// The full current state of every bank, in pages of `pageSize` entries (default 50,000:
    /// large pages keep the per-query overhead negligible at 10M entries).
    public func loadAll(pageSize: Int = 50_000) async throws(StoreError) -> Snapshot {
        try await loadAll(pageSize: pageSize, bankId: nil)
    }
}
