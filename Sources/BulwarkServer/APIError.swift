import Foundation
import Signals
import HTTPTypes
import Hummingbird
import MediaHashing
import NIOCore
import Storage

/// Errors the API returns, each with a status and a message that says what to fix.
///
/// Bodies are `{"error": {"code": "...", "message": "..."}}`. Messages never echo secrets, and
/// echo client input only through JSON escaping.
public enum APIError: Error, HTTPResponseError, Sendable {
    case unauthenticated
    case invalidKey
    case forbidden(needed: APIKeyRole, have: APIKeyRole)
    case badRequest(String)
    case notFound(String)
    case conflict(String)
    case payloadTooLarge(limit: Int)
    case unsupportedMedia(String)
    /// A policy file that does not validate (on reload; the current policy stays).
    case invalidPolicy(String)
    case notReady
    case unavailable(String)

    public var status: HTTPResponse.Status {
        switch self {
        case .unauthenticated, .invalidKey: return .unauthorized
        case .forbidden: return .forbidden
        case .badRequest: return .badRequest
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .payloadTooLarge: return .contentTooLarge
        case .unsupportedMedia, .invalidPolicy: return .unprocessableContent
        case .notReady, .unavailable: return .serviceUnavailable
        }
    }

    var code: String {
        switch self {
        case .unauthenticated: return "unauthenticated"
        case .invalidKey: return "invalid_key"
        case .forbidden: return "forbidden"
        case .badRequest: return "bad_request"
        case .notFound: return "not_found"
        case .conflict: return "conflict"
        case .payloadTooLarge: return "payload_too_large"
        case .unsupportedMedia: return "unprocessable_media"
        case .invalidPolicy: return "invalid_policy"
        case .notReady: return "not_ready"
        case .unavailable: return "unavailable"
        }
    }

    var message: String {
        switch self {
        case .unauthenticated:
            return "No API key: send it as 'Authorization: Bearer <key>' (create one with 'bulwark keys create')."
        case .invalidKey:
            return "The API key is not valid (unknown or revoked)."
        case .forbidden(let needed, let have):
            return "This needs a key with the \(needed) role or higher; this key has \(have)."
        case .badRequest(let message), .notFound(let message), .conflict(let message),
             .unsupportedMedia(let message), .invalidPolicy(let message), .unavailable(let message):
            return message
        case .payloadTooLarge(let limit):
            return "The request body is larger than the limit of \(limit) bytes."
        case .notReady:
            return "The index is still loading; retry shortly (see /readyz)."
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = #"{"error":{"code":"\#(code)","message":\#(JSONText.quote(message))}}"#
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if case .unauthenticated = self { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Maps storage errors to API errors.
    static func from(_ error: StoreError) -> APIError {
        switch error {
        case .bankNotFound, .entryNotFound, .listEntryNotFound, .apiKeyNotFound, .actionNotFound, .caseNotFound, .reviewerNotFound,
             .vaultItemNotFound, .vaultItemDestroyed, .reportNotFound:
            return .notFound(error.description)
        case .bankNameTaken, .apiKeyHashTaken, .constraintViolated, .actionDelivered, .reviewerNameTaken:
            return .conflict(error.description)
        case .invalidBankName, .invalidThreshold, .invalidHashValue, .invalidListValue, .invalidField, .invalidBatch,
             .invalidLimit:
            return .badRequest(error.description)
        case .schemaTooNew, .schemaNotMigrated, .invalidConfiguration, .unavailable, .databaseFailure, .shutDown:
            return .unavailable(error.description)
        }
    }

    /// Maps any error met while serving a request; unknown errors become 503 without details.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? StoreError { return from(error) }
        if let error = error as? MediaHashError { return from(error) }
        return .unavailable("An internal error occurred; it has been logged.")
    }

    static func from(_ error: MediaHashError) -> APIError {
        switch error {
        case .decode(.inputTooLarge(_, let limit)): return .payloadTooLarge(limit: limit)
        case .decode: return .unsupportedMedia(error.description)
        default: return .unsupportedMedia(error.description)
        }
    }
}

/// JSON string literals for hand-written JSON (error bodies, JSON-lines output).
public enum JSONText {
    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped, and
    /// U+2028/U+2029 too, so hostile text (a file name, an error from a library) cannot break a
    /// line-per-record format or a script that embeds the JSON. One implementation serves the
    /// whole project: `Signals.JSONString.quote`.
    public static func quote(_ text: String) -> String { JSONString.quote(text) }
}
