#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One large, zero-filled, page-aligned allocation that the index owns for its whole life.
///
/// Why not `Array`: a 10M-hash bank needs ~320 MB of hashes plus ~450 MB of posting lists, and
/// the search touches them at random. On Linux, backing them with transparent huge pages
/// (`madvise(MADV_HUGEPAGE)` on a 2 MiB-aligned anonymous mapping) lets the TLB cover the whole
/// index (450 huge pages instead of 230,000 small ones), so those random reads cost one cache miss
/// rather than a miss plus a page walk. The memory is never copied on write either.
///
/// `Element` must be a trivial type (integers, `PDQHash`): the memory is zero-filled, never
/// deinitialised, and read through raw pointers.
final class LargeBuffer<Element>: @unchecked Sendable {
    // @unchecked: the pointer is written only while the owning segment is being built, on one
    // thread, before the segment is published; afterwards it is read-only.
    let base: UnsafeMutablePointer<Element>
    let count: Int
    private let mapping: UnsafeMutableRawPointer?
    private let mappingLength: Int

    private static var hugePage: Int { 2 << 20 }
    /// Below this size the allocator's own memory is fine and huge pages would waste space.
    private static var mapThreshold: Int { 4 << 20 }

    init(count: Int) throws(PDQIndexError) {
        precondition(count >= 0)
        let stride = MemoryLayout<Element>.stride
        let (bytes, overflow) = max(count, 1).multipliedReportingOverflow(by: stride)
        guard !overflow else { throw .outOfMemory(bytes: Int.max) }
        self.count = count
        #if os(Linux)
        if bytes >= Self.mapThreshold {
            let huge = Self.hugePage
            let length = (bytes + huge - 1) / huge * huge
            // Over-reserve one huge page so the start can be rounded up to a 2 MiB boundary, then
            // give the unused head and tail back.
            let reserve = length + huge
            guard let raw = mmap(nil, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                raw != MAP_FAILED
            else { throw .outOfMemory(bytes: bytes) }
            let address = UInt(bitPattern: raw)
            let aligned = (address + UInt(huge) - 1) / UInt(huge) * UInt(huge)
            let head = Int(aligned - address)
            if head > 0 { munmap(raw, head) }
            let tail = reserve - head - length
            let start = UnsafeMutableRawPointer(bitPattern: aligned)!
            if tail > 0 { munmap(start + length, tail) }
            _ = madvise(start, length, MADV_HUGEPAGE)  // advisory; plain pages still work
            mapping = start
            mappingLength = length
            base = start.bindMemory(to: Element.self, capacity: max(count, 1))
            return
        }
        #endif
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: max(64, MemoryLayout<Element>.alignment))
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        mapping = nil
        mappingLength = 0
        base = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// Bytes this buffer reserves (resident once written).
    var byteCount: Int { mapping != nil ? mappingLength : max(count, 1) * MemoryLayout<Element>.stride }

    deinit {
        if let mapping {
            #if os(Linux)
            munmap(mapping, mappingLength)
            #endif
        } else {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }
}

/// A reusable, growable scratch array for one search call (never shared between threads).
///
/// Search kernels fill it through a raw pointer so the hot loops carry no bounds checks, no
/// uniqueness checks and no retain/release; `reserve` only ever grows it, so a batch of queries
/// allocates once.
struct ScratchBuffer<Element: BitwiseCopyable>: ~Copyable {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    /// Makes room for `needed` elements. Contents are not preserved (callers refill it).
    mutating func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        base.deallocate()
        capacity = max(needed, capacity * 2)
        base = .allocate(capacity: capacity)
    }

    /// Grows to `needed` keeping the first `keep` elements.
    mutating func grow(to needed: Int, keeping keep: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 2)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        fresh.update(from: base, count: keep)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    deinit { base.deallocate() }
}

/// Positions removed from an immutable segment (tombstones), one bit each.
///
/// A value type on purpose: a search copies the current bitset (a retain, no copying) and reads
/// it without a lock, while a writer that removes an entry gets its own copy through Swift's
/// copy-on-write only if a search is still holding the old one. 10M positions cost 1.25 MB.
struct Bitset: Sendable {
    private(set) var words: [UInt64]

    init(count: Int) {
        words = [UInt64](repeating: 0, count: (count + 63) >> 6)
    }

    @inline(__always)
    func contains(_ index: Int) -> Bool {
        words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    /// Sets the bit; returns whether it was clear before.
    @discardableResult
    mutating func insert(_ index: Int) -> Bool {
        let mask: UInt64 = 1 << UInt64(index & 63)
        let old = words[index >> 6]
        words[index >> 6] = old | mask
        return old & mask == 0
    }
}
