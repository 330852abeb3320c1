import AccountGraph
import AccountRegistry
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Matching
import MediaHashing
import Metrics
import NIOCore
import PDQ
import Signals
import Storage

/// The account API: screen signups and profile edits for ban evasion, record bans and appeals,
/// and read what the account graph knows about an account and its actor.
///
/// Request bodies are the replay contract of `bulwark accounts replay`, read by the one
/// ``EventDecoder``, so a line of a replay file is a valid request body and the answer to an
/// account event is the replay's output line. Everything a profile carries is hostile input:
/// answers are hand-written JSON with every string escaped, and error messages name fields,
/// never values.
struct AccountRoutes: Sendable {
    let accounts: AccountRegistry
    let engine: MatchEngine
    let lists: ListFollower
    /// False when the application's list service loads and follows `lists`; true when nothing
    /// does (tests drive the router alone), and the first screen loads them.
    let loadsListsOnDemand: Bool
    let configuration: ServerConfiguration

    /// The weight of an avatar that matches a hash in a media bank.
    static let avatarBankWeight = 0.95
    /// Most avatar-bank matches passed as evidence for one screen (closest first).
    static let maximumAvatarMatches = 100
    /// Default and largest `limit` of `GET /v1/actors/{id}`.
    static let defaultActorLimit = 200
    static let maximumActorLimit = 1_000

    func register(on group: RouterGroup<BulwarkRequestContext>) {
        group.post("accounts/screen", use: screen)
        group.post("accounts/events", use: events)
        group.get("accounts/{id}", use: account)
        group.get("actors/{id}", use: actor)
    }

    // MARK: - Writes

    /// `POST /v1/accounts/screen`: one account event (`"event"` may be left out); `?dryRun=true`
    /// screens without recording.
    @Sendable func screen(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.ingest)
        let dryRun = try Self.flag(request, "dryRun")
        let body = try await Self.body(request, context)
        let decoded = try decode(body, defaultEvent: "account")
        guard case .account(let profile) = decoded.event else {
            throw APIError.badRequest("\"event\" must be \"account\" on this route (or left out); send bans, unbans, unlinks and "
                + "detaches to POST /v1/accounts/events.")
        }
        return try await screen(profile, atJSON: decoded.atJSON, dryRun: dryRun, context: context)
    }

    /// `POST /v1/accounts/events`: one event of any kind (`"event"` is required).
    @Sendable func events(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.ingest)
        let body = try await Self.body(request, context)
        let decoded = try decode(body, defaultEvent: nil)
        if case .account(let profile) = decoded.event {
            return try await screen(profile, atJSON: decoded.atJSON, dryRun: false, context: context)
        }
        let outcome: AccountGraph.Outcome
        do { outcome = try await accounts.record(decoded.event) } catch { throw APIError.from(error) }
        switch outcome {
        case .applied:
            return Self.json(#"{"applied":true}"#)
        case .unknownAccount(let id):
            // Name the field, not the value: ids are the platform's, and may be anything.
            let field = if case .unlink(let first, _, _) = decoded.event, first != id { "\"other\"" } else { "\"id\"" }
            throw APIError.notFound("The account in \(field) has never been screened, so there is nothing to "
                + "\(Self.verb(decoded.event)). Send its account event (POST /v1/accounts/screen) first.")
        case .screened:
            // Only account events are screened, and those were handled above.
            context.logger.error("the account registry screened an event that is not an account event")
            throw APIError.unavailable("An internal error occurred; it has been logged.")
        }
    }

    func screen(_ profile: AccountProfile, atJSON: String, dryRun: Bool, context: BulwarkRequestContext) async throws -> Response {
        let screening = try await screening(profile, dryRun: dryRun, logger: context.logger)
        return Self.json(screening.json(atJSON: atJSON))
    }

    /// Screens a profile (recording it unless `dryRun`), with its avatar matched against the media
    /// banks as evidence: the account half of `POST /v1/accounts/screen` and of `POST /v1/content`.
    func screening(_ profile: AccountProfile, dryRun: Bool, logger: Logger) async throws -> Screening {
        var evidence: [Evidence] = []
        if let avatar = profile.avatarPDQ {
            guard engine.isReady else { throw APIError.notReady }
            // Each account is its own item for the flood policy: a bank entry that matches the
            // avatars of too many accounts (a default avatar added by mistake) is quarantined
            // instead of blocking every one of them.
            let matches = engine.match(MatchQuery(pdq: avatar, itemKey: "account:" + profile.id))
            MatchMetrics.record(matches)
            // Only matches that may act: not quarantined, not from (or suppressed by) a negative bank.
            for match in matches where match.signalType == .pdq && match.actionable {
                guard evidence.count < Self.maximumAvatarMatches else { break }
                evidence.append(Evidence(kind: "avatar-bank", value: avatar.hex, account: nil, weight: Self.avatarBankWeight,
                                         detail: "avatar matches bank \(match.bankName) at PDQ distance \(match.distance)"))
            }
        }
        await refreshScanner()
        let screening: Screening
        do {
            if dryRun {
                screening = try await accounts.screen(profile, extraEvidence: evidence)
            } else {
                switch try await accounts.record(.account(profile), extraEvidence: evidence) {
                case .screened(let result): screening = result
                case .applied, .unknownAccount:
                    // An account event is always screened; anything else is a bug in the registry
                    // (the event was logged and applied, but its answer was lost).
                    logger.error("the account registry gave no screening for an account event it recorded")
                    throw APIError.unavailable("An internal error occurred; it has been logged.")
                }
            }
        } catch {
            throw APIError.from(error)
        }
        AccountMetrics.screened(screening.decision, dryRun: dryRun)
        return screening
    }

    /// Gives the graph the server's current text scanner (list entries as of now, the configured
    /// lexicon), so list matches in names and bios are as current as `/v1/text/scan`'s.
    func refreshScanner() async {
        if !lists.isReady && loadsListsOnDemand {
            // A failure leaves the graph's scanner as it was: the screen goes on without list
            // matches, and the next one tries again.
            try? await lists.load()
        }
        // Until the list service has loaded the lists, screens run with the configured lexicon
        // and no lists (as a replay without --lists does).
        if lists.isReady { await accounts.setScanner(lists.scanner) }
    }

    // MARK: - Decoding

    /// Reads a JSON body within the /v1 JSON limit.
    static func body(_ request: Request, _ context: BulwarkRequestContext) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: context.maxUploadSize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: context.maxUploadSize)
        }
    }

    /// Decodes one event with ``EventDecoder`` (the replay's parser). `avatarImage` (base64 image
    /// bytes) is taken out first, hashed as `/v1/hash` hashes, and becomes the profile's `avatarPdq`.
    func decode(_ body: ByteBuffer, defaultEvent: String?) throws -> DecodedEvent {
        var bytes = Array(body.readableBytesView)
        var image: [UInt8]?
        // Only a body that is a JSON object with an `avatarImage` member is rewritten; everything
        // else goes to the decoder byte for byte (and its errors are the decoder's).
        if var fields = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any],
           let value = fields.removeValue(forKey: "avatarImage") {
            switch value {
            case is NSNull:
                break
            case let text as String:
                switch fields["avatarPdq"] {
                case nil, is NSNull: break
                default: throw APIError.badRequest("Send \"avatarImage\" or \"avatarPdq\", not both.")
                }
                image = try decodeImage(text)
            default:
                throw APIError.badRequest("\"avatarImage\" must be a string: the image file's bytes in base64.")
            }
            guard let rest = try? JSONSerialization.data(withJSONObject: fields) else {
                throw APIError.badRequest("The body is not a valid account event.")
            }
            bytes = Array(rest)
        }
        guard bytes.count <= EventDecoder.maximumBytes else {
            throw AccountRouteError.payloadTooLarge("An account event is at most \(EventDecoder.maximumBytes) bytes of JSON "
                + "(not counting \"avatarImage\"); this one is larger.")
        }
        var decoder = EventDecoder()
        // An event without "at" happened now (the decoder's default is the previous event's time,
        // and a request has no previous event).
        decoder.lastAt = Milliseconds((Date().timeIntervalSince1970 * 1_000).rounded())
        var decoded: DecodedEvent
        switch decoder.decode(bytes, defaultEvent: defaultEvent) {
        case .success(let event): decoded = event
        case .failure(let problem): throw APIError.badRequest("Invalid account event: \(problem.message).")
        }
        if let image, case .account(var profile) = decoded.event {
            let hashes: MediaHashes
            do {
                hashes = try image.withUnsafeBytes {
                    try MediaHasher.hash($0, options: MediaHashOptions(dihedral: false, limits: configuration.decodeLimits))
                }
            } catch let error as MediaHashError {
                if case .decode(.inputTooLarge) = error { throw Self.imageTooLarge(limit: configuration.maxMediaBytes) }
                throw APIError.badRequest("\"avatarImage\" is not a usable image: \(error.description)")
            }
            // As on /v1/match: a hash of quality 0 (a flat picture) says nothing about the image.
            if hashes.quality > 0 { profile.avatarPDQ = hashes.pdq }
            decoded.event = .account(profile)
        }
        return decoded
    }

    func decodeImage(_ text: String) throws -> [UInt8] {
        guard !text.isEmpty else { throw APIError.badRequest("\"avatarImage\" is empty: send the image file's bytes in base64.") }
        // Four characters carry three bytes: refuse an oversized image before decoding it.
        guard text.utf8.count / 4 * 3 <= configuration.maxMediaBytes + 3 else {
            throw Self.imageTooLarge(limit: configuration.maxMediaBytes)
        }
        guard let data = Data(base64Encoded: text) else {
            throw APIError.badRequest("\"avatarImage\" is not base64: send the image file's bytes in standard base64 "
                + "(RFC 4648, with padding, without line breaks).")
        }
        guard data.count <= configuration.maxMediaBytes else { throw Self.imageTooLarge(limit: configuration.maxMediaBytes) }
        guard !data.isEmpty else { throw APIError.badRequest("\"avatarImage\" is empty: send the image file's bytes in base64.") }
        return Array(data)
    }

    static func imageTooLarge(limit: Int) -> AccountRouteError {
        .payloadTooLarge("\"avatarImage\" holds more than \(limit) bytes, the largest image this server accepts "
            + "(serve --max-upload-bytes).")
    }

    /// A boolean query parameter: `true`/`1`, `false`/`0`, or absent (false). Anything else is a
    /// 400, so that a typo never turns a dry run into a recorded event.
    static func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let value = request.uri.queryParameters[Substring(name)] else { return false }
        switch value.lowercased() {
        case "true", "1": return true
        case "false", "0", "": return false
        default: throw APIError.badRequest("The query parameter \(name) must be true or false.")
        }
    }

    static func verb(_ event: AccountEvent) -> String {
        switch event {
        case .account: "screen"
        case .ban: "ban"
        case .unban: "unban"
        case .unlink: "unlink"
        case .detach: "detach"
        }
    }

    // MARK: - Reads

    /// `GET /v1/accounts/{id}`.
    @Sendable func account(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let id = try Self.accountID(context)
        try await catchUp()
        guard let summary = await accounts.summary(of: id) else { throw Self.unknownAccount }
        let actor = await accounts.actorID(of: id)
        return Self.json(Self.json(summary, actor: actor))
    }

    /// `GET /v1/actors/{id}`: the actor of the account `id`.
    @Sendable func actor(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let id = try Self.accountID(context)
        let limit = Self.limit(request)
        try await catchUp()
        guard let view = await accounts.actor(of: id, limit: limit) else { throw Self.unknownAccount }
        let timeline: [AccountEventRecord]
        do { timeline = try await accounts.timeline(ofActor: id, limit: limit) } catch { throw APIError.from(error) }

        var out = "{\"id\":" + JSONString.quote(view.id) + ",\"banned\":" + (view.banned ? "true" : "false")
        out += ",\"accounts\":[" + view.accounts.prefix(limit).map { Self.json($0, actor: nil) }.joined(separator: ",") + "]"
        out += ",\"links\":[" + view.links.prefix(limit).map { a, b, link in
            "{\"a\":" + JSONString.quote(a) + ",\"b\":" + JSONString.quote(b) + ",\"score\":" + JSONString.number(link.score)
                + ",\"at\":" + JSONString.quote(Self.time(link.at)) + ",\"reasons\":["
                + link.reasons.map { reason in
                    "{\"kind\":" + JSONString.quote(reason.kind.rawValue) + ",\"value\":" + JSONString.quote(reason.value)
                        + ",\"weight\":" + JSONString.number(reason.weight) + "}"
                }.joined(separator: ",") + "]}"
        }.joined(separator: ",") + "]"
        out += ",\"sharedSignals\":[" + view.sharedSignals.prefix(limit).map { shared in
            "{\"kind\":" + JSONString.quote(shared.kind.rawValue) + ",\"value\":" + JSONString.quote(shared.value)
                + ",\"accounts\":[" + shared.accounts.prefix(limit).map(JSONString.quote).joined(separator: ",") + "]}"
        }.joined(separator: ",") + "]"
        // Kinds and times only: payloads hold the accounts' private signals.
        out += ",\"timeline\":[" + timeline.prefix(limit).map { record in
            "{\"sequence\":\(record.sequence),\"account\":" + JSONString.quote(record.accountId) + ",\"kind\":\""
                + record.kind.rawValue + "\",\"at\":" + JSONString.quote(Self.time(record.at)) + "}"
        }.joined(separator: ",") + "]}"
        return Self.json(out)
    }

    /// Applies what other processes sharing the database have logged, so reads see their bans too.
    func catchUp() async throws {
        do { _ = try await accounts.load() } catch { throw APIError.from(error) }
    }

    static let unknownAccount = APIError.notFound("No account with this id has been screened (ids are matched exactly, "
        + "after percent-decoding).")

    /// The `{id}` path parameter, percent-decoded (account ids are the platform's and may hold any
    /// character but control characters).
    static func accountID(_ context: BulwarkRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        guard let id = raw.removingPercentEncoding else {
            throw APIError.badRequest("The account id in the path is not valid percent-encoding.")
        }
        guard !id.isEmpty, id.utf8.count <= EventDecoder.maximumIDBytes,
              !id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("An account id is 1 to \(EventDecoder.maximumIDBytes) bytes of UTF-8 without control characters.")
        }
        return id
    }

    /// `?limit=`: 1…1000, default 200; out-of-range values are clamped, as on the other /v1 lists.
    static func limit(_ request: Request) -> Int {
        let value = request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? defaultActorLimit
        return min(max(value, 1), maximumActorLimit)
    }

    // MARK: - JSON

    /// `{"id","createdAt","updatedAt","bannedAt","banReason","signalCount"}`, plus `"actor"` when given.
    static func json(_ summary: AccountGraph.AccountSummary, actor: String?) -> String {
        var out = "{\"id\":" + JSONString.quote(summary.id)
        out += ",\"createdAt\":" + JSONString.quote(time(summary.createdAt))
        out += ",\"updatedAt\":" + JSONString.quote(time(summary.updatedAt))
        out += ",\"bannedAt\":" + (summary.bannedAt.map { JSONString.quote(time($0)) } ?? "null")
        out += ",\"banReason\":" + (summary.bannedAt == nil ? "null" : summary.banReason.map(JSONString.quote) ?? "null")
        out += ",\"signalCount\":\(summary.signalCount)"
        if let actor { out += ",\"actor\":" + JSONString.quote(actor) }
        return out + "}"
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func time(_ date: Date) -> String {
        time(Milliseconds((date.timeIntervalSince1970 * 1_000).rounded()))
    }

    /// ISO 8601 in UTC: `2026-01-01T10:00:00Z`, with `.mmm` when the time has milliseconds. Years
    /// outside 0000–9999 (which the replay contract allows) are written with a sign, as ISO 8601's
    /// expanded form does.
    static func time(_ ms: Milliseconds) -> String {
        func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
            let q = a / b, r = a % b
            return r < 0 ? (q - 1, r + b) : (q, r)
        }
        let (days, msOfDay) = floorDivide(ms, 86_400_000)
        // Civil date from days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        let yearText = (0...9_999).contains(year) ? pad(year, 4) : (year < 0 ? "-" : "+") + pad(abs(year), 4)
        let seconds = msOfDay / 1_000, millis = msOfDay % 1_000
        var out = yearText + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(seconds / 3_600, 2) + ":"
            + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if millis != 0 { out += "." + pad(millis, 3) }
        return out + "Z"
    }
}

/// An error in the `/v1` error format with a message of the route's own (for limits that are not
/// the request body's).
struct AccountRouteError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func payloadTooLarge(_ message: String) -> AccountRouteError {
        AccountRouteError(status: .contentTooLarge, code: "payload_too_large", message: message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = #"{"error":{"code":"\#(code)","message":\#(JSONText.quote(message))}}"#
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Prometheus series for the account graph: screens by decision (counted as they happen) and the
/// graph's size (published when `/metrics` is scraped: counting banned accounts and actors walks
/// the whole graph, which the screen path must not do per request).
enum AccountMetrics {
    static func screened(_ decision: Decision, dryRun: Bool) {
        Counter(label: "bulwark_account_screens_total", dimensions: [
            ("decision", decision.rawValue), ("dry_run", dryRun ? "true" : "false"),
        ]).increment()
    }

    static func publish(_ statistics: AccountRegistry.Statistics) {
        Gauge(label: "bulwark_accounts").record(statistics.accounts)
        Gauge(label: "bulwark_account_actors").record(statistics.actors)
        Gauge(label: "bulwark_accounts_banned").record(statistics.banned)
        Gauge(label: "bulwark_account_links").record(statistics.links)
    }
}
