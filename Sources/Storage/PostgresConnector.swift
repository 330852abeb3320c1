import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// Settings for the PostgreSQL backend, beyond what the URL says.
public struct PostgresOptions: Sendable {
    /// The most connections this process opens. Each `bulwark` process needs only a few: matching
    /// is served from memory, and writes are serialised by the change feed anyway. The sum over
    /// all processes must stay below the server's `max_connections`.
    public var maxConnections: Int
    /// Connections kept open while idle (0 lets an idle process hold none).
    public var minConnections: Int
    /// How long to wait for the server to accept a connection before reporting it unavailable.
    public var connectTimeout: Duration
    /// Shown in `pg_stat_activity`, so operators can tell Bulwark's connections apart.
    public var applicationName: String
    /// The schema holding Bulwark's tables (sets `search_path`), to share a database with other
    /// applications; nil uses the role's default (normally `public`). The schema must exist.
    public var schema: String?
    /// Where the store and the pool log their own events. Never receives SQL values or passwords.
    public var logger: Logger

    public init(maxConnections: Int = 10, minConnections: Int = 0, connectTimeout: Duration = .seconds(10),
                applicationName: String = "bulwark", schema: String? = nil,
                logger: Logger = Logger(label: "bulwark.storage")) {
        self.maxConnections = maxConnections
        self.minConnections = minConnections
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.schema = schema
        self.logger = logger
    }
}

/// The parts of a `postgres://` URL, parsed here rather than by a library so that no error message
/// can ever echo the URL (and its password) back.
struct PostgresURL: Sendable, Equatable {
    enum TLSMode: String, Sendable {
        case disable, prefer, require, verifyCA = "verify-ca", verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var tlsMode: TLSMode
    /// A PEM file of CA certificates to trust instead of the system's (`sslrootcert=`).
    var rootCertificatePath: String?

    static let format = "postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require|verify-ca|verify-full]"

    init(_ string: String) throws(StoreError) {
        func fail(_ reason: String) -> StoreError {
            .invalidConfiguration("the PostgreSQL URL \(reason); expected \(Self.format)")
        }
        guard let components = URLComponents(string: string) else { throw fail("cannot be parsed") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw fail("must start with postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else { throw fail("has no host") }
        guard let user = components.user, !user.isEmpty else { throw fail("has no user name") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else { throw fail("must name exactly one database after the host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw fail("has an invalid port") }
        // URLComponents keeps percent-escapes in user and password; decode them (a password may
        // contain '@' or ':' only when escaped).
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = path.removingPercentEncoding ?? path
        var tlsMode = TLSMode.prefer
        var rootCertificatePath: String?
        for item in components.queryItems ?? [] {
            switch item.name.lowercased() {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value.lowercased()) else {
                    throw fail("has an unknown sslmode")
                }
                tlsMode = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw fail("has an empty sslrootcert") }
                rootCertificatePath = value
            case "application_name":
                continue   // accepted for libpq compatibility; PostgresOptions.applicationName wins
            default:
                throw fail("has the unsupported parameter \"\(item.name)\" (supported: sslmode, sslrootcert)")
            }
        }
        self.tlsMode = tlsMode
        self.rootCertificatePath = rootCertificatePath
    }

    /// The URL without its password, for logs and status pages.
    var redacted: String {
        "postgres://\(username)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
    }
}

/// PostgreSQL through PostgresNIO's `PostgresClient`: its connection pool is the maintained one
/// (PostgresKit's own pool sits on the deprecated AsyncKit). `PostgresClient` is not itself an
/// `SQLDatabase`, but each leased `PostgresConnection` is a `PostgresDatabase`, which PostgresKit
/// turns into one (`sql()`), so the store leases a connection per operation and runs SQLKit on it.
final class PostgresConnector: Connector {
    let dialect = Dialect(backend: .postgres)
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let closed = LockedValue(false)
    private let logger: Logger

    private init(client: PostgresClient, runTask: Task<Void, Never>, logger: Logger) {
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    static func connect(url: String, options: PostgresOptions) async throws(StoreError) -> PostgresConnector {
        let parsed = try PostgresURL(url)
        guard options.maxConnections >= 1, options.minConnections >= 0,
              options.minConnections <= options.maxConnections else {
            throw .invalidConfiguration("PostgreSQL pool sizes must satisfy 0 <= minConnections <= maxConnections and maxConnections >= 1")
        }
        var startupParameters = [("application_name", options.applicationName)]
        if let schema = options.schema {
            // A startup parameter, not SQL: validated as a plain identifier all the same.
            let utf8 = schema.utf8
            guard (1...63).contains(utf8.count), let first = utf8.first, first == UInt8(ascii: "_") || (0x61...0x7A).contains(first),
                  utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) })
            else {
                throw .invalidConfiguration("the schema name must be 1–63 characters of a–z, 0–9 and _, not starting with a digit")
            }
            startupParameters.append(("search_path", schema))
        }

        let tlsConfiguration: TLSConfiguration?
        switch parsed.tlsMode {
        case .disable:
            tlsConfiguration = nil
        case .prefer, .require, .verifyCA, .verifyFull:
            // Stricter than libpq for `prefer`/`require`: when TLS is used, the certificate is verified.
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let root = parsed.rootCertificatePath {
                configuration.trustRoots = .file(root)
            }
            if parsed.tlsMode == .verifyCA {
                configuration.certificateVerification = .noHostnameVerification
            }
            tlsConfiguration = configuration
        }

        // Probe with one plain connection first: it fails at once with the real reason (refused,
        // wrong password, no such database), where the pool would retry quietly until a timeout.
        do {
            var probe = PostgresConnection.Configuration(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: parsed.database, tls: .disable)
            if let tlsConfiguration {
                let context: NIOSSLContext
                do {
                    context = try NIOSSLContext(configuration: tlsConfiguration)
                } catch {
                    throw StoreError.invalidConfiguration("cannot set up TLS (is sslrootcert a readable PEM file?)")
                }
                probe.tls = parsed.tlsMode == .prefer ? .prefer(context) : .require(context)
            }
            probe.options.connectTimeout = .milliseconds(options.connectTimeout.milliseconds)
            probe.options.additionalStartupParameters = startupParameters
            let quiet = Logger(label: "bulwark.storage.probe", factory: { _ in SwiftLogNoOpLogHandler() })
            let probeConfiguration = probe
            try await withDeadline(options.connectTimeout + .seconds(1)) {
                let connection = try await PostgresConnection.connect(configuration: probeConfiguration, id: 0, logger: quiet)
                do {
                    try await connection.sql(queryLogLevel: nil).raw("SELECT 1 AS ok").run()
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            }
        } catch {
            let mapped = ErrorMapper.map(error)
            switch mapped {
            case .unavailable(let reason), .databaseFailure(let reason):
                throw .unavailable("cannot use PostgreSQL at \(parsed.host):\(parsed.port)/\(parsed.database): \(reason)")
            default:
                throw mapped
            }
        }

        let tls: PostgresClient.Configuration.TLS = switch (parsed.tlsMode, tlsConfiguration) {
        case (_, nil): .disable
        case (.prefer, let configuration?): .prefer(configuration)
        case (_, let configuration?): .require(configuration)
        }
        var configuration = PostgresClient.Configuration(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
            database: parsed.database, tls: tls)
        configuration.options.maximumConnections = options.maxConnections
        configuration.options.minimumConnections = options.minConnections
        configuration.options.connectTimeout = options.connectTimeout
        configuration.options.additionalStartupParameters = startupParameters

        // PostgresNIO logs wire messages (row contents, bind values) at trace level. Hash values and
        // key hashes must not reach logs, so the pool never logs below debug.
        var poolLogger = options.logger
        if poolLogger.logLevel < .debug { poolLogger.logLevel = .debug }
        let client = PostgresClient(configuration: configuration, backgroundLogger: poolLogger)
        let runTask = Task { await client.run() }
        options.logger.info("connected to PostgreSQL", metadata: ["url": .string(parsed.redacted)])
        return PostgresConnector(client: client, runTask: runTask, logger: options.logger)
    }

    private func checkOpen() throws(StoreError) {
        if closed.withLock({ $0 }) { throw .shutDown }
    }

    func read<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try checkOpen()
        return try await client.withConnection { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    func write<R: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try checkOpen()
        return try await client.withConnection { connection in
            try await transaction(on: connection.sql(queryLogLevel: nil), body)
        }
    }

    func loadEntries(after: Int64, limit: Int, bankId: Int64?) async throws -> [LoadedEntry] {
        try checkOpen()
        return try await client.withConnection { connection in
            // PostgresQuery interpolation sends each value as a bind parameter.
            let query: PostgresQuery = if let bankId {
                "SELECT id, bank_id, signal_type, value, enabled, quarantined, change_seq FROM bulwark_entries WHERE bank_id = \(bankId) AND id > \(after) ORDER BY id LIMIT \(Int64(limit))"
            } else {
                "SELECT id, bank_id, signal_type, value, enabled, quarantined, change_seq FROM bulwark_entries WHERE id > \(after) ORDER BY id LIMIT \(Int64(limit))"
            }
            let rows = try await connection.query(query, logger: Self.quietLogger)
            var entries: [LoadedEntry] = []
            entries.reserveCapacity(limit)
            for try await (id, bank, type, value, enabled, quarantined, sequence)
                in rows.decode((Int64, Int64, String, ByteBuffer, Bool, Bool, Int64).self) {
                entries.append(LoadedEntry(id: id, bankId: bank, signalType: try LoadedEntry.signalType(type),
                                           digest: try LoadedEntry.digest(value.readableBytesView),
                                           enabled: enabled, quarantined: quarantined, sequence: sequence))
            }
            return entries
        }
    }

    /// PostgresNIO logs queries with their binds at debug level; this logger never does.
    private static let quietLogger = Logger(label: "bulwark.storage.postgres-query", factory: { _ in SwiftLogNoOpLogHandler() })

    func shutdown() async {
        let wasClosed = closed.withLock { state in
            defer { state = true }
            return state
        }
        guard !wasClosed else { return }
        // Cancelling `run()` closes the pool and every connection; awaiting it means nothing of the
        // client outlives `shutdown()`.
        runTask.cancel()
        await runTask.value
        logger.debug("closed PostgreSQL pool")
    }
}

extension Duration {
    /// Whole milliseconds, for APIs that take `TimeAmount` or integers.
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}

/// Runs `body`, failing with `StoreError.unavailable` if it has not finished within `timeout`.
func withDeadline<R: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> R) async throws -> R {
    try await withThrowingTaskGroup(of: R?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw StoreError.unavailable("no answer within \(timeout)")
        }
        return result
    }
}
