/// Who may do what in the review console.
///
/// Roles are coarse on purpose: a console with dozens of permissions ends up granting too much by
/// accident. Three roles cover the work, and the one line that matters most is drawn explicitly:
/// only child-safety specialists see media, so exposure to abuse material is limited to the people
/// trained, supported and budgeted for it (see `RevealBudget`).
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// Works the queues: decides and escalates, always on blurred media.
    case reviewer
    /// A child-safety specialist: everything a reviewer can, plus viewing media, drafting and
    /// sending CyberTipline reports and handling appeals.
    case specialist
    /// Runs the console: manages reviewers and legal holds, drafts reports and handles appeals,
    /// but never views media (administration is not a reason to be exposed to it).
    case admin
}

/// One thing a role may be allowed to do. The console checks a capability, never a role, so that
/// the matrix below is the single place where permissions are decided.
public enum Capability: String, Sendable, Hashable, CaseIterable {
    /// See the queues and the cases in them (media blurred).
    case viewQueues
    /// Record a decision on a case.
    case decide
    /// Send a case to a specialist.
    case escalate
    /// Un-blur one media item (counted against the reveal budget, audited).
    case revealMedia
    /// Prepare a CyberTipline report from a confirmed case.
    case draftReport
    /// Submit a drafted report to NCMEC.
    case sendReport
    /// Review a user's appeal of a decision.
    case handleAppeals
    /// Add, remove and change the roles of console users.
    case manageReviewers
    /// Place or release a legal hold on a case's evidence.
    case legalHold
}

extension Role {
    /// The capabilities of each role. Written out in full rather than derived from a hierarchy,
    /// because `admin` is deliberately not a superset of `specialist`.
    private var capabilities: Set<Capability> {
        switch self {
        case .reviewer:
            [.viewQueues, .decide, .escalate]
        case .specialist:
            [.viewQueues, .decide, .escalate, .revealMedia, .draftReport, .sendReport, .handleAppeals]
        case .admin:
            [.viewQueues, .decide, .escalate, .draftReport, .handleAppeals, .manageReviewers, .legalHold]
        }
    }

    /// Whether this role may do `capability`. The console asks this before rendering a control
    /// and again before acting on the request, so a hidden button is never the only guard.
    public func can(_ capability: Capability) -> Bool {
        capabilities.contains(capability)
    }

    /// The name shown to people (in the user list, on the session banner).
    public var displayName: String {
        switch self {
        case .reviewer: "Reviewer"
        case .specialist: "Child-safety specialist"
        case .admin: "Administrator"
        }
    }
}
