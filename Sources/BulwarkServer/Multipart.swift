import Foundation

/// A minimal, bounded `multipart/form-data` reader for uploads (HMA clients send files as
/// `-F photo=@file.jpg`).
///
/// The body is already in memory (its size is capped before reading), so parsing is a scan for
/// boundary lines. Hostile input gives `nil`/errors, never a crash: part count and header size
/// are bounded.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var data: [UInt8]
    }

    var parts: [Part]

    enum ParseError: Error, CustomStringConvertible {
        case notMultipart
        case malformed(String)

        var description: String {
            switch self {
            case .notMultipart: return "Missing multipart/form-data file upload"
            case .malformed(let reason): return "The multipart body is malformed: \(reason)"
            }
        }
    }

    /// The boundary from a `Content-Type: multipart/form-data; boundary=...` header.
    static func boundary(fromContentType contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            guard (1...70).contains(value.utf8.count) else { return nil }
            return value
        }
        return nil
    }

    init(body: [UInt8], boundary: String, maximumParts: Int = 16) throws {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [Part] = []
        guard var position = Self.find(delimiter, in: body, from: 0) else { throw ParseError.malformed("no boundary line") }
        while true {
            position += delimiter.count
            // "--" after the delimiter ends the body.
            if position + 1 < body.count, body[position] == 0x2D, body[position + 1] == 0x2D { break }
            // Skip the rest of the boundary line.
            guard let lineEnd = Self.find([0x0D, 0x0A], in: body, from: position) else { throw ParseError.malformed("unterminated boundary line") }
            let headerStart = lineEnd + 2
            guard let headerEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: headerStart),
                  headerEnd - headerStart <= 8_192 else { throw ParseError.malformed("part headers missing or too long") }
            let headers = String(decoding: body[headerStart..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let next = Self.find([0x0D, 0x0A] + delimiter, in: body, from: contentStart) else {
                throw ParseError.malformed("a part does not end with the boundary")
            }
            guard parts.count < maximumParts else { throw ParseError.malformed("more than \(maximumParts) parts") }
            var name = ""
            var filename: String?
            for line in headers.split(separator: "\r\n") where line.lowercased().hasPrefix("content-disposition:") {
                for item in line.split(separator: ";").dropFirst() {
                    let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pair.count == 2 else { continue }
                    let value = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2
                        ? String(pair[1].dropFirst().dropLast()) : pair[1]
                    switch pair[0].lowercased() {
                    case "name": name = value
                    case "filename": filename = value
                    default: break
                    }
                }
            }
            parts.append(Part(name: name, filename: filename, data: Array(body[contentStart..<next])))
            position = next + 2
        }
        self.parts = parts
    }

    /// First index of `needle` in `haystack` at or after `start`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = start
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var matched = true
                for j in 1..<needle.count where haystack[i + j] != needle[j] {
                    matched = false
                    break
                }
                if matched { return i }
            }
            i += 1
        }
        return nil
    }
}
