import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Signals
import Storage

/// Writes bank changes and exports made through the API to the audit log: who (the key's
/// prefix), what (method and path), when, and the status. Decisions, deliveries, policy changes
/// and action retries are audited where they happen, with their own details.
///
/// A change is audited after it succeeded (2xx). If the audit write fails, the change stands and
/// the failure is logged at error level: refusing a bank update because the log is unavailable
/// would be worse than a logged gap, and `bulwark audit verify` still proves the rest.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = BulwarkRequestContext
    let store: any BulwarkStore

    /// Paths whose writes change banks and their entries.
    static let bankPrefixes = ["/v1/banks", "/v1/entries", "/v1/list-entries", "/c/"]

    static func kind(method: HTTPRequest.Method, path: String) -> String? {
        if method == .get || method == .head {
            return path.hasSuffix("/export") ? "bank.export" : nil
        }
        guard bankPrefixes.contains(where: { path.hasPrefix($0) }) else { return nil }
        return "bank.change"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        let path = request.uri.path
        guard let kind = Self.kind(method: request.method, path: path), (200..<300).contains(response.status.code) else {
            return response
        }
        let actor = context.principal.map { "api-key:\($0.prefix)" } ?? "anonymous"
        let detail = "{\"method\":\"\(request.method.rawValue)\",\"path\":\(JSONString.quote(String(path.prefix(512)))),"
            + "\"status\":\(response.status.code)}"
        do {
            _ = try await store.appendAudit([NewAuditEvent(at: Date(), kind: kind, actor: actor, subject: String(path.prefix(512)),
                                                           detail: detail)])
        } catch {
            context.logger.error("a bank change could not be written to the audit log", metadata: ["error": "\(error)", "path": "\(path)"])
        }
        return response
    }
}
