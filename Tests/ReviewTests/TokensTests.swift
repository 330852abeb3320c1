import Crypto
import Foundation
import Review
import Testing

@Suite("Console tokens and reveal grants")
struct TokensTests {
    let key = SymmetricKey(data: Array(repeating: UInt8(7), count: 32))
    let otherKey = SymmetricKey(data: Array(repeating: UInt8(8), count: 32))
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func generatedTokensAreBase64URLAndUnique() {
        let tokens = (0..<64).map { _ in ConsoleTokens.generate() }
        #expect(Set(tokens).count == tokens.count)
        for token in tokens {
            #expect(token.count == 43)   // 32 bytes, no padding
            #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
        #expect(ConsoleTokens.generate(bytes: 48).count == 64)
        #expect(ConsoleTokens.generate(bytes: 1).count == 22)   // raised to 16 bytes
    }

    @Test func digestIsStableLowercaseSHA256() {
        #expect(ConsoleTokens.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ConsoleTokens.digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let token = ConsoleTokens.generate()
        #expect(ConsoleTokens.digest(token) == ConsoleTokens.digest(token))
        #expect(ConsoleTokens.digest(token) != token)
    }

    @Test func csrfDiffersPerSessionAndKeyAndIsStable() {
        let a = ConsoleTokens.csrf(sessionToken: "session-a", key: key)
        #expect(a == ConsoleTokens.csrf(sessionToken: "session-a", key: key))
        #expect(a != ConsoleTokens.csrf(sessionToken: "session-b", key: key))
        #expect(a != ConsoleTokens.csrf(sessionToken: "session-a", key: otherKey))
        #expect(a.count == 43 && !a.contains("=") && !a.contains("+") && !a.contains("/"))
        // Independently computed: HMAC-SHA256(key, "csrf:" + token).
        let mac = Data(HMAC<SHA256>.authenticationCode(for: Data("csrf:session-a".utf8), using: key)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(a == mac)
    }

    @Test func constantTimeEquals() {
        #expect(ConsoleTokens.constantTimeEquals("abc", "abc"))
        #expect(ConsoleTokens.constantTimeEquals("", ""))
        #expect(!ConsoleTokens.constantTimeEquals("abc", "abd"))
        #expect(!ConsoleTokens.constantTimeEquals("abc", "abcd"))
        #expect(!ConsoleTokens.constantTimeEquals("", "a"))
        #expect(!ConsoleTokens.constantTimeEquals("ab\u{0}", "ab"))   // padding with zero is not equality
    }

    func grant(itemId: String = "vault-1", expiresIn seconds: Double = 60) -> RevealGrant {
        RevealGrant(itemId: itemId, caseId: 12, reviewerId: 7,
                    expires: Int64((now.timeIntervalSince1970 + seconds) * 1000), nonce: ConsoleTokens.generate(bytes: 16))
    }

    func failure(_ token: String, key: SymmetricKey? = nil, at date: Date? = nil) -> RevealGrantError? {
        do throws(RevealGrantError) {
            _ = try RevealGrant.verify(token, key: key ?? self.key, now: date ?? now)
            return nil
        } catch { return error }
    }

    @Test func grantRoundTrips() throws {
        let g = grant()
        let token = g.token(key: key)
        #expect(try RevealGrant.verify(token, key: key, now: now) == g)
        #expect(token.split(separator: ".").count == 2)
    }

    @Test func itemIdsWithAnyCharactersStayUnambiguous() throws {
        for id in ["a.b.c", "x\"}{\"caseId\":1", "line\nbreak", "🙂 ümlaut", "", String(repeating: "z", count: 300)] {
            let g = grant(itemId: id)
            #expect(try RevealGrant.verify(g.token(key: key), key: key, now: now).itemId == id)
        }
    }

    @Test func expiredGrantIsRefused() {
        let token = grant(expiresIn: 60).token(key: key)
        #expect(failure(token, at: now.addingTimeInterval(59)) == nil)
        #expect(failure(token, at: now.addingTimeInterval(60)) == .expired)
        #expect(failure(token, at: now.addingTimeInterval(3600)) == .expired)
        #expect(failure(grant(expiresIn: -1).token(key: key)) == .expired)
    }

    @Test func tamperedGrantIsRefused() {
        let token = grant().token(key: key)
        let parts = token.split(separator: ".").map(String.init)
        // Another valid payload under the original signature.
        let other = grant(itemId: "vault-2").token(key: key).split(separator: ".").map(String.init)
        #expect(failure(other[0] + "." + parts[1]) == .badSignature)
        // One character of the payload changed.
        var payload = Array(parts[0])
        payload[5] = payload[5] == "A" ? "B" : "A"
        #expect(failure(String(payload) + "." + parts[1]) == .badSignature)
        // Another key.
        #expect(failure(token, key: otherKey) == .badSignature)
        #expect(failure(grant().token(key: otherKey)) == .badSignature)
    }

    @Test func malformedTokensAreRefused() {
        let token = grant().token(key: key)
        let parts = token.split(separator: ".").map(String.init)
        for bad in ["", ".", "abc", "abc.", "." + parts[1], token + ".x", parts[0] + ".!!!", parts[0] + "." + parts[1].dropLast(2),
                    "a b.c d", String(repeating: "A", count: 10_000) + "." + parts[1]] {
            #expect(failure(bad) == .malformed, "\(bad.prefix(40))")
        }
        // A correctly signed payload that is not a grant is malformed, not trusted.
        let body = Data("{\"hello\":1}".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let mac = Data(HMAC<SHA256>.authenticationCode(for: Data(("bulwark.reveal.v1:" + body).utf8), using: key)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        #expect(failure(body + "." + mac) == .malformed)
    }

    @Test func errorDescriptionsLeakNothing() {
        let token = grant(itemId: "secret-item").token(key: key)
        for error in [RevealGrantError.malformed, .badSignature, .expired] {
            #expect(!error.description.contains("secret"))
            #expect(!error.description.contains(token))
        }
        #expect(RevealGrantError.malformed.description == RevealGrantError.badSignature.description)
    }
}
