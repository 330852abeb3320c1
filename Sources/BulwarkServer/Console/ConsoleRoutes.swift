import AccountGraph
import AccountRegistry
import CyberTipline
import EvidenceVault
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MediaDecode
import Review
import Signals
import Storage
import Synchronization

/// The review console: server-rendered pages under `/console`, no scripts.
///
/// A reviewer signs in with a one-time link, works queues ordered by severity and age, and
/// decides each case on the actor behind it, from its signals first. Media stays a few blurred
/// grey pixels until a child-safety specialist reveals one item; the reveal is a signed,
/// single-use link, recorded in the audit log when the bytes are served, counted against the
/// specialist's budget for the shift, and blurred again by the page after a few seconds.
struct ConsoleRoutes: Sendable {
    let store: any BulwarkStore
    let accounts: AccountRegistry
    let settings: ConsoleSettings
    let decodeLimits: DecodeLimits
    let logger: Logger
    let ledger = RevealLedger()

    var auth: ConsoleAuth { ConsoleAuth(store: store, settings: settings) }
    var pages: ConsolePages { .shared }
    var cases: CaseDesk { CaseDesk(store: store, accounts: accounts, settings: settings, logger: logger) }
    var reports: ReportDesk { ReportDesk(store: store, settings: settings, desk: cases, logger: logger) }

    func register(on router: Router<BulwarkRequestContext>) {
        let console = router.group("console").add(middleware: ConsoleHeadersMiddleware<BulwarkRequestContext>())
        console.get("static/console.css") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: ConsolePages.shared.stylesheet)))
        }
        console.get("login", use: loginPage)
        console.post("login", use: login)
        console.post("logout", use: logout)
        console.get("", use: queues)
        console.post("queues/next", use: nextCase)
        console.get("cases/{id}", use: casePage)
        console.post("cases/{id}/decide", use: decide)
        console.post("cases/{id}/media/{item}/reveal", use: reveal)
        console.get("cases/{id}/media/{item}/preview", use: preview)
        console.get("reveal/{token}", use: revealed)
        console.post("cases/{id}/appeal", use: appeal)
        console.post("cases/{id}/detach", use: detach)
        console.post("cases/{id}/hold", use: hold)
        console.get("cases/{id}/report", use: reportPage)
        console.post("cases/{id}/report", use: draftReport)
        console.post("reports/{id}/send", use: sendReport)
    }

    // MARK: - Sign in and out

    @Sendable func loginPage(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        guard !token.isEmpty, token.utf8.count <= 128 else {
            throw ConsoleError(status: .badRequest, title: "No login link",
                               message: "Open the one-time link printed by `bulwark reviewers login NAME`.")
        }
        // A page with a button rather than signing in on GET: link scanners that fetch URLs
        // must not use up the one-time token.
        return pages.render("login", LoginPage(token: token))
    }

    @Sendable func login(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let form = try await ConsoleForm.read(request, context: context)
        guard let token = form["token"], !token.isEmpty, token.utf8.count <= 128 else { throw ConsoleError.signedOut }
        let now = Date()
        let reviewer: Reviewer?
        do { reviewer = try await store.consumeLoginToken(tokenHash: ConsoleTokens.digest(token), now: now) } catch { throw APIError.from(error) }
        guard let reviewer else {
            throw ConsoleError(status: .unauthorized, title: "Link used or expired",
                               message: "This login link was already used or has expired. Ask for a new one (bulwark reviewers login NAME).")
        }
        let sessionToken = ConsoleTokens.generate()
        let lifetime = Double(settings.wellness.shiftLength.components.seconds)
        do {
            try await store.createSession(NewSession(tokenHash: ConsoleTokens.digest(sessionToken), reviewerId: reviewer.id,
                                                     createdAt: now, expiresAt: now.addingTimeInterval(lifetime), shiftStartedAt: now))
            _ = try await store.appendAudit([NewAuditEvent(at: now, kind: "console.login", actor: "reviewer:\(reviewer.name)",
                                                           subject: "reviewer:\(reviewer.id)", detail: "{\"role\":\"\(reviewer.role.rawValue)\"}")])
        } catch { throw APIError.from(error) }
        return seeOther("/console", cookie: auth.cookie(sessionToken, lifetime: lifetime))
    }

    @Sendable func logout(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, _) = try await auth.post(request, context: context)
        do {
            try await store.endSession(tokenHash: ConsoleTokens.digest(session.token), at: Date())
            _ = try await store.appendAudit([NewAuditEvent(at: Date(), kind: "console.logout", actor: session.actor,
                                                           subject: "reviewer:\(session.reviewer.id)", detail: "{}")])
        } catch { throw APIError.from(error) }
        var response = pages.render("message", ConsolePages.MessagePage(heading: "Signed out", message: "You are signed out. Take care."))
        response.setCookie(auth.expiredCookie())
        return response
    }

    // MARK: - Queues

    func sessionView(_ session: ConsoleSession) async throws -> SessionView {
        let used = try await revealsUsed(session)
        let status = RevealBudget(settings: settings.wellness).status(used: used)
        return SessionView(name: session.reviewer.name, roleName: session.role.displayName, csrf: session.csrf,
                           canReveal: session.can(.revealMedia), revealsUsed: status.used, revealsLimit: status.limit,
                           budgetWarning: status.warning, budgetExhausted: status.exhausted)
    }

    func revealsUsed(_ session: ConsoleSession) async throws -> Int {
        do { return try await store.auditCount(kind: "media.reveal", actor: session.actor, since: session.record.shiftStartedAt) } catch {
            throw APIError.from(error)
        }
    }

    @Sendable func queues(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let session = try await auth.session(request)
        guard session.can(.viewQueues) else { throw ConsoleError.forbidden("view the queues") }
        let summaries: [QueueSummary], open: [CaseRecord]
        do {
            summaries = try await store.queueSummaries()
            open = try await store.cases(queue: nil, statuses: CaseStatus.allCases, offset: 0, limit: 100)
        } catch { throw APIError.from(error) }
        let rotation = QueueRotation(severeStreak: session.record.severeStreak, cooldown: session.record.cooldown)
        let rows = summaries.map { summary -> QueueRow in
            var blocked: Int?
            if case .rotate(let remaining) = rotation.admit(queueSeverity: summary.maxSeverity, settings: settings.wellness) {
                blocked = remaining
            }
            return QueueRow(name: summary.queue, slug: ConsoleFormat.slug(summary.queue),
                            severityName: ConsoleFormat.severity(summary.maxSeverity), count: summary.count,
                            oldest: ConsoleFormat.age(since: summary.oldestOpenedAt), blocked: blocked)
        }
        let note: String? = rotation.cooldown > 0
            ? "You have worked several severe cases in a row. The severe queues are paused for you for \(rotation.cooldown) more case(s): take a break, or work another queue."
            : nil
        let page = QueuesPage(session: try await sessionView(session), csrf: session.csrf, notice: request.uri.queryParameters.get("notice"),
                              rotation: note, hasQueues: !rows.isEmpty, queues: rows,
                              cases: open.map { CaseRow(id: $0.id, status: $0.status.rawValue, severityName: ConsoleFormat.severity($0.severity),
                                                        queue: $0.queue, items: $0.itemCount, opened: ConsoleFormat.time($0.openedAt)) })
        return pages.render("queues", page)
    }

    @Sendable func nextCase(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, form) = try await auth.post(request, context: context)
        guard session.can(.decide) else { throw ConsoleError.forbidden("work queues") }
        guard let queue = form["queue"], !queue.isEmpty, queue.utf8.count <= 64 else { throw ConsoleError.badRequest("Choose a queue.") }
        let summaries: [QueueSummary]
        do { summaries = try await store.queueSummaries() } catch { throw APIError.from(error) }
        guard let summary = summaries.first(where: { $0.queue == queue }) else {
            return seeOther("/console?notice=" + Self.query("The queue \(queue) is empty."))
        }
        let rotation = QueueRotation(severeStreak: session.record.severeStreak, cooldown: session.record.cooldown)
        if case .rotate(let remaining) = rotation.admit(queueSeverity: summary.maxSeverity, settings: settings.wellness) {
            return seeOther("/console?notice=" + Self.query("Severe queues are paused for you for \(remaining) more case(s). Please work another queue."))
        }
        let claimed: CaseRecord?
        do {
            claimed = try await store.claimNextCase(queue: queue, reviewerId: session.reviewer.id, now: Date(), lease: .seconds(900), excluding: [])
        } catch { throw APIError.from(error) }
        guard let claimed else { return seeOther("/console?notice=" + Self.query("Every case in \(queue) is being worked by someone else.")) }
        return seeOther("/console/cases/\(claimed.id)")
    }

    // MARK: - A case

    func caseId(_ context: BulwarkRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw ConsoleError.notFound("This case") }
        return id
    }

    @Sendable func casePage(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let session = try await auth.session(request)
        guard session.can(.viewQueues) else { throw ConsoleError.forbidden("view cases") }
        let id = try caseId(context)
        let loaded = try await cases.load(id, for: session)
        var grant: (itemId: String, token: String)?
        if let token = request.uri.queryParameters.get("reveal"), token.utf8.count <= RevealGrant.maximumTokenLength,
           let verified = try? RevealGrant.verify(token, key: settings.signingKey, now: Date()),
           verified.reviewerId == session.reviewer.id, verified.caseId == id {
            grant = (verified.itemId, token)
        }
        let page = try await cases.page(loaded, session: session, sessionView: try await sessionView(session), grant: grant,
                                        notice: request.uri.queryParameters.get("notice"))
        return pages.render("case", page)
    }

    @Sendable func decide(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, form) = try await auth.post(request, context: context)
        let id = try caseId(context)
        let outcome = try await cases.decide(id, form: form, session: session)
        return seeOther("/console?notice=" + Self.query(outcome))
    }

    @Sendable func appeal(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, form) = try await auth.post(request, context: context)
        let id = try caseId(context)
        let outcome = try await cases.reverse(id, form: form, session: session)
        return seeOther("/console/cases/\(id)?notice=" + Self.query(outcome))
    }

    @Sendable func detach(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, form) = try await auth.post(request, context: context)
        let id = try caseId(context)
        let outcome = try await cases.detach(id, form: form, session: session)
        return seeOther("/console/cases/\(id)?notice=" + Self.query(outcome))
    }

    @Sendable func hold(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, form) = try await auth.post(request, context: context)
        let id = try caseId(context)
        let outcome = try await cases.hold(id, form: form, session: session)
        return seeOther("/console/cases/\(id)?notice=" + Self.query(outcome))
    }

    // MARK: - Media

    func vaultItem(_ context: BulwarkRequestContext, caseId: Int64) async throws -> VaultItemRecord {
        guard let itemId = context.parameters.get("item"), itemId.utf8.count <= 128 else { throw ConsoleError.notFound("This item") }
        let record: VaultItemRecord
        do { record = try await store.vaultItem(id: itemId) } catch { throw ConsoleError.notFound("This item") }
        // The item must belong to the case in the URL: a reviewer's access is to the case they see.
        let item: CaseItemRecord?
        do { item = try await store.caseForContent(contentId: record.contentId) } catch { throw APIError.from(error) }
        guard item?.caseId == caseId, record.kind == .media else { throw ConsoleError.notFound("This item") }
        return record
    }

    @Sendable func preview(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let session = try await auth.session(request)
        guard session.can(.viewQueues) else { throw ConsoleError.forbidden("view cases") }
        let id = try caseId(context)
        let record = try await vaultItem(context, caseId: id)
        guard let keeper = settings.evidence else { throw ConsoleError.notFound("A preview") }
        let bytes: [UInt8]
        do { bytes = try keeper.open(record) } catch { throw ConsoleError.notFound("A preview") }
        // The server opens the item to make a preview of a few grey pixels; that opening is
        // recorded too (as a preview, not as a person viewing the file).
        do {
            _ = try await store.appendAudit([EvidenceKeeper.openedAudit(record, by: session.actor, at: Date(), reason: "blurred preview")])
        } catch { throw APIError.from(error) }
        guard let png = MediaPreview.png(bytes, limits: decodeLimits) else { throw ConsoleError.notFound("A preview") }
        return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
    }

    @Sendable func reveal(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, _) = try await auth.post(request, context: context)
        guard session.can(.revealMedia) else { throw ConsoleError.forbidden("reveal media (only a child-safety specialist can)") }
        let id = try caseId(context)
        let record = try await vaultItem(context, caseId: id)
        guard settings.evidence != nil, record.sealed != nil else { throw ConsoleError.badRequest("This item was not preserved or was destroyed.") }
        let used = try await revealsUsed(session)
        switch RevealBudget(settings: settings.wellness).decide(usedThisShift: used) {
        case .exhausted:
            throw ConsoleError(status: .forbidden, title: "Reveal budget reached",
                               message: "You have revealed \(used) items this shift, the limit set for your wellbeing. Decide from the signals, pass the case to another specialist, or continue next shift.")
        case .allowed(_, let warning):
            let grant = RevealGrant(itemId: record.itemId, caseId: id, reviewerId: session.reviewer.id,
                                    expires: Int64((Date().timeIntervalSince1970 + 60) * 1_000), nonce: ConsoleTokens.generate(bytes: 12))
            let token = grant.token(key: settings.signingKey)
            let notice = warning ? "&notice=" + Self.query("You are close to your reveal budget for this shift.") : ""
            return seeOther("/console/cases/\(id)?reveal=\(token)\(notice)#media")
        }
    }

    /// Serves the bytes of one revealed item, once per grant. The audit record is written before
    /// the bytes leave: `fileViewedByEsp` in a report is read from these records.
    @Sendable func revealed(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let session = try await auth.session(request)
        guard session.can(.revealMedia) else { throw ConsoleError.forbidden("reveal media") }
        guard let token = context.parameters.get("token"), token.utf8.count <= RevealGrant.maximumTokenLength else {
            throw ConsoleError.notFound("This reveal link")
        }
        let now = Date()
        let grant: RevealGrant
        do { grant = try RevealGrant.verify(token, key: settings.signingKey, now: now) } catch {
            throw ConsoleError(status: .gone, title: "Reveal link expired", message: "Reveal links work once, for a minute. Reveal the item again.")
        }
        guard grant.reviewerId == session.reviewer.id else { throw ConsoleError.forbidden("use another reviewer's reveal link") }
        guard ledger.use(grant.nonce, until: Date(timeIntervalSince1970: Double(grant.expires) / 1_000), now: now) else {
            throw ConsoleError(status: .gone, title: "Already shown", message: "This reveal link was already used. Reveal the item again if you need to.")
        }
        guard let keeper = settings.evidence else { throw EvidenceError.notConfigured }
        let record: VaultItemRecord
        do { record = try await store.vaultItem(id: grant.itemId) } catch { throw ConsoleError.notFound("This item") }
        let bytes = try keeper.open(record)
        let detail = "{\"case\":\(grant.caseId),\"contentId\":\(JSONString.quote(record.contentId)),\"md5\":\(JSONString.quote(record.md5 ?? "")),"
            + "\"sha256\":\(JSONString.quote(record.sha256 ?? ""))}"
        do {
            _ = try await store.appendAudit([
                NewAuditEvent(at: now, kind: "media.reveal", actor: session.actor, subject: record.itemId, detail: detail),
                EvidenceKeeper.openedAudit(record, by: session.actor, at: now, reason: "revealed in the review console"),
            ])
        } catch { throw APIError.from(error) }
        let type = record.contentType.flatMap { $0.hasPrefix("image/") ? $0 : nil } ?? "application/octet-stream"
        var response = Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        response.headers[.contentDisposition] = "inline"
        return response
    }

    // MARK: - Reports

    @Sendable func reportPage(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let session = try await auth.session(request)
        guard session.can(.draftReport) || session.can(.sendReport) else { throw ConsoleError.forbidden("see reports") }
        let id = try caseId(context)
        let page = try await reports.page(id, session: session, sessionView: try await sessionView(session),
                                          notice: request.uri.queryParameters.get("notice"))
        return pages.render("report", page)
    }

    @Sendable func draftReport(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, _) = try await auth.post(request, context: context)
        guard session.can(.draftReport) else { throw ConsoleError.forbidden("draft reports") }
        let id = try caseId(context)
        let notice = try await reports.draft(id, session: session)
        return seeOther("/console/cases/\(id)/report?notice=" + Self.query(notice))
    }

    @Sendable func sendReport(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let (session, _) = try await auth.post(request, context: context)
        guard session.can(.sendReport) else { throw ConsoleError.forbidden("send reports") }
        guard let text = context.parameters.get("id"), let id = Int64(text) else { throw ConsoleError.notFound("This report") }
        let (caseId, notice) = try await reports.send(id, session: session)
        return seeOther("/console/cases/\(caseId)/report?notice=" + Self.query(notice))
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

/// Reveal links are single-use: the nonces used in this process, kept until their link expires.
/// (Links last a minute; with several processes behind one console a link could be used once
/// per process, and each use is still recorded in the audit log.)
final class RevealLedger: Sendable {
    private let used = Mutex<[String: Date]>([:])

    func use(_ nonce: String, until expiry: Date, now: Date) -> Bool {
        used.withLock { used in
            if used.count > 10_000 { used = used.filter { $0.value > now } }
            guard used[nonce] == nil else { return false }
            used[nonce] = expiry
            return true
        }
    }
}
