import Foundation

/// A generated picture the demo uses, with a label saying what it is, so that the command can
/// name the bank entries it creates ("rings seed 3") instead of showing opaque hashes.
public struct DemoImage: Sendable, Hashable {
    /// What the image is, in words a newcomer can read (`rings-seed-1`).
    public var label: String
    /// The PNG file itself; the demo sends exactly these bytes.
    public var png: [UInt8]

    public init(label: String, png: [UInt8]) {
        self.label = label
        self.png = png
    }
}

/// A bank of "known" images standing in for an exchange's hash list. The command hashes the
/// images and loads the hashes: the demo never needs a real list, and nothing in it is harmful.
public struct DemoHashBank: Sendable, Hashable {
    public var name: String
    /// The bank's category; anything but `canary` is acted on by the default policy.
    public var category: String
    public var images: [DemoImage]

    public init(name: String, category: String, images: [DemoImage]) {
        self.name = name
        self.category = category
        self.images = images
    }
}

/// One list entry, in the form of a line of a `lists` file (`TYPE VALUE`, docs/lists.md).
public struct DemoListEntry: Sendable, Hashable {
    /// `url`, `domain`, `handle`, `wallet`, `keyword`…
    public var type: String
    public var value: String

    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// The entry as a line of a `lists` file, for `bank import --format lists`.
    public var line: String { "\(type) \(value)" }
}

/// A bank of list entries: the trader's known contacts, as a hotline list would carry them.
public struct DemoListBank: Sendable, Hashable {
    public var name: String
    public var entries: [DemoListEntry]

    public init(name: String, entries: [DemoListEntry]) {
        self.name = name
        self.entries = entries
    }

    /// The bank as a `lists` file: one `TYPE VALUE` line per entry.
    public var listFile: String { entries.map(\.line).joined(separator: "\n") + "\n" }
}

/// One HTTP request of the story. The bodies are complete JSON documents sent verbatim, so the
/// command that plays the story needs no knowledge of the request formats.
public enum DemoRequest: Sendable, Hashable {
    /// The body of `POST /v1/content`.
    case content(String)
    /// The body of `POST /v1/accounts/events` (a ban).
    case accountEvents(String)

    /// The route the body goes to.
    public var path: String {
        switch self {
        case .content: "/v1/content"
        case .accountEvents: "/v1/accounts/events"
        }
    }

    /// The request body.
    public var body: String {
        switch self {
        case .content(let body), .accountEvents(let body): body
        }
    }
}

/// One step of the story: what a newcomer reads, what is sent, and what the default policy should
/// answer, so the command can show "expected block, got block" and a broken engine is visible.
public struct DemoStep: Sendable, Hashable {
    /// One line a newcomer reads before the answer is shown.
    public var caption: String
    public var request: DemoRequest
    /// `block`, `remove`, `review` or `allow` for content under policies/default.yaml; `nil` for
    /// account events, which answer with no verdict.
    public var expectedVerdict: String?

    public init(caption: String, request: DemoRequest, expectedVerdict: String?) {
        self.caption = caption
        self.request = request
        self.expectedVerdict = expectedVerdict
    }
}

/// The benign story `bulwark demo` plays: banks to load, a lexicon, and the requests to send in
/// order. It is data only, so it can be tested without a server, and it is the same for the same
/// start time, so two runs of the demo show the same decisions.
public struct DemoScript: Sendable, Hashable {
    /// Hash banks to create and fill before the first step.
    public var hashBanks: [DemoHashBank]
    /// List banks to create and fill before the first step.
    public var listBanks: [DemoListBank]
    /// A lexicon file (docs/text-signals.md) to load beside the built-in one: placeholder tokens
    /// stand for the sensitive terms an operator would license.
    public var lexicon: String
    public var steps: [DemoStep]

    public init(hashBanks: [DemoHashBank], listBanks: [DemoListBank], lexicon: String, steps: [DemoStep]) {
        self.hashBanks = hashBanks
        self.listBanks = listBanks
        self.lexicon = lexicon
        self.steps = steps
    }

    /// The story, with its events spread over the hour before `start` (whole seconds), so the
    /// review console shows them as recent. The same `start` always gives the same script.
    public static func make(start: Date) -> DemoScript {
        DemoStory(start: start).script()
    }
}
