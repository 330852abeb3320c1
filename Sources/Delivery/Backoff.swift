import Foundation

/// How long to wait before retrying a failed delivery: exponential, capped, jittered.
///
/// Exponential so a receiver that is down for hours is not hammered, capped so an action still
/// goes out soon after it comes back, and jittered so the actions that failed together during an
/// outage do not all retry in the same second when it ends.
///
/// The delay after failed attempt `n` (1-based) is `min(cap, base × factor^(n−1))`, multiplied by
/// a factor drawn uniformly from `[1 − jitter, 1 + jitter]`, and never more than `cap`. With the
/// defaults: about 1 s, 2 s, 4 s, … doubling up to one hour, each ±20 %.
public struct Backoff: Sendable, Hashable {
    /// The delay after the first failed attempt.
    public var base: Duration
    /// Growth per further failed attempt; values below 1 are treated as 1.
    public var factor: Double
    /// No delay is longer than this.
    public var cap: Duration
    /// The relative spread, 0…1 (0.2 = ±20 %); values outside are clamped.
    public var jitter: Double

    public init(base: Duration = .seconds(1), factor: Double = 2, cap: Duration = .seconds(3600), jitter: Double = 0.2) {
        self.base = base
        self.factor = factor
        self.cap = cap
        self.jitter = jitter
    }

    /// The wait after failed attempt `attempt` (1 for the first; lower values count as 1).
    /// `random` is a uniform draw from 0…1 (injected so tests are deterministic): 0 gives the
    /// shortest delay, 0.5 the nominal one, 1 the longest.
    public func delay(afterAttempt attempt: Int, random: Double) -> Duration {
        let capSeconds = max(0, cap.inSeconds)
        let baseSeconds = max(0, base.inSeconds)
        let growth = factor.isFinite ? max(1, factor) : 1
        let exponent = Double(max(1, attempt) - 1)
        var nominal = baseSeconds * pow(growth, exponent)
        if !nominal.isFinite || nominal > capSeconds { nominal = capSeconds }
        let spread = jitter.isFinite ? min(1, max(0, jitter)) : 0
        let draw = random.isFinite ? min(1, max(0, random)) : 0.5
        let jittered = nominal * (1 + spread * (2 * draw - 1))
        return .seconds(min(capSeconds, max(0, jittered)))
    }
}

extension Duration {
    /// The duration in seconds, as a Double (attosecond precision is more than any use here needs).
    var inSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
