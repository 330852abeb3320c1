import Foundation

// A case as a reviewer reads it: every item the actor posted with the decision the engine made,
// the media and what it matched, the list hits, the ban-evasion evidence that tied the accounts
// together, and what people did on the case, in one value a template renders.
//
// The inputs are stored JSON. The server wrote it, but much of it is text an attacker chose (post
// text, profile text, links, platform fields, media ids), so every field is read defensively: a
// field of the wrong type is skipped, malformed JSON yields an item with what is known from the
// database, and strings are kept verbatim (escaping is the template's job) but truncated, so one
// hostile post cannot make a page enormous.

// MARK: - Input

/// One decided item of the case, as stored.
public struct DossierItem: Sendable, Hashable {
    public var contentId: String
    public var decisionId: String
    /// `post`, `message`, `profile`, ... as the platform sent it.
    public var kind: String
    public var accountId: String?
    public var at: Date
    /// The decision's severity rank (low 0 … critical 3).
    public var severity: Int
    public var queue: String
    /// The decision JSON the intake answered (`IntakePipeline.responseJSON`).
    public var response: String
    /// The decrypted vault metadata JSON, or nil when there is none (or it was destroyed):
    /// `{"contentId","kind","account","at","text","links":[…],"profileText","platform":{k:v},
    /// "media":[{"index":0,"id":"…"}]}`.
    public var metadata: String?

    public init(contentId: String, decisionId: String, kind: String, accountId: String?, at: Date, severity: Int,
                queue: String, response: String, metadata: String?) {
        self.contentId = contentId
        self.decisionId = decisionId
        self.kind = kind
        self.accountId = accountId
        self.at = at
        self.severity = severity
        self.queue = queue
        self.response = response
        self.metadata = metadata
    }
}

/// One item the evidence vault holds for the case (never its bytes).
public struct DossierVaultItem: Sendable, Hashable {
    public var itemId: String
    public var contentId: String
    /// `media`, `metadata` or `signals`.
    public var kind: String
    /// For media: which media item of the content.
    public var mediaIndex: Int?
    public var md5: String?
    public var sha256: String?
    public var pdq: String?
    public var contentType: String?
    public var size: Int
    /// The bytes were destroyed (retention ended); the hashes remain.
    public var destroyed: Bool

    public init(itemId: String, contentId: String, kind: String, mediaIndex: Int? = nil, md5: String? = nil,
                sha256: String? = nil, pdq: String? = nil, contentType: String? = nil, size: Int, destroyed: Bool = false) {
        self.itemId = itemId
        self.contentId = contentId
        self.kind = kind
        self.mediaIndex = mediaIndex
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.contentType = contentType
        self.size = size
        self.destroyed = destroyed
    }
}

/// Something a person did on the case: a decision, an escalation, a note.
public struct DossierEvent: Sendable, Hashable {
    public var at: Date
    /// Who (a reviewer's name or id).
    public var actor: String
    public var kind: String
    public var detail: String

    public init(at: Date, actor: String, kind: String, detail: String) {
        self.at = at
        self.actor = actor
        self.kind = kind
        self.detail = detail
    }
}

/// An earlier case about the same actor.
public struct PriorCase: Sendable, Hashable {
    public var id: Int64
    public var status: String
    public var decidedAt: Date?
    /// The CyberTipline report number, when the case was reported.
    public var reportedRemoteId: Int64?

    public init(id: Int64, status: String, decidedAt: Date? = nil, reportedRemoteId: Int64? = nil) {
        self.id = id
        self.status = status
        self.decidedAt = decidedAt
        self.reportedRemoteId = reportedRemoteId
    }
}

// MARK: - Output

/// A case, assembled for a reviewer.
public struct CaseDossier: Sendable, Hashable {
    public var caseId: Int64
    /// The actor the case is about (the account graph's key).
    public var actorKey: String
    /// The actor's accounts and every author of an item, sorted by id.
    public var accounts: [DossierAccount]
    /// One per item, oldest first.
    public var posts: [DossierPost]
    /// One per media item (from the decisions and the vault), oldest item first.
    public var media: [DossierMedia]
    /// List matches of the posts' text and links, deduplicated.
    public var links: [DossierListHit]
    /// Ban-evasion evidence from the decisions' account screenings, deduplicated.
    public var evasion: [DossierEvidence]
    /// Decisions, people's actions and prior cases in time order.
    public var timeline: [DossierTimelineEntry]
    public var priorCases: [PriorCase]
    /// The highest solicitation score of any post (0 when none was read).
    public var maxSolicitation: Double
    public var firstSeen: Date?
    public var lastSeen: Date?

    public init(caseId: Int64, actorKey: String, accounts: [DossierAccount], posts: [DossierPost], media: [DossierMedia],
                links: [DossierListHit], evasion: [DossierEvidence], timeline: [DossierTimelineEntry],
                priorCases: [PriorCase], maxSolicitation: Double, firstSeen: Date?, lastSeen: Date?) {
        self.caseId = caseId
        self.actorKey = actorKey
        self.accounts = accounts
        self.posts = posts
        self.media = media
        self.links = links
        self.evasion = evasion
        self.timeline = timeline
        self.priorCases = priorCases
        self.maxSolicitation = maxSolicitation
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// Longest text kept (post text, profile text, an event's detail), in Unicode scalars.
    public static let textLimit = 10_000
    /// Longest single value kept (an id, a link, a list value, a platform field), in Unicode scalars.
    public static let valueLimit = 2_048
    /// Most entries read from any one JSON array (links of a post, rules, media, matches, evidence).
    public static let arrayLimit = 500
    /// Longest JSON document parsed; a longer one is skipped as unreadable.
    public static let jsonLimit = 4 * 1024 * 1024
}

/// One account of the case, with why it is believed to belong to the actor: a reviewer (and
/// later the report) must be able to say why each account is there, not just that it is.
public struct DossierAccount: Sendable, Hashable {
    public var id: String
    /// Items of the case this account authored.
    public var itemCount: Int
    public var firstSeen: Date?
    public var lastSeen: Date?
    /// Ban-evasion screening named this account as the banned account matched (`bannedMatch`).
    public var bannedMatch: Bool
    /// The evidence kinds (`wallet`, `avatar`, `device`, …) that tied this account to the actor,
    /// in order of first appearance, without repeats.
    public var linkReasons: [String]

    public init(id: String, itemCount: Int, firstSeen: Date?, lastSeen: Date?, bannedMatch: Bool, linkReasons: [String]) {
        self.id = id
        self.itemCount = itemCount
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.bannedMatch = bannedMatch
        self.linkReasons = linkReasons
    }
}

/// A rule that fired on an item.
public struct DossierRule: Sendable, Hashable {
    public var id: String
    /// `low`, `medium`, `high` or `critical`.
    public var severity: String
    /// Which conditions held, as sentences.
    public var reasons: [String]

    public init(id: String, severity: String, reasons: [String]) {
        self.id = id
        self.severity = severity
        self.reasons = reasons
    }
}

/// One field the platform attached to an item (`platform` in the intake request).
public struct PlatformField: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One item as the reviewer reads it: what the user wrote next to what the engine decided and why,
/// so a decision can be checked against its evidence on one screen.
public struct DossierPost: Sendable, Hashable {
    public var contentId: String
    public var decisionId: String
    public var kind: String
    public var accountId: String?
    public var at: Date
    /// What the user wrote (verbatim, truncated); nil when the metadata is gone or unreadable.
    public var text: String?
    public var profileText: String?
    /// The links the user wrote. Attacker-chosen: shown as text, never fetched or linked.
    public var links: [String]
    /// `allow`, `review`, `remove`, `block`, or `unknown` when the decision could not be read.
    public var verdict: String
    public var rules: [DossierRule]
    public var solicitation: Double
    /// `none`, `low`, `suspicious`, `solicitation`, or `unknown`.
    public var band: String
    /// The platform's fields, sorted by key.
    public var platform: [PlatformField]

    public init(contentId: String, decisionId: String, kind: String, accountId: String?, at: Date, text: String?,
                profileText: String?, links: [String], verdict: String, rules: [DossierRule], solicitation: Double,
                band: String, platform: [PlatformField]) {
        self.contentId = contentId
        self.decisionId = decisionId
        self.kind = kind
        self.accountId = accountId
        self.at = at
        self.text = text
        self.profileText = profileText
        self.links = links
        self.verdict = verdict
        self.rules = rules
        self.solicitation = solicitation
        self.band = band
        self.platform = platform
    }
}

/// A hash-bank match of one media item.
public struct DossierMatch: Sendable, Hashable {
    public var bank: String
    /// The bank's category for the entry (e.g. `A1`), when it has one.
    public var category: String?
    /// `pdq`, `md5` or `sha256`.
    public var signal: String
    /// Hamming distance for PDQ, 0 for exact matches.
    public var distance: Int
    public var entryId: Int64
    /// Where the bank entry came from (e.g. a hash-sharing programme), when known.
    public var source: String?

    public init(bank: String, category: String?, signal: String, distance: Int, entryId: Int64, source: String?) {
        self.bank = bank
        self.category = category
        self.signal = signal
        self.distance = distance
        self.entryId = entryId
        self.source = source
    }
}

/// One media item: its hashes, what it matched, and whether its bytes are still preserved. The
/// page shows this instead of the image; the image itself needs a reveal grant for `vaultItemId`.
public struct DossierMedia: Sendable, Hashable {
    public var contentId: String
    public var mediaIndex: Int
    /// The platform's id for the media item, when it sent one (attacker-influenced; display only).
    public var mediaId: String?
    /// The vault item holding the bytes, when preserved: what a reveal grant names.
    public var vaultItemId: String?
    public var md5: String?
    public var sha256: String?
    public var pdq: String?
    public var contentType: String?
    public var size: Int?
    public var destroyed: Bool
    public var matches: [DossierMatch]

    public init(contentId: String, mediaIndex: Int, mediaId: String? = nil, vaultItemId: String?, md5: String?,
                sha256: String?, pdq: String?, contentType: String?, size: Int?, destroyed: Bool, matches: [DossierMatch]) {
        self.contentId = contentId
        self.mediaIndex = mediaIndex
        self.mediaId = mediaId
        self.vaultItemId = vaultItemId
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.contentType = contentType
        self.size = size
        self.destroyed = destroyed
        self.matches = matches
    }
}

/// A list match (link, domain, handle, wallet, keyword), deduplicated by bank, type and value.
public struct DossierListHit: Sendable, Hashable {
    /// The first item (in time order) where it was found.
    public var contentId: String
    public var bank: String
    /// `url`, `domain`, `handle`, `wallet`, `keyword` or `url-md5`.
    public var type: String
    public var value: String
    /// How many times it was found across the case's items.
    public var count: Int

    public init(contentId: String, bank: String, type: String, value: String, count: Int = 1) {
        self.contentId = contentId
        self.bank = bank
        self.type = type
        self.value = value
        self.count = count
    }
}

/// One piece of ban-evasion evidence from an account screening.
public struct DossierEvidence: Sendable, Hashable {
    /// The screened account.
    public var accountId: String
    /// `wallet`, `avatar`, `device`, `handle`, `banned`, `timing`, `list`, …
    public var kind: String
    public var value: String
    /// The other account the evidence points at (nil for bank and list matches).
    public var linkedAccount: String?
    public var weight: Double
    public var detail: String
    /// The screening's overall risk and decision.
    public var risk: Double
    public var decision: String

    public init(accountId: String, kind: String, value: String, linkedAccount: String?, weight: Double, detail: String,
                risk: Double, decision: String) {
        self.accountId = accountId
        self.kind = kind
        self.value = value
        self.linkedAccount = linkedAccount
        self.weight = weight
        self.detail = detail
        self.risk = risk
        self.decision = decision
    }
}

/// One moment of the case's history, so the reviewer sees what happened in order: what the
/// actor did, what the engine decided, what colleagues already did.
public struct DossierTimelineEntry: Sendable, Hashable {
    public var at: Date
    /// `decision` (the engine decided an item), `review` (a person acted) or `prior-case`.
    public var kind: String
    public var title: String
    public var detail: String
    public var contentId: String?

    public init(at: Date, kind: String, title: String, detail: String, contentId: String?) {
        self.at = at
        self.kind = kind
        self.title = title
        self.detail = detail
        self.contentId = contentId
    }
}

// MARK: - Assembly

extension CaseDossier {
    /// Builds the dossier from stored records. Never fails: what cannot be read is left out, and
    /// what the database itself says about an item (its id, author, time) is always shown.
    ///
    /// - Parameters:
    ///   - accounts: the actor's accounts from the account graph.
    ///   - entrySources: bank entry id → where the entry came from, for the matches' `source`.
    public static func assemble(caseId: Int64, actorKey: String, accounts: [String], items: [DossierItem],
                                vault: [DossierVaultItem], events: [DossierEvent], entrySources: [Int64: String],
                                priorCases: [PriorCase]) -> CaseDossier {
        // Oldest first; ties broken by content id so the order never depends on the input's.
        let items = items.enumerated().sorted { a, b in
            if a.element.at != b.element.at { return a.element.at < b.element.at }
            if a.element.contentId != b.element.contentId { return a.element.contentId < b.element.contentId }
            return a.offset < b.offset
        }.map(\.element)

        var posts: [DossierPost] = []
        var media: [DossierMedia] = []
        var hits: [DossierListHit] = []
        var hitIndex: [ListKey: Int] = [:]
        var evidence: [DossierEvidence] = []
        var evidenceSeen = Set<EvidenceKey>()
        var bannedMatches = Set<String>()
        var timeline: [DossierTimelineEntry] = []
        var maxSolicitation = 0.0

        // Media vault items by (content, index); the first listed wins.
        var vaultMedia: [MediaKey: DossierVaultItem] = [:]
        for item in vault where item.kind == "media" {
            guard let index = item.mediaIndex else { continue }
            let key = MediaKey(contentId: item.contentId, index: index)
            if vaultMedia[key] == nil { vaultMedia[key] = item }
        }
        var mediaDone = Set<MediaKey>()

        for item in items {
            let response = JSONRead.object(item.response)
            let metadata = item.metadata.flatMap(JSONRead.object)
            let signals = JSONRead.dict(response?["signals"])

            // The post.
            let verdict = JSONRead.string(response?["verdict"], limit: 64) ?? "unknown"
            let rules = JSONRead.array(response?["rules"]).compactMap { raw -> DossierRule? in
                guard let rule = JSONRead.dict(raw), let id = JSONRead.string(rule["id"], limit: valueLimit) else { return nil }
                return DossierRule(id: id, severity: JSONRead.string(rule["severity"], limit: 64) ?? "unknown",
                                   reasons: JSONRead.array(rule["reasons"]).compactMap { JSONRead.string($0, limit: valueLimit) })
            }
            let solicitationJSON = JSONRead.dict(signals?["solicitation"])
            let score = JSONRead.double(solicitationJSON?["score"]) ?? 0
            maxSolicitation = max(maxSolicitation, score)
            var platform: [PlatformField] = []
            if let fields = JSONRead.dict(metadata?["platform"]) {
                for (key, value) in fields.prefix(arrayLimit) {
                    guard let value = JSONRead.scalarString(value, limit: valueLimit) else { continue }
                    platform.append(PlatformField(key: JSONRead.truncate(key, valueLimit), value: value))
                }
                platform.sort { ($0.key, $0.value) < ($1.key, $1.value) }
            }
            let post = DossierPost(
                contentId: item.contentId, decisionId: item.decisionId, kind: item.kind, accountId: item.accountId, at: item.at,
                text: JSONRead.string(metadata?["text"], limit: textLimit),
                profileText: JSONRead.string(metadata?["profileText"], limit: textLimit),
                links: JSONRead.array(metadata?["links"]).compactMap { JSONRead.string($0, limit: valueLimit) },
                verdict: verdict, rules: rules, solicitation: score,
                band: JSONRead.string(solicitationJSON?["band"], limit: 64) ?? "unknown", platform: platform)
            posts.append(post)

            var title = "\(item.kind) \(item.contentId): \(verdict)"
            if title.unicodeScalars.count > valueLimit { title = JSONRead.truncate(title, valueLimit) }
            timeline.append(DossierTimelineEntry(
                at: item.at, kind: "decision", title: title,
                detail: rules.isEmpty ? "No rule fired." : "Rules: " + rules.map { "\($0.id) (\($0.severity))" }.joined(separator: ", "),
                contentId: item.contentId))

            // Media: the decision's hashes and matches, joined with the vault's record of the bytes.
            var platformMediaIds: [Int: String] = [:]
            for raw in JSONRead.array(metadata?["media"]) {
                guard let entry = JSONRead.dict(raw), let index = JSONRead.int(entry["index"]),
                      let id = JSONRead.string(entry["id"], limit: valueLimit) else { continue }
                platformMediaIds[index] = id
            }
            for raw in JSONRead.array(signals?["media"]) {
                guard let entry = JSONRead.dict(raw), let index = JSONRead.int(entry["index"]), index >= 0 else { continue }
                let key = MediaKey(contentId: item.contentId, index: index)
                guard mediaDone.insert(key).inserted else { continue }
                let stored = vaultMedia[key]
                let matches = JSONRead.array(entry["matches"]).compactMap { raw -> DossierMatch? in
                    guard let match = JSONRead.dict(raw), let bank = JSONRead.string(match["bank"], limit: valueLimit),
                          let signal = JSONRead.string(match["signal"], limit: 64) else { return nil }
                    let entryId = JSONRead.int64(match["entryId"]) ?? 0
                    return DossierMatch(bank: bank, category: JSONRead.string(match["category"], limit: valueLimit), signal: signal,
                                        distance: JSONRead.int(match["distance"]) ?? 0, entryId: entryId,
                                        source: entrySources[entryId].map { JSONRead.truncate($0, valueLimit) })
                }
                media.append(DossierMedia(
                    contentId: item.contentId, mediaIndex: index,
                    mediaId: JSONRead.string(entry["id"], limit: valueLimit) ?? platformMediaIds[index],
                    vaultItemId: stored?.itemId,
                    md5: stored?.md5 ?? JSONRead.string(entry["md5"], limit: 64),
                    sha256: stored?.sha256 ?? JSONRead.string(entry["sha256"], limit: 128),
                    pdq: stored?.pdq ?? JSONRead.string(entry["pdq"], limit: 128),
                    contentType: stored?.contentType, size: stored?.size, destroyed: stored?.destroyed ?? false,
                    matches: matches))
            }
            // Preserved media the decision does not mention (unreadable response): still shown.
            for key in vaultMedia.keys.filter({ $0.contentId == item.contentId }).sorted(by: { $0.index < $1.index })
            where mediaDone.insert(key).inserted {
                let stored = vaultMedia[key]!
                media.append(DossierMedia(contentId: item.contentId, mediaIndex: key.index, mediaId: platformMediaIds[key.index],
                                          vaultItemId: stored.itemId, md5: stored.md5, sha256: stored.sha256, pdq: stored.pdq,
                                          contentType: stored.contentType, size: stored.size, destroyed: stored.destroyed,
                                          matches: []))
            }

            // List hits.
            for raw in JSONRead.array(signals?["lists"]) {
                guard let hit = JSONRead.dict(raw), let bank = JSONRead.string(hit["bank"], limit: valueLimit),
                      let type = JSONRead.string(hit["type"], limit: 64),
                      let value = JSONRead.string(hit["value"], limit: valueLimit) else { continue }
                let key = ListKey(bank: bank, type: type, value: value)
                if let n = hitIndex[key] {
                    hits[n].count += 1
                } else {
                    hitIndex[key] = hits.count
                    hits.append(DossierListHit(contentId: item.contentId, bank: bank, type: type, value: value))
                }
            }

            // Ban-evasion screening.
            if let screening = JSONRead.dict(signals?["evasion"]),
               let screened = JSONRead.string(screening["id"], limit: valueLimit) {
                let risk = JSONRead.double(screening["risk"]) ?? 0
                let decision = JSONRead.string(screening["decision"], limit: 64) ?? "unknown"
                if let banned = JSONRead.string(screening["bannedMatch"], limit: valueLimit) { bannedMatches.insert(banned) }
                for raw in JSONRead.array(screening["evidence"]) {
                    guard let e = JSONRead.dict(raw), let kind = JSONRead.string(e["kind"], limit: 64) else { continue }
                    let value = JSONRead.string(e["value"], limit: valueLimit) ?? ""
                    let linked = JSONRead.string(e["account"], limit: valueLimit)
                    guard evidenceSeen.insert(EvidenceKey(account: screened, kind: kind, value: value, linked: linked)).inserted
                    else { continue }
                    evidence.append(DossierEvidence(
                        accountId: screened, kind: kind, value: value, linkedAccount: linked,
                        weight: JSONRead.double(e["weight"]) ?? 0, detail: JSONRead.string(e["detail"], limit: valueLimit) ?? "",
                        risk: risk, decision: decision))
                }
            }
        }

        // Accounts: the actor's plus every author, with what tied each to the actor.
        var ids = Set(accounts)
        for item in items { if let id = item.accountId { ids.insert(id) } }
        let dossierAccounts = ids.sorted().map { id -> DossierAccount in
            let authored = items.filter { $0.accountId == id }
            var reasons: [String] = []
            for e in evidence where (e.accountId == id || e.linkedAccount == id) && !reasons.contains(e.kind) {
                reasons.append(e.kind)
            }
            return DossierAccount(id: id, itemCount: authored.count, firstSeen: authored.first?.at, lastSeen: authored.last?.at,
                                  bannedMatch: bannedMatches.contains(id), linkReasons: reasons)
        }

        for event in events {
            timeline.append(DossierTimelineEntry(
                at: event.at, kind: "review",
                title: JSONRead.truncate(event.actor, valueLimit) + ": " + JSONRead.truncate(event.kind, valueLimit),
                detail: JSONRead.truncate(event.detail, textLimit), contentId: nil))
        }
        let priors = priorCases.sorted { $0.id < $1.id }
        for prior in priors {
            guard let at = prior.decidedAt else { continue }
            let reported = prior.reportedRemoteId.map { ", reported as CyberTipline report \($0)" } ?? ""
            timeline.append(DossierTimelineEntry(at: at, kind: "prior-case", title: "Case \(prior.id): \(prior.status)",
                                                 detail: "An earlier case about this actor\(reported).", contentId: nil))
        }
        // Stable: equal times keep decision, review, prior-case order as appended.
        timeline = timeline.enumerated().sorted { a, b in
            a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset
        }.map(\.element)

        return CaseDossier(caseId: caseId, actorKey: actorKey, accounts: dossierAccounts, posts: posts, media: media,
                           links: hits, evasion: evidence, timeline: timeline, priorCases: priors,
                           maxSolicitation: maxSolicitation, firstSeen: items.first?.at, lastSeen: items.last?.at)
    }

    private struct MediaKey: Hashable { var contentId: String; var index: Int }
    private struct ListKey: Hashable { var bank: String; var type: String; var value: String }
    private struct EvidenceKey: Hashable { var account: String; var kind: String; var value: String; var linked: String? }
}

/// Defensive reads of `JSONSerialization` output: a value of the wrong type is nil, never a crash.
enum JSONRead {
    static func object(_ text: String) -> [String: Any]? {
        guard text.utf8.count <= CaseDossier.jsonLimit,
              let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return value as? [String: Any]
    }

    static func dict(_ value: Any?) -> [String: Any]? { value as? [String: Any] }

    /// The array's first `arrayLimit` elements; empty when it is not an array.
    static func array(_ value: Any?) -> ArraySlice<Any> {
        guard let array = value as? [Any] else { return [] }
        return array.prefix(CaseDossier.arrayLimit)
    }

    static func string(_ value: Any?, limit: Int) -> String? {
        guard let s = value as? String else { return nil }
        return truncate(s, limit)
    }

    /// A string, or a number written as text (platform fields may be either).
    static func scalarString(_ value: Any?, limit: Int) -> String? {
        if let s = string(value, limit: limit) { return s }
        if let i = int64(value) { return String(i) }
        if let d = double(value) { return String(d) }
        return nil
    }

    static func double(_ value: Any?) -> Double? {
        if value is String { return nil }
        if let d = value as? Double, d.isFinite { return d }
        if let i = value as? Int { return Double(i) }
        return nil
    }

    static func int(_ value: Any?) -> Int? {
        if value is String { return nil }
        if let i = value as? Int { return i }
        if let d = value as? Double, d.isFinite { return Int(exactly: d.rounded()) }
        return nil
    }

    static func int64(_ value: Any?) -> Int64? {
        if value is String { return nil }
        if let i = value as? Int64 { return i }
        if let i = value as? Int { return Int64(i) }
        if let d = value as? Double, d.isFinite { return Int64(exactly: d.rounded()) }
        return nil
    }

    /// At most `limit` Unicode scalars (counting scalars, not characters, bounds the size even for
    /// text built of endless combining marks); a cut string ends with "…".
    static func truncate(_ s: String, _ limit: Int) -> String {
        guard limit > 0 else { return "" }
        let scalars = s.unicodeScalars
        guard scalars.count > limit else { return s }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars.prefix(limit - 1))
        out.append("…")
        return String(out)
    }
}
