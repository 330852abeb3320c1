/// What Bulwark knows about the services traders move buyers to: their link hosts and aliases,
/// how their usernames look, what people call them in prose. Knowing a service is what lets a
/// bolder reading of a post ("t dot me slash name") count, and what makes a Telegram link and a
/// Telegram handle one target.
public enum Services {
    /// Platform names as they are written in prose, lower case → canonical platform.
    static let proseNames: [String: String] = [
        "telegram": "telegram", "telegramm": "telegram", "telegrm": "telegram", "telgram": "telegram",
        "telega": "telegram", "teleg": "telegram", "tele": "telegram", "tg": "telegram", "tlgrm": "telegram",
        "tlg": "telegram", "\u{2708}": "telegram",  // ✈ paper plane, Telegram's logo
        "discord": "discord", "dscrd": "discord", "disc": "discord", "dc": "discord",
        "whatsapp": "whatsapp", "whatsap": "whatsapp", "watsapp": "whatsapp", "wa": "whatsapp", "wapp": "whatsapp",
        "snapchat": "snapchat", "snap": "snapchat", "sc": "snapchat",
        "instagram": "instagram", "insta": "instagram", "ig": "instagram",
        "kik": "kik", "wickr": "wickr", "threema": "threema", "signal": "signal", "session": "session",
        "skype": "skype", "wechat": "wechat", "viber": "viber", "element": "matrix", "matrix": "matrix",
        "tiktok": "tiktok", "twitter": "twitter", "line": "line", "teams": "teams",
    ]

    /// Words people put between a platform's name and the handle ("telegram id: name").
    static let fillers: Set<String> = ["id", "username", "user", "handle", "nick", "me", "at", "is", "name", "acc", "account"]

    /// Words that follow a platform's name but are not handles ("join my telegram channel").
    static let notHandles: Set<String> = [
        "channel", "channels", "group", "groups", "chat", "chats", "link", "links", "me", "here", "only", "dm", "dms",
        "pm", "bot", "bots", "app", "account", "or", "and", "the", "for", "with", "now", "today", "below", "above",
        "bio", "profile", "username", "id", "user", "contact", "message", "messages", "add", "join", "follow", "via",
        "on", "at", "is", "my", "your", "us", "vip", "free", "handle", "in", "to", "if", "it", "a", "an", "of",
        "group", "premium", "desktop", "web", "story", "stories", "call", "calls", "video", "voice", "number",
        "info", "details", "please", "pls", "also", "too", "etc", "check", "see", "find", "search",
    ]

    /// Telegram's link hosts: they all resolve the same names and invite codes.
    static let telegramHosts: Set<String> = ["t.me", "telegram.me", "telegram.dog", "telesco.pe", "www.t.me", "www.telegram.me"]

    /// Paths of t.me that are not usernames.
    static let telegramReserved: Set<String> = [
        "joinchat", "s", "c", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login", "setlanguage",
        "addtheme", "bg", "confirmphone", "invoice", "boost", "addlist", "contact", "k", "a", "z", "m", "i",
    ]

    /// Link shorteners: the real destination is unknown (and is never fetched), which is itself a signal.
    static let shorteners: Set<String> = [
        "bit.ly", "bitly.com", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "buff.ly", "cutt.ly", "rebrand.ly",
        "shorturl.at", "tiny.cc", "rb.gy", "bit.do", "s.id", "v.gd", "t.ly", "shorte.st", "adf.ly", "bl.ink",
        "qrco.de", "lnkd.in", "dsc.gg", "tiny.one", "u.to", "clck.ru", "urlz.fr", "shorturl.asia", "tr.ee",
        "linkr.it", "short.io", "soo.gd", "x.gd", "surl.li", "gg.gg", "zpr.io", "tiny.pl", "kutt.it", "2u.pm",
    ]

    /// Services whose links take a conversation off the platform (messengers, file hosts, link hubs).
    static let offPlatformDomains: Set<String> = [
        "t.me", "telegram.me", "telegram.dog", "telesco.pe", "telegram.org",
        "discord.gg", "discord.com", "discordapp.com", "discord.me",
        "whatsapp.com", "wa.me", "signal.me", "signal.group", "kik.me", "wickr.me", "threema.id", "matrix.to",
        "snapchat.com", "session.id", "getsession.org", "line.me", "viber.com",
        "mega.nz", "mega.io", "mediafire.com", "dropbox.com", "gofile.io", "pixeldrain.com", "anonfiles.com",
        "terabox.com", "1fichier.com", "workupload.com", "krakenfiles.com", "catbox.moe", "pcloud.link",
        "icedrive.net", "sendspace.com", "wetransfer.com", "we.tl", "filemail.com", "zippyshare.com",
        "linktr.ee", "beacons.ai", "allmylinks.com", "carrd.co", "solo.to", "lnk.bio", "bio.link",
    ]

    /// Whether a host belongs to a known off-platform service or shortener.
    static func isKnown(host: String, registrable: String?) -> Bool {
        if shorteners.contains(host) || offPlatformDomains.contains(host) { return true }
        if let registrable, shorteners.contains(registrable) || offPlatformDomains.contains(registrable) { return true }
        return false
    }

    /// Canonical platform name for a list entry's or caller's platform ("tg" → "telegram").
    public static func canonicalPlatform(_ name: String) -> String {
        let lower = name.lowercased()
        return proseNames[lower] ?? lower
    }

    /// Whether `name` (lower case) can be a username on `platform`.
    static func isPlausibleName(_ name: String, platform: String) -> Bool {
        let utf8 = Array(name.utf8)
        guard let first = utf8.first else { return false }
        switch platform {
        case "telegram":
            // 5–32 of a–z 0–9 _, starting with a letter (4 for collectible names).
            return (4...32).contains(utf8.count) && ASCII.isAlpha(first)
                && utf8.allSatisfy { ASCII.isAlnum($0) || $0 == 0x5F }
        case "whatsapp", "viber":
            return utf8.count >= 8 && utf8.allSatisfy { ASCII.isDigit($0) || $0 == 0x2B }
        case "session":
            return utf8.count == 66 && utf8.allSatisfy { Hex.isHex($0) }
        default:
            return (2...40).contains(utf8.count) && ASCII.isAlnum(first)
                && utf8.allSatisfy { ASCII.isAlnum($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D }
        }
    }
}

enum Hex {
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { ASCII.isDigit(b) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66) }
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
