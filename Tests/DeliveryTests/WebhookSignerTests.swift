import Delivery
import Testing

@Suite struct WebhookSignerTests {
    let body = Array(#"{"action":"remove","content_id":"c-1"}"#.utf8)
    let timestamp: Int64 = 1_700_000_000
    /// HMAC-SHA256(testSecret, "1700000000." + body), computed outside Swift with Python's `hmac`
    /// module and `openssl dgst -sha256 -hmac`, which agree.
    let knownSignature = "221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a"
    /// The same message under `otherSecret`, also computed with Python.
    let knownOtherSignature = "c82537631d19e26b3fc90a4ab321a4aed7c7dea6c492815275ece6982131f3c2"
    let otherSecret = Array("another-secret-for-rotation-000000000".utf8)

    @Test func signatureMatchesAnIndependentlyComputedVector() throws {
        let signer = try WebhookSigner(secret: testSecret)
        #expect(signer.signature(body: body, timestamp: timestamp) == "t=1700000000,v1=\(knownSignature)")
    }

    @Test func headersCarryTheKeyAttemptActionAndAValidSignature() throws {
        let signer = try WebhookSigner(secret: testSecret)
        let headers = signer.headers(body: body, timestamp: timestamp, idempotencyKey: "dec-1:remove", attempt: 3,
                                     action: "remove")
        let request = WebhookRequest(url: "https://x.example", headers: headers, body: body, timeout: .seconds(1))
        #expect(request.header(named: "bulwark-idempotency-key") == "dec-1:remove")
        #expect(request.header(named: "Bulwark-Delivery-Attempt") == "3")
        #expect(request.header(named: "Bulwark-Action") == "remove")
        #expect(request.header(named: "Content-Type") == "application/json")
        #expect(request.header(named: "User-Agent") == "bulwark-webhooks/1")
        let signature = try #require(request.header(named: "Bulwark-Signature"))
        #expect(signature == "t=1700000000,v1=\(knownSignature)")
        #expect(WebhookSigner.verify(signatureHeader: signature, body: body, secret: testSecret, now: timestamp) == .valid)
    }

    @Test func verifiesAValidSignatureWithinTheWindow() {
        let header = "t=1700000000,v1=\(knownSignature)"
        for now in [timestamp, timestamp + 1, timestamp + 300, timestamp - 300] {
            #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: now) == .valid)
        }
        // Uppercase hex and spaces after commas are what hand-written receivers produce.
        let relaxed = "t=1700000000, v1=\(knownSignature.uppercased())"
        #expect(WebhookSigner.verify(signatureHeader: relaxed, body: body, secret: testSecret, now: timestamp) == .valid)
    }

    @Test func rejectsATamperedBody() {
        let header = "t=1700000000,v1=\(knownSignature)"
        var tampered = body
        tampered[tampered.count - 3] = UInt8(ascii: "2")  // c-1 → c-2
        #expect(WebhookSigner.verify(signatureHeader: header, body: tampered, secret: testSecret, now: timestamp) == .wrongSignature)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body + [0x20], secret: testSecret, now: timestamp) == .wrongSignature)
    }

    @Test func rejectsTheWrongSecretAndAMovedTimestamp() {
        let header = "t=1700000000,v1=\(knownSignature)"
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: otherSecret, now: timestamp) == .wrongSignature)
        // The timestamp is signed: moving it forward to dodge the replay window breaks the signature.
        let moved = "t=1700000400,v1=\(knownSignature)"
        #expect(WebhookSigner.verify(signatureHeader: moved, body: body, secret: testSecret, now: 1_700_000_400) == .wrongSignature)
    }

    @Test func rejectsOldAndFutureTimestamps() {
        let header = "t=1700000000,v1=\(knownSignature)"
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp + 301) == .tooOld)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp + 86_400) == .tooOld)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp - 301) == .inTheFuture)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp + 60,
                                     tolerance: 30) == .tooOld)
        // A forged request is reported as forged, not as old.
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: otherSecret, now: timestamp + 3600) == .wrongSignature)
    }

    @Test(arguments: [
        "",
        "garbage",
        "v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=1700000000",
        "t=1700000000,v1=",
        "t=1700000000,v1=221e7de6",
        "t=1700000000,v1=zz1e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=abc,v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=-1700000000,v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=+1700000000,v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=99999999999999999999,v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=1700000000,t=1700000000,v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
        "t=1700000000;v1=221e7de6140c578c503da8ce409a39d24d4efbd1584e76cbc140bd4e84ca5d8a",
    ])
    func rejectsMalformedHeaders(header: String) {
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp) == .malformed)
    }

    @Test func rotationSignsWithEverySecretAndAcceptsAnyMatchingEntry() throws {
        let signer = try WebhookSigner(secret: otherSecret, previousSecrets: [testSecret])
        let header = signer.signature(body: body, timestamp: timestamp)
        #expect(header == "t=1700000000,v1=\(knownOtherSignature),v1=\(knownSignature)")
        // A receiver that still has the old secret, and one that already has the new one.
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: testSecret, now: timestamp) == .valid)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secret: otherSecret, now: timestamp) == .valid)
        // A receiver rotating its own secrets.
        let unrelated = Array(repeating: UInt8(7), count: 32)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secrets: [unrelated, testSecret], now: timestamp) == .valid)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secrets: [unrelated], now: timestamp) == .wrongSignature)
        #expect(WebhookSigner.verify(signatureHeader: header, body: body, secrets: [], now: timestamp) == .wrongSignature)
        // Order does not matter, and unknown schemes are ignored.
        let reordered = "v0=abc,v1=\(String(repeating: "0", count: 64)),t=1700000000,v1=\(knownSignature)"
        #expect(WebhookSigner.verify(signatureHeader: reordered, body: body, secret: testSecret, now: timestamp) == .valid)
    }

    @Test func refusesShortSecrets() throws {
        #expect(throws: WebhookSignerError.secretTooShort(index: 0, length: 31)) {
            try WebhookSigner(secret: Array(repeating: 1, count: 31))
        }
        #expect(throws: WebhookSignerError.secretTooShort(index: 1, length: 0)) {
            try WebhookSigner(secret: testSecret, previousSecrets: [[]])
        }
        _ = try WebhookSigner(secret: Array(repeating: 1, count: 32))
        let message = WebhookSignerError.secretTooShort(index: 0, length: 31).description
        #expect(message.contains("31 bytes") && message.contains("32"))
    }

    @Test func neverShowsTheSecret() throws {
        let signer = try WebhookSigner(secret: testSecret)
        let secretText = String(decoding: testSecret, as: UTF8.self)
        var dumped = ""
        dump(signer, to: &dumped)
        for text in [String(describing: signer), String(reflecting: signer), dumped] {
            #expect(!text.contains(secretText))
            #expect(!text.contains("98, 117, 108"))  // the secret's first bytes, as an array would print
        }
    }
}
