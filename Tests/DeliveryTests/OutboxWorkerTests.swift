import Delivery
import Foundation
import Testing

@Suite struct OutboxWorkerTests {
    let clock = TestClock()

    func makeWorker(_ queue: FakeQueue, _ transport: FakeTransport,
                    _ configuration: DeliveryConfiguration) -> OutboxWorker {
        let clock = self.clock
        return OutboxWorker(queue: queue, transport: transport, configuration: configuration,
                            now: { clock.now }, random: { 0.5 })
    }

    @Test func deliversSignedRequestsAndCompletesThem() async throws {
        let queue = FakeQueue()
        let first = await queue.add(action: "remove")
        let second = await queue.add(action: "suspend_actor")
        let transport = FakeTransport(status: 204)
        let worker = makeWorker(queue, transport, try makeConfiguration())

        let round = await worker.deliverDue()

        #expect(round == DeliveryRound(claimed: 2, delivered: 2))
        #expect(await queue.status(first.id) == .delivered)
        #expect(await queue.status(second.id) == .delivered)
        #expect(await queue.failures.isEmpty)
        let requests = transport.requests.sorted {
            ($0.header(named: "Bulwark-Idempotency-Key") ?? "") < ($1.header(named: "Bulwark-Idempotency-Key") ?? "")
        }
        #expect(requests.count == 2)
        for (request, action) in zip(requests, [first, second]) {
            #expect(request.url == "https://platform.example/hooks/bulwark")
            #expect(request.body == Array(action.payload.utf8))
            #expect(request.timeout == .seconds(10))
            #expect(request.header(named: "Bulwark-Idempotency-Key") == action.idempotencyKey)
            #expect(request.header(named: "Bulwark-Action") == action.action)
            #expect(request.header(named: "Bulwark-Delivery-Attempt") == "1")
            let signature = try #require(request.header(named: "Bulwark-Signature"))
            #expect(signature.hasPrefix("t=1700000000,v1="))
            #expect(WebhookSigner.verify(signatureHeader: signature, body: request.body, secret: testSecret,
                                         now: 1_700_000_000) == .valid)
        }
        // Nothing left: a second round claims nothing and sends nothing.
        #expect(await worker.deliverDue() == DeliveryRound())
        #expect(transport.requests.count == 2)
    }

    @Test func anyTwoHundredCountsAndNothingElseDoes() async throws {
        for (status, delivered) in [(200, true), (202, true), (299, true), (301, false), (400, false), (410, false),
                                    (429, false), (500, false), (503, false)] {
            let queue = FakeQueue()
            let action = await queue.add()
            let worker = makeWorker(queue, FakeTransport(status: status), try makeConfiguration())
            let round = await worker.deliverDue()
            #expect(round.delivered == (delivered ? 1 : 0), "status \(status)")
            #expect(round.retried == (delivered ? 0 : 1), "status \(status)")
            #expect(await queue.status(action.id) == (delivered ? .delivered : .pending))
        }
    }

    @Test func retriesWithTheBackoffDelayFromNow() async throws {
        let queue = FakeQueue()
        let action = await queue.add(attempts: 2)
        let transport = FakeTransport(status: 503)
        let worker = makeWorker(queue, transport, try makeConfiguration())

        let round = await worker.deliverDue()

        #expect(round == DeliveryRound(claimed: 1, retried: 1))
        // Third attempt failed: base 1 s × 2² = 4 s, no jitter at the middle draw.
        #expect(await queue.failures == [FakeQueue.FailCall(id: action.id, error: "HTTP 503",
                                                             retryAt: clock.now.addingTimeInterval(4))])
        #expect(transport.requests.first?.header(named: "Bulwark-Delivery-Attempt") == "3")
        #expect(await queue.row(action.id)?.action.attempts == 3)

        // Not due yet: nothing is sent until the clock reaches retryAt.
        #expect(await worker.deliverDue() == DeliveryRound())
        clock.advance(by: 4)
        let later = makeWorker(queue, FakeTransport(status: 200), try makeConfiguration())
        #expect(await later.deliverDue() == DeliveryRound(claimed: 1, delivered: 1))
    }

    @Test func deadLettersWhenTheAttemptReachesTheMaximum() async throws {
        let queue = FakeQueue()
        let last = await queue.add(attempts: 4)
        let earlier = await queue.add(attempts: 3)
        let worker = makeWorker(queue, FakeTransport(status: 500), try makeConfiguration(maxAttempts: 5))

        let round = await worker.deliverDue()

        #expect(round == DeliveryRound(claimed: 2, retried: 1, deadLettered: 1))
        let failures = await queue.failures
        #expect(failures.contains(FakeQueue.FailCall(id: last.id, error: "HTTP 500", retryAt: nil)))
        // Attempt 4 of 5 still retries: 2³ s later.
        #expect(failures.contains(FakeQueue.FailCall(id: earlier.id, error: "HTTP 500",
                                                     retryAt: clock.now.addingTimeInterval(8))))
        #expect(await queue.status(last.id) == .dead)
        #expect(await queue.status(earlier.id) == .pending)
    }

    @Test func aSingleAllowedAttemptDeadLettersOnFirstFailure() async throws {
        let queue = FakeQueue()
        let action = await queue.add()
        let worker = makeWorker(queue, FakeTransport(status: 502), try makeConfiguration(maxAttempts: 1))
        #expect(await worker.deliverDue() == DeliveryRound(claimed: 1, deadLettered: 1))
        #expect(await queue.status(action.id) == .dead)
    }

    @Test func transportErrorsAreFailedAttemptsWithAShortReason() async throws {
        struct Weird: Error, CustomStringConvertible {
            var description: String { "something\nbroke " + String(repeating: "x", count: 500) }
        }
        let cases: [(any Error, String)] = [
            (WebhookTransportError(.timeout, "deadline exceeded"), "timeout: deadline exceeded"),
            (WebhookTransportError(.connect, "connection refused"), "connect: connection refused"),
            (Weird(), "other: something broke x"),
        ]
        for (error, prefix) in cases {
            let queue = FakeQueue()
            let action = await queue.add(attempts: 0)
            let transport = FakeTransport { _ in throw error }
            let worker = makeWorker(queue, transport, try makeConfiguration())
            #expect(await worker.deliverDue() == DeliveryRound(claimed: 1, retried: 1))
            let failure = try #require(await queue.failures.first)
            #expect(failure.id == action.id)
            #expect(failure.error.hasPrefix(prefix))
            #expect(failure.error.count <= 300)
            #expect(!failure.error.contains("\n"))
            #expect(failure.retryAt == clock.now.addingTimeInterval(1))
        }
    }

    @Test func aLostLeaseIsNotRecordedAsDelivered() async throws {
        let queue = FakeQueue()
        let action = await queue.add()
        // While the request is out, the lease passes to another worker.
        let transport = FakeTransport { _ in
            await queue.steal(action.id)
            return 200
        }
        let worker = makeWorker(queue, transport, try makeConfiguration())

        #expect(await worker.deliverDue() == DeliveryRound(claimed: 1, lost: 1))
        #expect(await queue.status(action.id) == .pending)
        #expect(await queue.completions.isEmpty)
        #expect(await queue.failures.isEmpty)
    }

    @Test func neverExceedsTheConcurrencyLimit() async throws {
        let queue = FakeQueue()
        for _ in 0..<20 { await queue.add() }
        let transport = FakeTransport { _ in
            try await Task.sleep(for: .milliseconds(15))
            return 200
        }
        // A 1-second request timeout lets 3 × 60 requests fit in the lease, so all 20 are claimed.
        let worker = makeWorker(queue, transport, try makeConfiguration(concurrency: 3, requestTimeout: .seconds(1)))

        let round = await worker.deliverDue()

        #expect(round == DeliveryRound(claimed: 20, delivered: 20))
        // Never more than the limit; and the sends did overlap (3 unless the machine stalls a task for 15 ms).
        #expect(transport.maxInFlight <= 3)
        #expect(transport.maxInFlight >= 2)
        #expect(await queue.deliveredCount == 20)
    }

    @Test func claimsNoMoreThanTheLeaseAllowsToSend() async throws {
        let queue = FakeQueue()
        let worker = makeWorker(queue, FakeTransport(status: 200),
                                try makeConfiguration(concurrency: 2, batchSize: 64, lease: .seconds(30),
                                                      requestTimeout: .seconds(10)))
        _ = await worker.deliverDue()
        // Two at a time, three 10-second waves fit in a 30-second lease.
        #expect(await queue.claimLimits == [6])

        let roomy = makeWorker(queue, FakeTransport(status: 200), try makeConfiguration(batchSize: 16))
        _ = await roomy.deliverDue()
        #expect(await queue.claimLimits == [6, 16])
    }

    @Test func leavesTheRestOfABatchWhenItsLeaseIsRunningOut() async throws {
        let queue = FakeQueue()
        for _ in 0..<3 { await queue.add() }
        let transport = FakeTransport { _ in
            try await Task.sleep(for: .milliseconds(150))
            return 200
        }
        // Three 100 ms waves fit the 300 ms lease, but the requests take 150 ms: once 200 ms have
        // passed, starting another could outlive the lease, so the rest waits for a later round.
        let worker = makeWorker(queue, transport, try makeConfiguration(concurrency: 1, lease: .milliseconds(300),
                                                                         requestTimeout: .milliseconds(100)))
        let round = await worker.deliverDue()

        #expect(round.claimed == 3)
        #expect(round.delivered >= 1 && round.skipped >= 1)
        #expect(round.delivered + round.skipped == 3)
        #expect(transport.requests.count == round.delivered)
    }

    @Test func aFailingClaimEndsTheRound() async throws {
        let queue = FakeQueue()
        await queue.add()
        await queue.setThrows(claim: true)
        let transport = FakeTransport(status: 200)
        let worker = makeWorker(queue, transport, try makeConfiguration())

        #expect(await worker.deliverDue() == DeliveryRound(queueErrors: 1))
        #expect(transport.requests.isEmpty)
    }

    @Test func aFailingCompleteStopsSendingTheRestOfTheBatch() async throws {
        let queue = FakeQueue()
        for _ in 0..<3 { await queue.add() }
        await queue.setThrows(complete: true)
        let transport = FakeTransport(status: 200)
        let worker = makeWorker(queue, transport, try makeConfiguration(concurrency: 1))

        #expect(await worker.deliverDue() == DeliveryRound(claimed: 3, skipped: 2, queueErrors: 1))
        #expect(transport.requests.count == 1)
        // The actions stay pending under the lease, to be sent again once it expires.
        #expect(await queue.deliveredCount == 0)
    }

    @Test func aFailingFailDoesNotDeadLetterOrCrash() async throws {
        let queue = FakeQueue()
        let action = await queue.add(attempts: 11)
        await queue.add()
        await queue.setThrows(fail: true)
        let worker = makeWorker(queue, FakeTransport(status: 500), try makeConfiguration(concurrency: 1))

        #expect(await worker.deliverDue() == DeliveryRound(claimed: 2, skipped: 1, queueErrors: 1))
        #expect(await queue.status(action.id) == .pending)
        // Once the database is back and the lease has expired, the action is dead-lettered properly.
        await queue.setThrows(fail: false)
        clock.advance(by: 61)
        let round = await worker.deliverDue()
        #expect(round.deadLettered == 1 && round.retried == 1)
        #expect(await queue.status(action.id) == .dead)
    }

    @Test func runDeliversAndStopsOnCancellation() async throws {
        let queue = FakeQueue()
        await queue.add()
        let worker = makeWorker(queue, FakeTransport(status: 200),
                                try makeConfiguration(pollInterval: .milliseconds(10)))
        let running = Task { await worker.run() }

        #expect(await eventually { await queue.deliveredCount == 1 })
        // Keeps polling: an action added later goes out without a wake.
        await queue.add()
        #expect(await eventually { await queue.deliveredCount == 2 })

        running.cancel()
        #expect(await finishes(running, within: .seconds(30)))
        let claimsAfterStop = await queue.claimCount
        try await Task.sleep(for: .milliseconds(50))
        #expect(await queue.claimCount == claimsAfterStop)
    }

    @Test func cancellationAbandonsRequestsInFlightWithoutRecordingAFailure() async throws {
        let queue = FakeQueue()
        let action = await queue.add()
        let started = Protected(false)
        let transport = FakeTransport { _ in
            started.withLock { $0 = true }
            try await Task.sleep(for: .seconds(30))
            return 200
        }
        let worker = makeWorker(queue, transport, try makeConfiguration())
        let running = Task { await worker.run() }

        #expect(await eventually { started.current })
        running.cancel()
        #expect(await finishes(running, within: .seconds(30)))
        #expect(await queue.failures.isEmpty)
        #expect(await queue.status(action.id) == .pending)
        #expect(await queue.row(action.id)?.action.attempts == 0)
    }

    @Test func wakeSendsAFreshActionWithoutWaitingForThePoll() async throws {
        let queue = FakeQueue()
        let worker = makeWorker(queue, FakeTransport(status: 200),
                                try makeConfiguration(pollInterval: .seconds(3600)))
        let running = Task { await worker.run() }
        defer { running.cancel() }

        #expect(await eventually { await queue.claimCount >= 1 })
        await queue.add()
        worker.wake()
        #expect(await eventually(timeout: .seconds(60)) { await queue.deliveredCount == 1 })
        // And again: every wake counts, not only the first.
        await queue.add()
        worker.wake()
        #expect(await eventually(timeout: .seconds(60)) { await queue.deliveredCount == 2 })
    }

    @Test func aFullBatchIsFollowedAtOnceByTheNextRound() async throws {
        let queue = FakeQueue()
        for _ in 0..<5 { await queue.add() }
        let worker = makeWorker(queue, FakeTransport(status: 200),
                                try makeConfiguration(batchSize: 2, pollInterval: .seconds(3600)))
        let running = Task { await worker.run() }
        defer { running.cancel() }

        // Rounds of 2, 2 and 1: only the last, short one waits for the (hour-long) poll.
        #expect(await eventually(timeout: .seconds(60)) { await queue.deliveredCount == 5 })
        #expect(await queue.claimCount == 3)
    }

    @Test func runPausesAfterQueueErrorsInsteadOfSpinning() async throws {
        let queue = FakeQueue()
        await queue.setThrows(claim: true)
        let worker = makeWorker(queue, FakeTransport(status: 200),
                                try makeConfiguration(pollInterval: .milliseconds(1)))
        let running = Task { await worker.run() }

        #expect(await eventually { await queue.claimCount >= 1 })
        try await Task.sleep(for: .milliseconds(400))
        // The first claim fails and the worker waits at least a second before the next (a spinning
        // worker, with its 1 ms poll, would have claimed hundreds of times; a loaded machine may
        // let the second, on-schedule claim in before this line runs).
        #expect(await queue.claimCount <= 2)
        running.cancel()
        #expect(await finishes(running, within: .seconds(30)))
    }
}

@Suite struct DeliveryConfigurationTests {
    @Test func theDefaultsAreValid() throws {
        let configuration = DeliveryConfiguration(url: "https://platform.example/hooks",
                                                  signer: try WebhookSigner(secret: testSecret))
        try configuration.validate()
        #expect(configuration.maxAttempts == 12)
        #expect(configuration.concurrency == 8)
        #expect(configuration.batchSize == 64)
        #expect(configuration.lease == .seconds(60))
        #expect(configuration.pollInterval == .milliseconds(200))
        #expect(configuration.requestTimeout == .seconds(10))
        #expect(configuration.backoff == Backoff(base: .seconds(1), factor: 2, cap: .seconds(3600), jitter: 0.2))
    }

    @Test func theDefaultOwnerNamesHostProcessAndARandomPart() {
        let owner = DeliveryConfiguration.defaultOwner()
        let parts = owner.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts.last?.count == 8)
        #expect(parts.last?.allSatisfy(\.isHexDigit) == true)
        #expect(parts.count == 3 && Int32(parts[1]) == ProcessInfo.processInfo.processIdentifier)
        #expect(DeliveryConfiguration.defaultOwner() != owner)
    }

    @Test func validationNamesTheProblem() throws {
        let signer = try WebhookSigner(secret: testSecret)
        let broken: [(DeliveryConfiguration, String)] = [
            (DeliveryConfiguration(url: "platform.example/hooks", signer: signer), "url"),
            (DeliveryConfiguration(url: "ftp://platform.example/hooks", signer: signer), "url"),
            (DeliveryConfiguration(url: "https:///hooks", signer: signer), "url"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, maxAttempts: 0), "maxAttempts"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, concurrency: 0), "concurrency"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, batchSize: 0), "batchSize"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, lease: .seconds(10)), "lease"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, pollInterval: .zero), "pollInterval"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, requestTimeout: .zero), "requestTimeout"),
            (DeliveryConfiguration(url: "https://p.example", signer: signer, owner: ""), "owner"),
        ]
        for (configuration, word) in broken {
            do {
                try configuration.validate()
                Issue.record("expected \(word) to be rejected")
            } catch {
                #expect(String(describing: error).contains(word))
            }
        }
        try DeliveryConfiguration(url: "http://127.0.0.1:9000/hook", signer: signer).validate()
    }
}
