import Foundation

/// One HTTP request of the CyberTipline flow.
public struct TiplineHTTPRequest: Sendable, Equatable {
    public var method: String
    /// The endpoint path, e.g. `/submit`, relative to the configured endpoint.
    public var path: String
    /// The full URL: the configured endpoint with the path appended.
    public var url: URL
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, url: URL, headers: [String: String], body: Data) {
        self.method = method
        self.path = path
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

public struct TiplineHTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Carries requests to the CyberTipline service. Injected so the module itself never opens a
/// connection: production wires an HTTP client, tests and demos wire `FakeTiplineServer`.
public protocol TiplineTransport: Sendable {
    func send(_ request: TiplineHTTPRequest) async throws -> TiplineHTTPResponse
}

/// `multipart/form-data` bodies, as `/upload`, `/finish` and `/retract` take them.
public enum TiplineMultipart {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var fileName: String?
        public var contentType: String?
        public var data: Data
        public init(name: String, fileName: String? = nil, contentType: String? = nil, data: Data) {
            self.name = name
            self.fileName = fileName
            self.contentType = contentType
            self.data = data
        }
    }

    /// Encodes parts; returns the `Content-Type` header value and the body.
    public static func encode(_ parts: [Part], boundary: String) -> (contentType: String, body: Data) {
        var body = Data()
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(quoted(part.name))\""
            if let fileName = part.fileName { head += "; filename=\"\(quoted(fileName))\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            body.append(Data(head.utf8))
            body.append(part.data)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    /// A file name from an uploader cannot end the header value or start a new header: quotes and
    /// line breaks are percent-encoded as browsers do, other control characters dropped.
    static func quoted(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "%22"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Decodes a body produced with the boundary in `contentType`. Returns nil when it is not
    /// well-formed multipart.
    public static func decode(_ body: Data, contentType: String) -> [Part]? {
        guard let range = contentType.range(of: "boundary=") else { return nil }
        var boundary = String(contentType[range.upperBound...])
        if let semi = boundary.firstIndex(of: ";") { boundary = String(boundary[..<semi]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        guard !boundary.isEmpty else { return nil }
        let delimiter = Data("--\(boundary)".utf8)
        let bytes = body
        var parts: [Part] = []
        guard var cursor = bytes.range(of: delimiter)?.upperBound else { return nil }
        while true {
            // After a delimiter: "--" ends the body, CRLF starts a part.
            if bytes[cursor...].starts(with: Data("--".utf8)) { return parts }
            guard bytes[cursor...].starts(with: Data("\r\n".utf8)) else { return nil }
            cursor += 2
            guard let headerEnd = bytes.range(of: Data("\r\n\r\n".utf8), in: cursor..<bytes.endIndex) else { return nil }
            let headerText = String(decoding: bytes[cursor..<headerEnd.lowerBound], as: UTF8.self)
            guard let next = bytes.range(of: Data("\r\n".utf8) + delimiter, in: headerEnd.upperBound..<bytes.endIndex) else { return nil }
            let content = bytes[headerEnd.upperBound..<next.lowerBound]
            var part = Part(name: "", data: Data(content))
            for line in headerText.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: line) ?? ""
                    part.fileName = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(part)
            cursor = next.upperBound
        }
    }

    /// Reads `name="value"` from a Content-Disposition line. Values never hold a raw quote (see
    /// `quoted`), so the value ends at the next quote even when it contains `;`.
    private static func parameter(_ name: String, in line: String) -> String? {
        var searchFrom = line.startIndex
        while let found = line.range(of: name + "=\"", range: searchFrom..<line.endIndex) {
            let preceding = found.lowerBound > line.startIndex ? line[line.index(before: found.lowerBound)] : " "
            if preceding == " " || preceding == ";" {
                guard let end = line[found.upperBound...].firstIndex(of: "\"") else { return nil }
                return String(line[found.upperBound..<end])
            }
            searchFrom = found.upperBound
        }
        return nil
    }
}
