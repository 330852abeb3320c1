import Foundation
import PostgresNIO
import SQLiteNIO

/// Turns driver errors into `StoreError`s, in one place, keeping what helps an operator (SQLSTATE,
/// constraint names, the server's message) and dropping what could leak: bound values (in
/// PostgreSQL's DETAIL field and in data-exception messages), the URL, the password.
enum ErrorMapper {
    static func map(_ error: any Error) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as PSQLError:
            return postgres(error)
        case let error as SQLiteError:
            return sqlite(error)
        case is CancellationError:
            return .unavailable("the operation was cancelled before the database answered")
        case is DecodingError:
            return .databaseFailure("a column held data of an unexpected type; was the table changed by another program?")
        default:
            // Unknown error types may carry anything in their description; name the type only.
            return .databaseFailure("unexpected \(String(reflecting: type(of: error)))")
        }
    }

    private static func postgres(_ error: PSQLError) -> StoreError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "no message"
            let constraint = error.serverInfo?[.constraintName]
            let tag = "(SQLSTATE \(state))"
            switch state {
            case "42P01":
                return .schemaNotMigrated
            case "3D000":
                return .unavailable("\(message) \(tag); create the database or fix its name in the URL")
            case "42501":
                return .databaseFailure("\(message) \(tag); grant the role the privileges listed in docs/postgresql.md")
            case "40001", "40P01":
                return .unavailable("the transaction conflicted with another one \(tag); retry the operation")
            case _ where state.hasPrefix("23"):
                // The message and DETAIL of integrity errors quote the offending values.
                return .constraintViolated("\(constraint.map { "constraint \($0)" } ?? "a constraint") \(tag)")
            case _ where state.hasPrefix("22"):
                // Data exceptions quote the value that failed to convert.
                return .databaseFailure("a value was rejected by the database \(tag)")
            case _ where state.hasPrefix("28"):
                return .unavailable("PostgreSQL refused the login: \(message) \(tag); check the user and password in the database URL and pg_hba.conf")
            case _ where state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("57"):
                return .unavailable("\(message) \(tag)")
            default:
                return .databaseFailure("\(message) \(tag)")
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            let cause = error.underlying.map { String(describing: $0) } ?? "\(error.code)"
            return .unavailable("cannot talk to PostgreSQL: \(truncated(cause))")
        case .sslUnsupported:
            return .unavailable("the server does not support TLS; use sslmode=disable only on a trusted network")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return .unavailable("the TLS handshake with PostgreSQL failed (\(error.code)); check sslmode and sslrootcert")
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return .unavailable("PostgreSQL authentication failed (\(error.code)); check the password in the database URL")
        case .poolClosed:
            return .shutDown
        case .queryCancelled:
            return .unavailable("the query was cancelled")
        default:
            return .databaseFailure("PostgreSQL client error \(error.code)")
        }
    }

    private static func sqlite(_ error: SQLiteError) -> StoreError {
        let message = error.message
        switch error.reason {
        case .constraint, .constraintCheckFailed, .constraintForeignKeyFailed, .constraintNotNullFailed,
             .constraintPrimaryKeyFailed, .constraintUniqueFailed, .constraintTriggerFailed,
             .constraintStrictDataTypeFailed, .constraintUniqueRowIDFailed:
            // SQLite names the constraint or column ("UNIQUE constraint failed: t.c"), never the value.
            return .constraintViolated(message)
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked:
            return .unavailable("the SQLite database stayed locked by another writer beyond the busy timeout; retry, and look for a stuck bulwark process")
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenUnfollowedSymlink, .permission:
            return .unavailable("cannot open the SQLite database file (\(message)); check the path and its permissions")
        case .readOnly, .readonlyCantLock, .readonlyDirectory, .readonlyInRecovery, .readonlyInRollback,
             .readonlyBackingMoved:
            return .unavailable("the SQLite database is read-only (\(message)); check the file's and directory's permissions")
        case .full:
            return .unavailable("the disk holding the SQLite database is full")
        case .corrupt, .notADatabase:
            return .databaseFailure("the SQLite file is damaged or not a database (\(message)); restore it from a backup")
        case .misuse where message.contains("inactive") || message.contains("closed"):
            return .shutDown
        default:
            if message.contains("no such table") { return .schemaNotMigrated }
            return .databaseFailure("SQLite: \(message)")
        }
    }

    private static func truncated(_ text: String, limit: Int = 300) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
