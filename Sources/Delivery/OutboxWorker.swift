import Foundation
import Logging

/// What one round of ``OutboxWorker/deliverDue()`` did. Every claimed action ends up in exactly
/// one of `delivered`, `retried`, `deadLettered`, `lost`, `skipped`, or is counted in
/// `queueErrors` (its outcome could not be recorded); `claim` failing counts one queue error too.
public struct DeliveryRound: Sendable, Hashable {
    /// Actions leased to this worker for the round.
    public var claimed = 0
    /// Received with a 2xx status and marked delivered.
    public var delivered = 0
    /// Failed and scheduled for another attempt.
    public var retried = 0
    /// Failed their last allowed attempt and moved to the dead letters.
    public var deadLettered = 0
    /// Received with a 2xx status, but the lease had passed to another worker, which may send
    /// them again (harmless: receivers dedupe on the idempotency key).
    public var lost = 0
    /// Claimed but not sent (after a queue error, on cancellation, or because the lease would
    /// run out before their turn); they return to the outbox when the lease expires.
    public var skipped = 0
    /// Queue calls that threw (the database is unreachable, for instance).
    public var queueErrors = 0

    public init(claimed: Int = 0, delivered: Int = 0, retried: Int = 0, deadLettered: Int = 0, lost: Int = 0,
                skipped: Int = 0, queueErrors: Int = 0) {
        self.claimed = claimed
        self.delivered = delivered
        self.retried = retried
        self.deadLettered = deadLettered
        self.lost = lost
        self.skipped = skipped
        self.queueErrors = queueErrors
    }
}

/// Takes actions out of the durable outbox and delivers them as signed webhooks: at-least-once,
/// with retries, exponential backoff and dead letters.
///
/// Nothing is lost to a crash: an action is only marked delivered after a 2xx response, and one
/// whose worker dies comes back to the outbox when its lease expires. The price is that an action
/// can arrive more than once, so every request carries the action's idempotency key and receivers
/// dedupe on it (see docs/webhooks.md).
///
/// A 2xx response completes the action. Anything else (another status, a timeout, a refused
/// connection) is a failed attempt: it is retried after ``Backoff/delay(afterAttempt:random:)``,
/// or dead-lettered, with a `.critical` log line (the alert), once its attempt number reaches
/// ``DeliveryConfiguration/maxAttempts``. Queue errors end the round and are retried later;
/// nothing here crashes or spins.
///
/// Logs carry idempotency keys, attempt numbers and statuses, never payloads (they carry
/// platform ids), the secret, or the URL (it may hold a token).
public final class OutboxWorker: Sendable {
    public let configuration: DeliveryConfiguration
    private let queue: any ActionQueue
    private let transport: any WebhookTransport
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let random: @Sendable () -> Double
    private let wakeSignal = WakeSignal()

    /// - Parameters:
    ///   - logger: Where delivery outcomes go; dead letters are logged at `.critical`.
    ///   - now: The wall clock, for leases, retry times, signature timestamps and lag; injected so
    ///     tests can pin it.
    ///   - random: Uniform draws from 0…1 for the backoff jitter; injected for deterministic tests.
    public init(queue: any ActionQueue, transport: any WebhookTransport, configuration: DeliveryConfiguration,
                logger: Logger = Logger(label: "bulwark.delivery"), now: @escaping @Sendable () -> Date = { Date() },
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.queue = queue
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.random = random
    }

    /// Delivers until the task is cancelled: claims a batch, sends it with at most
    /// ``DeliveryConfiguration/concurrency`` requests in flight, and pauses
    /// ``DeliveryConfiguration/pollInterval`` (or until ``wake()``) unless the batch was full, in
    /// which case more are probably due and the next round starts at once. After queue errors it
    /// pauses longer, doubling up to 30 s, so an unreachable database is not hammered.
    ///
    /// Cancellation stops it promptly: requests in flight are abandoned without recording a failed
    /// attempt, and their actions are sent again once their lease expires. For a graceful
    /// shutdown, cancel this and then call ``deliverDue()`` once more, with a deadline.
    public func run() async {
        logger.info("webhook delivery started", metadata: [
            "owner": "\(configuration.owner)", "host": "\(URLComponents(string: configuration.url)?.host ?? "?")",
            "concurrency": "\(concurrency)",
        ])
        var consecutiveQueueErrors = 0
        while !Task.isCancelled {
            let (round, limit) = await performRound()
            if Task.isCancelled { break }
            if round.queueErrors > 0 {
                consecutiveQueueErrors += 1
                try? await Task.sleep(for: queueErrorPause(consecutiveQueueErrors))
                continue
            }
            consecutiveQueueErrors = 0
            if round.claimed >= limit { continue }
            await wakeSignal.wait(upTo: configuration.pollInterval)
        }
        logger.info("webhook delivery stopped", metadata: ["owner": "\(configuration.owner)"])
    }

    /// One round: claim what is due and deliver it. Used by ``run()``, by tests, and by the server
    /// to drain the outbox at shutdown.
    public func deliverDue() async -> DeliveryRound {
        await performRound().round
    }

    /// Ends the current idle pause early (or the next one, if the worker is busy), so an action
    /// enqueued just now goes out without waiting for the poll. Cheap; call it after every intake.
    public func wake() {
        wakeSignal.signal()
    }

    // MARK: - Rounds

    private var concurrency: Int { max(1, configuration.concurrency) }
    private var maxAttempts: Int { max(1, configuration.maxAttempts) }

    /// The batch size, lowered to what can be sent before the lease expires if every request took
    /// the full timeout: `concurrency` requests per `requestTimeout`.
    private var claimLimit: Int {
        let batch = max(1, configuration.batchSize)
        guard leaseBudgetApplies else { return min(batch, concurrency) }
        let waves = (configuration.lease / configuration.requestTimeout).rounded(.down)
        let sendable = Double(concurrency) * max(1, waves)
        return sendable >= Double(batch) ? batch : Int(sendable)
    }

    /// With a lease no longer than one request (a configuration ``DeliveryConfiguration/validate()``
    /// rejects) no budget can be kept; send one wave per round rather than nothing.
    private var leaseBudgetApplies: Bool {
        configuration.requestTimeout > .zero && configuration.lease > configuration.requestTimeout
    }

    private func queueErrorPause(_ consecutive: Int) -> Duration {
        let first = max(configuration.pollInterval, .seconds(1))
        let limit = Duration.seconds(30)
        var pause = first
        for _ in 1..<min(max(1, consecutive), 16) where pause < limit { pause *= 2 }
        return min(pause, limit)
    }

    private func performRound() async -> (round: DeliveryRound, limit: Int) {
        var round = DeliveryRound()
        let limit = claimLimit
        guard !Task.isCancelled else { return (round, limit) }
        let owner = configuration.owner
        let started = ContinuousClock.now
        let actions: [QueuedAction]
        do {
            actions = try await queue.claim(owner: owner, limit: limit, now: now(), lease: configuration.lease)
        } catch {
            if Task.isCancelled { return (round, limit) }
            logger.error("claiming actions from the outbox failed; will retry", metadata: ["error": "\(error)"])
            round.queueErrors += 1
            return (round, limit)
        }
        round.claimed = actions.count
        guard !actions.isEmpty else { return (round, limit) }

        let budget = configuration.lease - configuration.requestTimeout
        await withTaskGroup(of: Outcome.self) { group in
            var waiting = actions[...]
            var running = 0
            var stop = false
            while true {
                while running < concurrency, !stop, !Task.isCancelled, let next = waiting.first {
                    if leaseBudgetApplies && ContinuousClock.now - started > budget {
                        logger.warning("lease nearly expired; leaving the rest of the batch for a later round",
                                       metadata: ["left": "\(waiting.count)"])
                        stop = true
                        break
                    }
                    waiting.removeFirst()
                    group.addTask { await self.deliver(next) }
                    running += 1
                }
                guard let outcome = await group.next() else { break }
                running -= 1
                switch outcome {
                case .delivered: round.delivered += 1
                case .retried: round.retried += 1
                case .deadLettered: round.deadLettered += 1
                case .lost: round.lost += 1
                case .interrupted: round.skipped += 1
                case .queueError:
                    round.queueErrors += 1
                    stop = true
                }
            }
            round.skipped += waiting.count
        }
        return (round, limit)
    }

    // MARK: - One action

    private enum Outcome: Sendable {
        case delivered, retried, deadLettered, lost, interrupted, queueError
    }

    private func deliver(_ action: QueuedAction) async -> Outcome {
        let attempt = action.attempts + 1
        let body = Array(action.payload.utf8)
        let timestamp = Int64(now().timeIntervalSince1970.rounded(.down))
        let headers = configuration.signer.headers(body: body, timestamp: timestamp, idempotencyKey: action.idempotencyKey,
                                                   attempt: attempt, action: action.action)
        let request = WebhookRequest(url: configuration.url, headers: headers, body: body,
                                     timeout: configuration.requestTimeout)
        var logger = self.logger
        logger[metadataKey: "action_key"] = "\(action.idempotencyKey)"
        logger[metadataKey: "action"] = "\(action.action)"
        logger[metadataKey: "attempt"] = "\(attempt)"

        let result: Result<Int, any Error>
        DeliveryMetrics.adjustInFlight(by: 1)
        do {
            result = .success(try await transport.send(request))
        } catch {
            result = .failure(error)
        }
        DeliveryMetrics.adjustInFlight(by: -1)

        switch result {
        case .success(let status) where (200..<300).contains(status):
            logger[metadataKey: "status"] = "\(status)"
            let deliveredAt = now()
            DeliveryMetrics.delivered(action: action.action, createdAt: action.createdAt, now: deliveredAt)
            do {
                if try await queue.complete(action, owner: configuration.owner, at: deliveredAt) {
                    logger.debug("action \(action.idempotencyKey) delivered")
                    return .delivered
                }
                logger.warning("action \(action.idempotencyKey) was delivered but its lease had passed to another worker, which may deliver it again")
                return .lost
            } catch {
                logger.error("action \(action.idempotencyKey) was delivered but recording it failed; it will be delivered again after its lease expires",
                             metadata: ["error": "\(error)"])
                return .queueError
            }
        case .success(let status):
            logger[metadataKey: "status"] = "\(status)"
            return await failed(action, attempt: attempt, reason: .status, text: "HTTP \(status)", logger: logger)
        case .failure(let error):
            if Task.isCancelled {
                logger.info("delivery of action \(action.idempotencyKey) interrupted by shutdown; it will be sent again after its lease expires")
                return .interrupted
            }
            let reason: DeliveryMetrics.FailureReason
            switch (error as? WebhookTransportError)?.kind {
            case .timeout: reason = .timeout
            case .connect: reason = .connect
            case .other, nil: reason = .other
            }
            return await failed(action, attempt: attempt, reason: reason, text: Self.shortReason(error), logger: logger)
        }
    }

    /// Records a failed attempt: a retry at now + backoff, or a dead letter on the last attempt.
    private func failed(_ action: QueuedAction, attempt: Int, reason: DeliveryMetrics.FailureReason, text: String,
                        logger: Logger) async -> Outcome {
        DeliveryMetrics.failed(reason)
        let retryAt: Date?
        let delay: Duration
        if attempt >= maxAttempts {
            retryAt = nil
            delay = .zero
        } else {
            delay = configuration.backoff.delay(afterAttempt: attempt, random: random())
            retryAt = now().addingTimeInterval(delay.inSeconds)
        }
        do {
            try await queue.fail(action, owner: configuration.owner, error: text, retryAt: retryAt)
        } catch {
            logger.error("action \(action.idempotencyKey) failed (\(text)) and recording the failure failed too; it will be retried after its lease expires",
                         metadata: ["error": "\(error)"])
            return .queueError
        }
        if retryAt == nil {
            DeliveryMetrics.deadLettered.increment()
            logger.critical("action \(action.idempotencyKey) dead-lettered after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(text)")
            return .deadLettered
        }
        logger.warning("action \(action.idempotencyKey) attempt \(attempt) failed: \(text); retrying in \(Self.format(delay))")
        return .retried
    }

    /// The error for the outbox's `last_error` and the logs: one line, at most 300 characters.
    static func shortReason(_ error: any Error) -> String {
        let text = (error as? WebhookTransportError)?.description ?? "other: \(String(describing: error))"
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 300 ? String(line.prefix(297)) + "..." : line
    }

    private static func format(_ delay: Duration) -> String {
        let seconds = delay.inSeconds
        return seconds < 10 ? String(format: "%.1f s", seconds) : "\(Int(seconds.rounded())) s"
    }
}
