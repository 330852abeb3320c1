import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's templates (Resources/console/*.mustache), parsed once. Mustache escapes every
/// `{{value}}` for HTML (`<`, `>`, `&`, `"`, `'`); the templates never use the unescaped forms,
/// and a test holds them to that, because post text, bios, handles and file names are written
/// by the people the console is investigating.
struct ConsolePages: Sendable {
    static let shared = ConsolePages()

    let library: MustacheLibrary
    let stylesheet: String
    let loadError: String?

    static let templateNames = ["base", "message", "login", "queues", "case", "report"]

    init() {
        var library = MustacheLibrary()
        var problems: [String] = []
        var stylesheet = ""
        if let directory = Bundle.module.url(forResource: "console", withExtension: nil) {
            for name in Self.templateNames {
                let url = directory.appendingPathComponent("\(name).mustache")
                do {
                    let text = try String(contentsOf: url, encoding: .utf8)
                    try library.register(text, named: name)
                } catch {
                    problems.append("\(name): \(error)")
                }
            }
            stylesheet = (try? String(contentsOf: directory.appendingPathComponent("console.css"), encoding: .utf8)) ?? ""
        } else {
            problems.append("the console resources are missing from the build")
        }
        self.library = library
        self.stylesheet = stylesheet
        self.loadError = problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Renders a page as an HTML response.
    func render(_ template: String, _ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        guard let html = library.render(object, withTemplate: template) else {
            return Response(status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The console's templates did not load: \(loadError ?? template)")))
        }
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func errorPage(_ error: ConsoleError) -> Response {
        render("message", MessagePage(heading: error.title, message: error.message), status: error.status)
    }

    struct MessagePage {
        var heading: String
        var message: String
        var session: SessionView? = nil
        var notice: String? = nil
    }
}

/// A redirect after a POST (303, so the browser follows with GET and a reload does not resubmit).
func seeOther(_ location: String, cookie: Cookie? = nil) -> Response {
    var response = Response(status: .seeOther, headers: [.location: location])
    if let cookie { response.setCookie(cookie) }
    return response
}

// MARK: - View models (plain values; the templates read their properties)

struct SessionView {
    var name: String
    var roleName: String
    var csrf: String
    var canReveal: Bool
    var revealsUsed: Int
    var revealsLimit: Int
    var budgetWarning: Bool
    var budgetExhausted: Bool
}

struct QueuesPage {
    var session: SessionView
    var csrf: String
    var notice: String?
    var rotation: String?
    var hasQueues: Bool
    var queues: [QueueRow]
    var cases: [CaseRow]
}

struct QueueRow {
    var name: String
    var slug: String
    var severityName: String
    var count: Int
    var oldest: String
    var blocked: Int?
}

struct CaseRow {
    var id: Int64
    var status: String
    var severityName: String
    var queue: String
    var items: Int
    var opened: String
}

struct LoginPage {
    var token: String
    var session: SessionView? = nil
    var notice: String? = nil
}

struct CasePage {
    var session: SessionView
    var csrf: String
    var notice: String?
    var caseId: Int64
    var status: String
    var severityName: String
    var actorKey: String
    var queue: String
    var itemCount: Int
    var opened: String
    var lastItem: String
    var vaultConfigured: Bool
    var decided: String?
    var canDecide: Bool
    var canReport: Bool
    var canReveal: Bool
    var canAppeal: Bool
    var canHold: Bool
    var reasons: [ReasonOption]
    var confirmedBank: String
    var clearedBank: String
    var accounts: [AccountRow]
    var hasEvidence: Bool
    var evidence: [EvidenceRow]
    var posts: [PostView]
    var listHits: [ListHitRow]
    var revealSeconds: Int
    var media: [MediaView]
    var timeline: [TimelineRow]
    var hasPrior: Bool
    var prior: [PriorRow]
    var vaultCount: Int
    var retainUntil: String
    var held: Bool
}

struct ReasonOption { var code: String; var label: String }
struct AccountRow { var id: String; var items: Int; var firstSeen: String; var lastSeen: String; var linkedBy: String }
struct EvidenceRow { var account: String; var kind: String; var value: String; var linked: String; var weight: String; var detail: String }
struct RuleRow { var id: String; var severity: String; var reasons: [String] }
struct PostView {
    var n: Int
    var contentId: String
    var kind: String
    var account: String
    var at: String
    var verdict: String
    var text: String?
    var profileText: String?
    var hasLinks: Bool
    var links: [String]
    var rules: [RuleRow]
    var solicitation: String?
}
struct ListHitRow { var bank: String; var type: String; var value: String; var count: Int }
struct MatchRow { var bank: String; var category: String?; var signal: String; var distance: Int; var source: String? }
struct MediaView {
    var n: Int
    var itemId: String
    var previewable: Bool
    var grant: String?
    var reblurClass: String
    var matches: [MatchRow]
    var md5: String?
    var pdq: String?
    var pdqShort: String?
    var viewed: String
    var revealable: Bool
}
struct TimelineRow { var at: String; var title: String; var detail: String? }
struct PriorRow { var id: Int64; var status: String; var remote: Int64? }

struct ReportPage {
    var session: SessionView
    var csrf: String
    var notice: String?
    var caseId: Int64
    var caseStatus: String
    var confirmed: Bool
    var canDraft: Bool
    var canSend: Bool
    var endpoint: String?
    var draft: DraftView?
}

struct DraftView {
    var id: Int64
    var status: String
    var score: Int
    var updated: String
    var remoteId: Int64?
    var lastError: String?
    var findings: [FindingRow]
    var files: [FileRow]
    var xml: String
}
struct FindingRow { var severity: String; var text: String }
struct FileRow { var name: String; var md5: String; var viewed: String }

enum ConsoleFormat {
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        return AccountRoutes.time(Int64((date.timeIntervalSince1970 * 1_000).rounded()))
    }

    static func severity(_ rank: Int) -> String {
        switch rank {
        case ...0: "low"
        case 1: "medium"
        case 2: "high"
        default: "critical"
        }
    }

    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7_200 { return "\(seconds / 60) min" }
        if seconds < 172_800 { return "\(seconds / 3_600) h" }
        return "\(seconds / 86_400) days"
    }

    /// A queue name as an HTML id fragment (ids in the templates are for tests and styling only).
    static func slug(_ text: String) -> String {
        String(text.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) && $0.isASCII ? Character($0) : "-" })
    }
}
