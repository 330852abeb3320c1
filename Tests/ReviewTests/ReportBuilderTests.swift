import CyberTipline
import Foundation
import Review
import Testing

@Suite("Report builder")
struct ReportBuilderTests {
    let dossier = Fixtures.dossier()
    let now = Fixtures.t0.addingTimeInterval(86_400)

    let reporter = ReporterSettings(
        espName: "Example Social", espService: "Posts",
        reportingPerson: .init(firstName: "Riley", lastName: "Reporter", email: "riley@social.example"),
        contactPerson: .init(firstName: "Trust", lastName: "Safety", email: "safety@social.example", phone: "+1 555 0100"),
        termsOfService: "https://social.example/terms", legalURL: "https://social.example/legal")

    var files: [ReportFileInput] {
        [
            ReportFileInput(vaultItemId: "v-20", fileName: "IMG_0020.jpg", md5: Fixtures.md5, sha256: Fixtures.sha256, pdq: Fixtures.pdq,
                            originalURL: "https://cdn.social.example/m-20.jpg", uploadedAt: Fixtures.t0.addingTimeInterval(600),
                            viewedByESP: true, publiclyAvailable: true),
            ReportFileInput(vaultItemId: "v-10", fileName: "IMG_0010.jpg", md5: Fixtures.md5.uppercased(), sha256: Fixtures.sha256,
                            pdq: nil, originalURL: nil, uploadedAt: Fixtures.t0, viewedByESP: false, publiclyAvailable: nil),
        ]
    }

    func build(primary: String? = nil, files: [ReportFileInput]? = nil) -> TiplineReport {
        ReportBuilder.build(dossier: dossier, reporter: reporter, files: files ?? self.files, primaryAccount: primary,
                            summaryNote: "Known material posted by a returning trader.", now: now)
    }

    @Test func incidentIsApparentCSAMAtTheEarliestItem() {
        let report = build()
        #expect(report.incidentSummary.incidentType == .childPornography)
        #expect(report.incidentSummary.incidentDateTime == Fixtures.t0)
        #expect(report.incidentSummary.platform == "Posts")
        #expect(report.incidentSummary.annotations == [.csamSolicitation])
    }

    @Test func internetDetailsArePlatformURLsOnly() throws {
        let report = build()
        #expect(report.internetDetails.count == 1)
        guard case .webPage(let page) = try #require(report.internetDetails.first) else { Issue.record("not a web page"); return }
        #expect(page.urls == ["https://social.example/p/1", "https://social.example/p/2", "https://social.example/p/3"])
        #expect(!page.urls.contains { $0.contains("files.example") || $0.contains("t.me") })
        // User-written links: only the listed one, and only as text.
        let info = try #require(report.additionalInfo)
        #expect(info.contains("https://files.example/folder"))
        #expect(!info.contains("news.example"))
        #expect(info.contains(Fixtures.wallet))
        #expect(info.hasPrefix("Known material posted by a returning trader."))
    }

    @Test func reportedPersonAndAssociatedAccountsWithReasons() throws {
        let report = build()
        let person = try #require(report.reportedPerson)
        // The account with the most items.
        #expect(person.espIdentifier == "acct-2" && person.screenName == "acct-2" && person.espService == "Posts")
        #expect(person.profileBio == "vip collector")
        #expect(person.priorCTReports == [1_234_567])
        let byId = Dictionary(uniqueKeysWithValues: person.associatedAccounts.compactMap { a in a.espIdentifier.map { ($0, a) } })
        #expect(Set(byId.keys) == ["acct-1", "acct-3"])
        #expect(byId["acct-1"]!.linkReason == "linked by ban-evasion screening matched it as the banned account, shared wallet, avatar image")
        #expect(byId["acct-3"]!.linkReason == "linked by shared device, shared wallet")
        let telegram = try #require(person.associatedAccounts.first { $0.platform == "telegram" })
        #expect(telegram.screenName == "vipshop" && telegram.linkReason.contains("trader-handles"))

        let explicit = try #require(build(primary: "acct-3").reportedPerson)
        #expect(explicit.espIdentifier == "acct-3")
        #expect(explicit.associatedAccounts.compactMap(\.espIdentifier).sorted() == ["acct-1", "acct-2"])
        #expect(explicit.associatedAccounts.first { $0.espIdentifier == "acct-2" }!.linkReason
                == "linked by shared wallet, avatar image, created soon after a ban, shared device")
    }

    @Test func filesCarryViewedByESPExactlyAsGiven() {
        let report = build()
        #expect(report.files.map(\.localID) == ["v-20", "v-10"])
        #expect(report.files.map(\.viewedByESP) == [true, false])
        let first = report.files[0]
        #expect(first.md5 == Fixtures.md5 && first.sha256 == Fixtures.sha256 && first.pdq == Fixtures.pdq)
        #expect(first.locationOfFile == "https://cdn.social.example/m-20.jpg" && first.publiclyAvailable == true)
        #expect(first.industryClassification == .a1)
        #expect(first.additionalInfo?.contains("known-material") == true)
        #expect(report.files[1].md5 == Fixtures.md5)   // normalised to lower case
        #expect(report.files[1].industryClassification == .a1)   // its MD5 match carries category A1
        #expect(report.files[1].pdq == nil && report.files[1].locationOfFile == nil)

        let none = build(files: files.map { var f = $0; f.viewedByESP = false; return f })
        #expect(none.files.allSatisfy { !$0.viewedByESP })
        let all = build(files: files.map { var f = $0; f.viewedByESP = true; return f })
        #expect(all.files.allSatisfy { $0.viewedByESP })
        // A file listed twice is sent once.
        #expect(build(files: files + [files[0]]).files.count == 2)
    }

    @Test func reportValidatesAndIsCompleteExceptWhatIsTrulyMissing() throws {
        let report = build()
        try report.validate()
        let completeness = Completeness(report: report, actorAccountCount: dossier.accounts.count)
        // The platform has no IP addresses in the case: that, and only that, is missing.
        #expect(Set(completeness.findings.map(\.field)) == ["personOrUserReported.ipCaptureEvent", "files.ipCaptureEvent"],
                "\(completeness.findings)")
        #expect(completeness.score == 91)
    }

    @Test func xmlNamesAssociatedAccountsAndViewedFlags() throws {
        let report = build()
        let xml = TiplineXML.reportDocument(report)
        #expect(xml.contains("<associatedAccount>"))
        #expect(xml.contains("<espIdentifier>acct-1</espIdentifier>") && xml.contains("<espIdentifier>acct-3</espIdentifier>"))
        #expect(xml.contains("Linked to the reported user: linked by shared device, shared wallet"))
        #expect(xml.contains("<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>"))
        #expect(xml.contains("<url>https://social.example/p/2</url>"))
        #expect(!xml.contains("<url>https://files.example"))
        let details = report.files.map { TiplineXML.fileDetailsDocument(reportID: 1, fileID: $0.localID, file: $0) }
        #expect(details[0].contains("<fileViewedByEsp>true</fileViewedByEsp>"))
        #expect(details[1].contains("<fileViewedByEsp>false</fileViewedByEsp>"))
    }

    @Test func hostileTextIsEscapedInTheXML() throws {
        let hostile = CaseDossier.assemble(
            caseId: 2, actorKey: "a", accounts: ["acct-<b>"],
            items: [DossierItem(contentId: "p", decisionId: "d", kind: "post", accountId: "acct-<b>", at: Fixtures.t0, severity: 3,
                                queue: "q",
                                response: Fixtures.response(contentId: "p", decisionId: "d",
                                                            lists: [Fixtures.List(bank: "l", type: "url", value: "https://x.example/<script>")]),
                                metadata: Fixtures.metadata(contentId: "p", account: "acct-<b>", text: "<script>",
                                                            platform: ["postUrl": "javascript:alert(1)", "url": "https://ok.example/p"]))],
            vault: [], events: [], entrySources: [:], priorCases: [])
        let report = ReportBuilder.build(dossier: hostile, reporter: reporter, files: [], primaryAccount: nil, summaryNote: nil, now: now)
        try report.validate()
        guard case .webPage(let page) = try #require(report.internetDetails.first) else { return }
        #expect(page.urls == ["https://ok.example/p"])   // a script URL is not a place to go
        let xml = TiplineXML.reportDocument(report)
        #expect(!xml.contains("<script>") && xml.contains("&lt;script&gt;"))
    }

    @Test func aCaseWithNothingReadableStillBuildsAnHonestDraft() {
        let empty = CaseDossier.assemble(caseId: 3, actorKey: "a", accounts: [], items: [], vault: [], events: [], entrySources: [:],
                                         priorCases: [])
        let report = ReportBuilder.build(dossier: empty, reporter: reporter, files: [], primaryAccount: nil, summaryNote: nil, now: now)
        #expect(report.reportedPerson == nil && report.internetDetails.isEmpty && report.incidentSummary.incidentDateTime == nil)
        let completeness = Completeness(report: report)
        #expect(completeness.flags("incidentDateTime") && completeness.flags("personOrUserReported") && completeness.flags("files"))
    }
}

@Test func listedHandlesBecomeAccountsOnTheirPlatform() {
    #expect(ReportBuilder.handleParts("https://t.me/example_vip_menu").map { "\($0.platform)|\($0.name)" } == "Telegram|example_vip_menu")
    #expect(ReportBuilder.handleParts("telegram:example_vip_menu").map { "\($0.platform)|\($0.name)" } == "telegram|example_vip_menu")
    #expect(ReportBuilder.handleParts("https://t.me/") == nil)
    #expect(ReportBuilder.handleParts("nothing") == nil)
}
