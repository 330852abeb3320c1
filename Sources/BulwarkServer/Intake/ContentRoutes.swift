import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Policy
import Signals
import Storage

/// The decide-and-act API: the content intake, the actions outbox, the policy in force and the
/// audit log's head.
struct ContentRoutes: Sendable {
    let pipeline: IntakePipeline
    let store: any BulwarkStore
    let policy: PolicyHolder
    let onActions: @Sendable () -> Void

    static let replayedHeader = HTTPField.Name("Bulwark-Replayed")!

    func register(on group: RouterGroup<BulwarkRequestContext>) {
        group.post("content", use: content)
        group.get("content/{id}", use: getContent)
        group.get("actions", use: listActions)
        group.get("actions/{id}", use: getAction)
        group.post("actions/{id}/retry", use: retryAction)
        group.get("outbox", use: outbox)
        group.get("policy", use: getPolicy)
        group.post("policy/reload", use: reloadPolicy)
        group.get("audit/head", use: auditHead)
    }

    /// The largest `POST /v1/content` body: the media limit in base64 plus room for the rest.
    var maximumBody: Int { pipeline.configuration.maxMediaBytes / 3 * 4 + (2 << 20) }

    /// `POST /v1/content`: decide one post, profile edit, signup or message.
    @Sendable func content(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try context.require(.ingest)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBody)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: maximumBody)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: maximumBody)
        }
        let result = try await pipeline.process(Array(body.readableBytesView), principal: "api-key:\(key.prefix)",
                                                persistence: .record, logger: context.logger)
        var headers: HTTPFields = [.contentType: "application/json"]
        if result.replayed { headers[Self.replayedHeader] = "true" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: result.json)))
    }

    /// `GET /v1/content/{id}`: the decision given for a content id.
    @Sendable func getContent(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.ingest)
        // Percent-decoded, as account ids are: a content id may hold any character.
        guard let id = try context.parameters.require("id").removingPercentEncoding else {
            throw APIError.badRequest("The content id in the path is not valid percent-encoding.")
        }
        let record: ContentRecord?
        do { record = try await store.content(id: id) } catch { throw APIError.from(error) }
        guard let record else { throw APIError.notFound("No content with this id has been submitted to POST /v1/content.") }
        return AccountRoutes.json(record.response)
    }

    // MARK: - Actions

    static func json(_ action: ActionRecord) -> String {
        "{\"id\":\(action.id),\"idempotencyKey\":\(JSONString.quote(action.idempotencyKey)),\"action\":\(JSONString.quote(action.action)),"
            + "\"decisionId\":\(JSONString.quote(action.decisionId)),\"contentId\":\(IntakePipeline.quoteOrNull(action.contentId)),"
            + "\"target\":\(IntakePipeline.quoteOrNull(action.targetAccount)),\"status\":\"\(action.status.rawValue)\","
            + "\"attempts\":\(action.attempts),\"createdAt\":\(JSONString.quote(AccountRoutes.time(action.createdAt))),"
            + "\"nextAttemptAt\":\(JSONString.quote(AccountRoutes.time(action.nextAttemptAt))),"
            + "\"deliveredAt\":\(action.deliveredAt.map { JSONString.quote(AccountRoutes.time($0)) } ?? "null"),"
            + "\"lastError\":\(IntakePipeline.quoteOrNull(action.lastError))}"
    }

    /// `GET /v1/actions?status=dead&after=ID&limit=N`: the outbox, by id.
    @Sendable func listActions(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        var status: ActionStatus?
        if let text = request.uri.queryParameters["status"] {
            guard let parsed = ActionStatus(rawValue: String(text)) else {
                throw APIError.badRequest("status must be one of pending, delivered, dead.")
            }
            status = parsed
        }
        let after = try request.uri.queryParameters["after"].map { text -> Int64 in
            guard let value = Int64(String(text)), value >= 0 else { throw APIError.badRequest("after must be an action id (0 or more).") }
            return value
        } ?? 0
        let limit = min(max(request.uri.queryParameters["limit"].flatMap { Int(String($0)) } ?? 100, 1), 1_000)
        let actions: [ActionRecord]
        do { actions = try await store.actions(status: status, after: after, limit: limit) } catch { throw APIError.from(error) }
        let next = actions.count == limit ? actions.last.map { "\($0.id)" } ?? "null" : "null"
        return AccountRoutes.json("{\"actions\":[\(actions.map(Self.json).joined(separator: ","))],\"next\":\(next)}")
    }

    static func actionID(_ context: BulwarkRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else {
            throw APIError.badRequest("The action id is a positive integer.")
        }
        return id
    }

    @Sendable func getAction(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let id = try Self.actionID(context)
        do { return AccountRoutes.json(Self.json(try await store.action(id: id))) } catch { throw APIError.from(error) }
    }

    /// `POST /v1/actions/{id}/retry`: puts a dead-lettered action back in the outbox, due now.
    @Sendable func retryAction(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try context.require(.admin)
        let id = try Self.actionID(context)
        let action: ActionRecord
        do {
            action = try await store.retryAction(id: id, at: Date(), audit: NewAuditEvent(
                at: Date(), kind: "action.retry", actor: "api-key:\(key.prefix)", subject: "action:\(id)", detail: "{}"))
        } catch { throw APIError.from(error) }
        onActions()
        return AccountRoutes.json(Self.json(action))
    }

    /// `GET /v1/outbox`: counts by status and the age of the oldest pending action.
    @Sendable func outbox(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let stats: OutboxStats
        do { stats = try await store.outboxStats() } catch { throw APIError.from(error) }
        let oldest = stats.oldestPendingCreatedAt.map { JSONString.quote(AccountRoutes.time($0)) } ?? "null"
        return AccountRoutes.json("{\"pending\":\(stats.pending),\"delivered\":\(stats.delivered),\"dead\":\(stats.dead),"
            + "\"oldestPendingCreatedAt\":\(oldest)}")
    }

    // MARK: - Policy and audit

    static func json(_ loaded: PolicyHolder.Loaded) -> String {
        let rules = loaded.policy.rules.map { rule in
            "{\"id\":\(JSONString.quote(rule.id)),\"mode\":\"\(rule.mode.rawValue)\"}"
        }
        return "{\"name\":\(JSONString.quote(loaded.policy.name)),\"version\":\(loaded.policy.version),"
            + "\"digest\":\"\(loaded.digest)\",\"source\":\(IntakePipeline.quoteOrNull(loaded.path.map { ($0 as NSString).lastPathComponent } ?? "built-in default")),"
            + "\"rules\":[\(rules.joined(separator: ","))]}"
    }

    @Sendable func getPolicy(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        return AccountRoutes.json(Self.json(policy.current))
    }

    /// `POST /v1/policy/reload`: re-reads the policy file. An invalid file leaves the current
    /// policy in force and answers 422 with the errors.
    @Sendable func reloadPolicy(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try context.require(.admin)
        do {
            let loaded = try await PolicyReloader.reload(policy, store: store, actor: "api-key:\(key.prefix)", logger: context.logger)
            return AccountRoutes.json(Self.json(loaded))
        } catch let error as PolicyLoadError {
            throw APIError.invalidPolicy("The policy was not reloaded; the current one stays in force. \(error.description)")
        }
    }

    @Sendable func auditHead(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.admin)
        do {
            let head = try await store.auditHead()
            return AccountRoutes.json("{\"sequence\":\(head.sequence),\"hash\":\"\(head.hash)\"}")
        } catch { throw APIError.from(error) }
    }
}

/// Reloading the policy, from the API or a SIGHUP: validated first, swapped in, audited.
enum PolicyReloader {
    static func reload(_ holder: PolicyHolder, store: any BulwarkStore, actor: String, logger: Logger) async throws -> PolicyHolder.Loaded {
        let (previous, current) = try holder.reload()
        logger.notice("policy loaded", metadata: ["policy": "\(current.label)", "digest": "\(current.digest)",
                                                  "previous": "\(previous.label)"])
        try? await audit(current, previous: previous, store: store, actor: actor, logger: logger)
        return current
    }

    /// Records the policy in force (at start-up and after each reload).
    static func audit(_ loaded: PolicyHolder.Loaded, previous: PolicyHolder.Loaded?, store: any BulwarkStore, actor: String,
                      logger: Logger) async throws {
        let detail = "{\"policy\":\(JSONString.quote(loaded.label)),\"digest\":\"\(loaded.digest)\","
            + "\"rules\":\(loaded.policy.rules.count),\"previous\":\(IntakePipeline.quoteOrNull(previous?.label)),"
            + "\"previousDigest\":\(IntakePipeline.quoteOrNull(previous?.digest))}"
        do {
            _ = try await store.appendAudit([NewAuditEvent(at: Date(), kind: "policy.loaded", actor: actor,
                                                           subject: loaded.label, detail: detail)])
        } catch {
            logger.error("could not write the policy change to the audit log", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
