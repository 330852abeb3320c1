import PDQ
import Testing

@testable import HashIndex

/// Radii the suite checks: exact duplicates, the exchanges' threshold and its neighbours, and
/// radii that make the planner probe fewer tables (8, 16) or fall back to a scan (48).
let checkedRadii = [0, 1, 8, 16, 31, 32, 48]

@Suite("PDQIndex: exact range search")
struct PDQIndexTests {
    /// Loads `hashes` (ids 0..<count) and checks every query at every radius against brute force.
    func expectMatchesBruteForce(_ hashes: [PDQHash], queries: [PDQHash], configuration: PDQIndex.Configuration = .init(),
                                 radii: [Int] = checkedRadii, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let index = PDQIndex(configuration: configuration)
        try index.bulkLoad(hashes, ids: hashes.indices.map { UInt64($0) })
        var oracle = BruteForce()
        for (id, hash) in hashes.enumerated() { oracle.insert(hash, id: UInt64(id)) }
        #expect(index.count == hashes.count, sourceLocation: sourceLocation)
        let ranked = queries.map { oracle.search($0, radius: radii.max()!) }
        for radius in radii {
            let batched = try index.search(queries, radius: radius)
            for number in queries.indices {
                let expected = ranked[number].prefix { $0.distance <= radius }
                #expect(batched[number] == Array(expected), "query \(number) at radius \(radius)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test func randomHashesMatchBruteForce() throws {
        let hashes = Fixtures.random(count: 20_000, seed: 1)
        let index = PDQIndex()
        try index.bulkLoad(hashes, ids: hashes.indices.map { UInt64($0) })
        #expect(index.statistics.tableCount > 0, "20k hashes must be indexed, not scanned")
        try expectMatchesBruteForce(hashes, queries: Fixtures.queries(near: hashes, count: 40, seed: 2))
    }

    @Test func clusteredHashesMatchBruteForce() throws {
        let hashes = Fixtures.clustered(count: 20_000, seed: 3)
        try expectMatchesBruteForce(hashes, queries: Fixtures.queries(near: hashes, count: 40, seed: 4))
    }

    /// Tiny segments with tables forced on: bucket sizes, residual filters and plans at their
    /// extremes (most buckets empty, plans that probe every directory key).
    @Test func smallIndexedSegmentsMatchBruteForce() throws {
        for count in [1, 2, 5, 100, 1500] {
            let hashes = Fixtures.clustered(count: count, seed: UInt64(10 + count))
            try expectMatchesBruteForce(hashes, queries: Fixtures.queries(near: hashes, count: 12, seed: 5),
                                        configuration: .tablesAlways(), radii: [0, 1, 16, 31, 32, 48, 64, 256])
        }
    }

    @Test func distanceExactly31MatchesAndExactly32DoesNot() throws {
        var rng = SeededGenerator(seed: 6)
        var hashes = Fixtures.random(count: 10_000, seed: 7)
        var pairs: [(query: PDQHash, at31: UInt64, at32: UInt64)] = []
        for _ in 0..<40 {
            let query = PDQHash.random(using: &rng)
            pairs.append((query, UInt64(hashes.count), UInt64(hashes.count + 1)))
            hashes.append(query.flipping(31, using: &rng))
            hashes.append(query.flipping(32, using: &rng))
        }
        let index = PDQIndex()
        try index.bulkLoad(hashes, ids: hashes.indices.map { UInt64($0) })
        #expect(index.statistics.tableCount > 0)
        for pair in pairs {
            let at31 = try index.search(pair.query, radius: 31)
            #expect(at31.contains(PDQMatch(id: pair.at31, distance: 31)))
            #expect(!at31.contains { $0.id == pair.at32 })
            let at32 = try index.search(pair.query, radius: 32)
            #expect(at32.contains(PDQMatch(id: pair.at31, distance: 31)))
            #expect(at32.contains(PDQMatch(id: pair.at32, distance: 32)))
        }
    }

    /// The real PDQ hashes of shared/testdata: the needles against the haystack, indexed with
    /// tables (forced on: 1,350 hashes would otherwise be scanned) and without.
    @Test func sharedHaystackAndNeedles() throws {
        let haystack = try SharedTestData.pdqHashes("haystack.txt")
        let needles = try SharedTestData.pdqHashes("needles.txt")
        #expect(haystack.count == 1350 && needles.count == 100)
        try expectMatchesBruteForce(haystack, queries: needles, configuration: .tablesAlways())
        try expectMatchesBruteForce(haystack, queries: needles)
        // The haystack holds near-duplicates of the needles: the test is vacuous otherwise.
        let index = PDQIndex()
        try index.bulkLoad(haystack, ids: haystack.indices.map { UInt64($0) })
        let hits = try index.search(needles, radius: 31).filter { !$0.isEmpty }.count
        #expect(hits > 0)
    }

    @Test func insertsAndRemovesAreVisibleImmediately() throws {
        var rng = SeededGenerator(seed: 8)
        let base = Fixtures.clustered(count: 8_000, seed: 9)
        // A tiny delta limit and automatic merges: merges run in the background during the test.
        let index = PDQIndex(configuration: .init(deltaLimit: 300))
        try index.bulkLoad(base, ids: base.indices.map { UInt64($0) })
        var oracle = BruteForce()
        for (id, hash) in base.enumerated() { oracle.insert(hash, id: UInt64(id)) }
        var nextID = UInt64(base.count)
        for step in 0..<600 {
            switch step % 3 {
            case 0, 1:
                let hash = base[Int.random(in: 0..<base.count, using: &rng)].flipping(Int.random(in: 0...35, using: &rng), using: &rng)
                index.insert(hash, id: nextID)
                oracle.insert(hash, id: nextID)
                let found = try index.search(hash, radius: 0)
                #expect(found.contains(PDQMatch(id: nextID, distance: 0)), "insert \(nextID) not visible")
                nextID += 1
            default:
                let victim = UInt64.random(in: 0..<nextID, using: &rng)
                let hashes = oracle.remove(id: victim)
                #expect(index.remove(id: victim) == hashes.count)
                for hash in hashes { #expect(!(try index.search(hash, radius: 0)).contains { $0.id == victim }) }
            }
            if step % 50 == 0 {
                let query = Fixtures.queries(near: base, count: 2, seed: UInt64(step))[0]
                #expect(try index.search(query, radius: 31) == oracle.search(query, radius: 31))
            }
        }
        #expect(index.count == oracle.count)
        try index.compact()
        let stats = index.statistics
        #expect(stats.deltaCount == 0 && stats.removedCount == 0 && stats.count == oracle.count)
        #expect(stats.mergeCount >= 1)
        for query in Fixtures.queries(near: base, count: 30, seed: 10) {
            for radius in [0, 31, 48] { #expect(try index.search(query, radius: radius) == oracle.search(query, radius: radius)) }
        }
    }

    @Test func mergeFoldsDeltaAndTombstonesIntoTheSegment() throws {
        let base = Fixtures.random(count: 6_000, seed: 11)
        let index = PDQIndex(configuration: .init(automaticMerge: false))
        try index.bulkLoad(Array(base.prefix(5_000)), ids: (0..<5_000).map { UInt64($0) })
        var oracle = BruteForce()
        for id in 0..<5_000 { oracle.insert(base[id], id: UInt64(id)) }
        // Inserted ids interleave with the segment's (even ids removed, new odd ids added).
        for id in stride(from: 0, to: 5_000, by: 2) {
            index.remove(id: UInt64(id))
            oracle.remove(id: UInt64(id))
        }
        for offset in 5_000..<6_000 {
            let id = UInt64((offset - 5_000) * 2 + 10_001)
            index.insert(base[offset], id: id)
            oracle.insert(base[offset], id: id)
        }
        let queries = Fixtures.queries(near: base, count: 40, seed: 12)
        let before = try index.search(queries, radius: 31)
        #expect(index.statistics.deltaCount == 1_000 && index.statistics.removedCount == 2_500)
        try index.compact()
        let stats = index.statistics
        #expect(stats.count == 3_500 && stats.indexedCount == 3_500 && stats.deltaCount == 0 && stats.removedCount == 0)
        let after = try index.search(queries, radius: 31)
        #expect(before == after)
        for (number, query) in queries.enumerated() { #expect(after[number] == oracle.search(query, radius: 31)) }
        // Removing after the merge still works (binary search over the rebuilt, id-sorted rows).
        #expect(index.remove(id: 10_001) == 1)
        #expect(index.remove(id: 10_001) == 0)
        #expect(index.remove(id: 0) == 0)
    }

    @Test func duplicateHashesAndMultiHashIDs() throws {
        let hashes = Fixtures.random(count: 5_000, seed: 13)
        let index = PDQIndex()
        try index.bulkLoad(hashes, ids: hashes.indices.map { UInt64($0) })
        let shared = hashes[42]
        // The same hash under other ids: each id reported.
        index.insert(shared, id: 90_001)
        index.insert(shared, id: 90_002)
        #expect(try index.search(shared, radius: 0).map(\.id) == [42, 90_001, 90_002])
        // One id with two hashes: reported once, at its smallest distance.
        var rng = SeededGenerator(seed: 14)
        let query = PDQHash.random(using: &rng)
        index.insert(query.flipping(5, using: &rng), id: 77)
        index.insert(query.flipping(3, using: &rng), id: 77)
        #expect(try index.search(query, radius: 10).filter { $0.id == 77 } == [PDQMatch(id: 77, distance: 3)])
        try index.compact()
        #expect(try index.search(query, radius: 10).filter { $0.id == 77 } == [PDQMatch(id: 77, distance: 3)])
        #expect(try index.search(shared, radius: 0).map(\.id) == [42, 90_001, 90_002])
        // remove(id:) removes every hash of the id: the bulk-loaded row 77 (now in the indexed
        // segment) and the two inserted after it.
        #expect(index.remove(id: 77) == 3)
        #expect(try index.search(query, radius: 10).allSatisfy { $0.id != 77 })
        #expect(try index.search(hashes[77], radius: 0).isEmpty)
    }

    @Test func emptyIndex() throws {
        let index = PDQIndex()
        #expect(index.count == 0)
        #expect(try index.search(PDQHash.zero, radius: 256).isEmpty)
        #expect(try index.search([PDQHash.zero, .zero], radius: 31) == [[], []])
        #expect(index.remove(id: 1) == 0)
        try index.compact()
        try index.bulkLoad([], ids: [])
        #expect(index.count == 0)
        index.insert(.zero, id: 5)
        #expect(try index.search(PDQHash(w0: 1, w1: 0, w2: 0, w3: 0), radius: 1) == [PDQMatch(id: 5, distance: 1)])
        let ones = PDQHash(w0: ~0, w1: ~0, w2: ~0, w3: ~0)
        index.insert(contentsOf: zip([ones, ones], [6, 7] as [UInt64]))
        #expect(try index.search(ones, radius: 0) == [PDQMatch(id: 6, distance: 0), PDQMatch(id: 7, distance: 0)])
        index.insert(contentsOf: [(hash: ones, id: UInt64(8))])
        #expect(try index.search(PDQHash.zero, radius: 256).count == 4)
    }

    @Test func rejectsBadArguments() throws {
        let index = PDQIndex()
        #expect(throws: PDQIndexError.invalidRadius(-1)) { try index.search(.zero, radius: -1) }
        #expect(throws: PDQIndexError.invalidRadius(257)) { try index.search([.zero], radius: 257) }
        #expect(throws: PDQIndexError.countMismatch(hashes: 1, ids: 0)) { try index.bulkLoad([.zero], ids: []) }
        #expect(PDQIndexError.invalidRadius(300).description.contains("0...256"))
    }

    @Test func bulkLoadSortsIDsAndMergesWithExistingContent() throws {
        var rng = SeededGenerator(seed: 15)
        let hashes = Fixtures.clustered(count: 9_000, seed: 16)
        var ids = (0..<UInt64(hashes.count)).map { $0 * 7 + 3 }
        ids.shuffle(using: &rng)
        let index = PDQIndex()
        var oracle = BruteForce()
        // Three loads: unsorted ids into an empty index, then two more on top of live content,
        // with an inserted row waiting in the delta when the second arrives.
        let extra = hashes[0].flipping(2, using: &rng)
        for part in 0..<3 {
            let range = (part * 3_000)..<((part + 1) * 3_000)
            try index.bulkLoad(Array(hashes[range]), ids: Array(ids[range]))
            for i in range { oracle.insert(hashes[i], id: ids[i]) }
            if part == 0 {
                index.insert(extra, id: 1)
                oracle.insert(extra, id: 1)
            }
        }
        #expect(index.count == 9_001)
        #expect(index.statistics.deltaCount == 0, "bulkLoad folds the delta into the new segment")
        // Rows are sorted by id: remove(id:) finds rows from every load.
        #expect(index.remove(id: ids[10]) == 1)
        #expect(index.remove(id: ids[8_999]) == 1)
        oracle.remove(id: ids[10])
        oracle.remove(id: ids[8_999])
        for query in Fixtures.queries(near: hashes, count: 30, seed: 17) + [extra] {
            #expect(try index.search(query, radius: 31) == oracle.search(query, radius: 31))
        }
    }

    @Test func searchesRunConcurrentlyWithWrites() async throws {
        let hashes = Fixtures.random(count: 10_000, seed: 18)
        let index = PDQIndex(configuration: .init(deltaLimit: 200))
        try index.bulkLoad(hashes, ids: hashes.indices.map { UInt64($0) })
        let queries = Fixtures.queries(near: hashes, count: 40, seed: 19)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<3 {
                group.addTask {
                    for round in 0..<20 {
                        let query = queries[(worker * 7 + round) % queries.count]
                        for match in try index.search(query, radius: 31) {
                            // Every reported distance is the true distance to that id's hash.
                            if match.id < UInt64(hashes.count) {
                                #expect(hashes[Int(match.id)].distance(to: query) == match.distance)
                            }
                        }
                    }
                }
            }
            group.addTask {
                var rng = SeededGenerator(seed: 20)
                for step in 0..<1_000 {
                    index.insert(PDQHash.random(using: &rng), id: UInt64(100_000 + step))
                    if step % 4 == 0 { index.remove(id: UInt64(step)) }
                }
            }
            try await group.waitForAll()
        }
        try index.compact()
        #expect(index.count == 10_000 + 1_000 - 250)
        for id in stride(from: 0, to: 1_000, by: 4) { #expect(try index.search(hashes[id], radius: 0).isEmpty) }
    }
}

@Suite("Multi-index layout and plans")
struct LayoutTests {
    /// The pigeonhole condition behind exactness: sum(t_i + 1) >= r + 1 for every planned radius.
    @Test func everyPlanCoversItsRadius() {
        for count in [1, 1_000, 4_096, 100_000, 1_000_000, 10_000_000, 100_000_000] {
            let layout = Layout.choose(count: count, designRadius: 31, minimumIndexed: 1)
            #expect(layout.tables.reduce(0) { $0 + $1.width } == 256, "count \(count)")
            #expect(layout.tables.allSatisfy { $0.resBits + layout.positionBits <= 32 && $0.width <= 32 })
            var next = 0
            for table in layout.tables {
                #expect(table.start == next)
                next += table.width
            }
            let plans = PlanSet(layout: layout, count: count)
            for radius in 0...256 {
                let plan = plans[radius]
                if plan.useScan { continue }
                let covered = plan.tableRadius.reduce(0) { $0 + Int($1) + 1 }
                #expect(covered >= radius + 1, "count \(count) radius \(radius)")
            }
            #expect(!plans[31].useScan || count < 10_000, "radius 31 should be indexed at \(count)")
        }
    }

    @Test func layoutStaysWithinMemoryBudgetAtTenMillion() {
        let count = 10_000_000
        let layout = Layout.choose(count: count, designRadius: 31)
        let entries = layout.tables.count * count * 4
        let directories = layout.tables.reduce(0) { $0 + 4 << $1.dirBits }
        let total = count * 32 + count * 8 + entries + directories
        #expect(total < 1 << 30, "10M hashes need \(total) bytes")
    }
}
