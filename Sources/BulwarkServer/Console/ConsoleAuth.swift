import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Review
import Storage

/// A signed-in reviewer, as every console handler sees them.
struct ConsoleSession: Sendable {
    var token: String
    var record: SessionRecord
    var role: Role
    var csrf: String

    var reviewer: Reviewer { record.reviewer }
    /// How the reviewer appears in the audit log and case timelines.
    var actor: String { "reviewer:\(record.reviewer.name)" }

    func can(_ capability: Capability) -> Bool { role.can(capability) }
}

/// Why a console request was refused: shown to the reviewer as a page, never as a stack trace.
struct ConsoleError: Error, Sendable {
    var status: HTTPResponse.Status
    var title: String
    var message: String

    static let signedOut = ConsoleError(status: .unauthorized, title: "Signed out",
                                        message: "Your session has ended. Ask an administrator for a new login link (bulwark reviewers login NAME).")
    static let badCSRF = ConsoleError(status: .forbidden, title: "Form expired",
                                      message: "This form was not sent from your current session. Go back, reload the page and try again.")
    static func forbidden(_ what: String) -> ConsoleError {
        ConsoleError(status: .forbidden, title: "Not allowed", message: "Your role cannot \(what).")
    }
    static func notFound(_ what: String) -> ConsoleError {
        ConsoleError(status: .notFound, title: "Not found", message: "\(what) does not exist.")
    }
    static func badRequest(_ message: String) -> ConsoleError {
        ConsoleError(status: .badRequest, title: "Cannot do that", message: message)
    }
}

/// Sessions and forms. The session cookie holds a random token; the database keeps only its
/// SHA-256. Every state-changing request is a POST carrying a CSRF token derived from the session
/// token with the console's key, so another site cannot make a reviewer's browser act.
struct ConsoleAuth: Sendable {
    static let cookieName = "bulwark_session"
    let store: any BulwarkStore
    let settings: ConsoleSettings

    func session(_ request: Request) async throws -> ConsoleSession {
        guard let token = request.cookies[Self.cookieName]?.value, !token.isEmpty, token.utf8.count <= 128 else {
            throw ConsoleError.signedOut
        }
        let record: SessionRecord?
        do { record = try await store.session(tokenHash: ConsoleTokens.digest(token), now: Date()) } catch { throw APIError.from(error) }
        guard let record, let role = Role(rawValue: record.reviewer.role.rawValue) else { throw ConsoleError.signedOut }
        return ConsoleSession(token: token, record: record, role: role,
                              csrf: ConsoleTokens.csrf(sessionToken: token, key: settings.signingKey))
    }

    /// The session of a POST, with its form, after checking the form's CSRF token.
    func post(_ request: Request, context: some RequestContext) async throws -> (ConsoleSession, ConsoleForm) {
        let session = try await session(request)
        let form = try await ConsoleForm.read(request, context: context)
        guard let sent = form["csrf"], ConsoleTokens.constantTimeEquals(sent, session.csrf) else { throw ConsoleError.badCSRF }
        return (session, form)
    }

    func cookie(_ token: String, lifetime: TimeInterval) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: Int(lifetime), path: "/console",
               secure: settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func expiredCookie() -> Cookie {
        Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/console", secure: settings.secureCookies,
               httpOnly: true, sameSite: .strict)
    }
}

/// An `application/x-www-form-urlencoded` body, read with a size limit.
struct ConsoleForm: Sendable {
    var fields: [String: [String]]

    subscript(_ name: String) -> String? { fields[name]?.first }
    func all(_ name: String) -> [String] { fields[name] ?? [] }

    static let maximumBytes = 64 * 1_024

    static func read(_ request: Request, context: some RequestContext) async throws -> ConsoleForm {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: maximumBytes) } catch {
            throw ConsoleError.badRequest("The form is larger than \(maximumBytes / 1_024) KiB.")
        }
        return parse(String(buffer: buffer))
    }

    static func parse(_ body: String) -> ConsoleForm {
        var fields: [String: [String]] = [:]
        for pair in body.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            fields[name, default: []].append(value)
        }
        return ConsoleForm(fields: fields)
    }
}

/// Headers on every console response: no scripts at all, nothing from elsewhere, no framing, no
/// caching of pages that show evidence, no referrer leaking case ids to anywhere.
struct ConsoleHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as ConsoleError {
            response = ConsolePages.shared.errorPage(error)
        } catch let error as HTTPResponseError {
            response = ConsolePages.shared.errorPage(ConsoleError(status: error.status, title: "Request refused",
                                                                  message: "The console could not handle this request."))
        } catch {
            context.logger.error("console request failed", metadata: ["error": "\(error)"])
            response = ConsolePages.shared.errorPage(ConsoleError(status: .internalServerError, title: "Something went wrong",
                                                                  message: "The console hit an error; it is in the server log."))
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        if let name = HTTPField.Name("Cross-Origin-Opener-Policy") { response.headers[name] = "same-origin" }
        if let name = HTTPField.Name("Cross-Origin-Resource-Policy") { response.headers[name] = "same-origin" }
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
