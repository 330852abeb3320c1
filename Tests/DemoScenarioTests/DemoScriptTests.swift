@testable import DemoScenario
import Foundation
import Testing

/// A fixed start, so failures name the same bodies every run.
private let start = Date(timeIntervalSince1970: 1_795_000_000.75)
private let script = DemoScript.make(start: start)

/// The documented fields of `POST /v1/content` (docs/intake.md); the intake refuses any other.
private let contentFields: Set<String> = ["contentId", "kind", "account", "at", "text", "links", "media", "profile", "platform"]
private let profileFields: Set<String> = ["handle", "displayName", "bio", "avatarPdq", "avatarImage", "signals"]
private let signalFields: Set<String> = ["email", "phone", "devices", "ips", "payments"]
private let mediaFields: Set<String> = ["id", "bytes", "pdq", "md5", "sha256"]

private func object(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

private var contentBodies: [[String: Any]] {
    get throws {
        try script.steps.compactMap { step in
            if case .content(let body) = step.request { return try object(body) }
            return nil
        }
    }
}

/// Every picture the requests carry: media items and avatars, decoded from base64.
private func picturesInRequests() throws -> [[UInt8]] {
    var pictures: [[UInt8]] = []
    for body in try contentBodies {
        for item in body["media"] as? [[String: Any]] ?? [] {
            if let bytes = item["bytes"] as? String { pictures.append(Array(try #require(Data(base64Encoded: bytes)))) }
        }
        if let avatar = (body["profile"] as? [String: Any])?["avatarImage"] as? String {
            pictures.append(Array(try #require(Data(base64Encoded: avatar))))
        }
    }
    return pictures
}

/// PNG signature, then IHDR as the first chunk with a plausible size and 8-bit colour.
private func expectPNG(_ png: [UInt8], _ label: String) {
    #expect(png.count > 33, "\(label): too short")
    guard png.count > 33 else { return }
    #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(label): no PNG signature")
    #expect(Array(png[8..<12]) == [0, 0, 0, 13], "\(label): IHDR length")
    #expect(String(decoding: png[12..<16], as: UTF8.self) == "IHDR", "\(label): first chunk is not IHDR")
    let width = Int(png[16]) << 24 | Int(png[17]) << 16 | Int(png[18]) << 8 | Int(png[19])
    let height = Int(png[20]) << 24 | Int(png[21]) << 16 | Int(png[22]) << 8 | Int(png[23])
    #expect((64...4096).contains(width) && (64...4096).contains(height), "\(label): \(width)×\(height)")
    #expect(png[24] == 8, "\(label): bit depth")
}

@Suite struct DemoScriptTests {
    @Test func makeIsDeterministic() {
        #expect(DemoScript.make(start: start) == script)
        // Only the times depend on the start: a later start shifts them, nothing else.
        let later = DemoScript.make(start: start.addingTimeInterval(86_400))
        #expect(later.steps.count == script.steps.count)
        #expect(later.steps.map(\.caption) == script.steps.map(\.caption))
        #expect(later.hashBanks == script.hashBanks && later.listBanks == script.listBanks && later.lexicon == script.lexicon)
        #expect(later.steps != script.steps)
    }

    @Test func contentBodiesUseOnlyDocumentedFields() throws {
        for body in try contentBodies {
            let id = body["contentId"] as? String ?? "?"
            #expect(Set(body.keys).isSubset(of: contentFields), "\(id): \(body.keys.sorted())")
            let kind = try #require(body["kind"] as? String)
            #expect(["post", "profile", "signup", "message"].contains(kind))
            #expect((body["account"] as? String)?.isEmpty == false)
            #expect(body["at"] is String)
            if let text = body["text"] { #expect(text is String) }
            if kind == "signup" || kind == "profile" {
                let profile = try #require(body["profile"] as? [String: Any], "\(id): a signup needs a profile")
                #expect(Set(profile.keys).isSubset(of: profileFields), "\(id): \(profile.keys.sorted())")
                let signals = try #require(profile["signals"] as? [String: Any])
                #expect(Set(signals.keys).isSubset(of: signalFields), "\(id): \(signals.keys.sorted())")
                // Private signals go as HMAC-SHA256 hex, never in clear (docs/accounts.md).
                let values = [signals["email"] as? String] + (signals["devices"] as? [String] ?? []) + (signals["payments"] as? [String] ?? [])
                for value in values {
                    let digest = try #require(value)
                    #expect(digest.count == 64 && digest.allSatisfy { $0.isHexDigit && !$0.isUppercase }, "\(id): \(digest)")
                }
            } else {
                #expect(body["profile"] == nil, "\(id): only signups and profiles carry a profile")
            }
            for item in body["media"] as? [[String: Any]] ?? [] {
                #expect(Set(item.keys).isSubset(of: mediaFields))
                #expect(item["bytes"] is String)
            }
        }
    }

    @Test func accountEventsAreBansOfKnownAccounts() throws {
        var signedUp: Set<String> = []
        var bans = 0
        for step in script.steps {
            switch step.request {
            case .content(let body):
                #expect(step.expectedVerdict.map { ["block", "remove", "review", "allow"].contains($0) } == true)
                let fields = try object(body)
                if fields["kind"] as? String == "signup" { signedUp.insert(try #require(fields["account"] as? String)) }
            case .accountEvents(let body):
                #expect(step.expectedVerdict == nil)
                let fields = try object(body)
                #expect(Set(fields.keys) == ["event", "id", "at", "reason"])
                #expect(fields["event"] as? String == "ban")
                // The engine answers 404 to a ban of an account it never screened.
                #expect(signedUp.contains(try #require(fields["id"] as? String)))
                bans += 1
            }
        }
        #expect(bans == 1)
    }

    @Test func idsAreUniqueAndTimesOrderedWithinTheHourBeforeStart() throws {
        let ids = try contentBodies.map { try #require($0["contentId"] as? String) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("demo-") })
        let times = try script.steps.map { step in try #require(try object(step.request.body)["at"] as? String) }
        #expect(times == times.sorted())
        #expect(Set(times).count == times.count)
        #expect(times.first == "2026-11-18T10:06:40Z")  // start 11:06:40.75 rounds down, minus an hour
        #expect(times.allSatisfy { $0 < "2026-11-18T11:06:40Z" })
    }

    @Test func rfc3339() {
        #expect(DemoTime.rfc3339(secondsSince1970: 0) == "1970-01-01T00:00:00Z")
        #expect(DemoTime.rfc3339(secondsSince1970: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(DemoTime.rfc3339(secondsSince1970: 1_795_000_000) == "2026-11-18T11:06:40Z")
    }

    @Test func everyImageIsAPNG() throws {
        for bank in script.hashBanks {
            for image in bank.images { expectPNG(image.png, image.label) }
        }
        let pictures = try picturesInRequests()
        #expect(pictures.count >= 10)
        for (index, png) in pictures.enumerated() { expectPNG(png, "request picture \(index)") }
    }

    @Test func bankHoldsSixDistinctRingImages() throws {
        let bank = try #require(script.hashBanks.first { $0.name == "demo-known-images" })
        #expect(bank.category == "demo")
        #expect(bank.images.count == 6)
        #expect(Set(bank.images.map(\.png)).count == 6)
        #expect(Set(bank.images.map(\.label)).count == 6)
    }

    @Test func alteredImageIsAStampedCopyOfABankedOne() throws {
        let original = DemoImages.banked(seed: 3).png, altered = DemoImages.altered(seed: 3).png
        #expect(altered != original)
        let a = try #require(StoredPNG.rgbPixels(original)), b = try #require(StoredPNG.rgbPixels(altered))
        #expect(a.count == b.count)
        // Every pixel is within a few levels of the original except the 8×8 stamp: the same picture
        // to PDQ (2 bits apart, checked with `bulwark hash`), another file to MD5.
        var stamped = 0
        for pixel in stride(from: 0, to: a.count, by: 3) {
            let far = (0..<3).contains { abs(Int(a[pixel + $0]) - Int(b[pixel + $0])) > 21 }
            if far { stamped += 1 }
        }
        #expect(stamped <= 64)
        // The story sends it, and sends banked images unaltered, which is what it is there to show.
        let pictures = try picturesInRequests()
        #expect(pictures.contains(altered))
        #expect(!script.hashBanks[0].images.contains { $0.png == altered })
        #expect(pictures.filter { picture in script.hashBanks[0].images.contains { $0.png == picture } }.count == 2)
    }

    @Test func listBankNamesTheTradersContacts() throws {
        let bank = try #require(script.listBanks.first { $0.name == "demo-trader-contacts" })
        #expect(bank.entries.map(\.type) == ["handle", "wallet", "domain"])
        #expect(bank.listFile.split(separator: "\n").count == 3)
        let values = bank.entries.map(\.value)
        #expect(values.contains("telegram:example_vip_menu"))
        #expect(values.contains("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"))
        #expect(values.contains("vip-menu.example.net"))
    }

    @Test func theTraderComesBackWithTheSamePrivateSignals() throws {
        let signups = try contentBodies.filter { $0["kind"] as? String == "signup" }
        func profile(_ account: String) throws -> [String: Any] {
            try #require(signups.first { $0["account"] as? String == account }?["profile"] as? [String: Any])
        }
        let a = try profile("trader_a"), b = try profile("trader_b")
        #expect(a["avatarImage"] as? String == b["avatarImage"] as? String)
        #expect(a["avatarImage"] != nil)
        let signalsA = try #require(a["signals"] as? [String: Any]), signalsB = try #require(b["signals"] as? [String: Any])
        for key in ["email", "devices", "payments"] {
            #expect(signalsA[key] != nil)
            #expect((try JSONSerialization.data(withJSONObject: [signalsA[key]!])) == (try JSONSerialization.data(withJSONObject: [signalsB[key] ?? 0])))
        }
        // No ordinary user shares a private signal with the trader.
        let traderValues = Set([signalsA["email"] as? String] + (signalsA["devices"] as? [String] ?? []))
        for body in signups where !(body["account"] as? String ?? "").hasPrefix("trader_") {
            let signals = try #require((body["profile"] as? [String: Any])?["signals"] as? [String: Any])
            let values = Set([signals["email"] as? String] + (signals["devices"] as? [String] ?? []))
            #expect(values.isDisjoint(with: traderValues))
        }
        #expect(signups.count == 11)
    }

    @Test func storyExpectsEachRuleOfTheDefaultPolicy() {
        let verdicts = script.steps.compactMap(\.expectedVerdict)
        #expect(verdicts.filter { $0 == "allow" }.count == 18)  // 8 users × (signup + post), the unrelated account × 2
        #expect(verdicts.filter { $0 == "block" }.count == 3)
        #expect(verdicts.filter { $0 == "remove" }.count == 2)
        #expect(verdicts.filter { $0 == "review" }.count == 1)
        #expect(script.steps.allSatisfy { !$0.caption.isEmpty && !$0.caption.contains("\n") })
    }

    /// The deny-list a unit test would use; the scenario must never need any of these words.
    @Test func textUsesOnlyNeutralVocabulary() throws {
        let denied = ["child", "kid", "minor", "teen", "young", "nude", "sex", "porn", "underage", "boy", "girl", "baby", "school"]
        var texts = script.steps.map(\.caption) + [script.lexicon]
        texts += script.listBanks.flatMap { $0.entries.map(\.line) } + script.hashBanks.flatMap { [$0.name, $0.category] + $0.images.map(\.label) }
        for step in script.steps {
            // Every string in the body except the base64 of pictures, which is not text.
            func strings(_ value: Any, key: String) -> [String] {
                switch value {
                case let text as String: ["bytes", "avatarImage"].contains(key) ? [] : [text]
                case let array as [Any]: array.flatMap { strings($0, key: key) }
                case let object as [String: Any]: object.flatMap { [$0.key] + strings($0.value, key: $0.key) }
                default: []
                }
            }
            texts += strings(try object(step.request.body), key: "")
        }
        for text in texts {
            let lower = text.lowercased()
            for word in denied { #expect(!lower.contains(word), "\"\(word)\" in: \(text.prefix(120))") }
        }
        // Sensitive terms appear only as placeholder tokens, and the lexicon holds nothing else.
        let lexiconTerms = script.lexicon.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(lexiconTerms.allSatisfy { $0.split(separator: " ").last?.hasPrefix("SYNTH_TERM_") == true })
    }

    @Test func onlyExampleDomains() throws {
        let pattern = try NSRegularExpression(pattern: #"[a-z0-9-]+(?:\.|\[\.\])(?:com|net|org)\b"#)
        for step in script.steps {
            var text = step.request.body
            // Base64 may spell anything; drop the pictures first.
            text = text.replacingOccurrences(of: #""(bytes|avatarImage)":"[^"]*""#, with: "", options: .regularExpression)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                let found = String(text[Range(match.range, in: text)!])
                #expect(found.hasPrefix("example") || found.hasPrefix("example[.]"), "\(found) in \(step.caption)")
            }
        }
    }

    @Test func signalDigestsAreTheDocumentedHMAC() {
        // What `printf '%s' juniper@example.org | openssl dgst -sha256 -hmac bulwark-demo-platform-key` prints.
        #expect(DemoDigest.signal("juniper@example.org") == "d8c6b1e11c7dd26238cdd88a64d00ae75817314f9a9a48a4aed7b6bd7158e5ac")
    }

    @Test func jsonEscaping() throws {
        let text = DemoJSON.object([("a", .string("q\"b\\n\n\u{1}é💰")), ("n", .number(-3)), ("l", .array([]))]).text
        #expect(text == #"{"a":"q\"b\\n\n\u0001é💰","n":-3,"l":[]}"#)
        let parsed = try object(text)
        #expect(parsed["a"] as? String == "q\"b\\n\n\u{1}é💰")
    }
}
