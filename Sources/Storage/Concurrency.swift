import Foundation

/// A first-in-first-out async mutex. SQLite has one connection per process for writing, and a
/// transaction on it must not interleave with another task's statements, so every use of that
/// connection holds this lock for the whole transaction.
actor AsyncSerialLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var head = 0

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
        // Ownership was handed over by `release()`; `held` stayed true.
    }

    func release() {
        if head < waiters.count {
            let next = waiters[head]
            head += 1
            if head == waiters.count {
                waiters.removeAll(keepingCapacity: true)
                head = 0
            }
            next.resume()
        } else {
            held = false
        }
    }

    /// Runs `body` while holding the lock, releasing it however `body` ends.
    nonisolated func withLock<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}

/// A value guarded by a lock, for small shared state touched from many tasks (no suspension while
/// held). Foundation's `NSLock` keeps this portable without another package.
final class LockedValue<Value>: @unchecked Sendable {
    // @unchecked: `value` is only read or written while `lock` is held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
