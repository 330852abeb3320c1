import CyberTipline
import Foundation

/// Who the service is and who reports for it: the fixed part of every report, from configuration.
public struct ReporterSettings: Sendable, Hashable {
    /// A person named in the reporter section.
    public struct Person: Sendable, Hashable {
        public var firstName: String?
        public var lastName: String?
        public var email: String?
        public var phone: String?

        public init(firstName: String? = nil, lastName: String? = nil, email: String? = nil, phone: String? = nil) {
            self.firstName = firstName
            self.lastName = lastName
            self.email = email
            self.phone = phone
        }
    }

    /// The service's name, e.g. "Example Social": the report's platform when `espService` is nil.
    public var espName: String
    /// The product within the service, e.g. "Posts"; used as the platform and the accounts' service.
    public var espService: String?
    /// The person who files the report (NCMEC requires an email).
    public var reportingPerson: Person
    /// Whom NCMEC and law enforcement contact about the report, often a team mailbox.
    public var contactPerson: Person?
    public var companyTemplate: String?
    public var termsOfService: String?
    /// Where law enforcement sends legal process.
    public var legalURL: String?

    public init(espName: String, espService: String? = nil, reportingPerson: Person, contactPerson: Person? = nil,
                companyTemplate: String? = nil, termsOfService: String? = nil, legalURL: String? = nil) {
        self.espName = espName
        self.espService = espService
        self.reportingPerson = reportingPerson
        self.contactPerson = contactPerson
        self.companyTemplate = companyTemplate
        self.termsOfService = termsOfService
        self.legalURL = legalURL
    }
}

/// A preserved file to send with the report.
public struct ReportFileInput: Sendable, Hashable {
    public var vaultItemId: String
    public var fileName: String
    public var md5: String?
    public var sha256: String?
    public var pdq: String?
    /// Where the file was on the service.
    public var originalURL: String?
    public var uploadedAt: Date?
    /// Whether a person at the service viewed this exact file, as the CALLER found it in the audit
    /// log (a recorded reveal of this vault item). No default: a wrong `true` can get evidence
    /// suppressed in court, so it must always be a deliberate answer.
    public var viewedByESP: Bool
    public var publiclyAvailable: Bool?

    public init(vaultItemId: String, fileName: String, md5: String?, sha256: String?, pdq: String?, originalURL: String?,
                uploadedAt: Date?, viewedByESP: Bool, publiclyAvailable: Bool?) {
        self.vaultItemId = vaultItemId
        self.fileName = fileName
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.originalURL = originalURL
        self.uploadedAt = uploadedAt
        self.viewedByESP = viewedByESP
        self.publiclyAvailable = publiclyAvailable
    }
}

/// Turns a confirmed case into a CyberTipline report draft.
///
/// The draft says what the service knows and no more: the reported account and every account the
/// account graph tied to the same actor (each with why), the platform's own URLs for the content,
/// the files with their hashes and an honest "viewed by the service" flag, and a summary of the
/// evidence. Links users wrote are never given as places to go (they are attacker-chosen and may
/// be traps): only those that hit a list are mentioned, as text.
public enum ReportBuilder {
    /// A listed handle as (platform, screen name). Handles come as the text pipeline writes them:
    /// a canonical link (`https://t.me/name`, `https://discord.gg/code`) or `platform:name`.
    public static func handleParts(_ value: String) -> (platform: String, name: String)? {
        if let url = URL(string: value), let host = url.host?.lowercased(), url.scheme == "https" || url.scheme == "http" {
            let name = url.path.split(separator: "/").last.map(String.init) ?? ""
            guard !name.isEmpty else { return nil }
            let known: [String: String] = ["t.me": "Telegram", "telegram.me": "Telegram", "discord.gg": "Discord",
                                           "discord.com": "Discord", "wa.me": "WhatsApp", "signal.me": "Signal"]
            return (known[host] ?? host, name)
        }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (parts[0], parts[1])
    }

    /// Platform field keys that carry the service's own URL of an item.
    public static let platformURLKeys: Set<String> = ["url", "postUrl"]
    /// Most URLs listed in the web-page incident.
    public static let urlLimit = 100

    /// Builds the draft. `now` is when it was prepared (stated in the additional information).
    /// Validate with `TiplineReport.validate()` and assess with
    /// `Completeness(report:actorAccountCount: dossier.accounts.count)` before sending.
    public static func build(dossier: CaseDossier, reporter: ReporterSettings, files: [ReportFileInput],
                             primaryAccount: String?, summaryNote: String?, now: Date) -> TiplineReport {
        let service = nonBlank(reporter.espService)
        let platformName = service ?? nonBlank(reporter.espName)

        // The incident.
        let annotations: Set<ReportAnnotation> = dossier.posts.contains { $0.band == "solicitation" } ? [.csamSolicitation] : []
        let firstSeen = dossier.posts.map(\.at).min() ?? dossier.firstSeen
        var timeDescription: String?
        if dossier.posts.count > 1, let first = firstSeen, let last = dossier.posts.map(\.at).max() {
            timeDescription = "Earliest of \(dossier.posts.count) items posted between \(TiplineXML.timestamp(first)) "
                + "and \(TiplineXML.timestamp(last))."
        }
        let summary = IncidentSummary(incidentType: .childPornography, incidentDateTime: firstSeen,
                                      platform: platformName.map { clip($0, 256) }, annotations: annotations,
                                      incidentDateTimeDescription: timeDescription)

        // Where: the platform's own URLs for the items, never user-written links.
        var urls: [String] = []
        for post in dossier.posts {
            for field in post.platform where platformURLKeys.contains(field.key) {
                if isWebURL(field.value), !urls.contains(field.value), urls.count < urlLimit { urls.append(field.value) }
            }
        }
        let internetDetails: [InternetDetail] = urls.isEmpty ? [] : [.webPage(WebPageIncident(urls: urls, thirdPartyHostedContent: false))]

        // Who: the primary account, and every other account of the actor with its link reasons.
        let primary = nonBlank(primaryAccount) ?? dossier.accounts.max { a, b in
            a.itemCount != b.itemCount ? a.itemCount < b.itemCount : a.id > b.id
        }?.id
        var reportedPerson: ReportedPerson?
        if let primary {
            var associated = dossier.accounts.filter { $0.id != primary }.map { account in
                AssociatedAccount(espService: service.map { clip($0, 256) }, espIdentifier: clip(account.id, 256),
                                  linkReason: linkReason(account))
            }
            // Off-platform handles the actor advertised that are on a list: accounts elsewhere.
            for hit in dossier.links where hit.type == "handle" {
                guard let parts = handleParts(hit.value) else { continue }
                associated.append(AssociatedAccount(
                    screenName: clip(parts.name, 256), platform: clip(parts.platform, 256),
                    linkReason: "handle advertised in the reported user's posts; it is on the list \"\(hit.bank)\""))
            }
            let bio = dossier.posts.last { $0.accountId == primary && nonBlank($0.profileText) != nil }?.profileText
            let priors = dossier.priorCases.compactMap { $0.reportedRemoteId.flatMap { Int(exactly: $0) } }.filter { $0 > 0 }
            reportedPerson = ReportedPerson(espIdentifier: clip(primary, 255), espService: service.map { clip($0, 100) },
                                            screenName: clip(primary, 256), profileBio: bio, priorCTReports: priors,
                                            associatedAccounts: associated)
        }

        // Files: exactly as the caller describes them; the dossier adds classification and matches.
        var seen = Set<String>()
        let tiplineFiles = files.filter { seen.insert($0.vaultItemId).inserted }.map { input -> TiplineFile in
            let media = dossier.media.first { $0.vaultItemId == input.vaultItemId }
            let matches = media?.matches ?? []
            let classification = matches.lazy.compactMap { $0.category.flatMap(IndustryClassification.init(rawValue:)) }.first
            let info = matches.isEmpty ? nil : matches.map(describe).joined(separator: "; ")
            return TiplineFile(localID: input.vaultItemId, fileName: input.fileName, md5: input.md5?.lowercased(),
                               sha256: input.sha256?.lowercased(), pdq: input.pdq?.lowercased(), viewedByESP: input.viewedByESP,
                               publiclyAvailable: input.publiclyAvailable, uploadedAt: input.uploadedAt,
                               locationOfFile: input.originalURL, industryClassification: classification,
                               uploadIPEvent: nil, additionalInfo: info.map { "Matched " + $0 + "." })
        }

        let report = TiplineReport(
            incidentSummary: summary, internetDetails: internetDetails,
            reporter: makeReporter(reporter), reportedPerson: reportedPerson,
            additionalInfo: additionalInfo(dossier: dossier, primary: primary, summaryNote: summaryNote, now: now),
            files: tiplineFiles)
        return report
    }

    // MARK: - Parts

    static func makeReporter(_ settings: ReporterSettings) -> Reporter {
        func person(_ p: ReporterSettings.Person) -> TiplinePerson {
            TiplinePerson(firstName: nonBlank(p.firstName), lastName: nonBlank(p.lastName),
                          phones: nonBlank(p.phone).map { [TiplinePhone($0)] } ?? [],
                          emails: nonBlank(p.email).map { [TiplineEmail($0, kind: .business)] } ?? [])
        }
        return Reporter(reportingPerson: person(settings.reportingPerson), contactPerson: settings.contactPerson.map(person),
                        companyTemplate: nonBlank(settings.companyTemplate), termsOfService: nonBlank(settings.termsOfService),
                        legalURL: nonBlank(settings.legalURL))
    }

    /// "linked by shared wallet, avatar image", from the account's evidence kinds.
    static func linkReason(_ account: DossierAccount) -> String {
        var phrases: [String] = []
        if account.bannedMatch { phrases.append("ban-evasion screening matched it as the banned account") }
        for kind in account.linkReasons {
            let phrase = evidencePhrases[kind] ?? kind
            if !phrases.contains(phrase) { phrases.append(phrase) }
        }
        if phrases.isEmpty { return "attributed to the same actor by the service's account graph" }
        return "linked by " + phrases.joined(separator: ", ")
    }

    static let evidencePhrases: [String: String] = [
        "handle": "shared off-platform handle", "invite": "shared invite link", "link": "shared link",
        "domain": "shared link domain", "wallet": "shared wallet", "email": "shared email address",
        "phone": "shared phone number", "device": "shared device", "ip": "shared IP address",
        "payment": "shared payment method", "avatar": "avatar image", "bio": "near-identical bio",
        "banned": "banned account", "timing": "created soon after a ban", "list": "listed signal in its profile",
        "avatar-bank": "avatar matched a hash bank",
    ]

    static func describe(_ match: DossierMatch) -> String {
        var text = "bank \"\(match.bank)\""
        if let category = match.category { text += " (category \(category))" }
        text += " by \(match.signal)"
        if match.signal == "pdq" { text += " at distance \(match.distance)" }
        if let source = match.source { text += ", entry from \(source)" }
        return text
    }

    /// What investigators should read first, as plain text.
    static func additionalInfo(dossier: CaseDossier, primary: String?, summaryNote: String?, now: Date) -> String {
        var lines: [String] = []
        if let note = nonBlank(summaryNote) { lines.append(note); lines.append("") }
        var facts = "Case \(dossier.caseId): \(dossier.posts.count) item(s) from \(dossier.accounts.count) account(s)"
        if let first = dossier.firstSeen, let last = dossier.lastSeen {
            facts += " between \(TiplineXML.timestamp(first)) and \(TiplineXML.timestamp(last))"
        }
        lines.append(facts + ".")

        let matched = dossier.media.filter { !$0.matches.isEmpty }
        if !matched.isEmpty {
            lines.append("\(matched.count) of \(dossier.media.count) media item(s) matched hash banks of known material:")
            for media in matched.prefix(50) {
                lines.append("- item \(media.contentId) media \(media.mediaIndex): " + media.matches.map(describe).joined(separator: "; "))
            }
        }

        let offPlatform = dossier.links.filter { ["url", "domain", "url-md5"].contains($0.type) }
        if !offPlatform.isEmpty {
            lines.append("Off-platform links the user wrote that are on lists (text only; not visited by the service):")
            for hit in offPlatform.prefix(50) { lines.append("- \(hit.value) (list \"\(hit.bank)\", \(hit.count) time(s))") }
        }
        let wallets = dossier.links.filter { $0.type == "wallet" }
        if !wallets.isEmpty {
            lines.append("Cryptocurrency wallets the user wrote that are on lists:")
            for hit in wallets.prefix(50) { lines.append("- \(hit.value) (list \"\(hit.bank)\", \(hit.count) time(s))") }
        }
        let handles = dossier.links.filter { $0.type == "handle" }
        if !handles.isEmpty {
            lines.append("Off-platform handles the user advertised that are on lists (also listed as associated accounts):")
            for hit in handles.prefix(50) { lines.append("- \(hit.value) (list \"\(hit.bank)\")") }
        }

        let screened = Dictionary(grouping: dossier.evasion, by: \.accountId)
        if !screened.isEmpty {
            lines.append("Ban-evasion screening tied the accounts together:")
            for account in screened.keys.sorted() {
                let evidence = screened[account]!
                let kinds = evidence.map(\.kind).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
                let linked = Set(evidence.compactMap(\.linkedAccount)).sorted()
                var line = "- \(account): \(kinds.joined(separator: ", "))"
                if !linked.isEmpty { line += " shared with \(linked.joined(separator: ", "))" }
                line += " (risk \(evidence[0].risk), decision \(evidence[0].decision))"
                lines.append(line)
            }
        }
        if dossier.maxSolicitation > 0 {
            lines.append("Highest solicitation score of the user's text: \(dossier.maxSolicitation).")
        }
        if let primary { lines.append("Reported account: \(primary).") }
        lines.append("Prepared \(TiplineXML.timestamp(now)).")
        return lines.joined(separator: "\n")
    }

    // MARK: - Helpers

    static func nonBlank(_ s: String?) -> String? {
        guard let s, !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return s
    }

    /// At most `limit` Unicode scalars (the unit the schema's limits are checked in).
    static func clip(_ s: String, _ limit: Int) -> String {
        guard s.unicodeScalars.count > limit else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit)))
    }

    /// An http(s) URL with a host, no whitespace, within the schema's length.
    static func isWebURL(_ s: String) -> Bool {
        guard s.unicodeScalars.count <= 2083, !s.contains(where: { $0.isWhitespace || $0.isNewline }),
              let url = URL(string: s), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
