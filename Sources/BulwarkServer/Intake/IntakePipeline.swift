import AccountGraph
import AccountRegistry
import Crypto
import Foundation
import Logging
import Matching
import MediaHashing
import Metrics
import NIOCore
import PDQ
import Policy
import Signals
import Storage

/// `POST /v1/content` from request to decision: hashing, bank matching, links and solicitation,
/// account screening, then the policy; the decision, its actions and its audit record are stored
/// in one transaction before the answer leaves.
///
/// The content id is the platform's, and the intake is idempotent on it: a retry (after a
/// timeout, a crash of either side) gets the first decision back, byte for byte, and never
/// creates a second set of actions. Media bytes are hashed and dropped; only the hashes are
/// kept, for the retroactive window.
struct IntakePipeline: Sendable {
    let store: any BulwarkStore
    let engine: MatchEngine
    let lists: ListFollower
    let accounts: AccountRegistry
    let accountRoutes: AccountRoutes
    let policy: PolicyHolder
    let writer: IntakeWriter
    let configuration: ServerConfiguration
    /// Called after a decision with actions is stored: wakes the outbox worker.
    let onActions: @Sendable () -> Void
    /// Seals the evidence of decisions that need a person; nil when no vault key is configured.
    var evidence: EvidenceKeeper? = nil

    /// What the intake answers.
    struct Result: Sendable {
        var json: String
        /// The content id had been decided before; `json` is that first answer.
        var replayed: Bool
        var decisionId: String
        var verdict: String
        /// The media matches found (the canary checks these).
        var mediaMatches: [MediaMatchFact]
    }

    enum Persistence: Sendable {
        /// A real submission: recorded, acted on, audited.
        case record
        /// The canary: the whole pipeline runs, nothing is written, no action is taken.
        case dryRun
    }

    /// The decision id for a content id: derived, not random, so that processes racing on the
    /// same content id compute the same id and the same idempotency keys.
    static func decisionId(contentId: String) -> String {
        "d_" + hexDigest(Array("content:\(contentId)".utf8)).prefix(32)
    }

    static func hexDigest(_ bytes: [UInt8]) -> String {
        APIKeys.hex(Array(SHA256.hash(data: bytes)))
    }

    /// The most accounts one suspension fans out to. An actor with more is a case for an
    /// operator: its first 10,000 accounts, by creation, are suspended.
    static let maximumFanOut = 10_000

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000).rounded()) }

    func process(_ body: [UInt8], principal: String, persistence: Persistence, logger: Logger) async throws -> Result {
        let started = ContinuousClock.now
        let now = Self.nowMillis()
        let request: ContentRequest
        do {
            request = try ContentRequest.parse(body, maxMediaBytes: configuration.maxMediaBytes, now: now)
        } catch {
            switch error {
            case .invalid(let message): throw APIError.badRequest(message)
            case .tooLarge(let message): throw AccountRouteError.payloadTooLarge(message)
            }
        }
        let requestDigest = Self.hexDigest(body)
        let decisionId = Self.decisionId(contentId: request.contentId)

        // A profile or signup is looked up first, so that a retry does not record its account
        // event a second time. Other content goes straight to the decision: the write finds a
        // content id decided before and answers with that decision, which saves a database round
        // trip on every post (retries are rare).
        if persistence == .record, request.profileEvent != nil {
            let existing: ContentRecord?
            do { existing = try await store.content(id: request.contentId) } catch { throw APIError.from(error) }
            if let existing { return try replay(existing, digest: requestDigest) }
        }

        // The signals: media against the banks (the index must be loaded for that, and for
        // avatars), text against the lists and lexicon, the account and its actor.
        if !request.media.isEmpty || request.profileEvent != nil {
            guard engine.isReady else { throw APIError.notReady }
        }
        let media = try hashAndMatch(request, decisionId: decisionId)
        let (scan, listFacts) = await scanText(request)
        let (evasion, screeningJSON) = try await screenAccount(request, persistence: persistence, logger: logger)
        let membership = await accounts.membership(of: request.account, limit: Self.maximumFanOut)
        let actorFact = membership.map {
            ActorFact(id: $0.actor, banned: $0.banned, authorBanned: $0.accountBanned, accounts: $0.count)
        }

        // The policy.
        let loaded = policy.current
        let input = PolicyInput(kind: request.kind, mediaMatches: media.facts, listMatches: listFacts,
                                solicitationScore: scan.score, solicitationBand: Self.band(scan.band),
                                evasion: evasion, actor: actorFact, retroactive: false)
        let outcome = loaded.policy.evaluate(input)

        // Actions: one per action kind, and one suspension per account of the author's actor.
        let actions = ActionPlan.actions(outcome.actions, context: ActionPlan.Context(
            decisionId: decisionId, contentId: request.contentId, kind: request.kind.rawValue, account: request.account,
            outcome: outcome, policy: loaded.label, retroactive: false, decidedAt: Self.isoTime(now), platform: request.platform),
            actorAccounts: membership?.accounts ?? [])

        let verdict = outcome.verdict.rawValue
        let json = Self.responseJSON(request: request, decisionId: decisionId, outcome: outcome, actions: actions,
                                     media: media.json, lists: listFacts, scan: scan, screening: screeningJSON,
                                     actor: actorFact, policy: loaded.label)
        for rule in outcome.shadow {
            logger.info("shadow rule matched; nothing was done", metadata: [
                "rule": "\(rule.id)", "would": "\(rule.actions.map(\.rawValue).joined(separator: ","))",
                "decision": "\(decisionId)",
            ])
        }
        guard persistence == .record else {
            return Result(json: json, replayed: false, decisionId: decisionId, verdict: verdict, mediaMatches: media.facts)
        }

        let audit = NewAuditEvent(at: Date(timeIntervalSince1970: Double(now) / 1_000), kind: "decision", actor: principal,
                                  subject: decisionId,
                                  detail: Self.auditDetail(request: request, outcome: outcome, actions: actions, policy: loaded,
                                                           requestDigest: requestDigest, media: media.facts, lists: listFacts))
        let content = NewContent(contentId: request.contentId, decisionId: decisionId, kind: request.kind.rawValue,
                                 accountId: request.account, at: Date(timeIntervalSince1970: Double(request.at) / 1_000),
                                 verdict: verdict, requestDigest: requestDigest, response: json)
        var record = IntakeRecord(content: content, actions: actions, audit: [audit], media: media.recent)
        if Self.needsPerson(outcome) {
            // A person will look at this: it joins (or opens) the case on its actor, and its
            // evidence is sealed before the media bytes are dropped.
            record.caseItem = NewCaseItem(
                actorKey: membership.map { "actor:\($0.actor)" } ?? "account:\(request.account)",
                accounts: Array((membership?.accounts ?? [request.account]).prefix(1_000)),
                severity: Self.severityRank(outcome.severity), queue: outcome.queue ?? "review",
                summary: "{\"verdict\":\"\(verdict)\",\"rules\":[\(outcome.fired.map { JSONString.quote($0.id) }.joined(separator: ","))]}")
            if let evidence {
                let preserved = evidence.preserve(
                    contentId: request.contentId, metadata: Self.metadataJSON(request), signals: json,
                    media: zip(request.media.indices, request.media).compactMap { index, item in
                        guard let bytes = item.bytes else { return nil }
                        let hashes = media.recent.first { $0.mediaIndex == index }
                        return (index, bytes, hashes?.md5, hashes?.sha256, hashes?.pdq.map { PDQHash(bytes: $0)?.hex } ?? nil)
                    },
                    by: principal, at: Date(timeIntervalSince1970: Double(now) / 1_000))
                record.evidence = preserved.items
                record.audit += preserved.audit
            }
        }
        let stored: IntakeOutcome
        do {
            stored = try await writer.write(record)
        } catch {
            throw APIError.from(error)
        }
        switch stored {
        case .existing(let record):
            // Another request with the same content id was decided first (a concurrent retry).
            return try replay(record, digest: requestDigest)
        case .recorded:
            IntakeMetrics.decided(kind: request.kind.rawValue, verdict: verdict, outcome: outcome,
                                  seconds: started.duration(to: .now))
            if !actions.isEmpty { onActions() }
            return Result(json: json, replayed: false, decisionId: decisionId, verdict: verdict, mediaMatches: media.facts)
        }
    }

    /// The post, its links and the profile's name and bio, through the lists and the lexicon; list
    /// matches once per bank, type and value.
    func scanText(_ request: ContentRequest) async -> (TextScanner.Result, [ListMatchFact]) {
        if !lists.isReady && accountRoutes.loadsListsOnDemand { try? await lists.load() }
        var scanParts = [request.text]
        scanParts.append(contentsOf: request.links)
        if !request.profileText.isEmpty { scanParts.append(request.profileText) }
        let scan = lists.scan(scanParts.joined(separator: "\n"))
        var listFacts: [ListMatchFact] = []
        var seenLists = Set<String>()
        for match in scan.matches where seenLists.insert("\(match.bank.id)|\(match.entry.type.rawValue)|\(match.target)").inserted {
            listFacts.append(ListMatchFact(bank: match.bank.name, type: match.entry.type.rawValue, value: match.target))
        }

        return (scan, listFacts)
    }

    /// Signups and profile edits are screened for ban evasion (and recorded in the account graph
    /// unless this is a dry run); other content has no screening.
    func screenAccount(_ request: ContentRequest, persistence: Persistence, logger: Logger) async throws -> (EvasionFact?, String?) {
        guard let event = request.profileEvent else { return (nil, nil) }
        let decoded = try accountRoutes.decode(ByteBuffer(bytes: event), defaultEvent: "account")
        guard case .account(let profile) = decoded.event else {
            throw APIError.badRequest("\"profile\" is not an account event.")
        }
        await accountRoutes.refreshScanner()
        let screening = try await accountRoutes.screening(profile, dryRun: persistence == .dryRun, logger: logger)
        return (EvasionFact(risk: screening.risk, decision: Self.evasionDecision(screening), bannedActor: screening.bannedActor),
                screening.json(atJSON: decoded.atJSON))
    }

    /// What the media of one item of content came to: the matches that may act (the policy's
    /// facts), the answer's JSON per item, and the hashes kept for the retroactive window.
    struct MediaSignals {
        var facts: [MediaMatchFact] = []
        var json: [String] = []
        var recent: [RecentMedia] = []
    }

    /// Hashes what came as bytes (then drops the bytes) and matches every item against the banks.
    func hashAndMatch(_ request: ContentRequest, decisionId: String) throws -> MediaSignals {
        var out = MediaSignals()
        for (index, item) in request.media.enumerated() {
            var pdq = item.pdq
            var md5 = item.md5
            var sha256 = item.sha256
            var quality: Int?
            if let bytes = item.bytes {
                let hashes: MediaHashes
                do {
                    hashes = try bytes.withUnsafeBytes {
                        try MediaHasher.hash($0, options: MediaHashOptions(dihedral: false, limits: configuration.decodeLimits))
                    }
                } catch let error as MediaHashError {
                    switch APIError.from(error) {
                    case .unsupportedMedia(let message):
                        throw APIError.unsupportedMedia("media[\(index)]: \(message)")
                    case let other: throw other
                    }
                }
                // A flat picture has PDQ quality 0: its hash says nothing about the image.
                pdq = hashes.quality > 0 ? hashes.pdq : nil
                md5 = hashes.md5
                sha256 = hashes.sha256
                quality = hashes.quality
            }
            let matches = engine.match(MatchQuery(pdq: pdq, md5: md5, sha256: sha256, itemKey: "content:\(request.contentId)#\(index)"))
            MatchMetrics.record(matches)
            var matchJSON: [String] = []
            for match in matches where match.actionable {
                guard let signal = MediaSignal(rawValue: match.signalType.rawValue) else { continue }
                out.facts.append(MediaMatchFact(bank: match.bankName, category: match.category, signal: signal,
                                                 distance: match.distance, mediaIndex: index))
                matchJSON.append("{\"bank\":\(JSONString.quote(match.bankName)),\"category\":\(Self.quoteOrNull(match.category)),"
                    + "\"signal\":\"\(match.signalType.rawValue)\",\"distance\":\(match.distance),\"entryId\":\(match.entryId)}")
            }
            var fields = ["\"index\":\(index)"]
            if let id = item.id { fields.append("\"id\":\(JSONString.quote(id))") }
            if let pdq { fields.append("\"pdq\":\"\(pdq.hex)\"") }
            if let quality { fields.append("\"quality\":\(quality)") }
            if let md5 { fields.append("\"md5\":\"\(md5)\"") }
            if let sha256 { fields.append("\"sha256\":\"\(sha256)\"") }
            fields.append("\"matches\":[\(matchJSON.joined(separator: ","))]")
            out.json.append("{" + fields.joined(separator: ",") + "}")
            out.recent.append(RecentMedia(contentId: request.contentId, decisionId: decisionId, mediaIndex: index,
                                      at: Date(timeIntervalSince1970: Double(request.at) / 1_000),
                                      pdq: pdq?.bytes, md5: md5, sha256: sha256))
        }

        return out
    }

    /// Whether a decision asks for a person: held for review, or to be reported (a report is
    /// filed by a reviewer, from a case).
    static func needsPerson(_ outcome: PolicyOutcome) -> Bool {
        outcome.verdict == .review || outcome.actions.contains(.holdForReview) || outcome.actions.contains(.report)
    }

    static func severityRank(_ severity: Severity?) -> Int {
        switch severity {
        case .low: 0
        case .medium, nil: 1
        case .high: 2
        case .critical: 3
        }
    }

    /// What a reviewer needs to read the content later, preserved (sealed) with it: the text,
    /// links, profile text and platform ids. Media bytes are sealed as items of their own.
    static func metadataJSON(_ request: ContentRequest) -> String {
        let media = request.media.indices.map { index in
            "{\"index\":\(index)" + (request.media[index].id.map { ",\"id\":" + JSONString.quote($0) } ?? "") + "}"
        }
        return "{\"contentId\":\(JSONString.quote(request.contentId)),\"kind\":\"\(request.kind.rawValue)\","
            + "\"account\":\(JSONString.quote(request.account)),\"at\":\(request.at),\"text\":\(JSONString.quote(request.text)),"
            + "\"links\":[\(request.links.map(JSONString.quote).joined(separator: ","))],"
            + "\"profileText\":\(JSONString.quote(request.profileText)),\"platform\":\(platformJSON(request.platform)),"
            + "\"media\":[\(media.joined(separator: ","))]}"
    }

    /// The first answer for a content id, when the same request comes again.
    func replay(_ record: ContentRecord, digest: String) throws -> Result {
        guard record.requestDigest == digest else {
            throw APIError.conflict("This contentId was already decided for a different request body. Content ids must be unique "
                + "per item of content; a retry must send the same bytes. GET /v1/content/{id} returns the first decision.")
        }
        IntakeMetrics.replayed.increment()
        return Result(json: record.response, replayed: true, decisionId: record.decisionId, verdict: record.verdict, mediaMatches: [])
    }

    // MARK: - Mapping

    static func evasionDecision(_ screening: Screening) -> EvasionDecision {
        switch screening.decision {
        case .allow: .allow
        case .review: .review
        case .block: .block
        }
    }

    static func band(_ band: TextScanner.Band) -> SolicitationBand {
        switch band {
        case .none: .none
        case .low: .low
        case .suspicious: .suspicious
        case .solicitation: .solicitation
        }
    }

    // MARK: - JSON

    static func quoteOrNull(_ text: String?) -> String { text.map(JSONString.quote) ?? "null" }

    /// RFC 3339 in UTC, with milliseconds when the time has them (the account routes' writer:
    /// a formatter object per call costs more than the rest of a text post's JSON).
    static func isoTime(_ millis: Int64) -> String { AccountRoutes.time(millis) }

    static func rulesJSON(_ rules: [FiredRule]) -> String {
        "[" + rules.map { rule in
            "{\"id\":\(JSONString.quote(rule.id)),\"actions\":[\(rule.actions.map { "\"\($0.rawValue)\"" }.joined(separator: ","))],"
                + "\"severity\":\"\(rule.severity.rawValue)\",\"queue\":\(quoteOrNull(rule.queue)),"
                + "\"reasons\":[\(rule.reasons.map(JSONString.quote).joined(separator: ","))]}"
        }.joined(separator: ",") + "]"
    }

    static func platformJSON(_ fields: [(key: String, value: String)]) -> String {
        "{" + fields.map { "\(JSONString.quote($0.key)):\(JSONString.quote($0.value))" }.joined(separator: ",") + "}"
    }

    static func responseJSON(request: ContentRequest, decisionId: String, outcome: PolicyOutcome, actions: [NewAction],
                             media: [String], lists: [ListMatchFact], scan: TextScanner.Result, screening: String?,
                             actor: ActorFact?, policy: String) -> String {
        let actionJSON = actions.map {
            "{\"action\":\"\($0.action)\",\"target\":\(quoteOrNull($0.targetAccount)),\"idempotencyKey\":\(JSONString.quote($0.idempotencyKey))}"
        }
        let listJSON = lists.map {
            "{\"bank\":\(JSONString.quote($0.bank)),\"type\":\(JSONString.quote($0.type)),\"value\":\(JSONString.quote($0.value))}"
        }
        let actorJSON = actor.map {
            "{\"id\":\(JSONString.quote($0.id)),\"banned\":\($0.banned),\"authorBanned\":\($0.authorBanned),\"accounts\":\($0.accounts)}"
        } ?? "null"
        return "{\"contentId\":\(JSONString.quote(request.contentId)),\"decisionId\":\"\(decisionId)\","
            + "\"verdict\":\"\(outcome.verdict.rawValue)\",\"severity\":\(quoteOrNull(outcome.severity?.rawValue)),"
            + "\"queue\":\(quoteOrNull(outcome.queue)),\"actions\":[\(actionJSON.joined(separator: ","))],"
            + "\"rules\":\(rulesJSON(outcome.fired)),\"shadowRules\":\(rulesJSON(outcome.shadow)),"
            + "\"signals\":{\"media\":[\(media.joined(separator: ","))],\"lists\":[\(listJSON.joined(separator: ","))],"
            + "\"solicitation\":{\"score\":\(Self.decimal(scan.score)),\"band\":\"\(scan.band.rawValue)\"},"
            + "\"evasion\":\(screening ?? "null"),\"actor\":\(actorJSON)},"
            + "\"policy\":\(JSONString.quote(policy))}"
    }

    /// A score in 0…1 with four decimals (`0.8100`), without String(format:)'s varargs.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let scaled = Int((min(max(value, -1e9), 1e9) * 10_000).rounded())
        let whole = abs(scaled) / 10_000, fraction = abs(scaled) % 10_000
        let digits = String(fraction)
        return (scaled < 0 ? "-" : "") + "\(whole)." + String(repeating: "0", count: 4 - digits.count) + digits
    }

    /// The audit record of a decision: enough to reconstruct why, without the content itself.
    static func auditDetail(request: ContentRequest, outcome: PolicyOutcome, actions: [NewAction], policy: PolicyHolder.Loaded,
                            requestDigest: String, media: [MediaMatchFact], lists: [ListMatchFact]) -> String {
        let matches = media.map {
            "{\"bank\":\(JSONString.quote($0.bank)),\"signal\":\"\($0.signal.rawValue)\",\"distance\":\($0.distance),\"media\":\($0.mediaIndex)}"
        }
        let listJSON = lists.map { "{\"bank\":\(JSONString.quote($0.bank)),\"type\":\(JSONString.quote($0.type))}" }
        return "{\"contentId\":\(JSONString.quote(request.contentId)),\"kind\":\"\(request.kind.rawValue)\","
            + "\"account\":\(JSONString.quote(request.account)),\"verdict\":\"\(outcome.verdict.rawValue)\","
            + "\"actions\":[\(actions.map { JSONString.quote($0.idempotencyKey) }.joined(separator: ","))],"
            + "\"rules\":[\(outcome.fired.map { JSONString.quote($0.id) }.joined(separator: ","))],"
            + "\"shadowRules\":[\(outcome.shadow.map { JSONString.quote($0.id) }.joined(separator: ","))],"
            + "\"policy\":\(JSONString.quote(policy.label)),\"policyDigest\":\"\(policy.digest)\","
            + "\"requestDigest\":\"\(requestDigest)\",\"mediaMatches\":[\(matches.joined(separator: ","))],"
            + "\"listMatches\":[\(listJSON.joined(separator: ","))]}"
    }
}

/// Prometheus series of the intake.
enum IntakeMetrics {
    static let replayed = Counter(label: "bulwark_intake_replayed_total")

    static func decided(kind: String, verdict: String, outcome: PolicyOutcome, seconds: Duration) {
        Counter(label: "bulwark_intake_total", dimensions: [("kind", kind)]).increment()
        Counter(label: "bulwark_decisions_total", dimensions: [("verdict", verdict)]).increment()
        for rule in outcome.fired {
            Counter(label: "bulwark_rule_matches_total", dimensions: [("rule", rule.id), ("mode", "enforce")]).increment()
        }
        for rule in outcome.shadow {
            Counter(label: "bulwark_rule_matches_total", dimensions: [("rule", rule.id), ("mode", "shadow")]).increment()
        }
        Timer(label: "bulwark_intake_duration_seconds", dimensions: [("kind", kind)]).recordNanoseconds(
            seconds.components.seconds * 1_000_000_000 + seconds.components.attoseconds / 1_000_000_000)
    }
}
