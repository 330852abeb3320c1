extension Lexicon {
    /// The lexicon Bulwark ships: neutral commerce and off-platform words only, and the weights of
    /// what extraction finds. It can tell a sales pitch that moves buyers off the platform from an
    /// ordinary post, but on its own it never reaches the solicitation band: that takes a hit in a
    /// sensitive category (age indicators, content terms), which operators load from the licensed
    /// lists they hold (`--lexicon FILE`), or a list match.
    public static let builtInText = #"""
    # Bulwark default lexicon: commerce and off-platform words only.
    category commerce cap 0.35
    category offplatform cap 0.3
    category listed cap 0.6
    category age cap 0.4
    category content cap 0.5
    band solicitation 0.7
    band suspicious 0.4

    # What extraction found.
    signal offplatform 0.2 offplatform-link
    signal offplatform 0.05 link
    signal offplatform 0.15 shortener
    signal offplatform 0.2 invite
    signal offplatform 0.2 handle
    signal offplatform 0.05 email
    signal offplatform 0.05 phone
    signal commerce 0.2 wallet
    signal commerce 0.1 price
    signal listed 0.6 list-match

    # Commerce.
    term commerce 0.1 price*
    term commerce 0.15 price list
    term commerce 0.15 menu
    term commerce 0.1 vip
    term commerce 0.1 package*
    term commerce 0.1 bundle*
    term commerce 0.1 for sale
    term commerce 0.1 selling
    term commerce 0.1 sell
    term commerce 0.05 buy
    term commerce 0.1 cheap
    term commerce 0.1 discount*
    term commerce 0.1 payment*
    term commerce 0.1 pay
    term commerce 0.1 paypal
    term commerce 0.1 cashapp
    term commerce 0.1 venmo
    term commerce 0.1 crypto
    term commerce 0.1 btc
    term commerce 0.1 bitcoin
    term commerce 0.1 usdt
    term commerce 0.1 monero
    term commerce 0.1 xmr
    term commerce 0.1 gift card*
    term commerce 0.1 collection*
    term commerce 0.1 content
    term commerce 0.1 exclusive
    term commerce 0.1 private
    term commerce 0.1 premium
    term commerce 0.1 instant delivery
    term commerce 0.1 lifetime access
    near commerce 0.15 3 vip | package* access group* content
    near commerce 0.1 3 dm | price* menu
    emoji commerce 0.1 💰
    emoji commerce 0.1 💸
    emoji commerce 0.1 💲
    emoji commerce 0.05 🔥

    # Moving the conversation elsewhere.
    term offplatform 0.1 telegram
    term offplatform 0.1 tg
    term offplatform 0.1 discord
    term offplatform 0.1 whatsapp
    term offplatform 0.1 snapchat
    term offplatform 0.1 kik
    term offplatform 0.1 wickr
    term offplatform 0.1 session
    term offplatform 0.1 signal
    term offplatform 0.1 link in bio
    term offplatform 0.1 dm me
    term offplatform 0.1 dm for
    term offplatform 0.1 message me
    term offplatform 0.1 add me
    term offplatform 0.1 contact me
    near offplatform 0.1 4 join | telegram tg channel discord group
    emoji offplatform 0.1 ✈
    emoji offplatform 0.05 📩
    emoji offplatform 0.05 👉
    """#

    /// The shipped default (``builtInText``), parsed once.
    public static let builtIn: Lexicon = {
        do {
            return try Lexicon(parsing: builtInText)
        } catch {
            preconditionFailure("the built-in lexicon does not parse: \(error)")
        }
    }()
}
