/// One HTTP header. A struct rather than a tuple so requests can be `Hashable` and compared in
/// tests; order is kept, and names are compared case-insensitively by ``WebhookRequest/header(named:)``.
public struct WebhookHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A signed webhook, ready to send: always a `POST` of `body` to `url`.
public struct WebhookRequest: Sendable, Hashable {
    public var url: String
    public var headers: [WebhookHeader]
    public var body: [UInt8]
    /// The whole exchange (connect, send, response head) must finish within this; a receiver that
    /// hangs must not hold a worker slot, and its action goes back to the outbox to be retried.
    public var timeout: Duration

    public init(url: String, headers: [WebhookHeader], body: [UInt8], timeout: Duration) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// The value of the first header called `name` (case-insensitive, as in HTTP), if any.
    public func header(named name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// Sends a webhook and returns the HTTP status. Behind a protocol so the worker's retry, lease
/// and dead-letter logic is tested without sockets; ``HTTPClientTransport`` is the real one.
///
/// Throw ``WebhookTransportError`` when no status was received, so the failure is counted under
/// the right reason (`timeout`, `connect`); any other error counts as `other`.
public protocol WebhookTransport: Sendable {
    func send(_ request: WebhookRequest) async throws -> Int
}

/// Why a webhook got no HTTP status at all. The kind becomes the `reason` label of
/// `bulwark_action_delivery_failures_total`, which tells an operator whether the receiver is slow
/// (`timeout`), unreachable (`connect`) or something else is wrong (`other`).
public struct WebhookTransportError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The receiver accepted the connection but did not answer in time.
        case timeout
        /// No connection: refused, unreachable, DNS failure, connect or TLS handshake timeout.
        case connect
        /// Anything else: a malformed URL, the connection dropped mid-request, a protocol error.
        case other
    }

    public var kind: Kind
    /// A short, human description; must not contain the request body.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
