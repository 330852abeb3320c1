import Foundation
import Metrics

/// The Prometheus series of webhook delivery, through the swift-metrics API (the server
/// bootstraps the Prometheus backend; without one these are no-ops).
enum DeliveryMetrics {
    /// Why an attempt failed, as the `reason` label: `status` (the receiver answered non-2xx),
    /// `timeout`, `connect` or `other`.
    enum FailureReason: String {
        case status, timeout, connect, other
    }

    static let deadLettered = Counter(label: "bulwark_actions_dead_lettered_total")
    static let inFlight = Gauge(label: "bulwark_action_delivery_in_flight")
    /// Process-wide, so several workers in one process add up instead of overwriting each other.
    private static let inFlightCount = Locked(0)
    /// A histogram in Prometheus; its default buckets end at 10 s, so the server should give
    /// this label wider ones (retried actions arrive minutes or hours late).
    static let lag = CoreMetrics.Timer(label: "bulwark_action_delivery_lag_seconds")

    static func delivered(action: String, createdAt: Date, now: Date) {
        Counter(label: "bulwark_actions_delivered_total", dimensions: [("action", action)]).increment()
        let lagNanoseconds = max(0, now.timeIntervalSince(createdAt)) * 1e9
        lag.recordNanoseconds(Int64(min(lagNanoseconds, Double(Int64.max / 2))))
    }

    /// Counts a request starting (+1) or ending (-1) and publishes the total.
    static func adjustInFlight(by change: Int) {
        // Recorded under the lock so a stale total never overwrites a newer one.
        inFlightCount.withLock { count in
            count += change
            inFlight.record(count)
        }
    }

    static func failed(_ reason: FailureReason) {
        Counter(label: "bulwark_action_delivery_failures_total", dimensions: [("reason", reason.rawValue)]).increment()
    }
}
