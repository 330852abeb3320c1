import PDQ

/// Milliseconds since 1970-01-01T00:00:00Z. The graph keeps the platform's own clock (the `at` of
/// each event), never the wall clock, so a replay of last year's history decides exactly as the
/// live system would have.
public typealias Milliseconds = Int64

/// What a platform tells Bulwark about an account at signup or after a profile edit.
///
/// Every field is optional except the id: a platform sends what it has. A repeated id is a
/// profile edit, and what an edit omits is *not* erased: signals an account has ever shown stay
/// attached to it, because a trader who removes the Telegram handle from a bio after being
/// noticed is still the same trader.
public struct AccountProfile: Sendable, Hashable {
    /// The platform's account id (opaque to Bulwark).
    public var id: String
    /// When the platform saw this signup or edit.
    public var at: Milliseconds
    /// The on-platform handle (`@name` without the `@`).
    public var handle: String?
    public var displayName: String?
    public var bio: String?
    /// The avatar's PDQ hash, computed by the platform or by Bulwark from the image.
    public var avatarPDQ: PDQHash?
    /// Signals only the platform can see. See ``PrivateSignals`` for how to send them hashed.
    public var signals: PrivateSignals

    public init(id: String, at: Milliseconds, handle: String? = nil, displayName: String? = nil, bio: String? = nil,
                avatarPDQ: PDQHash? = nil, signals: PrivateSignals = PrivateSignals()) {
        self.id = id
        self.at = at
        self.handle = handle
        self.displayName = displayName
        self.bio = bio
        self.avatarPDQ = avatarPDQ
        self.signals = signals
    }
}

/// Signals a platform holds about an account and users never see: contact details, devices,
/// networks, payment instruments.
///
/// They are compared for equality only, so a platform should not send them in clear. The
/// recommended form is `HMAC-SHA256(key, normalised value)` in lower-case hex, with one secret
/// key per platform that never leaves it (docs/accounts.md shows the normalisations: e-mail
/// lower-cased, phone as E.164 digits, IP networks as CIDR). Values that look like such a digest
/// (64 hex characters) are used as they are; anything else is normalised lightly (trimmed,
/// lower-cased, e-mail sub-addresses removed) so that a platform sending clear values still
/// links `Sam+x@Example.org` with `sam@example.org`.
public struct PrivateSignals: Sendable, Hashable {
    public var email: String?
    public var phone: String?
    /// Device ids (advertising id, install id, fingerprint), opaque.
    public var devices: [String]
    /// IP addresses or networks (`203.0.113.0/24`), opaque.
    public var ips: [String]
    /// Payment instruments (card fingerprints, payout accounts), opaque.
    public var payments: [String]

    public init(email: String? = nil, phone: String? = nil, devices: [String] = [], ips: [String] = [], payments: [String] = []) {
        self.email = email
        self.phone = phone
        self.devices = devices
        self.ips = ips
        self.payments = payments
    }

    public var isEmpty: Bool { email == nil && phone == nil && devices.isEmpty && ips.isEmpty && payments.isEmpty }
}

/// One event of an account's history, as the replay contract and the API carry it.
public enum AccountEvent: Sendable, Hashable {
    /// Signup (first time the id is seen) or profile edit.
    case account(AccountProfile)
    /// The platform banned the account; its actor is now a banned actor.
    case ban(id: String, at: Milliseconds, reason: String?)
    /// An appeal reversed a ban.
    case unban(id: String, at: Milliseconds)
    /// An appeal found the link between two accounts wrong: the link is cut and never re-made,
    /// and neither account is counted as evidence against the other again.
    case unlink(id: String, other: String, at: Milliseconds)
    /// An appeal found the account is not part of its actor: every link it has is cut, as by
    /// `unlink` with each account it was linked to.
    case detach(id: String, at: Milliseconds)

    public var accountID: String {
        switch self {
        case .account(let profile): profile.id
        case .ban(let id, _, _), .unban(let id, _), .unlink(let id, _, _), .detach(let id, _): id
        }
    }

    public var at: Milliseconds {
        switch self {
        case .account(let profile): profile.at
        case .ban(_, let at, _), .unban(_, let at), .unlink(_, _, let at), .detach(_, let at): at
        }
    }
}
