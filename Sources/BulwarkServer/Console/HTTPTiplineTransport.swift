import AsyncHTTPClient
import CyberTipline
import Foundation
import NIOCore
import NIOHTTP1

/// The CyberTipline flow over HTTPS, for an endpoint an operator configured
/// (`serve --tipline-url`). Responses are read up to 1 MiB; each request has a time limit.
public struct HTTPTiplineTransport: TiplineTransport {
    let client: HTTPClient
    let timeout: TimeAmount

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(120)) {
        self.client = client
        self.timeout = timeout
    }

    public func send(_ request: TiplineHTTPRequest) async throws -> TiplineHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let response = try await client.execute(outgoing, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name] = header.value }
        return TiplineHTTPResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
    }
}
