/// From each signal key to the accounts that carry it, with how many of them are banned.
///
/// Most values (an e-mail, a device, a wallet) belong to one account, so a posting of one account
/// is stored inline in the dictionary and only shared values get a list. At ten million accounts
/// and eight or so keys each, that is the difference between one allocation per key and one per
/// *shared* key.
struct SignalIndex {
    private enum Posting {
        case one(UInt32, banned: Bool)
        case many(Int32)
    }

    private struct Shared {
        var accounts: [UInt32]
        var banned: Int32
    }

    private var postings: [UInt64: Posting] = [:]
    private var shared: [Shared] = []
    private var freeShared: [Int32] = []

    init(expectedKeys: Int = 0) {
        postings.reserveCapacity(expectedKeys)
    }

    var keyCount: Int { postings.count }

    /// How many accounts carry `key`, and how many of those are banned.
    func stats(_ key: UInt64) -> (count: Int, banned: Int) {
        switch postings[key] {
        case nil: (0, 0)
        case .one(_, let banned)?: (1, banned ? 1 : 0)
        case .many(let slot)?: (shared[Int(slot)].accounts.count, Int(shared[Int(slot)].banned))
        }
    }

    /// Calls `body` with the first `limit` accounts carrying `key` (in the order they got it).
    func forEachAccount(_ key: UInt64, limit: Int, _ body: (UInt32) -> Void) {
        switch postings[key] {
        case nil: return
        case .one(let account, _)?: body(account)
        case .many(let slot)?:
            for account in shared[Int(slot)].accounts.prefix(limit) { body(account) }
        }
    }

    /// Adds `account` to the key's posting; returns the new count. Adding twice is a caller error
    /// (the graph keeps each account's key set and adds only new keys).
    @discardableResult
    mutating func add(_ key: UInt64, account: UInt32, banned: Bool) -> Int {
        switch postings[key] {
        case nil:
            postings[key] = .one(account, banned: banned)
            return 1
        case .one(let first, let firstBanned)?:
            let list = Shared(accounts: [first, account], banned: Int32((firstBanned ? 1 : 0) + (banned ? 1 : 0)))
            let slot: Int32
            if let free = freeShared.popLast() {
                slot = free
                shared[Int(slot)] = list
            } else {
                slot = Int32(shared.count)
                shared.append(list)
            }
            postings[key] = .many(slot)
            return 2
        case .many(let slot)?:
            shared[Int(slot)].accounts.append(account)
            if banned { shared[Int(slot)].banned += 1 }
            return shared[Int(slot)].accounts.count
        }
    }

    /// Records that an account carrying `key` was banned (`delta` 1) or unbanned (-1).
    mutating func adjustBanned(_ key: UInt64, account: UInt32, delta: Int32) {
        switch postings[key] {
        case nil: return
        case .one(let only, let banned)?:
            guard only == account else { return }
            postings[key] = .one(only, banned: delta > 0 ? true : (delta < 0 ? false : banned))
        case .many(let slot)?:
            shared[Int(slot)].banned = max(0, shared[Int(slot)].banned + delta)
        }
    }

    /// Approximate bytes held (for the benchmark's memory figure).
    var approximateBytes: Int {
        postings.capacity * 17 + shared.reduce(0) { $0 + 48 + $1.accounts.capacity * 4 }
    }
}
