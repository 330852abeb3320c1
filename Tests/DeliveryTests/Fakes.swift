import Delivery
import Foundation

/// A value behind a lock, for test doubles shared between tasks.
final class Protected<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// A wall clock that only moves when told to.
final class TestClock: Sendable {
    private let date: Protected<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { date = Protected(start) }

    var now: Date { date.current }

    func advance(by seconds: TimeInterval) {
        date.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

struct QueueDown: Error, CustomStringConvertible {
    var description: String { "database unreachable" }
}

/// An in-memory outbox with the semantics the store promises: leases, owners, retry times,
/// dead letters. Can be told to fail any call, and records what the worker asked of it.
actor FakeQueue: ActionQueue {
    enum Status: Equatable { case pending, delivered, dead }

    struct Row {
        var action: QueuedAction
        var status: Status = .pending
        var leaseOwner: String?
        var leasedUntil = Date.distantPast
        var nextAttemptAt: Date
        var lastError: String?
    }

    struct FailCall: Equatable {
        var id: Int64
        var error: String
        var retryAt: Date?
    }

    private(set) var rows: [Int64: Row] = [:]
    private(set) var claimLimits: [Int] = []
    private(set) var completions: [Int64] = []
    private(set) var failures: [FailCall] = []
    private var nextID: Int64 = 1

    var claimThrows = false
    var completeThrows = false
    var failThrows = false

    func setThrows(claim: Bool? = nil, complete: Bool? = nil, fail: Bool? = nil) {
        if let claim { claimThrows = claim }
        if let complete { completeThrows = complete }
        if let fail { failThrows = fail }
    }

    @discardableResult
    func add(action: String = "remove", payload: String? = nil, attempts: Int = 0,
             createdAt: Date = Date(timeIntervalSince1970: 1_699_999_000)) -> QueuedAction {
        let id = nextID
        nextID += 1
        let queued = QueuedAction(id: id, idempotencyKey: "act-\(id)", action: action,
                                  payload: payload ?? #"{"action":"\#(action)","content_id":"c-\#(id)"}"#,
                                  attempts: attempts, createdAt: createdAt)
        rows[id] = Row(action: queued, nextAttemptAt: createdAt)
        return queued
    }

    /// Another worker takes over the action's lease (as after this worker's lease expired).
    func steal(_ id: Int64) {
        rows[id]?.leaseOwner = "someone-else"
    }

    func status(_ id: Int64) -> Status? { rows[id]?.status }
    func row(_ id: Int64) -> Row? { rows[id] }
    var claimCount: Int { claimLimits.count }
    var deliveredCount: Int { rows.values.filter { $0.status == .delivered }.count }

    func claim(owner: String, limit: Int, now: Date, lease: Duration) async throws -> [QueuedAction] {
        claimLimits.append(limit)
        if claimThrows { throw QueueDown() }
        let due = rows.values
            .filter { $0.status == .pending && $0.nextAttemptAt <= now && $0.leasedUntil <= now }
            .sorted { ($0.nextAttemptAt, $0.action.id) < ($1.nextAttemptAt, $1.action.id) }
            .prefix(limit)
        let until = now.addingTimeInterval(Double(lease.components.seconds))
        for row in due {
            rows[row.action.id]?.leaseOwner = owner
            rows[row.action.id]?.leasedUntil = until
        }
        return due.map(\.action)
    }

    func complete(_ action: QueuedAction, owner: String, at: Date) async throws -> Bool {
        if completeThrows { throw QueueDown() }
        guard var row = rows[action.id], row.status == .pending, row.leaseOwner == owner else { return false }
        row.status = .delivered
        row.action.attempts += 1
        row.leaseOwner = nil
        row.leasedUntil = .distantPast
        rows[action.id] = row
        completions.append(action.id)
        return true
    }

    func fail(_ action: QueuedAction, owner: String, error: String, retryAt: Date?) async throws {
        if failThrows { throw QueueDown() }
        guard var row = rows[action.id], row.status == .pending, row.leaseOwner == owner else { return }
        row.action.attempts += 1
        row.lastError = error
        row.leaseOwner = nil
        row.leasedUntil = .distantPast
        if let retryAt {
            row.nextAttemptAt = retryAt
        } else {
            row.status = .dead
        }
        rows[action.id] = row
        failures.append(FailCall(id: action.id, error: error, retryAt: retryAt))
    }
}

/// A transport that answers with a closure and records every request and how many were in
/// flight at once.
final class FakeTransport: WebhookTransport {
    private let respond: @Sendable (WebhookRequest) async throws -> Int
    private let state = Protected((requests: [WebhookRequest](), inFlight: 0, maxInFlight: 0))

    init(_ respond: @escaping @Sendable (WebhookRequest) async throws -> Int) {
        self.respond = respond
    }

    convenience init(status: Int) {
        self.init { _ in status }
    }

    var requests: [WebhookRequest] { state.current.requests }
    var maxInFlight: Int { state.current.maxInFlight }

    func send(_ request: WebhookRequest) async throws -> Int {
        state.withLock { state in
            state.requests.append(request)
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        return try await respond(request)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(60), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}

/// Waits for `task` to finish, up to `timeout`; returns whether it did.
func finishes(_ task: Task<Void, Never>, within timeout: Duration) async -> Bool {
    let done = Protected(false)
    let watcher = Task {
        await task.value
        done.withLock { $0 = true }
    }
    let finished = await eventually(timeout: timeout) { done.current }
    watcher.cancel()
    return finished
}

let testSecret = Array("bulwark-test-secret-0123456789abcdef".utf8)

func makeConfiguration(maxAttempts: Int = 12, concurrency: Int = 8, batchSize: Int = 64,
                       lease: Duration = .seconds(60), pollInterval: Duration = .milliseconds(200),
                       requestTimeout: Duration = .seconds(10), backoff: Backoff = Backoff()) throws -> DeliveryConfiguration {
    DeliveryConfiguration(url: "https://platform.example/hooks/bulwark", signer: try WebhookSigner(secret: testSecret),
                          maxAttempts: maxAttempts, backoff: backoff, concurrency: concurrency, batchSize: batchSize,
                          lease: lease, pollInterval: pollInterval, requestTimeout: requestTimeout,
                          owner: "test-worker")
}
