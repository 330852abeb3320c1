import Crypto

/// HMAC-SHA256, as docs/accounts.md asks platforms to send private signals (e-mail, device,
/// payment): the demo plays the platform, so it digests its fictional values the same way with a
/// demo key instead of sending them in clear.
enum DemoDigest {
    /// The platform's signal key in the demo. A real platform keeps its key secret and stable.
    static let platformKey = "bulwark-demo-platform-key"

    /// `HMAC-SHA256(platformKey, value)` in lower-case hex: the form accounts.md documents.
    static func signal(_ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: SymmetricKey(data: Array(platformKey.utf8)))
        let digits = Array("0123456789abcdef")
        return String(mac.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }
}
