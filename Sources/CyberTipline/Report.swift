import Foundation

// The report model. It mirrors the structure of NCMEC's CyberTipline `report` and `fileDetails`
// documents closely enough that serialisation is a walk over the values, and it keeps drafts
// representable: an incident time or a reporter email may be missing while a reviewer works on the
// draft, which `Completeness` reports and `TiplineReport.validate()` refuses before anything is sent.

/// A CyberTipline report: the incident, who reports it, the reported person with every linked
/// account, victims, free text, and the files that are uploaded after the report is opened.
///
/// Why one value for the whole actor: reports are most useful to NCMEC and law enforcement when
/// they connect the reported person to every account the platform linked to them, with the
/// reason for each link, so investigators do not have to rediscover the network.
public struct TiplineReport: Sendable, Equatable {
    public var incidentSummary: IncidentSummary
    /// Where the incident happened online (`internetDetails`, repeatable, one incident kind each).
    public var internetDetails: [InternetDetail]
    public var reporter: Reporter
    /// The suspect (`personOrUserReported`). Optional in the schema, but a report without one
    /// is rarely actionable; `Completeness` flags its absence.
    public var reportedPerson: ReportedPerson?
    public var victims: [Victim]
    /// Report-level free text (`additionalInfo`): context a reviewer wants investigators to read.
    public var additionalInfo: String?
    /// Files that will be uploaded, each with its details document. They are not part of the
    /// `report` XML; the flow sends them after `/submit` (see `TiplineClient.send`).
    public var files: [TiplineFile]

    public init(incidentSummary: IncidentSummary, internetDetails: [InternetDetail] = [], reporter: Reporter,
                reportedPerson: ReportedPerson? = nil, victims: [Victim] = [], additionalInfo: String? = nil,
                files: [TiplineFile] = []) {
        self.incidentSummary = incidentSummary
        self.internetDetails = internetDetails
        self.reporter = reporter
        self.reportedPerson = reportedPerson
        self.victims = victims
        self.additionalInfo = additionalInfo
        self.files = files
    }
}

/// The incident type vocabulary of the CyberTipline (`incidentType`). The raw values are the exact
/// strings the schema enumerates; anything else is rejected by NCMEC.
public enum IncidentType: String, Sendable, CaseIterable, Equatable {
    case childPornography = "Child Pornography (possession, manufacture, and distribution)"
    case childSexTrafficking = "Child Sex Trafficking"
    case childSexTourism = "Child Sex Tourism"
    case childSexualMolestation = "Child Sexual Molestation"
    case misleadingDomainName = "Misleading Domain Name"
    case misleadingWordsOrDigitalImages = "Misleading Words or Digital Images on the Internet"
    case onlineEnticement = "Online Enticement of Children for Sexual Acts"
    case unsolicitedObsceneMaterialToChild = "Unsolicited Obscene Material Sent to a Child"
}

/// Presence-flag tags on the report (`reportAnnotations`), emitted as empty elements.
public enum ReportAnnotation: String, Sendable, CaseIterable, Equatable, Comparable {
    case sextortion
    case csamSolicitation
    case minorToMinorInteraction
    case spam
    case sadisticOnlineExploitation
    case informational

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// `incidentSummary`: what kind of incident and when.
public struct IncidentSummary: Sendable, Equatable {
    public var incidentType: IncidentType
    /// The platform or product where it happened (`platform`, at most 256 characters).
    public var platform: String?
    /// Why NCMEC should treat the report as urgent (`escalateToHighPriority`), e.g. a child in
    /// imminent danger. Absent means no escalation.
    public var escalateToHighPriority: String?
    public var annotations: Set<ReportAnnotation>
    /// When the incident happened (`incidentDateTime`, required by the schema). Optional here only
    /// so that drafts can be represented; validation refuses a report without it.
    public var incidentDateTime: Date?
    /// Free text qualifying the time, e.g. "first upload of several over two days".
    public var incidentDateTimeDescription: String?

    public init(incidentType: IncidentType, incidentDateTime: Date?, platform: String? = nil,
                escalateToHighPriority: String? = nil, annotations: Set<ReportAnnotation> = [],
                incidentDateTimeDescription: String? = nil) {
        self.incidentType = incidentType
        self.incidentDateTime = incidentDateTime
        self.platform = platform
        self.escalateToHighPriority = escalateToHighPriority
        self.annotations = annotations
        self.incidentDateTimeDescription = incidentDateTimeDescription
    }
}

/// One `internetDetails` entry; the schema allows exactly one incident kind per entry.
public enum InternetDetail: Sendable, Equatable {
    /// `webPageIncident`: content found at one or more URLs (posts, profiles, hosted media).
    case webPage(WebPageIncident)
    /// `chatImIncident`: direct messages, group chats, comments in a live chat.
    case chatIM(ChatIncident)
    /// `emailIncident`.
    case email(EmailIncident)
    /// `onlineGamingIncident`.
    case onlineGaming(GamingIncident)
}

public struct WebPageIncident: Sendable, Equatable {
    public var urls: [String]
    /// True when the content was hosted by a third party rather than the reporting service.
    public var thirdPartyHostedContent: Bool?
    public var additionalInfo: String?
    public init(urls: [String], thirdPartyHostedContent: Bool? = nil, additionalInfo: String? = nil) {
        self.urls = urls
        self.thirdPartyHostedContent = thirdPartyHostedContent
        self.additionalInfo = additionalInfo
    }
}

public struct ChatIncident: Sendable, Equatable {
    public var chatClient: String?
    public var chatRoomName: String?
    public var content: String?
    public var additionalInfo: String?
    public init(chatClient: String? = nil, chatRoomName: String? = nil, content: String? = nil, additionalInfo: String? = nil) {
        self.chatClient = chatClient
        self.chatRoomName = chatRoomName
        self.content = content
        self.additionalInfo = additionalInfo
    }
}

public struct EmailIncident: Sendable, Equatable {
    public var emailAddresses: [TiplineEmail]
    public var content: String?
    public var additionalInfo: String?
    public init(emailAddresses: [TiplineEmail], content: String? = nil, additionalInfo: String? = nil) {
        self.emailAddresses = emailAddresses
        self.content = content
        self.additionalInfo = additionalInfo
    }
}

public struct GamingIncident: Sendable, Equatable {
    public var gameName: String?
    public var console: String?
    public var content: String?
    public var additionalInfo: String?
    public init(gameName: String? = nil, console: String? = nil, content: String? = nil, additionalInfo: String? = nil) {
        self.gameName = gameName
        self.console = console
        self.content = content
        self.additionalInfo = additionalInfo
    }
}

/// An email address with the schema's optional attributes.
public struct TiplineEmail: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case home = "Home", work = "Work", business = "Business" }
    public var address: String
    public var kind: Kind?
    /// Whether the service verified the address (e.g. by a confirmation link).
    public var verified: Bool?
    public init(_ address: String, kind: Kind? = nil, verified: Bool? = nil) {
        self.address = address
        self.kind = kind
        self.verified = verified
    }
}

/// A telephone number; the country calling code is kept apart as the schema does.
public struct TiplinePhone: Sendable, Equatable {
    public var number: String
    public var countryCallingCode: String?
    public init(_ number: String, countryCallingCode: String? = nil) {
        self.number = number
        self.countryCallingCode = countryCallingCode
    }
}

/// A real-world person (the schema's person type, used for the reporting person, the contact
/// person, the reported person and victims).
public struct TiplinePerson: Sendable, Equatable {
    public var firstName: String?
    public var lastName: String?
    public var phones: [TiplinePhone]
    public var emails: [TiplineEmail]
    public var age: Int?
    /// `dateOfBirth` as a calendar date, `yyyy-MM-dd`.
    public var dateOfBirth: String?

    public init(firstName: String? = nil, lastName: String? = nil, phones: [TiplinePhone] = [],
                emails: [TiplineEmail] = [], age: Int? = nil, dateOfBirth: String? = nil) {
        self.firstName = firstName
        self.lastName = lastName
        self.phones = phones
        self.emails = emails
        self.age = age
        self.dateOfBirth = dateOfBirth
    }

    var isEmpty: Bool {
        firstName == nil && lastName == nil && phones.isEmpty && emails.isEmpty && age == nil && dateOfBirth == nil
    }
}

/// `reporter`: the reporting person (an email is required) and how NCMEC reaches the service.
public struct Reporter: Sendable, Equatable {
    public var reportingPerson: TiplinePerson
    /// Who NCMEC or law enforcement should contact about this report, when it is not the
    /// reporting person (often a trust & safety team mailbox).
    public var contactPerson: TiplinePerson?
    /// The name of the template NCMEC keeps for the service, when one was agreed with NCMEC.
    public var companyTemplate: String?
    /// The terms of service the reported content violated.
    public var termsOfService: String?
    /// Where law enforcement finds the service's legal process instructions.
    public var legalURL: String?

    public init(reportingPerson: TiplinePerson, contactPerson: TiplinePerson? = nil, companyTemplate: String? = nil,
                termsOfService: String? = nil, legalURL: String? = nil) {
        self.reportingPerson = reportingPerson
        self.contactPerson = contactPerson
        self.companyTemplate = companyTemplate
        self.termsOfService = termsOfService
        self.legalURL = legalURL
    }
}

/// The event at which an IP address was captured (`eventName`).
public enum IPCaptureEventName: String, Sendable, CaseIterable, Equatable {
    case login = "Login"
    case registration = "Registration"
    case purchase = "Purchase"
    case upload = "Upload"
    case other = "Other"
    case unknown = "Unknown"
}

/// `ipCaptureEvent`: an IP address and when and why it was recorded.
public struct IPCaptureEvent: Sendable, Equatable {
    public var ipAddress: String
    public var eventName: IPCaptureEventName?
    public var dateTime: Date?
    public var possibleProxy: Bool?
    public var port: Int?
    public init(ipAddress: String, eventName: IPCaptureEventName? = nil, dateTime: Date? = nil,
                possibleProxy: Bool? = nil, port: Int? = nil) {
        self.ipAddress = ipAddress
        self.eventName = eventName
        self.dateTime = dateTime
        self.possibleProxy = possibleProxy
        self.port = port
    }
}

/// An account linked to the reported person (`associatedAccount`).
///
/// `linkReason` is required: an unexplained link is an accusation without grounds, so every
/// account states why the platform believes it belongs to the same actor (shared device, same
/// payment wallet, ban evasion match...). It is sent in the account's `additionalInfo`.
public struct AssociatedAccount: Sendable, Equatable {
    public var espService: String?
    public var espIdentifier: String?
    public var screenName: String?
    public var displayName: String?
    public var profileURL: String?
    /// The product or platform of the linked account when it differs from the report's.
    public var platform: String?
    public var emails: [TiplineEmail]
    public var ipCaptureEvents: [IPCaptureEvent]
    public var linkReason: String

    public init(espService: String? = nil, espIdentifier: String? = nil, screenName: String? = nil,
                displayName: String? = nil, profileURL: String? = nil, platform: String? = nil,
                emails: [TiplineEmail] = [], ipCaptureEvents: [IPCaptureEvent] = [], linkReason: String) {
        self.espService = espService
        self.espIdentifier = espIdentifier
        self.screenName = screenName
        self.displayName = displayName
        self.profileURL = profileURL
        self.platform = platform
        self.emails = emails
        self.ipCaptureEvents = ipCaptureEvents
        self.linkReason = linkReason
    }
}

/// `personOrUserReported`: the suspect, as a person and as a user of the service.
public struct ReportedPerson: Sendable, Equatable {
    public var person: TiplinePerson?
    /// The service's stable identifier of the account (`espIdentifier`), e.g. a user id.
    public var espIdentifier: String?
    /// The product within the reporting company, e.g. "Photos" or "Direct Messages".
    public var espService: String?
    /// True when the account is believed to be compromised (so the holder may not be the actor).
    public var compromisedAccount: Bool?
    public var screenName: String?
    public var displayNames: [String]
    public var profileURLs: [String]
    public var profileBio: String?
    public var ipCaptureEvents: [IPCaptureEvent]
    /// Earlier CyberTipline report numbers about the same person.
    public var priorCTReports: [Int]
    public var groupIdentifier: String?
    /// Every account linked to this actor, each with the reason for the link.
    public var associatedAccounts: [AssociatedAccount]
    public var additionalInfo: String?

    public init(person: TiplinePerson? = nil, espIdentifier: String? = nil, espService: String? = nil,
                compromisedAccount: Bool? = nil, screenName: String? = nil, displayNames: [String] = [],
                profileURLs: [String] = [], profileBio: String? = nil, ipCaptureEvents: [IPCaptureEvent] = [],
                priorCTReports: [Int] = [], groupIdentifier: String? = nil,
                associatedAccounts: [AssociatedAccount] = [], additionalInfo: String? = nil) {
        self.person = person
        self.espIdentifier = espIdentifier
        self.espService = espService
        self.compromisedAccount = compromisedAccount
        self.screenName = screenName
        self.displayNames = displayNames
        self.profileURLs = profileURLs
        self.profileBio = profileBio
        self.ipCaptureEvents = ipCaptureEvents
        self.priorCTReports = priorCTReports
        self.groupIdentifier = groupIdentifier
        self.associatedAccounts = associatedAccounts
        self.additionalInfo = additionalInfo
    }

    /// Whether anything identifies the account or the person behind it.
    public var hasIdentifiers: Bool {
        espIdentifier != nil || screenName != nil || !profileURLs.isEmpty
            || !(person?.emails.isEmpty ?? true) || !(person?.phones.isEmpty ?? true)
    }
}

/// `victim`: a child victim, when known. The schema requires the person element.
public struct Victim: Sendable, Equatable {
    public var person: TiplinePerson
    public var espIdentifier: String?
    public var espService: String?
    public var screenName: String?
    public var schoolName: String?
    public var additionalInfo: String?
    public init(person: TiplinePerson, espIdentifier: String? = nil, espService: String? = nil,
                screenName: String? = nil, schoolName: String? = nil, additionalInfo: String? = nil) {
        self.person = person
        self.espIdentifier = espIdentifier
        self.espService = espService
        self.screenName = screenName
        self.schoolName = schoolName
        self.additionalInfo = additionalInfo
    }
}

/// The industry classification of a file (`industryClassification`), the scale shared by
/// providers: A = prepubescent, B = pubescent; 1 = sex act, 2 = lascivious exhibition.
public enum IndustryClassification: String, Sendable, CaseIterable, Equatable {
    case a1 = "A1", a2 = "A2", b1 = "B1", b2 = "B2"
}

/// Presence-flag labels on a file (`fileAnnotations`).
public enum FileAnnotation: String, Sendable, CaseIterable, Equatable, Comparable {
    case animeDrawingVirtualHentai
    case potentialMeme
    case viral
    case possibleSelfProduction
    case physicalHarm
    case violenceGore
    case bestiality
    case liveStreaming
    case infant
    case generativeAi

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A file to upload with the report, and the facts sent in its `fileDetails` document.
///
/// `viewedByESP` has no default on purpose. `fileViewedByEsp` tells NCMEC and law enforcement that
/// a person at the service looked at this exact file; courts have suppressed evidence where that
/// claim was false and investigators opened a file nobody at the provider had seen. The caller
/// must take it from its audit log (a recorded human view of this file), never assume it.
public struct TiplineFile: Sendable, Equatable {
    /// The caller's own identifier for the file (e.g. a media id); never sent to NCMEC.
    public var localID: String
    /// The name the user gave the file (`originalFileName`). Attacker-controlled.
    public var fileName: String
    /// Lower-case hex digests of the exact bytes that will be uploaded.
    public var md5: String?
    public var sha256: String?
    /// The 256-bit PDQ perceptual hash as 64 hex digits, for images.
    public var pdq: String?
    /// True only when the audit log records a person at the service viewing this file.
    public var viewedByESP: Bool
    /// True only when a person at the service viewed the file's EXIF metadata.
    public var exifViewedByESP: Bool?
    /// Whether the file was publicly reachable on the service when it was found.
    public var publiclyAvailable: Bool?
    /// When the user uploaded the file to the service.
    public var uploadedAt: Date?
    /// Where the file was hosted on the service (a URL or storage path).
    public var locationOfFile: String?
    public var industryClassification: IndustryClassification?
    public var annotations: Set<FileAnnotation>
    /// The IP address the file was uploaded from. The schema allows one capture event per file.
    public var uploadIPEvent: IPCaptureEvent?
    public var additionalInfo: String?

    public init(localID: String, fileName: String, md5: String? = nil, sha256: String? = nil, pdq: String? = nil,
                viewedByESP: Bool, exifViewedByESP: Bool? = nil, publiclyAvailable: Bool? = nil,
                uploadedAt: Date? = nil, locationOfFile: String? = nil,
                industryClassification: IndustryClassification? = nil, annotations: Set<FileAnnotation> = [],
                uploadIPEvent: IPCaptureEvent? = nil, additionalInfo: String? = nil) {
        self.localID = localID
        self.fileName = fileName
        self.md5 = md5
        self.sha256 = sha256
        self.pdq = pdq
        self.viewedByESP = viewedByESP
        self.exifViewedByESP = exifViewedByESP
        self.publiclyAvailable = publiclyAvailable
        self.uploadedAt = uploadedAt
        self.locationOfFile = locationOfFile
        self.industryClassification = industryClassification
        self.annotations = annotations
        self.uploadIPEvent = uploadIPEvent
        self.additionalInfo = additionalInfo
    }

    /// Whether any hash identifies the file's content.
    public var hasHashes: Bool { md5 != nil || sha256 != nil || pdq != nil }
}
