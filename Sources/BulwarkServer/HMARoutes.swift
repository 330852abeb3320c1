import Foundation
import HTTPTypes
import Hummingbird
import Matching
import MediaHashing
import NIOCore
import PDQ
import Storage

/// Routes with the request and response shapes of HMA 2.0 (OpenMediaMatch), so a platform
/// integrated with HMA can point at Bulwark by changing its base URL. Deviations, all on the
/// side of safety, are listed in docs/hma-compat.md: an API key is required; URLs are never
/// fetched (upload the file instead); thresholds are per bank.
struct HMARoutes {
    let store: any BulwarkStore
    let engine: MatchEngine
    let configuration: ServerConfiguration

    func register(on router: Router<BulwarkRequestContext>, auth: APIKeyMiddleware, audit: AuditMiddleware) {
        router.get("status") { _, _ -> Response in
            let ready = self.engine.isReady
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: ready ? "I-AM-ALIVE" : "INDEX-NOT-LOADED")))
        }
        router.get("livez") { _, _ in "OK" }
        let errors = HMAErrorMiddleware()
        let h = router.group("h").add(middleware: errors).add(middleware: auth)
        h.get("hash", use: hashByURL)
        h.post("hash", use: hashUpload)
        let m = router.group("m").add(middleware: errors).add(middleware: auth)
        m.get("raw_lookup", use: rawLookup)
        m.get("lookup", use: lookupByHash)
        m.post("lookup", use: lookupUpload)
        m.get("index/status", use: indexStatus)
        m.post("compare", use: compare)
        let c = router.group("c").add(middleware: errors).add(middleware: auth).add(middleware: audit)
        c.get("banks", use: listBanks)
        c.post("banks", use: createBank)
        c.get("bank/{bank}", use: getBank)
        c.put("bank/{bank}", use: updateBank)
        c.delete("bank/{bank}", use: deleteBank)
        c.post("bank/{bank}/content", use: addContent)
        c.post("bank/{bank}/signal", use: addSignal)
        c.get("bank/{bank}/content/{id}", use: getContent)
        c.put("bank/{bank}/content/{id}", use: updateContent)
        c.delete("bank/{bank}/content/{id}", use: deleteContent)
        c.get("signal_type") { _, context -> Response in
            _ = try HMAError.wrap { try context.require(.ingest) }
            return Self.json(#"[{"name":"pdq","enabled_ratio":1.0},{"name":"video_md5","enabled_ratio":1.0}]"#)
        }
        c.get("content_type") { _, context -> Response in
            _ = try HMAError.wrap { try context.require(.ingest) }
            return Self.json(#"[{"name":"photo","enabled":true},{"name":"video","enabled":false}]"#)
        }
        c.get("exchanges") { _, _ in Self.json("[]") }
        c.get("exchanges/apis") { _, _ in Self.json("[]") }
    }

    // MARK: - Helpers

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return json(String(decoding: try encoder.encode(value), as: UTF8.self), status: status)
    }

    /// HMA's signal type names: `pdq` for photos, `video_md5` for video files (Bulwark's `md5`).
    static func signalType(hma name: String) throws(HMAError) -> SignalType {
        switch name {
        case "pdq": return .pdq
        case "video_md5": return .md5
        default: throw .badRequest("No such SignalType '\(name)'")
        }
    }

    static func hmaName(_ type: SignalType) -> String {
        switch type {
        case .pdq: return "pdq"
        case .md5: return "video_md5"
        case .sha256: return "sha256"
        }
    }

    static func validate(_ signal: String, as type: SignalType) throws(HMAError) -> String {
        switch type {
        case .pdq:
            guard signal.utf8.count == 64, signal.utf8.allSatisfy(HexText.isLowercaseHex) else {
                throw .badRequest("invalid signal: invalid PDQ hash")
            }
            return signal
        case .md5:
            let value = signal.trimmingCharacters(in: .whitespaces).lowercased()
            guard value.utf8.count == 32, value.utf8.allSatisfy(HexText.isHexDigit) else { throw .badRequest("invalid signal: invalid MD5 hash") }
            return value
        case .sha256:
            throw .badRequest("No such SignalType 'sha256'")
        }
    }

    /// The single uploaded file of an HMA multipart request and its content type (field name).
    func upload(_ request: Request) async throws -> (contentType: String, bytes: [UInt8]) {
        guard let boundary = MultipartForm.boundary(fromContentType: request.headers[.contentType]) else {
            throw HMAError.badRequest("Missing multipart/form-data file upload")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: configuration.maxMediaBytes + 64 * 1024)
        } catch is NIOTooManyBytesError {
            throw HMAError(status: .contentTooLarge, message: "Content too large")
        } catch {
            throw HMAError(status: .contentTooLarge, message: "Content too large")
        }
        let form: MultipartForm
        do {
            form = try MultipartForm(body: Array(buffer.readableBytesView), boundary: boundary)
        } catch {
            throw HMAError.badRequest("\(error)")
        }
        let files = form.parts.filter { $0.filename != nil }
        guard !files.isEmpty else { throw HMAError.badRequest("Missing multipart/form-data file upload") }
        guard files.count == 1 else { throw HMAError.badRequest("Only one file allowed per request") }
        return (files[0].name, files[0].data)
    }

    /// Hashes an uploaded photo as HMA would answer: PDQ, or "" when quality is below 50.
    func hashPhoto(_ bytes: [UInt8]) throws -> (pdq: String, hashes: MediaHashes) {
        let hashes: MediaHashes
        do {
            hashes = try MediaHasher.hash(bytes, options: MediaHashOptions(limits: configuration.decodeLimits))
        } catch {
            throw HMAError.badRequest("could not hash the photo: \(error)")
        }
        return (hashes.quality >= 50 ? hashes.pdq.hex : "", hashes)
    }

    func hashUploaded(_ upload: (contentType: String, bytes: [UInt8])) throws -> [String: String] {
        switch upload.contentType {
        case "photo":
            return ["pdq": try hashPhoto(upload.bytes).pdq]
        case "video":
            // Video hashing arrives with the video work; the file MD5 is HMA's video_md5.
            let hashes = MediaHasher.digests(upload.bytes)
            return ["video_md5": hashes.md5]
        default:
            throw HMAError.badRequest("no such content_type: '\(upload.contentType)'")
        }
    }

    static let noURLs = "Bulwark never fetches URLs supplied by clients (a server-side request forgery risk). "
        + "Upload the file instead: POST with multipart/form-data, field name 'photo'."

    // MARK: - /h

    @Sendable func hashByURL(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        throw HMAError.badRequest(Self.noURLs)
    }

    @Sendable func hashUpload(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        return try Self.json(try hashUploaded(try await upload(request)))
    }

    // MARK: - /m

    struct LookupHit: Encodable {
        var bank_content_id: Int64
        var distance: String
    }

    func bankMap(_ matches: [Match], banks filter: Set<String>?) -> [String: [LookupHit]] {
        var out: [String: [LookupHit]] = [:]
        for match in matches where !match.fromNegativeBank && !match.suppressed {
            if let filter, !filter.contains(match.bankName) { continue }
            out[match.bankName, default: []].append(LookupHit(
                bank_content_id: match.entryId, distance: match.signalType == .pdq ? String(match.distance) : "-"))
        }
        return out
    }

    static func banksFilter(_ request: Request) -> Set<String>? {
        guard let text = request.uri.queryParameters["banks"], !text.isEmpty else { return nil }
        return Set(text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    func query(signal: String, type: SignalType) -> MatchQuery {
        switch type {
        case .pdq: return MatchQuery(pdq: PDQHash(signal))
        case .md5: return MatchQuery(md5: signal)
        case .sha256: return MatchQuery(sha256: signal)
        }
    }

    func signalParameters(_ request: Request) throws(HMAError) -> (signal: String, type: SignalType)? {
        guard let signal = request.uri.queryParameters["signal"].map(String.init),
              let typeName = request.uri.queryParameters["signal_type"].map(String.init) else { return nil }
        let type = try Self.signalType(hma: typeName)
        return (try Self.validate(signal, as: type), type)
    }

    @Sendable func rawLookup(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        guard engine.isReady else { throw HMAError(status: .serviceUnavailable, message: "index not yet ready") }
        guard let (signal, type) = try signalParameters(request) else {
            throw HMAError(status: .unprocessableContent, message: "signal and signal_type are required")
        }
        let includeDistance = ["true", "1", "yes", "on", "t", "y"].contains(request.uri.queryParameters["include_distance"]?.lowercased() ?? "")
        let filter = Self.banksFilter(request)
        let matches = engine.match(query(signal: signal, type: type), includeDisabledBanks: true)
            .filter { filter?.contains($0.bankName) ?? true }
        if includeDistance {
            struct Body: Encodable { var matches: [LookupHit] }
            return try Self.json(Body(matches: matches.map { LookupHit(bank_content_id: $0.entryId, distance: $0.signalType == .pdq ? String($0.distance) : "-") }))
        }
        struct Body: Encodable { var matches: [Int64] }
        return try Self.json(Body(matches: matches.map(\.entryId)))
    }

    @Sendable func lookupByHash(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        if request.uri.queryParameters["url"] != nil { throw HMAError.badRequest(Self.noURLs) }
        guard engine.isReady else { throw HMAError(status: .serviceUnavailable, message: "index not yet ready") }
        guard let (signal, type) = try signalParameters(request) else {
            throw HMAError.badRequest("Either url or both signal and signal_type are required")
        }
        let matches = engine.match(query(signal: signal, type: type))
        MatchMetrics.record(matches)
        return try Self.json(bankMap(matches, banks: Self.banksFilter(request)))
    }

    @Sendable func lookupUpload(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        guard engine.isReady else { throw HMAError(status: .serviceUnavailable, message: "index not yet ready") }
        let signals = try hashUploaded(try await upload(request))
        var out: [String: [String: [LookupHit]]] = [:]
        for (name, value) in signals {
            let type = try Self.signalType(hma: name)
            let signal = try Self.validate(value, as: type)
            out[name] = bankMap(engine.match(query(signal: signal, type: type)), banks: Self.banksFilter(request))
        }
        return try Self.json(out)
    }

    @Sendable func indexStatus(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        struct Status: Encodable { var present: Bool; var built_to: Int; var size: Int }
        let status = engine.status
        let builtTo = status.lastAppliedAt.map { Int($0.timeIntervalSince1970) } ?? -1
        var out = ["pdq": Status(present: status.ready, built_to: status.ready ? builtTo : -1, size: status.pdqCount),
                   "video_md5": Status(present: status.ready, built_to: status.ready ? builtTo : -1, size: status.md5Count)]
        if let only = request.uri.queryParameters["signal_type"].map(String.init) {
            guard let one = out[only] else { throw HMAError.badRequest("No such signal type '\(only)'") }
            out = [only: one]
        }
        return try Self.json(out)
    }

    @Sendable func compare(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw HMAError.badRequest("Request input was not a dict")
        }
        var parts: [String] = []
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            guard let pair = value as? [String], pair.count == 2 else { throw HMAError.badRequest("\(name): expected a list of exactly two hashes") }
            let type = try Self.signalType(hma: name)
            let a = try Self.validate(pair[0], as: type), b = try Self.validate(pair[1], as: type)
            if type == .pdq, let x = PDQHash(a), let y = PDQHash(b) {
                let d = x.distance(to: y)
                parts.append("\(JSONText.quote(name)):[\(d <= 31),{\"distance\":\(d)}]")
            } else {
                parts.append("\(JSONText.quote(name)):[\(a == b),{}]")
            }
        }
        return Self.json("{" + parts.joined(separator: ",") + "}")
    }

    // MARK: - /c

    struct HMABank: Encodable {
        var name: String
        var matching_enabled_ratio: Double
        init(_ bank: Bank) {
            name = bank.name
            matching_enabled_ratio = bank.enabled ? 1.0 : 0.0
        }
    }

    func bank(_ context: BulwarkRequestContext) async throws -> Bank {
        let name = try context.parameters.require("bank")
        do { return try await store.bank(named: name) } catch {
            throw HMAError(status: .notFound, message: "bank '\(name)' not found")
        }
    }

    @Sendable func listBanks(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        do { return try Self.json(try await store.listBanks().map(HMABank.init)) } catch let error as StoreError {
            throw HMAError(status: .serviceUnavailable, message: error.description)
        }
    }

    struct BankBody: Decodable {
        var name: String?
        var enabled: Bool?
        var enabled_ratio: Double?
    }

    func decodeBody<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do { return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView)) } catch {
            throw HMAError(status: .unprocessableContent, message: "the JSON body does not have the expected fields")
        }
    }

    static func enabled(_ body: BankBody) throws(HMAError) -> Bool? {
        if let ratio = body.enabled_ratio {
            guard ratio == 0 || ratio == 1 else {
                throw .badRequest("Bulwark banks are enabled or disabled: enabled_ratio must be 0 or 1")
            }
            return ratio == 1
        }
        return body.enabled
    }

    @Sendable func createBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        let body = try await decodeBody(BankBody.self, request)
        guard let name = body.name else { throw HMAError(status: .unprocessableContent, message: "name is required") }
        do {
            let bank = try await store.createBank(NewBank(name: name, enabled: try Self.enabled(body) ?? true))
            return try Self.json(HMABank(bank), status: .created)
        } catch let error as StoreError {
            if case .bankNameTaken = error { throw HMAError(status: .forbidden, message: "Bank already exists") }
            throw HMAError.badRequest(error.description)
        }
    }

    @Sendable func getBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.ingest) }
        return try Self.json(HMABank(try await bank(context)))
    }

    @Sendable func updateBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        var bank = try await bank(context)
        let body = try await decodeBody(BankBody.self, request)
        let enabled = try Self.enabled(body)  // validated before anything changes
        do {
            if let name = body.name, name != bank.name { bank = try await store.renameBank(id: bank.id, to: name) }
            if let enabled { bank = try await store.updateBank(id: bank.id, BankUpdate(enabled: enabled)) }
        } catch {
            if case .bankNameTaken = error { throw HMAError(status: .forbidden, message: "Bank name already exists") }
            throw HMAError.badRequest(error.description)
        }
        return try Self.json(HMABank(bank))
    }

    @Sendable func deleteBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        if let bank = try? await bank(context) { _ = try? await store.deleteBank(id: bank.id) }
        return Self.json(#"{"message":"Done"}"#)
    }

    struct ContentCreated: Encodable {
        var id: Int64
        var signals: [String: String]
    }

    func add(signals: [String: String], note: String?, to bank: Bank, by key: APIKey) async throws -> Response {
        guard !signals.isEmpty else { throw HMAError.badRequest("No signals given") }
        if let note, note.count > 255 { throw HMAError.badRequest("note must be at most 255 characters") }
        var firstId: Int64?
        var stored: [String: String] = [:]
        for (name, value) in signals.sorted(by: { $0.key < $1.key }) {
            let type: SignalType
            do { type = try Self.signalType(hma: name) } catch { throw HMAError.badRequest("No such signal type \(name)") }
            let normalised: String
            do { normalised = try Self.validate(value, as: type) } catch {
                throw HMAError.badRequest("Invalid \(name) signal: invalid \(name == "pdq" ? "PDQ" : "MD5") hash")
            }
            do {
                let result = try await store.addEntry(
                    NewEntry(signalType: type, value: normalised, source: "hma-api", addedBy: key.name, note: note?.isEmpty == true ? nil : note),
                    toBank: bank.id)
                firstId = firstId ?? result.entry.id
                stored[name] = normalised
            } catch {
                throw HMAError.badRequest(error.description)
            }
        }
        return try Self.json(ContentCreated(id: firstId ?? 0, signals: stored))
    }

    @Sendable func addContent(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try HMAError.wrap { try context.require(.curator) }
        let bank = try await bank(context)
        if request.uri.queryParameters["url"] != nil { throw HMAError.badRequest(Self.noURLs) }
        guard MultipartForm.boundary(fromContentType: request.headers[.contentType]) != nil else {
            throw HMAError.badRequest("Neither `url` nor multipart file upload was received")
        }
        let signals = try hashUploaded(try await upload(request))
        return try await add(signals: signals, note: nil, to: bank, by: key)
    }

    @Sendable func addSignal(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try HMAError.wrap { try context.require(.curator) }
        let bank = try await bank(context)
        let buffer = try await request.body.collect(upTo: 1 << 20)
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw HMAError(status: .unsupportedMediaType, message: "the body must be a JSON object")
        }
        var signals: [String: String] = [:]
        var note: String?
        for (name, value) in object {
            if name == "note" {
                guard let text = value as? String else { throw HMAError.badRequest("note should be a string") }
                note = text
                continue
            }
            guard let text = value as? String else { throw HMAError.badRequest("Invalid \(name) signal") }
            signals[name] = text
        }
        return try await add(signals: signals, note: note, to: bank, by: key)
    }

    func contentId(_ context: BulwarkRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw HMAError(status: .notFound, message: "content not found") }
        return id
    }

    func bankEntry(_ context: BulwarkRequestContext, in bank: Bank) async throws -> BankEntry {
        let id = try contentId(context)
        guard let entry = try? await store.entry(id: id), entry.bankId == bank.id else {
            throw HMAError(status: .notFound, message: "content '\(id)' not found")
        }
        return entry
    }

    struct ContentBody: Encodable {
        var id: Int64
        var disable_until_ts: Int
        var original_media_uri: String?
        var bank: HMABank
        var signals: [String: String]?
        var note: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(disable_until_ts, forKey: .disable_until_ts)
            try c.encode(original_media_uri, forKey: .original_media_uri)  // always present, null
            try c.encode(bank, forKey: .bank)
            try c.encodeIfPresent(signals, forKey: .signals)
            try c.encodeIfPresent(note, forKey: .note)
        }
        enum CodingKeys: String, CodingKey { case id, disable_until_ts, original_media_uri, bank, signals, note }
    }

    @Sendable func getContent(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        let bank = try await bank(context)
        let entry = try await bankEntry(context, in: bank)
        let includeSignals = request.uri.queryParameters["include_signals"]?.lowercased() == "true"
        return try Self.json(ContentBody(
            id: entry.id, disable_until_ts: entry.enabled ? 1 : 0, original_media_uri: nil, bank: HMABank(bank),
            signals: includeSignals ? [Self.hmaName(entry.signalType): entry.value] : nil, note: entry.note))
    }

    @Sendable func updateContent(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        let bank = try await bank(context)
        var entry = try await bankEntry(context, in: bank)
        struct Body: Decodable { var disable_until_ts: Int?; var note: String? }
        let body = try await decodeBody(Body.self, request)
        if let until = body.disable_until_ts {
            guard until == 0 || until == 1 else {
                throw HMAError.badRequest("Bulwark entries are enabled (1) or disabled (0); timed disabling is not supported")
            }
            let updated: BankEntry
            do { updated = try await store.setEntryEnabled(id: entry.id, until == 1) } catch {
                throw HMAError.badRequest(error.description)
            }
            entry = updated
        }
        return try Self.json(ContentBody(id: entry.id, disable_until_ts: entry.enabled ? 1 : 0, original_media_uri: nil,
                                         bank: HMABank(bank), signals: nil, note: entry.note))
    }

    @Sendable func deleteContent(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try HMAError.wrap { try context.require(.curator) }
        let bank = try await bank(context)
        guard let entry = try? await bankEntry(context, in: bank) else { return Self.json(#"{"deleted":0}"#) }
        let deleted = (try? await store.deleteEntry(id: entry.id)) != nil
        return Self.json(#"{"deleted":\#(deleted ? 1 : 0)}"#)
    }
}

/// Gives authentication failures on HMA routes HMA's error shape.
struct HMAErrorMiddleware: RouterMiddleware {
    typealias Context = BulwarkRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let error as APIError {
            throw HMAError(status: error.status, message: error.message)
        }
    }
}

/// HMA's error body: `{"message": "..."}`.
struct HMAError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> HMAError { HMAError(status: .badRequest, message: message) }

    /// Runs an authorisation check, converting its API error into HMA's shape.
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as APIError {
            throw HMAError(status: error.status, message: error.message)
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        HMARoutes.json(#"{"message":\#(JSONText.quote(message))}"#, status: status)
    }
}
