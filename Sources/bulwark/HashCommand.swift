import ArgumentParser
import Dispatch
import MediaDecode
import MediaHashing
import PDQ
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Compute PDQ, MD5 and SHA-256 of image files.",
        discussion: """
            PDQ is computed exactly as the hash exchanges compute it (python-threatexchange, HMA, \
            NCMEC and StopNCII lists): full resolution, no EXIF rotation, alpha ignored. JPEG, PNG, \
            WebP and GIF (first frame) are recognised from their content, not their names.

            Exit status: 0 when every file hashed, 1 when any could not be (each failure is \
            reported and the run goes on), 64 for bad arguments.

            Examples:
              bulwark hash photo.jpg
              bulwark hash --json --jobs 4 uploads/ > hashes.jsonl
              curl -s … | bulwark hash --json -
            """
    )

    @Flag(help: "One JSON object per line per file: file, pdq, quality, md5, sha256, width, height (or file, error).")
    var json = false

    @Flag(help: "Also output the eight dihedral (rotated and mirrored) PDQ hashes, computed from one DCT.")
    var dihedral = false

    @Flag(help: "Approximate PDQ for JPEGs, several times faster (scaled decode straight to luma). Not bit-exact: never use it to claim an exact match.")
    var fast = false

    @Flag(help: "Rotate/mirror as the EXIF orientation says before hashing (the exchanges do not).")
    var applyExif = false

    @Option(help: "Files hashed in parallel (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Refuse images with more pixels than this (decompression bombs).")
    var maxPixels: Int = DecodeLimits.default.maxPixels

    @Option(help: "Refuse files larger than this many bytes.")
    var maxBytes: Int = DecodeLimits.default.maxBytes

    @Argument(help: ArgumentHelp("Image files, directories (walked recursively) or - for one image on standard input.", valueName: "path"))
    var paths: [String]

    func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs)).") }
        if maxPixels < 1 { throw ValidationError("--max-pixels must be positive.") }
        if maxBytes < 1 { throw ValidationError("--max-bytes must be positive.") }
        if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("Standard input (-) can be given only once.") }
    }

    func run() throws {
        let options = MediaHashOptions(
            dihedral: dihedral, fast: fast, applyExifOrientation: applyExif,
            limits: DecodeLimits(maxPixels: maxPixels, maxBytes: maxBytes))
        var inputs: [Input] = []
        for path in paths {
            if path == "-" {
                inputs.append(.standardInput)
            } else {
                FileWalker.collect(path, into: &inputs)
            }
        }
        let printer = ResultPrinter(json: json, dihedral: dihedral)
        printer.header()
        var failed = false

        let workerCount = min(jobs ?? Cores.activeCores, max(inputs.count, 1))
        let outcomes = HashRunner.run(inputs, workers: workerCount, options: options) { index, outcome in
            switch outcome {
            case .success(let hashes): printer.success(file: inputs[index].displayName, hashes)
            case .failure(let error): printer.failure(file: inputs[index].displayName, message: error.description)
            }
        }
        if outcomes.failures > 0 { failed = true }
        printer.footer(hashed: outcomes.successes, failed: outcomes.failures)
        if failed { throw ExitCode(1) }
    }
}

enum Input: Sendable {
    case file(String)
    case standardInput
    /// A path that could not be opened or listed; reported in its place in the output.
    case unusable(String, reason: String)

    var displayName: String {
        switch self {
        case .file(let path), .unusable(let path, _): return path
        case .standardInput: return "-"
        }
    }
}

enum Cores {
    /// Online cores.
    static var activeCores: Int {
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }
}

/// Hashes inputs on a fixed number of threads and reports each result in input order, as soon
/// as it and every earlier one are done (so output is deterministic and streams).
enum HashRunner {
    struct Counts { var successes = 0; var failures = 0 }

    static func run(
        _ inputs: [Input], workers: Int, options: MediaHashOptions,
        report: (Int, Result<MediaHashes, MediaHashError>) -> Void
    ) -> Counts {
        final class State: Sendable {
            let next = Atomic<Int>(0)
            let pending = Mutex<(results: [Int: Result<MediaHashes, MediaHashError>], nextToReport: Int)>(([:], 0))
        }
        let state = State()
        let countsLock = Mutex<Counts>(Counts())
        withoutActuallyEscaping(report) { report in
            let box = UncheckedSendable(report)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let index = state.next.add(1, ordering: .relaxed).oldValue
                    guard index < inputs.count else { return }
                    let outcome = hashOne(inputs[index], options: options)
                    state.pending.withLock { pending in
                        pending.results[index] = outcome
                        while let ready = pending.results.removeValue(forKey: pending.nextToReport) {
                            box.value(pending.nextToReport, ready)
                            countsLock.withLock {
                                if case .success = ready { $0.successes += 1 } else { $0.failures += 1 }
                            }
                            pending.nextToReport += 1
                        }
                    }
                }
            }
        }
        return countsLock.withLock { $0 }
    }

    static func hashOne(_ input: Input, options: MediaHashOptions) -> Result<MediaHashes, MediaHashError> {
        Result { () throws(MediaHashError) in
            switch input {
            case .file(let path):
                return try MediaHasher.hash(fileAtPath: path, options: options)
            case .standardInput:
                let bytes = try MediaHasher.readStream(fd: 0, limit: options.limits.maxBytes)
                return try MediaHasher.hash(bytes, options: options)
            case .unusable(let path, let reason):
                throw MediaHashError.unreadable(path: path, reason: reason)
            }
        }
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
