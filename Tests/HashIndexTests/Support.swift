import Foundation
import PDQ

@testable import HashIndex

/// Deterministic generator (SplitMix64) so every run tests the same hashes.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension PDQHash {
    static func random(using rng: inout SeededGenerator) -> PDQHash {
        PDQHash(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next())
    }

    /// This hash with exactly `count` distinct bits flipped.
    func flipping(_ count: Int, using rng: inout SeededGenerator) -> PDQHash {
        var flipped = PDQHash.zero
        var done = 0
        while done < count {
            let bit = Int(rng.next() & 255)
            if !flipped[bit: bit] {
                flipped[bit: bit] = true
                done += 1
            }
        }
        return PDQHash(w0: w0 ^ flipped.w0, w1: w1 ^ flipped.w1, w2: w2 ^ flipped.w2, w3: w3 ^ flipped.w3)
    }
}

/// The oracle: what a comparison against every live hash returns (one report per id, at its
/// smallest distance, nearest first, ties by id).
struct BruteForce {
    private(set) var hashes: [UInt64: [PDQHash]] = [:]

    var count: Int { hashes.values.reduce(0) { $0 + $1.count } }

    mutating func insert(_ hash: PDQHash, id: UInt64) { hashes[id, default: []].append(hash) }

    /// Removes every hash of `id`; returns them.
    @discardableResult
    mutating func remove(id: UInt64) -> [PDQHash] { hashes.removeValue(forKey: id) ?? [] }

    func search(_ query: PDQHash, radius: Int) -> [PDQMatch] {
        var found: [PDQMatch] = []
        for (id, list) in hashes {
            var best = Int.max
            for hash in list { best = min(best, hash.distance(to: query)) }
            if best <= radius { found.append(PDQMatch(id: id, distance: best)) }
        }
        return found.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
    }
}

enum Fixtures {
    /// `count` independent random hashes with ids 0..<count.
    static func random(count: Int, seed: UInt64) -> [PDQHash] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in PDQHash.random(using: &rng) }
    }

    /// Families of near-duplicates: a random centre and 1...16 members, each the centre with k
    /// random bits flipped, k uniform in 0...40 (as re-encoded, resized or lightly edited copies
    /// of one picture hash).
    static func clustered(count: Int, seed: UInt64) -> [PDQHash] {
        var rng = SeededGenerator(seed: seed)
        var out: [PDQHash] = []
        out.reserveCapacity(count)
        while out.count < count {
            let centre = PDQHash.random(using: &rng)
            for _ in 0..<Int.random(in: 1...16, using: &rng) where out.count < count {
                out.append(centre.flipping(Int.random(in: 0...40, using: &rng), using: &rng))
            }
        }
        return out
    }

    /// Queries: half near a stored hash (k flips, k in 0...40), half uniformly random.
    static func queries(near stored: [PDQHash], count: Int, seed: UInt64) -> [PDQHash] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            if index.isMultiple(of: 2) {
                return stored[Int.random(in: 0..<stored.count, using: &rng)]
                    .flipping(Int.random(in: 0...40, using: &rng), using: &rng)
            }
            return PDQHash.random(using: &rng)
        }
    }
}

/// Locates `shared/testdata` beside the repository clone: this file is
/// `<repo>/Tests/HashIndexTests/Support.swift` and the data is `<repo>/../shared/testdata`.
enum SharedTestData {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "shared test data not found at \(path): the repository expects shared/testdata beside the clone "
                + "(../shared/testdata relative to the repo root)"
        }
    }

    static func pdqHashes(_ name: String) throws -> [PDQHash] {
        let repo = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // HashIndexTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repo root
        let file = repo.deletingLastPathComponent().appendingPathComponent("shared/testdata/pdq/\(name)")
        guard FileManager.default.fileExists(atPath: file.path) else { throw Missing(path: file.path) }
        let text = try String(contentsOf: file, encoding: .utf8)
        return try text.split(whereSeparator: \.isNewline).map { line in
            try PDQHash(validating: line.trimmingCharacters(in: .whitespaces))
        }
    }
}

extension PDQIndex.Configuration {
    /// Indexes even tiny segments, so small fixtures exercise the multi-index tables.
    static func tablesAlways(deltaLimit: Int? = nil, automaticMerge: Bool = false) -> Self {
        var configuration = PDQIndex.Configuration(deltaLimit: deltaLimit, automaticMerge: automaticMerge)
        configuration.minimumIndexedCount = 1
        return configuration
    }
}
