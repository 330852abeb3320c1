import Foundation

/// A small XML writer that produces deterministic, well-formed XML 1.0.
///
/// Why hand-written: the documents are small, their element order is fixed by NCMEC's schema, and
/// every string in them can come from an attacker (bios, screen names, file names, chat text). A
/// writer that escapes every piece of text and attribute value itself, and checks that elements
/// close in order, leaves no path for a string to end an element early or smuggle in markup.
public struct TiplineXMLWriter: Sendable {
    private var output: String
    private var stack: [String] = []
    private let indentUnit = "  "

    public init(declaration: Bool = true) {
        output = declaration ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : ""
    }

    /// The document written so far. Every element opened must be closed first.
    public var xml: String {
        precondition(stack.isEmpty, "unclosed XML elements: \(stack)")
        return output
    }

    public mutating func open(_ name: String, attributes: [(String, String)] = []) {
        output += indentation + "<" + name + Self.attributeText(attributes) + ">\n"
        stack.append(name)
    }

    public mutating func close(_ name: String) {
        let top = stack.popLast()
        precondition(top == name, "closing <\(name)> while <\(top ?? "nothing")> is open")
        output += indentation + "</" + name + ">\n"
    }

    /// A leaf element with text content, escaped.
    public mutating func element(_ name: String, _ text: String, attributes: [(String, String)] = []) {
        output += indentation + "<" + name + Self.attributeText(attributes) + ">" + Self.escapeText(text) + "</" + name + ">\n"
    }

    /// A leaf element written only when there is a value.
    public mutating func element(_ name: String, ifPresent text: String?) {
        if let text { element(name, text) }
    }

    public mutating func element(_ name: String, ifPresent value: Bool?) {
        if let value { element(name, value ? "true" : "false") }
    }

    public mutating func element(_ name: String, ifPresent value: Int?) {
        if let value { element(name, String(value)) }
    }

    /// An empty element (`<name/>`), used for the schema's presence flags.
    public mutating func empty(_ name: String, attributes: [(String, String)] = []) {
        output += indentation + "<" + name + Self.attributeText(attributes) + "/>\n"
    }

    private var indentation: String { String(repeating: indentUnit, count: stack.count) }

    private static func attributeText(_ attributes: [(String, String)]) -> String {
        attributes.map { " " + $0.0 + "=\"" + escapeAttribute($0.1) + "\"" }.joined()
    }

    /// Escapes character data. Markup characters become entity references, carriage returns are
    /// written as a character reference so a parser does not fold them into line feeds, and
    /// characters XML 1.0 forbids anywhere (NUL, most C0 controls, U+FFFE, U+FFFF) are replaced by
    /// U+FFFD: they cannot be written even escaped, and dropping them silently would hide that
    /// the original text held something.
    public static func escapeText(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#xD;"
            default:
                if isAllowed(scalar) { out.unicodeScalars.append(scalar) } else { out += "\u{FFFD}" }
            }
        }
        return out
    }

    /// Escapes an attribute value: as text, and also tabs and line feeds, which attribute-value
    /// normalisation would otherwise turn into spaces.
    public static func escapeAttribute(_ text: String) -> String {
        escapeText(text).replacingOccurrences(of: "\t", with: "&#x9;").replacingOccurrences(of: "\n", with: "&#xA;")
    }

    /// The XML 1.0 `Char` production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
    /// Swift strings never hold lone surrogates, so only the ranges below need checking.
    public static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}

/// An element of a parsed XML document.
public struct TiplineXMLElement: Sendable, Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [TiplineXMLElement]
    /// The element's own character data (text directly inside it), entity references decoded.
    public var text: String

    public init(name: String, attributes: [String: String] = [:], children: [TiplineXMLElement] = [], text: String = "") {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The first child with this name.
    public func child(_ name: String) -> TiplineXMLElement? { children.first { $0.name == name } }

    /// All children with this name, in document order.
    public func children(named name: String) -> [TiplineXMLElement] { children.filter { $0.name == name } }

    /// The trimmed text of the first child with this name.
    public func value(_ name: String) -> String? {
        child(name).map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Follows a path of child names, e.g. `["reporter", "reportingPerson", "email"]`.
    public func descendant(_ path: [String]) -> TiplineXMLElement? {
        var current: TiplineXMLElement? = self
        for name in path { current = current?.child(name) }
        return current
    }
}

/// Why a document could not be parsed.
public struct TiplineXMLParseError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "XML parse error at byte \(offset): \(message)" }
}

/// A minimal XML parser for the response documents (`reportResponse`, `reportDoneResponse`) and for
/// the fake server's shape checks of `report` and `fileDetails`.
///
/// It handles elements, attributes, character data, CDATA, comments, processing instructions and
/// the predefined and numeric entity references. It rejects document type declarations outright,
/// so no entity expansion or external reference can be triggered by a response.
public enum TiplineXMLParser {
    public static func parse(_ data: Data) throws(TiplineXMLParseError) -> TiplineXMLElement {
        guard let text = String(data: data, encoding: .utf8) else {
            throw TiplineXMLParseError(message: "document is not UTF-8", offset: 0)
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(TiplineXMLParseError) -> TiplineXMLElement {
        var scanner = Scanner(Array(text.utf8))
        return try scanner.document()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }

        func fail(_ message: String) -> TiplineXMLParseError { TiplineXMLParseError(message: message, offset: i) }

        func starts(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= bytes.count && Array(bytes[i..<(i + u.count)]) == u
        }

        mutating func skip(past terminator: String) throws(TiplineXMLParseError) {
            let u = Array(terminator.utf8)
            while i + u.count <= bytes.count {
                if Array(bytes[i..<(i + u.count)]) == u { i += u.count; return }
                i += 1
            }
            throw fail("unterminated construct, expected \(terminator)")
        }

        mutating func skipWhitespace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        /// Skips the prolog's declaration, comments and processing instructions.
        mutating func skipMisc() throws(TiplineXMLParseError) {
            while true {
                skipWhitespace()
                if starts("<?") { try skip(past: "?>") }
                else if starts("<!--") { try skip(past: "-->") }
                else if starts("<!DOCTYPE") || starts("<!doctype") { throw fail("document type declarations are not accepted") }
                else { return }
            }
        }

        mutating func document() throws(TiplineXMLParseError) -> TiplineXMLElement {
            if starts("\u{FEFF}") { i += 3 }
            try skipMisc()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "<") else { throw fail("expected the root element") }
            let root = try element()
            try skipMisc()
            guard i == bytes.count else { throw fail("content after the root element") }
            return root
        }

        static func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":") || b >= 0x80
        }

        mutating func name() throws(TiplineXMLParseError) -> String {
            let start = i
            while i < bytes.count, Self.isNameByte(bytes[i]) { i += 1 }
            guard i > start else { throw fail("expected a name") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func element() throws(TiplineXMLParseError) -> TiplineXMLElement {
            i += 1 // "<"
            var node = TiplineXMLElement(name: try name())
            while true {
                skipWhitespace()
                guard i < bytes.count else { throw fail("unterminated start tag <\(node.name)>") }
                if bytes[i] == UInt8(ascii: "/") {
                    guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: ">") else { throw fail("expected />") }
                    i += 2
                    return node
                }
                if bytes[i] == UInt8(ascii: ">") { i += 1; break }
                let attribute = try name()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "=") else { throw fail("expected = after \(attribute)") }
                i += 1
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else {
                    throw fail("expected a quoted value for \(attribute)")
                }
                let quote = bytes[i]
                i += 1
                let start = i
                while i < bytes.count, bytes[i] != quote {
                    if bytes[i] == UInt8(ascii: "<") { throw fail("< in attribute value") }
                    i += 1
                }
                guard i < bytes.count else { throw fail("unterminated attribute value") }
                let raw = String(decoding: bytes[start..<i], as: UTF8.self)
                i += 1
                guard node.attributes[attribute] == nil else { throw fail("duplicate attribute \(attribute)") }
                node.attributes[attribute] = try decode(raw)
            }
            // Content.
            var text = ""
            while true {
                guard i < bytes.count else { throw fail("unterminated element <\(node.name)>") }
                if starts("</") {
                    i += 2
                    let closing = try name()
                    guard closing == node.name else { throw fail("</\(closing)> closes <\(node.name)>") }
                    skipWhitespace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ">") else { throw fail("expected >") }
                    i += 1
                    node.text = text
                    return node
                } else if starts("<!--") {
                    try skip(past: "-->")
                } else if starts("<![CDATA[") {
                    i += 9
                    let start = i
                    try skip(past: "]]>")
                    text += String(decoding: bytes[start..<(i - 3)], as: UTF8.self)
                } else if starts("<?") {
                    try skip(past: "?>")
                } else if starts("<!") {
                    throw fail("declarations are not accepted inside elements")
                } else if bytes[i] == UInt8(ascii: "<") {
                    node.children.append(try element())
                } else {
                    let start = i
                    while i < bytes.count, bytes[i] != UInt8(ascii: "<") { i += 1 }
                    text += try decode(String(decoding: bytes[start..<i], as: UTF8.self))
                }
            }
        }

        func decode(_ raw: String) throws(TiplineXMLParseError) -> String {
            guard raw.contains("&") else { return raw }
            var out = ""
            var rest = Substring(raw)
            while let amp = rest.firstIndex(of: "&") {
                out += rest[..<amp]
                guard let semi = rest[amp...].firstIndex(of: ";") else { throw fail("unterminated entity reference") }
                let entity = rest[rest.index(after: amp)..<semi]
                switch entity {
                case "lt": out += "<"
                case "gt": out += ">"
                case "amp": out += "&"
                case "quot": out += "\""
                case "apos": out += "'"
                default:
                    var number: UInt32?
                    if entity.hasPrefix("#x") || entity.hasPrefix("#X") { number = UInt32(entity.dropFirst(2), radix: 16) }
                    else if entity.hasPrefix("#") { number = UInt32(entity.dropFirst(), radix: 10) }
                    guard let number, let scalar = Unicode.Scalar(number), TiplineXMLWriter.isAllowed(scalar) else {
                        throw fail("unknown or invalid entity &\(entity);")
                    }
                    out.unicodeScalars.append(scalar)
                }
                rest = rest[rest.index(after: semi)...]
            }
            out += rest
            return out
        }
    }
}
