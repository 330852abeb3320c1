import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

/// The real ``WebhookTransport``: AsyncHTTPClient on the process-wide event loop group, with one
/// client (and its connection pool) shared by every delivery.
///
/// Chosen for webhooks specifically:
/// - Redirects are not followed: a signed request must go where the operator configured, and a
///   3xx counts as a failed attempt that shows up in the logs.
/// - A failed connection fails the request at once instead of being retried inside the client
///   until the timeout; the outbox's backoff is the retry policy.
/// - The response body is read up to a small limit and discarded: only the status matters, and a
///   receiver must not be able to make the worker buffer megabytes.
///
/// Call ``shutdown()`` before the process exits (AsyncHTTPClient traps in debug builds when a
/// client is released without it).
public final class HTTPClientTransport: WebhookTransport {
    private let client: HTTPClient
    private let maxResponseBytes: Int

    /// - Parameters:
    ///   - connectTimeout: Limit on establishing a connection (TCP and TLS).
    ///   - readTimeout: Limit on silence while waiting for the response; the whole request is
    ///     also bounded by ``WebhookRequest/timeout``.
    ///   - maxResponseBytes: How much of a response body is read before the connection is closed.
    ///   - maxConnectionsPerHost: HTTP/1 connections kept per host. Must be at least the worker's
    ///     ``DeliveryConfiguration/concurrency``, or requests queue for a connection and time out;
    ///     connections are only opened as requests need them, so a generous limit costs nothing.
    public init(connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(10),
                maxResponseBytes: Int = 4096, maxConnectionsPerHost: Int = 32) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(connectTimeout), read: Self.timeAmount(readTimeout)))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(1, maxConnectionsPerHost)
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.maxResponseBytes = max(0, maxResponseBytes)
    }

    public func send(_ request: WebhookRequest) async throws -> Int {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = .POST
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        outgoing.body = .bytes(request.body)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(outgoing, timeout: Self.timeAmount(request.timeout))
        } catch {
            throw Self.classify(error)
        }
        // The status is the answer; the body is drained (bounded) only so the connection can be
        // reused, and an error while draining does not change the outcome.
        var received = 0
        do {
            for try await chunk in response.body {
                received += chunk.readableBytes
                if received > maxResponseBytes { break }
            }
        } catch {}
        return Int(response.status.code)
    }

    /// Closes the client's connections. Safe to call more than once.
    public func shutdown() async {
        try? await client.shutdown()
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        guard seconds < Int64.max / 1_000_000_000 else { return .nanoseconds(.max) }
        return .nanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    /// Maps client and socket errors to the failure kinds the metrics distinguish.
    static func classify(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .cancelled:
                return CancellationError()
            case .readTimeout, .writeTimeout, .deadlineExceeded, .getConnectionFromPoolTimeout:
                return WebhookTransportError(.timeout, clientError.description)
            case .connectTimeout, .tlsHandshakeTimeout, .socksHandshakeTimeout, .httpProxyHandshakeTimeout:
                return WebhookTransportError(.connect, clientError.description)
            default:
                return WebhookTransportError(.other, clientError.description)
            }
        }
        if error is NIOConnectionError || error is SocketAddressError {
            return WebhookTransportError(.connect, String(describing: error))
        }
        if case ChannelError.connectTimeout = error {
            return WebhookTransportError(.connect, String(describing: error))
        }
        if let ioError = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL, ECONNABORTED]
            .contains(ioError.errnoCode) {
            return WebhookTransportError(.connect, String(describing: error))
        }
        return WebhookTransportError(.other, String(describing: error))
    }
}
