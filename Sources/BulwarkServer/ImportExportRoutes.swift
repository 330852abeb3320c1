import BankIO
import Foundation
import Hummingbird
import NIOCore
import Storage

/// Streaming import and export of a bank's hash list over HTTP (curator role).
///
/// Import streams the request body through the same importer as `bulwark bank import`
/// (batched transactions, idempotent, bad lines reported with line numbers). Export streams the
/// response as it is read from the store, so a list of millions never sits in memory.
struct ImportExportRoutes {
    let store: any BulwarkStore
    /// Largest accepted list upload.
    let maxImportBytes: Int

    func register(on group: RouterGroup<BulwarkRequestContext>) {
        group.post("banks/{name}/import", use: importList)
        group.get("banks/{name}/export", use: exportList)
    }

    struct ImportResultJSON: Codable, ResponseEncodable {
        var lines: Int
        var inserted: Int
        var duplicates: Int
        var invalid: Int
        var errors: [LineErrorJSON]
        var warnings: [String]
    }

    struct LineErrorJSON: Codable {
        var line: Int
        var message: String
    }

    @Sendable func importList(_ request: Request, context: BulwarkRequestContext) async throws -> ImportResultJSON {
        let key = try context.require(.curator)
        let name = try context.parameters.require("name")
        let bank: Bank
        do { bank = try await store.bank(named: name) } catch { throw APIError.from(error) }
        let query = request.uri.queryParameters
        let formatName = query["format"].map(String.init) ?? "hashes"
        guard let format = ListFormat(name: formatName) else {
            throw APIError.badRequest("format must be one of hashes, csv, jsonl, threatexchange, lists; got '\(formatName)'.")
        }
        var signalType: SignalType?
        if let name = query["signalType"].map(String.init) {
            guard let type = SignalType(rawValue: name.lowercased()) else { throw APIError.badRequest("signalType must be pdq, md5 or sha256.") }
            signalType = type
        }
        let policyName = query["onInvalid"].map(String.init) ?? "skip"
        guard let policy = InvalidLinePolicy(rawValue: policyName) else {
            throw APIError.badRequest("onInvalid must be skip or fail-batch.")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxImportBytes {
            throw APIError.payloadTooLarge(limit: maxImportBytes)
        }
        let options = ImportOptions(format: format, signalType: signalType,
                                    defaults: EntryDefaults(source: query["source"].map(String.init), addedBy: key.name),
                                    invalidLines: policy)
        let limit = maxImportBytes
        let chunks = LimitedBody(body: request.body, limit: limit)
        do {
            let summary = try await BankImporter(store: store).importList(chunks, intoBank: bank.id, options: options)
            return ImportResultJSON(lines: summary.linesRead, inserted: summary.inserted, duplicates: summary.duplicates,
                                    invalid: summary.invalid, errors: summary.errors.map { LineErrorJSON(line: $0.line, message: $0.message) },
                                    warnings: summary.warnings)
        } catch {
            if case .readFailed(let reason, _) = error, reason.contains("limit") { throw APIError.payloadTooLarge(limit: limit) }
            throw APIError.badRequest(error.description)
        }
    }

    @Sendable func exportList(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        // Hash lists are sensitive: curators and admins only.
        _ = try context.require(.curator)
        let name = try context.parameters.require("name")
        let bank: Bank
        do { bank = try await store.bank(named: name) } catch { throw APIError.from(error) }
        let formatName = request.uri.queryParameters["format"].map(String.init) ?? "jsonl"
        guard let format = ListFormat(name: formatName) else {
            throw APIError.badRequest("format must be one of hashes, csv, jsonl, threatexchange, lists; got '\(formatName)'.")
        }
        let chunks: ExportChunks
        do { chunks = try await BankExporter(store: store).chunks(bankId: bank.id, options: ExportOptions(format: format)) } catch {
            throw APIError.badRequest(error.description)
        }
        let contentType = format == .csv ? "text/csv; charset=utf-8" : format == .jsonl ? "application/x-ndjson" : "text/plain; charset=utf-8"
        return Response(status: .ok, headers: [.contentType: contentType],
                        body: ResponseBody { writer in
                            var iterator = chunks.makeAsyncIterator()
                            while let chunk = try await iterator.next() {
                                try await writer.write(ByteBuffer(bytes: chunk))
                            }
                            try await writer.finish(nil)
                        })
    }
}

/// The request body as byte chunks, failing once more than `limit` bytes arrive.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    let body: RequestBody
    let limit: Int

    struct LimitExceeded: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "the upload is over the limit of \(limit) bytes" }
    }

    func makeAsyncIterator() -> Iterator { Iterator(base: body.makeAsyncIterator(), limit: limit) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> [UInt8]? {
            guard let buffer = try await base.next() else { return nil }
            seen += buffer.readableBytes
            if seen > limit { throw LimitExceeded(limit: limit) }
            return Array(buffer.readableBytesView)
        }
    }
}
