import Crypto
import Foundation
import Policy
import Synchronization

/// The policy in force. Requests read it without waiting; a reload parses the file first and
/// swaps only a valid policy in, so a typo in the file never leaves the server without rules.
final class PolicyHolder: Sendable {
    struct Loaded: Sendable {
        var policy: Policy
        /// SHA-256 of the policy's text: what the audit log records, so the exact rules behind any
        /// decision can be recovered from version control.
        var digest: String
        /// Where it was read from (nil: the built-in default).
        var path: String?
        var label: String { "\(policy.name)@\(policy.version)" }
    }

    private let state: Mutex<Loaded>

    init(_ loaded: Loaded) {
        state = Mutex(loaded)
    }

    var current: Loaded { state.withLock { $0 } }

    /// Reads and validates a policy file (or the built-in default when `path` is nil).
    static func load(path: String?) throws(PolicyLoadError) -> Loaded {
        guard let path else {
            return Loaded(policy: Policy.default, digest: digest(Policy.defaultYAML), path: nil)
        }
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count <= 1 << 20 else { throw PolicyLoadError.unreadable(path: path, reason: "it is larger than 1 MiB") }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw PolicyLoadError.unreadable(path: path, reason: "it is not UTF-8 text")
            }
            text = decoded
        } catch let error as PolicyLoadError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        do {
            let policy = try Policy.parse(text, source: (path as NSString).lastPathComponent)
            return Loaded(policy: policy, digest: digest(text), path: path)
        } catch {
            throw .invalid(error)
        }
    }

    /// Re-reads the file the current policy came from; swaps it in only when it is valid.
    /// Returns the previous and the new policy.
    func reload() throws(PolicyLoadError) -> (previous: Loaded, current: Loaded) {
        let path = current.path
        let loaded = try Self.load(path: path)
        let previous = state.withLock { state in
            let previous = state
            state = loaded
            return previous
        }
        return (previous, loaded)
    }

    static func digest(_ text: String) -> String {
        APIKeys.hex(Array(SHA256.hash(data: Data(text.utf8))))
    }
}

/// Why a policy could not be put in force.
enum PolicyLoadError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case invalid(PolicyError)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read the policy file \(path): \(reason)"
        case .invalid(let error): error.description
        }
    }
}
