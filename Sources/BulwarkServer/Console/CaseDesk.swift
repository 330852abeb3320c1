import AccountGraph
import AccountRegistry
import EvidenceVault
import Foundation
import Logging
import Review
import Signals
import Storage

/// What reviewers do to cases: read them (the dossier), decide them, reverse them on appeal,
/// split a wrong account link, place legal holds. Every change is one store transaction with its
/// audit record and case event.
struct CaseDesk: Sendable {
    let store: any BulwarkStore
    let accounts: AccountRegistry
    let settings: ConsoleSettings
    let logger: Logger

    /// Reason codes for decisions: what feeds back into banks and metrics.
    static let reasons: [ReasonOption] = [
        ReasonOption(code: "known_media", label: "Known media, confirmed"),
        ReasonOption(code: "solicitation", label: "Selling or advertising material"),
        ReasonOption(code: "ban_evasion", label: "Returning banned actor"),
        ReasonOption(code: "false_match", label: "False media match"),
        ReasonOption(code: "wrong_link", label: "Accounts wrongly linked"),
        ReasonOption(code: "benign_text", label: "Text is not a sales pitch"),
        ReasonOption(code: "needs_specialist", label: "Needs a child-safety specialist"),
        ReasonOption(code: "other", label: "Other (see note)"),
    ]

    struct Loaded {
        var record: CaseRecord
        var dossier: CaseDossier
        var vault: [VaultItemRecord]
        var viewed: Set<String>
    }

    func load(_ id: Int64, for session: ConsoleSession) async throws -> Loaded {
        do {
            let record: CaseRecord
            record = try await store.caseRecord(id: id)
            let accountIds = try await store.caseAccounts(caseId: id)
            let items = try await store.caseItems(caseId: id)
            let events = try await store.caseEvents(caseId: id)
            var vault: [VaultItemRecord] = []
            var dossierItems: [DossierItem] = []
            var opened: [NewAuditEvent] = []
            for item in items {
                let preserved = try await store.vaultItems(contentId: item.contentId)
                vault += preserved
                var metadata: String?
                if let keeper = settings.evidence, let record = preserved.first(where: { $0.kind == .metadata }), record.sealed != nil,
                   let bytes = try? keeper.open(record) {
                    metadata = String(decoding: bytes, as: UTF8.self)
                    opened.append(EvidenceKeeper.openedAudit(record, by: session.actor, at: Date(), reason: "case view"))
                }
                dossierItems.append(DossierItem(contentId: item.contentId, decisionId: item.decisionId, kind: item.kind,
                                                accountId: item.accountId, at: item.at, severity: item.severity, queue: item.queue,
                                                response: try await response(of: item), metadata: metadata))
            }
            var prior: [PriorCase] = []
            var seen: Set<Int64> = [id]
            for account in accountIds.prefix(50) {
                for other in try await store.cases(account: account) where !seen.contains(other.id) {
                    seen.insert(other.id)
                    let remote = try await store.reports(caseId: other.id).first { $0.status == .submitted }?.remoteId
                    prior.append(PriorCase(id: other.id, status: other.status.rawValue, decidedAt: other.decidedAt, reportedRemoteId: remote))
                }
            }
            if !opened.isEmpty { _ = try await store.appendAudit(opened) }
            var viewed: Set<String> = []
            for item in vault where item.kind == .media {
                if try await !store.auditRecords(kind: "media.reveal", subject: item.itemId).isEmpty { viewed.insert(item.itemId) }
            }
            var dossier = CaseDossier.assemble(
                caseId: id, actorKey: record.actorKey, accounts: accountIds, items: dossierItems,
                vault: vault.map { DossierVaultItem(itemId: $0.itemId, contentId: $0.contentId, kind: $0.kind.rawValue, mediaIndex: $0.mediaIndex,
                                                    md5: $0.md5, sha256: $0.sha256, pdq: $0.pdq, contentType: $0.contentType, size: $0.size,
                                                    destroyed: $0.sealed == nil) },
                events: events.map { DossierEvent(at: $0.at, actor: $0.actor, kind: $0.kind, detail: $0.detail) },
                entrySources: [:], priorCases: prior)
            try await addSources(to: &dossier)
            return Loaded(record: record, dossier: dossier, vault: vault, viewed: viewed)
        } catch {
            throw Self.consoleError(error)
        }
    }

    /// Storage errors as the console shows them: a missing case is a 404 page, not an API error.
    static func consoleError(_ error: any Error) -> any Error {
        guard let error = error as? StoreError else { return error }
        return switch error {
        case .caseNotFound(let id): ConsoleError.notFound("Case #\(id)")
        case .reportNotFound(let id): ConsoleError.notFound("Report #\(id)")
        case .vaultItemNotFound, .vaultItemDestroyed: ConsoleError.notFound("This evidence item")
        default: APIError.from(error)
        }
    }

    /// The decision JSON of an item: the content's stored answer.
    func response(of item: CaseItemRecord) async throws -> String {
        (try await store.content(id: item.contentId))?.response ?? "{}"
    }

    /// Each match's provenance: the source of the bank entry it matched (looked up once per entry,
    /// for the first 200 entries of a case).
    func addSources(to dossier: inout CaseDossier) async throws {
        var sources: [Int64: String?] = [:]
        for (m, media) in dossier.media.enumerated() {
            for (n, match) in media.matches.enumerated() {
                if sources[match.entryId] == nil, sources.count < 200 {
                    sources[match.entryId] = .some((try? await store.entry(id: match.entryId))?.source)
                }
                if let source = sources[match.entryId] ?? nil { dossier.media[m].matches[n].source = source }
            }
        }
    }

    func page(_ loaded: Loaded, session: ConsoleSession, sessionView: SessionView, grant: (itemId: String, token: String)?,
              notice: String?) async throws -> CasePage {
        let record = loaded.record, dossier = loaded.dossier
        let exhausted = sessionView.budgetExhausted
        let reblur = Self.reblurClass(settings.wellness.revealSeconds)
        var media: [MediaView] = []
        for (n, item) in dossier.media.enumerated() {
            let stored = item.vaultItemId.flatMap { id in loaded.vault.first { $0.itemId == id } }
            let preserved = stored?.sealed != nil && settings.evidence != nil
            let isGranted = grant != nil && grant?.itemId == item.vaultItemId
            media.append(MediaView(
                n: n + 1, itemId: item.vaultItemId ?? "", previewable: preserved, grant: isGranted ? grant?.token : nil,
                reblurClass: reblur,
                matches: item.matches.map { MatchRow(bank: $0.bank, category: $0.category, signal: $0.signal, distance: $0.distance, source: $0.source) },
                md5: item.md5, pdq: item.pdq, pdqShort: item.pdq.map { String($0.prefix(16)) + "…" },
                viewed: item.vaultItemId.map { loaded.viewed.contains($0) } == true ? "yes" : "no",
                revealable: preserved && session.can(.revealMedia) && !exhausted))
        }
        var posts: [PostView] = []
        for (n, post) in dossier.posts.enumerated() {
            posts.append(PostView(
                n: n + 1, contentId: post.contentId, kind: post.kind, account: post.accountId ?? "—", at: ConsoleFormat.time(post.at),
                verdict: post.verdict, text: post.text.flatMap { $0.isEmpty ? nil : $0 },
                profileText: post.profileText.flatMap { $0.isEmpty ? nil : $0 }, hasLinks: !post.links.isEmpty, links: post.links,
                rules: post.rules.map { RuleRow(id: $0.id, severity: $0.severity, reasons: $0.reasons) },
                solicitation: post.solicitation > 0 ? IntakePipeline.decimal(post.solicitation) : nil))
        }
        let decided: String? = record.decidedAt.map {
            "\(record.status.rawValue) by \(record.decidedBy ?? "?") at \(ConsoleFormat.time($0))\(record.reason.map { " (\($0))" } ?? "")"
        }
        let retention = loaded.vault.filter { $0.sealed != nil }
        return CasePage(
            session: sessionView, csrf: session.csrf, notice: notice, caseId: record.id, status: record.status.rawValue,
            severityName: ConsoleFormat.severity(record.severity), actorKey: record.actorKey, queue: record.queue,
            itemCount: record.itemCount, opened: ConsoleFormat.time(record.openedAt), lastItem: ConsoleFormat.time(record.lastItemAt),
            vaultConfigured: settings.evidence != nil, decided: decided,
            canDecide: session.can(.decide) && record.status.isActive, canReport: session.can(.draftReport) || session.can(.sendReport),
            canReveal: session.can(.revealMedia), canAppeal: session.can(.handleAppeals), canHold: session.can(.legalHold),
            reasons: Self.reasons, confirmedBank: settings.confirmedBank, clearedBank: settings.clearedBank,
            accounts: dossier.accounts.map {
                AccountRow(id: $0.id, items: $0.itemCount, firstSeen: ConsoleFormat.time($0.firstSeen), lastSeen: ConsoleFormat.time($0.lastSeen),
                           linkedBy: $0.linkReasons.isEmpty ? "—" : $0.linkReasons.joined(separator: ", "))
            },
            hasEvidence: !dossier.evasion.isEmpty,
            evidence: dossier.evasion.map {
                EvidenceRow(account: $0.accountId, kind: $0.kind, value: $0.value, linked: $0.linkedAccount ?? "—",
                            weight: IntakePipeline.decimal($0.weight), detail: $0.detail)
            },
            posts: posts,
            listHits: dossier.links.map { ListHitRow(bank: $0.bank, type: $0.type, value: $0.value, count: $0.count) },
            revealSeconds: settings.wellness.revealSeconds, media: media,
            timeline: dossier.timeline.map { TimelineRow(at: ConsoleFormat.time($0.at), title: $0.title, detail: $0.detail.isEmpty ? nil : $0.detail) },
            hasPrior: !dossier.priorCases.isEmpty,
            prior: dossier.priorCases.map { PriorRow(id: $0.id, status: $0.status, remote: $0.reportedRemoteId) },
            vaultCount: retention.count, retainUntil: ConsoleFormat.time(retention.map(\.retainUntil).max()),
            held: retention.contains { $0.held })
    }

    static func reblurClass(_ seconds: Int) -> String {
        let steps = [3, 5, 8, 10, 15, 30]
        return "reblur-\(steps.last { $0 <= max(seconds, 3) } ?? 3)"
    }

    // MARK: - Decisions

    /// Confirm, clear or escalate a case, with the bank feedback the reviewer asked for.
    func decide(_ id: Int64, form: ConsoleForm, session: ConsoleSession) async throws -> String {
        guard session.can(.decide) else { throw ConsoleError.forbidden("decide cases") }
        guard let decision = form["decision"], ["confirm", "clear", "escalate"].contains(decision) else {
            throw ConsoleError.badRequest("Choose confirm, clear or escalate.")
        }
        let reason = form["reason"] ?? "other"
        guard Self.reasons.contains(where: { $0.code == reason }) else { throw ConsoleError.badRequest("Choose a reason from the list.") }
        let note = String((form["note"] ?? "").prefix(2_000))
        let now = Date()
        do {
            let record: CaseRecord
            record = try await store.caseRecord(id: id)
            guard record.status.isActive else { throw ConsoleError.badRequest("Case #\(id) was already decided (\(record.status.rawValue)).") }
            let status: CaseStatus = decision == "confirm" ? .confirmed : decision == "clear" ? .cleared : .escalated
            var feedback: [String] = []
            if decision == "confirm", form["bank"] == "1" {
                feedback.append(try await bankMedia(caseId: id, bank: settings.confirmedBank, negative: false, session: session, note: "confirmed in case #\(id)"))
            }
            if decision == "clear", form["negative"] == "1" {
                feedback.append(try await bankMedia(caseId: id, bank: settings.clearedBank, negative: true, session: session, note: "cleared in case #\(id)"))
            }
            let detail = "{\"decision\":\"\(decision)\",\"reason\":\(JSONString.quote(reason)),\"note\":\(JSONString.quote(note)),"
                + "\"feedback\":[\(feedback.map(JSONString.quote).joined(separator: ","))]}"
            _ = try await store.decideCase(id: id, status: status, by: session.actor, reason: reason,
                                           event: NewCaseEvent(at: now, actor: session.actor, kind: "decision", detail: detail),
                                           actions: [], audit: [NewAuditEvent(at: now, kind: "case.decide", actor: session.actor,
                                                                              subject: "case:\(id)", detail: detail)])
            var rotation = QueueRotation(severeStreak: session.record.severeStreak, cooldown: session.record.cooldown)
            rotation.completed(caseSeverity: record.severity, settings: settings.wellness)
            try await store.updateSessionRotation(tokenHash: ConsoleTokens.digest(session.token), severeStreak: rotation.severeStreak,
                                                  cooldown: rotation.cooldown)
            return "Case #\(id) \(status.rawValue)." + (feedback.isEmpty ? "" : " " + feedback.joined(separator: " "))
        } catch {
            throw Self.consoleError(error)
        }
    }

    /// Adds the PDQ and MD5 of the case's preserved media (confirm) or of its matched media
    /// (clear, into a negative bank) to a bank, creating it when needed.
    func bankMedia(caseId: Int64, bank name: String, negative: Bool, session: ConsoleSession, note: String) async throws -> String {
        let bank: Bank
        do {
            bank = try await store.bank(named: name)
        } catch StoreError.bankNotFound {
            bank = try await store.createBank(NewBank(name: name, enabled: true, pdqThreshold: 31, category: negative ? nil : "confirmed",
                                                      action: nil, isNegative: negative))
        }
        var entries: [NewEntry] = []
        for item in try await store.caseItems(caseId: caseId) {
            for media in try await store.vaultItems(contentId: item.contentId) where media.kind == .media {
                if let pdq = media.pdq {
                    entries.append(NewEntry(signalType: .pdq, value: pdq, source: "review", addedBy: session.actor, note: note))
                }
                if let md5 = media.md5 {
                    entries.append(NewEntry(signalType: .md5, value: md5, source: "review", addedBy: session.actor, note: note))
                }
            }
        }
        guard !entries.isEmpty else { return "No preserved media hash to add to \(name)." }
        let result = try await store.addEntries(entries, toBank: bank.id)
        _ = try await store.appendAudit([NewAuditEvent(at: Date(), kind: "bank.change", actor: session.actor, subject: "bank:\(bank.id)",
                                                       detail: "{\"op\":\"review-feedback\",\"case\":\(caseId),\"inserted\":\(result.insertedCount)}")])
        return "\(result.insertedCount) hash(es) added to \(name)."
    }

    /// An appeal upheld: every action taken on the case's content is reversed (content restored,
    /// accounts reinstated) through the outbox, exactly once per original action.
    func reverse(_ id: Int64, form: ConsoleForm, session: ConsoleSession) async throws -> String {
        guard session.can(.handleAppeals) else { throw ConsoleError.forbidden("handle appeals") }
        let reason = String((form["reason"] ?? "").prefix(500))
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConsoleError.badRequest("Give the appeal's reason.") }
        let now = Date()
        do {
            var reversals: [NewAction] = []
            for item in try await store.caseItems(caseId: id) {
                for action in try await store.actions(decisionId: item.decisionId) {
                    guard let undo = Self.reversal(of: action.action) else { continue }
                    let payload = "{\"action\":\"\(undo)\",\"reverses\":\(JSONString.quote(action.idempotencyKey)),"
                        + "\"contentId\":\(IntakePipeline.quoteOrNull(action.contentId)),\"target\":\(IntakePipeline.quoteOrNull(action.targetAccount)),"
                        + "\"case\":\(id),\"reason\":\(JSONString.quote(reason)),\"decidedBy\":\(JSONString.quote(session.actor))}"
                    reversals.append(NewAction(idempotencyKey: "reverse:\(action.idempotencyKey)", decisionId: action.decisionId,
                                               contentId: action.contentId, action: undo, targetAccount: action.targetAccount, payload: payload))
                }
            }
            let detail = "{\"appeal\":\"upheld\",\"reason\":\(JSONString.quote(reason)),\"reversals\":\(reversals.count)}"
            _ = try await store.decideCase(id: id, status: .cleared, by: session.actor, reason: "appeal",
                                           event: NewCaseEvent(at: now, actor: session.actor, kind: "appeal", detail: detail),
                                           actions: reversals,
                                           audit: [NewAuditEvent(at: now, kind: "case.appeal", actor: session.actor, subject: "case:\(id)", detail: detail)])
            return "Appeal upheld: \(reversals.count) action(s) will be reversed."
        } catch {
            throw Self.consoleError(error)
        }
    }

    /// The action that undoes an action, when there is one.
    static func reversal(of action: String) -> String? {
        switch action {
        case "block_upload", "remove": "restore_content"
        case "suspend_account": "reinstate_account"
        default: nil
        }
    }

    /// A wrong link: the account is split off its actor in the account graph (a `detach` event,
    /// durable and replayed like the platform's own events).
    func detach(_ id: Int64, form: ConsoleForm, session: ConsoleSession) async throws -> String {
        guard session.can(.handleAppeals) else { throw ConsoleError.forbidden("handle appeals") }
        guard let account = form["account"], !account.isEmpty, account.utf8.count <= 256 else { throw ConsoleError.badRequest("Choose an account.") }
        let now = Date()
        do {
            guard try await store.caseAccounts(caseId: id).contains(account) else { throw ConsoleError.badRequest("That account is not in case #\(id).") }
            _ = try await accounts.record(.detach(id: account, at: Int64((now.timeIntervalSince1970 * 1_000).rounded())))
            let detail = "{\"account\":\(JSONString.quote(account))}"
            try await store.appendCaseEvent(caseId: id, NewCaseEvent(at: now, actor: session.actor, kind: "detach", detail: detail),
                                            audit: [NewAuditEvent(at: now, kind: "account.detach", actor: session.actor, subject: "case:\(id)", detail: detail)])
            return "Account \(account) was split off its actor."
        } catch {
            throw Self.consoleError(error)
        }
    }

    /// Places or releases a legal hold on every preserved item of the case.
    func hold(_ id: Int64, form: ConsoleForm, session: ConsoleSession) async throws -> String {
        guard session.can(.legalHold) else { throw ConsoleError.forbidden("place legal holds") }
        let holdId = String((form["hold"] ?? "").prefix(100)).trimmingCharacters(in: .whitespaces)
        let reason = String((form["reason"] ?? "").prefix(500))
        guard !holdId.isEmpty else { throw ConsoleError.badRequest("Give the hold's reference (a matter or request number).") }
        let place = form["op"] != "release"
        let now = Date()
        var changed = 0
        do {
            for item in try await store.caseItems(caseId: id) {
                for record in try await store.vaultItems(contentId: item.contentId) where record.sealed != nil {
                    guard var retention = EvidenceKeeper.retention(record.retention) else { continue }
                    let event: AccessEvent
                    if place {
                        let hold = LegalHold(id: holdId, reason: reason, placedBy: session.actor, placedAt: now)
                        guard let next = try? retention.placeHold(hold) else { continue }
                        retention = next
                        event = .held(hold, itemId: record.itemId)
                    } else {
                        guard let hold = retention.hold(id: holdId), let next = try? retention.releaseHold(id: holdId) else { continue }
                        retention = next
                        event = .released(hold, itemId: record.itemId, by: session.actor, at: now, reason: reason)
                    }
                    _ = try await store.updateVaultRetention(itemId: record.itemId, retention: EvidenceKeeper.json(retention),
                                                             retainUntil: retention.retainUntil, held: !retention.legalHolds.isEmpty,
                                                             audit: [EvidenceKeeper.audit(event, subjectContent: record.contentId)])
                    changed += 1
                }
            }
            let detail = "{\"hold\":\(JSONString.quote(holdId)),\"op\":\"\(place ? "place" : "release")\",\"items\":\(changed)}"
            try await store.appendCaseEvent(caseId: id, NewCaseEvent(at: now, actor: session.actor, kind: "legal-hold", detail: detail), audit: [])
        } catch {
            throw Self.consoleError(error)
        }
        return place ? "Legal hold \(holdId) placed on \(changed) item(s)." : "Legal hold \(holdId) released on \(changed) item(s)."
    }
}
