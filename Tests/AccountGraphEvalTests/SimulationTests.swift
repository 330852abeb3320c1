import AccountGraph
@testable import AccountGraphEval
import Foundation
import PDQ
import Testing

/// Small worlds so the suite runs quickly in debug builds.
private let smallConfig = SimulationConfig(seed: 7, ordinaryUsers: 3_000, traders: 40, days: 60)

private func accountEvents(_ simulation: Simulation) -> [String: [AccountProfile]] {
    var out: [String: [AccountProfile]] = [:]
    for event in simulation.events {
        if case .account(let profile) = event { out[profile.id, default: []].append(profile) }
    }
    return out
}

private func bans(_ simulation: Simulation) -> [(id: String, at: Milliseconds)] {
    simulation.events.compactMap { event in
        if case .ban(let id, let at, _) = event { return (id, at) }
        return nil
    }
}

@Suite struct SimulationTests {
    @Test func sameSeedSameHistoryOtherSeedOtherHistory() {
        let a = Simulation.generate(smallConfig)
        let b = Simulation.generate(smallConfig)
        #expect(a.events == b.events)
        #expect(a.labels == b.labels)
        var other = smallConfig
        other.seed = 8
        let c = Simulation.generate(other)
        #expect(c.events != a.events)
        #expect(Set(c.labels.keys).isDisjoint(with: a.labels.keys))
    }

    @Test func eventsAreSortedAndInsideThePeriod() {
        let simulation = Simulation.generate(smallConfig)
        let end = smallConfig.start + Milliseconds(smallConfig.days) * 86_400_000
        #expect(!simulation.events.isEmpty)
        #expect(zip(simulation.events, simulation.events.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(simulation.events.allSatisfy { $0.at >= smallConfig.start && $0.at < end })
    }

    @Test func everyAccountIsLabelledAndSignsUpAtItsCreationTime() {
        let simulation = Simulation.generate(smallConfig)
        let byAccount = accountEvents(simulation)
        #expect(Set(byAccount.keys) == Set(simulation.labels.keys))
        for (id, label) in simulation.labels {
            #expect(byAccount[id]?.first?.at == label.createdAt, "\(id)")
        }
        let ordinary = simulation.labels.values.filter { $0.role == .ordinary }.count
        #expect(ordinary == smallConfig.ordinaryUsers)
        let actors = Set(simulation.labels.values.compactMap(\.actor))
        #expect(actors == Set(0..<smallConfig.traders))
    }

    @Test func recreatedMeansCreatedAfterABanOfTheSameActor() {
        let simulation = Simulation.generate(smallConfig)
        var banTimesByActor: [Int: [Milliseconds]] = [:]
        for ban in bans(simulation) {
            guard let actor = simulation.labels[ban.id]?.actor else { continue }
            banTimesByActor[actor, default: []].append(ban.at)
        }
        var recreated = 0
        var concurrent = 0
        for label in simulation.labels.values {
            guard let actor = label.actor else {
                #expect(!label.recreated && label.incarnation == 0 && label.carried.isEmpty && !label.carriedFromEdit)
                continue
            }
            let afterBan = (banTimesByActor[actor] ?? []).contains { $0 < label.createdAt }
            #expect(label.recreated == afterBan, "actor \(actor) incarnation \(label.incarnation)")
            if label.incarnation == 0 { #expect(!label.recreated) }
            if label.recreated { recreated += 1 }
            if label.incarnation > 0 && !label.recreated { concurrent += 1 }
        }
        #expect(recreated > smallConfig.traders * 2)
        // Some actors run a second account before the first is banned.
        #expect(concurrent > 0)
    }

    @Test func everyRecreatedAccountCarriesKnownClasses() {
        let simulation = Simulation.generate(smallConfig)
        let known: Set<String> = [
            "telegram", "telegram-disguised", "telegram-missed-disguise", "invite", "wallet", "avatar", "handle-pattern",
            "bio", "device", "ip", "phone", "payment", "email",
        ]
        var single = 0, recreated = 0, weakOnly = 0, fromEdit = 0
        for label in simulation.labels.values where label.recreated {
            recreated += 1
            #expect(!label.carried.isEmpty)
            #expect(label.carried == label.carried.sorted())
            #expect(Set(label.carried).count == label.carried.count)
            #expect(label.carried.allSatisfy(known.contains), "\(label.carried)")
            #expect(label.carried.filter { $0.hasPrefix("telegram") }.count <= 1)
            if label.carried.count == 1 { single += 1 }
            if label.carried == ["bio", "handle-pattern", "ip"] { weakOnly += 1 }
            if label.carriedFromEdit { fromEdit += 1 }
        }
        // The documented shares, loosely: ~20% one class, ~25% from the first edit, some weak-only.
        #expect(Double(single) / Double(recreated) > 0.1 && Double(single) / Double(recreated) < 0.3)
        #expect(Double(fromEdit) / Double(recreated) > 0.12 && Double(fromEdit) / Double(recreated) < 0.38)
        #expect(weakOnly > 0)
    }

    @Test func idsDoNotRevealTheRole() {
        let simulation = Simulation.generate(smallConfig)
        let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyz")
        for id in simulation.labels.keys {
            #expect(id.hasPrefix("acct-") && id.count == 15, "\(id)")
            #expect(id.dropFirst(5).allSatisfy(alphabet.contains), "\(id)")
        }
        // Sorted ids must not put the traders together (as a sequential or prefixed scheme would).
        let sorted = simulation.labels.keys.sorted()
        let traders = simulation.labels.values.filter { $0.actor != nil }.count
        let tradersInFirstHalf = sorted.prefix(sorted.count / 2).filter { simulation.labels[$0]?.actor != nil }.count
        let share = Double(tradersInFirstHalf) / Double(traders)
        #expect(share > 0.35 && share < 0.65, "share of traders among the lower half of ids: \(share)")
    }

    @Test func onlyTraderAccountsAreBannedOnceAfterTheirLastEvent() {
        let simulation = Simulation.generate(smallConfig)
        let byAccount = accountEvents(simulation)
        let banList = bans(simulation)
        #expect(!banList.isEmpty)
        #expect(Set(banList.map(\.id)).count == banList.count)
        for ban in banList {
            #expect(simulation.labels[ban.id]?.actor != nil, "ban of a non-trader \(ban.id)")
            #expect((byAccount[ban.id]?.last?.at ?? .max) < ban.at)
        }
        for event in simulation.events {
            switch event {
            case .account, .ban: break
            default: Issue.record("unexpected event \(event)")
            }
        }
    }

    /// The labels are honest: what an account is said to carry is really in its signup or first
    /// edit, and persona values it is said not to carry are absent.
    @Test func carriedLabelsMatchTheProfiles() {
        var generator = SimulationGenerator(config: smallConfig)
        let simulation = generator.run()
        let personas = generator.personas
        let byAccount = accountEvents(simulation)
        for (id, label) in simulation.labels {
            guard let actor = label.actor, let profiles = byAccount[id] else { continue }
            let persona = personas[actor]
            let early = Array(profiles.prefix(2))
            let shown = label.carriedFromEdit && early.count > 1 ? [early[1]] : [early[0]] + early.dropFirst()
            let bios = shown.compactMap(\.bio).joined(separator: "\n")
            let carried = Set(label.carried)
            func has(_ signal: String) -> Bool { carried.contains(signal) }
            let names = persona.telegram
            if has("telegram") {
                #expect(names.contains { bios.contains("t.me/\($0)") || bios.contains("@\($0)") }, "\(id): \(bios)")
            }
            if has("telegram-disguised") || has("telegram-missed-disguise") {
                // (Whether the disguise is really caught or missed is checked with the scanner in BioSignalsTests.)
                #expect(!names.contains { bios.contains("t.me/\($0)") || bios.contains("tg: @\($0)") }, "\(id): \(bios)")
            }
            if !carried.contains(where: { $0.hasPrefix("telegram") }) { #expect(!names.contains { bios.contains($0) }, "\(id)") }
            #expect(bios.contains(persona.wallet) == has("wallet"), "\(id) wallet")
            let avatars = shown.compactMap(\.avatarPDQ)
            if has("avatar") {
                #expect(!avatars.isEmpty && avatars.allSatisfy { (4...24).contains($0.distance(to: persona.avatar)) })
            } else {
                #expect(avatars.allSatisfy { $0.distance(to: persona.avatar) > 40 })
            }
            let signals = early.map(\.signals)
            let devices = Set(signals.flatMap(\.devices))
            #expect(!devices.isDisjoint(with: persona.devices) == has("device"), "\(id) device")
            #expect(signals.contains { $0.ips.contains(persona.ip) } == has("ip"), "\(id) ip")
            if let phone = persona.phone { #expect((signals[0].phone == phone) == has("phone"), "\(id) phone") }
            if let payment = persona.payment { #expect(signals[0].payments.contains(payment) == has("payment"), "\(id) payment") }
            if has("email"), let email = persona.email, let sent = signals[0].email {
                let lower = sent.lowercased()
                let at = lower.firstIndex(of: "@")!
                let local = lower[..<at].split(separator: "+", maxSplits: 1).first.map(String.init) ?? ""
                #expect(local + lower[at...] == email)
            }
            if has("handle-pattern"), let handle = shown.last?.handle {
                let tokens = Set(handle.split { !$0.isLetter }.map(String.init))
                #expect(tokens == [persona.name, persona.prefix], "\(id) handle \(handle)")
            }
            if label.carriedFromEdit {
                #expect(early.count == 2, "\(id) has no first edit")
                let signup = early[0]
                let signupBio = signup.bio ?? ""
                #expect(!names.contains { signupBio.contains($0) } && !signupBio.contains(persona.wallet))
                #expect(signup.avatarPDQ.map { $0.distance(to: persona.avatar) > 40 } ?? true)
                if has("handle-pattern") { #expect(signup.handle != early[1].handle) }
            }
        }
    }
}

@Suite struct OrdinaryUserRealismTests {
    let simulation = Simulation.generate(SimulationConfig(seed: 3, ordinaryUsers: 5_000, traders: 10))

    var signups: [AccountProfile] {
        var seen = Set<String>()
        var out: [AccountProfile] = []
        for event in simulation.events {
            if case .account(let profile) = event, simulation.labels[profile.id]?.role == .ordinary, seen.insert(profile.id).inserted {
                out.append(profile)
            }
        }
        return out
    }

    @Test func sharedValuesCollideAmongStrangersAsDocumented() {
        let signups = self.signups
        #expect(signups.count == 5_000)
        var avatarUses: [PDQHash: Int] = [:]
        for profile in signups { if let avatar = profile.avatarPDQ { avatarUses[avatar, default: 0] += 1 } }
        // Three stock avatars carry ~25% of users.
        let stock = avatarUses.values.sorted(by: >).prefix(3).reduce(0, +)
        #expect(stock > 1_000 && stock < 1_500, "stock avatars: \(stock)")
        // ~60% behind carrier NAT.
        let carrier = signups.filter { $0.signals.ips.first?.hasPrefix("100.") == true }.count
        #expect(carrier > 2_700 && carrier < 3_300, "carrier-NAT users: \(carrier)")
        // Kiosk devices are shared by many; households share a device between two.
        var deviceUsers: [String: Int] = [:]
        for profile in signups { for device in Set(profile.signals.devices) { deviceUsers[device, default: 0] += 1 } }
        #expect(deviceUsers.values.contains { $0 >= 20 })
        #expect(deviceUsers.values.filter { $0 == 2 }.count > 20)
        // Stems recur: many strangers' handles start with "anna".
        #expect(signups.filter { $0.handle?.hasPrefix("anna") == true }.count > 100)
        // Identical short bios.
        #expect(signups.filter { $0.bio == "hi" }.count > 20)
        // Handles are unique; private digests are 64 hex or clear e-mails.
        #expect(Set(signups.compactMap(\.handle)).count == signups.count)
        let emails = signups.compactMap(\.signals.email)
        #expect(Set(emails).count == emails.count)
        let clear = emails.filter { $0.contains("@") }.count
        #expect(Double(clear) / Double(signups.count) > 0.15 && Double(clear) / Double(signups.count) < 0.25)
        #expect(emails.filter { !$0.contains("@") }.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        // Legit commerce that reads like a pitch.
        #expect(signups.filter { $0.bio?.contains("VIP") == true }.count > 100)
    }
}

@Suite struct EvalReportTests {
    /// Four re-created accounts (caught at signup, caught at the first edit, caught only later,
    /// missed), one first account, three ordinary users.
    static func fixture() -> (Simulation, [Screening?]) {
        let t0: Milliseconds = 1_000_000
        let minute: Milliseconds = 60_000
        func account(_ id: String, _ at: Milliseconds) -> AccountEvent { .account(AccountProfile(id: id, at: t0 + at * minute)) }
        let events: [AccountEvent] = [
            account("a0", 0),                                   // 0 actor 0, first account
            account("o1", 10),                                  // 1 ordinary
            account("o2", 20),                                  // 2 ordinary
            account("o3", 30),                                  // 3 ordinary (allowed twice)
            .ban(id: "a0", at: t0 + 100 * minute, reason: "solicitation"), // 4
            account("a1", 1_000),                               // 5 caught at signup
            account("a2", 2_000),                               // 6 signup allowed
            account("a2", 2_600),                               // 7 caught at first edit, blocked, wrong actor
            account("a3", 3_000),                               // 8
            account("a3", 3_100),                               // 9
            account("a3", 3_200),                               // 10 caught only by a later edit
            account("a4", 4_000),                               // 11 missed
            account("o1", 5_000),                               // 12 ordinary flagged
            account("o2", 5_100),                               // 13 ordinary flagged
            account("o2", 5_200),                               // 14 ordinary flagged (o2: 3 events, 2 flagged)
            account("o3", 5_300),                               // 15 nil screening: allow
        ]
        func label(_ actor: Int?, _ incarnation: Int, _ carried: [String], fromEdit: Bool = false, at: Milliseconds) -> AccountLabel {
            AccountLabel(role: actor.map { .trader(actor: $0) } ?? .ordinary, incarnation: incarnation, recreated: incarnation > 0,
                         carried: carried, carriedFromEdit: fromEdit, createdAt: t0 + at * minute)
        }
        let labels: [String: AccountLabel] = [
            "a0": label(0, 0, ["telegram", "wallet"], at: 0),
            "b0": label(1, 0, ["wallet"], at: 0),
            "a1": label(0, 1, ["telegram"], at: 1_000),
            "a2": label(0, 2, ["avatar", "wallet"], fromEdit: true, at: 2_000),
            "a3": label(0, 3, ["bio", "handle-pattern", "ip"], at: 3_000),
            "a4": label(1, 1, ["wallet"], at: 4_000),
            "o1": label(nil, 0, [], at: 10),
            "o2": label(nil, 0, [], at: 20),
            "o3": label(nil, 0, [], at: 30),
        ]
        func screen(_ index: Int, _ decision: Decision, match: String? = nil) -> Screening {
            Screening(accountID: events[index].accountID, at: events[index].at, decision: decision, bannedMatch: match)
        }
        var screenings: [Screening?] = events.indices.map { index in
            if case .account = events[index] { return screen(index, .allow) }
            return nil
        }
        screenings[5] = screen(5, .review, match: "a0")
        screenings[7] = screen(7, .block, match: "b0")
        screenings[10] = screen(10, .review, match: "a0")
        screenings[12] = screen(12, .review)
        screenings[13] = screen(13, .block)
        screenings[14] = screen(14, .review)
        screenings[15] = nil
        return (Simulation(events: events, labels: labels), screenings)
    }

    @Test func arithmetic() {
        let (simulation, screenings) = Self.fixture()
        let report = EvalReport(simulation: simulation, screenings: screenings)
        #expect(report.recreatedAccounts == 4)
        #expect(report.recreatedCaught == 2)
        #expect(report.recreatedCaughtRate == 0.5)
        let tenHours: Milliseconds = 600 * 60_000
        #expect(report.catchDelays == [0, tenHours])
        #expect(report.caughtLater == 1)
        #expect(report.blockShare == 0.5)
        #expect(report.correctMatchRate == 0.5)
        #expect(report.carriedFromEditAccounts == 1 && report.carriedFromEditCaught == 1)
        #expect(report.ordinaryUsers == 3)
        #expect(report.ordinaryEvents == 7)
        #expect(report.ordinaryFlagged == 3)
        #expect(report.falsePositiveRate == 3.0 / 7.0)
        #expect(report.ordinaryUsersFlagged == 2)
        #expect(report.catchDelayPercentile(0.5) == 0)
        #expect(report.catchDelayPercentile(0.9) == tenHours)
        let rows = report.byCarried.map { "\($0.signal)=\($0.accounts)/\($0.caught)" }
        #expect(rows == [
            "avatar=1/1", "bio=1/0", "handle-pattern=1/0", "ip=1/0", "only:telegram=1/1", "only:wallet=1/0",
            "telegram=1/1", "wallet=2/1", "weak-only=1/0",
        ])
        #expect(!report.passes && !report.caughtPasses && !report.falsePositivePasses)
    }

    @Test func textAndJSON() throws {
        let (simulation, screenings) = Self.fixture()
        let report = EvalReport(simulation: simulation, screenings: screenings)
        #expect(report.text.contains("50.0%  (2 of 4)"))
        #expect(report.text.contains("42.86%  (3 of 7)"))
        #expect(report.text.contains("median 0.0, p90 600.0, max 600.0"))
        #expect(report.text.contains("FAIL"))
        #expect(!report.text.contains("PASS"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(object["recreatedAccounts"] as? Int == 4)
        #expect(object["falsePositiveRate"] as? Double == 0.428571)
        #expect((object["byCarried"] as? [Any])?.count == 9)
        #expect(report.json.hasPrefix("{\"recreatedAccounts\":4,\"recreatedCaught\":2,\"recreatedCaughtRate\":0.500000,"))
    }

    @Test func passingRun() {
        let (simulation, _) = Self.fixture()
        // Every re-created account blocked at signup, nobody else flagged.
        let screenings: [Screening?] = simulation.events.map { event in
            guard case .account(let profile) = event else { return nil }
            let label = simulation.labels[profile.id]!
            return Screening(accountID: profile.id, at: profile.at, decision: label.recreated ? .block : .allow, bannedMatch: "a0")
        }
        let report = EvalReport(simulation: simulation, screenings: screenings)
        #expect(report.recreatedCaughtRate == 1)
        #expect(report.falsePositiveRate == 0)
        #expect(report.blockShare == 1)
        #expect(report.correctMatchRate == 0.75) // a4 belongs to actor 1, its match names actor 0
        #expect(report.passes)
        #expect(report.text.contains("overall: PASS"))
    }

    @Test func fixedFormatting() {
        #expect(EvalReport.fixed(0.0049999, 2) == "0.00")
        #expect(EvalReport.fixed(12.345, 1) == "12.3")
        #expect(EvalReport.fixed(-0.25, 1) == "-0.3" || EvalReport.fixed(-0.25, 1) == "-0.2")
        #expect(EvalReport.fixed(7, 0) == "7")
        #expect(EvalReport.fixed(0.05, 6) == "0.050000")
        #expect(EvalReport.jsonString("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
    }
}
