import Foundation
import Review
import Storage

/// One-time login links for the review console. The link carries a random token; the database
/// keeps only its SHA-256, and the first use consumes it. Links are printed for an administrator
/// to hand over (or, in the demo, to open): the console has no passwords to steal or reuse.
public enum ConsoleLogins {
    /// Creates a login token for `reviewer` and returns the link to open.
    public static func issue(store: any BulwarkStore, reviewer: Reviewer, baseURL: String, lifetime: TimeInterval = 15 * 60,
                             now: Date = Date()) async throws(StoreError) -> String {
        let token = ConsoleTokens.generate()
        try await store.createLoginToken(tokenHash: ConsoleTokens.digest(token), reviewerId: reviewer.id, at: now,
                                         expiresAt: now.addingTimeInterval(lifetime))
        _ = try await store.appendAudit([NewAuditEvent(at: now, kind: "console.link", actor: "system",
                                                       subject: "reviewer:\(reviewer.id)", detail: "{\"name\":\"\(reviewer.name)\"}")])
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return "\(base)/console/login?token=\(token)"
    }
}
