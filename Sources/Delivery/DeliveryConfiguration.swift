import Foundation

/// Where and how the outbox worker delivers actions.
///
/// The defaults suit one platform endpoint taking a steady trickle of actions: up to 8 requests
/// at once, a failing action retried 11 times over about 34 minutes before it is dead-lettered.
/// Call ``validate()`` when loading configuration so a mistake stops start-up; the worker itself
/// never crashes on a bad value and clamps numbers to their smallest sensible value instead.
public struct DeliveryConfiguration: Sendable {
    /// The platform's webhook endpoint (`https://…`; `http://` only for local receivers).
    public var url: String
    /// Signs every request; see ``WebhookSigner``.
    public var signer: WebhookSigner
    /// An action is dead-lettered when its attempt number reaches this (12 = 11 retries).
    public var maxAttempts: Int
    /// The wait before each retry.
    public var backoff: Backoff
    /// Requests in flight at once, per worker: protects the receiver as much as this process.
    public var concurrency: Int
    /// Actions claimed per round. A round never claims more than it can send before its lease
    /// runs out (`concurrency × lease / requestTimeout`), so a slow receiver does not let leases
    /// expire under actions still waiting their turn.
    public var batchSize: Int
    /// How long claimed actions stay reserved for this worker. If the process dies they come
    /// back to the outbox after this; it must be longer than `requestTimeout`.
    public var lease: Duration
    /// The pause between rounds when the last round found fewer actions than it asked for.
    /// ``OutboxWorker/wake()`` cuts it short.
    public var pollInterval: Duration
    /// The limit on one request, from connecting to the response head.
    public var requestTimeout: Duration
    /// Identifies this worker on the leases it takes: must differ between processes sharing a
    /// database, so a restarted process does not complete actions leased by its predecessor.
    public var owner: String

    public init(url: String, signer: WebhookSigner, maxAttempts: Int = 12, backoff: Backoff = Backoff(),
                concurrency: Int = 8, batchSize: Int = 64, lease: Duration = .seconds(60),
                pollInterval: Duration = .milliseconds(200), requestTimeout: Duration = .seconds(10),
                owner: String = DeliveryConfiguration.defaultOwner()) {
        self.url = url
        self.signer = signer
        self.maxAttempts = maxAttempts
        self.backoff = backoff
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.lease = lease
        self.pollInterval = pollInterval
        self.requestTimeout = requestTimeout
        self.owner = owner
    }

    /// `<hostname>:<pid>:<8 random hex digits>`: readable in the outbox table (which host, which
    /// process) and unique even when a container restarts with the same host name and pid.
    public static func defaultOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        let pid = ProcessInfo.processInfo.processIdentifier
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(host.isEmpty ? "localhost" : host):\(pid):\(String(repeating: "0", count: 8 - random.count))\(random)"
    }

    /// Checks what would make every delivery fail or the worker misbehave: the URL (absolute
    /// http or https with a host), counts of at least 1, positive durations, and a lease longer
    /// than one request.
    public func validate() throws(DeliveryConfigurationError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw .invalid("webhook url must be an absolute http:// or https:// URL with a host")
        }
        if maxAttempts < 1 { throw .invalid("maxAttempts must be at least 1 (got \(maxAttempts))") }
        if concurrency < 1 { throw .invalid("concurrency must be at least 1 (got \(concurrency))") }
        if batchSize < 1 { throw .invalid("batchSize must be at least 1 (got \(batchSize))") }
        if requestTimeout <= .zero { throw .invalid("requestTimeout must be positive") }
        if pollInterval <= .zero { throw .invalid("pollInterval must be positive") }
        if lease <= requestTimeout {
            throw .invalid("lease (\(lease)) must be longer than requestTimeout (\(requestTimeout))")
        }
        if backoff.base < .zero || backoff.cap < .zero { throw .invalid("backoff durations must not be negative") }
        if owner.isEmpty { throw .invalid("owner must not be empty") }
    }
}

/// A delivery setting that cannot work; the message names the setting, never the secret.
public enum DeliveryConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid webhook delivery configuration: \(message)"
        }
    }
}
