import Foundation
import Hummingbird
import Matching
import Signals

/// `POST /v1/text/scan`: links, handles, wallets, list matches and a solicitation score for one
/// text or a batch. Nothing a user wrote is ever fetched.
struct TextRoutes: Sendable {
    let lists: ListFollower

    /// Most texts in one batch request.
    static let maximumBatch = 1_000

    func register(on group: RouterGroup<BulwarkRequestContext>) {
        group.post("text/scan", use: scan)
    }

    /// An id as the caller sent it: a string or an integer, echoed back as is.
    enum TextID: Decodable, Sendable {
        case string(String)
        case number(Int64)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                self = .number(number)
            } else {
                self = .string(try container.decode(String.self))
            }
        }

        var json: String {
            switch self {
            case .string(let s): JSONString.quote(s)
            case .number(let n): String(n)
            }
        }
    }

    struct Item: Decodable, Sendable {
        var id: TextID?
        var text: String
    }

    struct Body: Decodable, Sendable {
        var id: TextID?
        var text: String?
        var items: [Item]?
    }

    @Sendable func scan(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.ingest)
        if !lists.isReady {
            do { try await lists.load() } catch { throw APIError.notReady }
        }
        let body: Body
        do {
            body = try await request.decode(as: Body.self, context: context)
        } catch let error as DecodingError {
            throw APIError.badRequest("The JSON body does not have the expected shape: \(V1Routes.describe(error))")
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: context.maxUploadSize)
        } catch is HTTPError {
            throw APIError.badRequest("The body is not valid JSON.")
        }
        let scanner = lists.scanner
        let json: String
        switch (body.text, body.items) {
        case (let text?, nil):
            json = scanner.scan(text).json(idJSON: body.id?.json)
        case (nil, let items?):
            guard items.count <= Self.maximumBatch else {
                throw APIError.badRequest("A batch holds at most \(Self.maximumBatch) items; this one has \(items.count).")
            }
            json = "{\"results\":[" + items.map { scanner.scan($0.text).json(idJSON: $0.id?.json ?? "null") }.joined(separator: ",") + "]}"
        case (nil, nil):
            throw APIError.badRequest("Send {\"text\": \"…\"} for one text or {\"items\": [{\"id\": …, \"text\": \"…\"}]} for a batch.")
        case (_?, _?):
            throw APIError.badRequest("Send either \"text\" or \"items\", not both.")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: json)))
    }
}
