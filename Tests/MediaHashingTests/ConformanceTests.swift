import Testing
import MediaDecode
import MediaHashing
import PDQ

#if canImport(Glibc)
import Glibc
#endif

/// The shared reference data: every image's PDQ and quality as the exchanges compute it.
enum SharedTestData {
    /// `shared/testdata` beside the repository (as in CI's clone and the developers' checkouts).
    static let directory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }   // …/Tests/MediaHashingTests/x.swift → repo
        return String(path[..<path.lastIndex(of: "/")!]) + "/shared/testdata"
    }()

    static func lines(_ relative: String) throws -> [[String]] {
        let bytes = try MediaHasher.readFile(directory + "/" + relative, limit: 1 << 20)
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    struct Expected: Sendable, CustomTestStringConvertible {
        let file: String, width: Int, height: Int, pdq: String, quality: Int
        var testDescription: String { file }
    }

    static let expected: [Expected] = {
        guard let rows = try? lines("pdq/expected.csv") else { return [] }
        return rows.map { Expected(file: $0[0], width: Int($0[1])!, height: Int($0[2])!, pdq: $0[3], quality: Int($0[4])!) }
    }()
}

@Suite("Conformance with the exchanges' hashes")
struct ConformanceTests {
    @Test func referenceDataIsPresent() {
        #expect(SharedTestData.expected.count >= 40, "shared/testdata/pdq/expected.csv not found beside the repository at \(SharedTestData.directory)")
    }

    @Test("hash and quality equal expected.csv", arguments: SharedTestData.expected)
    func matchesExpected(_ row: SharedTestData.Expected) throws {
        let result = try MediaHasher.hash(fileAtPath: SharedTestData.directory + "/pdq/images/" + row.file)
        #expect(result.pdq.hex == row.pdq)
        #expect(result.quality == row.quality)
        #expect(result.width == row.width && result.height == row.height)
        #expect(result.exact)
        #expect(result.md5.count == 32 && result.sha256.count == 64)
    }

    @Test func dihedralBridgeMatches() throws {
        let rows = try SharedTestData.lines("pdq/dihedral-bridge-1.csv")
        let result = try MediaHasher.hash(
            fileAtPath: SharedTestData.directory + "/pdq/images/reg-test-input__dih__bridge-1-original.jpg",
            options: MediaHashOptions(dihedral: true))
        let variants = try #require(result.dihedral)
        #expect(rows.count == 8)
        for (row, variant) in zip(rows, PDQDihedral.allCases) {
            #expect(row[0] == variant.description)
            #expect(variants[variant.rawValue].hex == row[1], "\(variant)")
        }
    }

    @Test func exactHashesOfFileBytes() throws {
        // The empty-string digests are the textbook values; a non-image still gets no hashes
        // (it is refused), so check on bytes that decode: a known reference file.
        let result = try MediaHasher.hash(fileAtPath: SharedTestData.directory + "/pdq/images/bridge-mods__aaa-orig.jpg")
        #expect(result.md5 == "d35c785545392755e7e4164457657269")
        #expect(result.sha256 == "b5b0799616df52d475a3968dc7e54f1d0724c912244ffa6175bc786375dd7298")
    }

    @Test func exifOrientationIsAppliedOnlyWhenAsked() throws {
        let path = SharedTestData.directory + "/pdq/images/reg-test-input__exif-rotn__exif-rotn-6.jpg"
        let stored = try MediaHasher.hash(fileAtPath: path)
        let applied = try MediaHasher.hash(fileAtPath: path, options: MediaHashOptions(applyExifOrientation: true))
        #expect(stored.orientation == .right)
        #expect(stored.width == 4032 && stored.height == 3024)
        #expect(applied.width == 3024 && applied.height == 4032)
        #expect(applied.pdq != stored.pdq)
        // Applying orientation 6 (rotate 90° clockwise) must agree with the stored image's
        // rotate-90 dihedral variant to within a few bits (box filter edges differ slightly).
        let dihedral = try MediaHasher.hash(fileAtPath: path, options: MediaHashOptions(dihedral: true))
        let closest = dihedral.dihedral!.map { $0.distance(to: applied.pdq) }.min()!
        #expect(closest <= 16)
    }

    @Test func fastModeIsCloseAndSaysSo() throws {
        var distances: [Int] = []
        for row in SharedTestData.expected where row.file.hasSuffix(".jpg") && row.quality >= 50 {
            let path = SharedTestData.directory + "/pdq/images/" + row.file
            let fast = try MediaHasher.hash(fileAtPath: path, options: MediaHashOptions(fast: true))
            #expect(!fast.exact)
            #expect(fast.width == row.width && fast.height == row.height, "reports the stored size")
            distances.append(fast.pdq.distance(to: try PDQHash(validating: row.pdq)))
        }
        let mean = Double(distances.reduce(0, +)) / Double(distances.count)
        #expect(mean <= 3, "mean \(mean), all \(distances)")
        #expect(distances.max()! <= 16, "all \(distances)")
    }
}

@Suite("Hostile input through the whole hashing path")
struct HostileInputTests {
    @Test func garbageIsAnErrorThatSaysWhy() {
        #expect(throws: MediaHashError.decode(.unrecognizedFormat)) { try MediaHasher.hash([UInt8]("not an image at all".utf8)) }
        #expect(throws: MediaHashError.decode(.empty)) { try MediaHasher.hash([UInt8]()) }
    }

    @Test func truncatedReferenceJPEGIsRefused() throws {
        let bytes = try MediaHasher.readFile(SharedTestData.directory + "/pdq/images/bridge-mods__aaa-orig.jpg", limit: 1 << 24)
        for cut in [2, 100, 1000, bytes.count / 2, bytes.count - 2] {
            #expect(throws: MediaHashError.self) { try MediaHasher.hash(Array(bytes[..<cut])) }
        }
    }

    @Test func limitsAreEnforced() throws {
        let path = SharedTestData.directory + "/pdq/images/bridge-mods__aaa-orig.jpg"
        #expect(throws: MediaHashError.decode(.tooManyPixels(width: 1600, height: 1004, limit: 1_000_000))) {
            try MediaHasher.hash(fileAtPath: path, options: MediaHashOptions(limits: DecodeLimits(maxPixels: 1_000_000)))
        }
        #expect(throws: MediaHashError.self) {
            try MediaHasher.hash(fileAtPath: path, options: MediaHashOptions(limits: DecodeLimits(maxBytes: 1000)))
        }
    }

    @Test func missingFileAndDirectoryAreErrors() {
        #expect(throws: MediaHashError.self) { try MediaHasher.hash(fileAtPath: "/nonexistent/file.jpg") }
        #expect(throws: MediaHashError.self) { try MediaHasher.hash(fileAtPath: SharedTestData.directory) }
    }
}
