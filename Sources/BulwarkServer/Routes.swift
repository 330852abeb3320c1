import Foundation
import Hummingbird
import Logging
import Metrics
import Matching
import MediaDecode
import MediaHashing
import NIOCore
import PDQ
import Storage
import Synchronization

/// The `/v1` API: hashing, matching, banks and entries, index status.
struct V1Routes {
    let store: any BulwarkStore
    let engine: MatchEngine
    let configuration: ServerConfiguration
    /// Entry metadata for match answers, so a hot entry does not cost a database read per match.
    /// Match state (enabled, quarantined, bank settings) always comes from the engine; only
    /// descriptive fields (source, external id, note) can be up to a minute old.
    let entries = EntryMetadataCache()

    func register(on group: RouterGroup<BulwarkRequestContext>) {
        group.post("hash", use: hash)
        group.post("match", use: match)
        group.get("index/status", use: indexStatus)

        group.get("banks", use: listBanks)
        group.post("banks", use: createBank)
        group.get("banks/{name}", use: getBank)
        group.patch("banks/{name}", use: updateBank)
        group.delete("banks/{name}", use: deleteBank)
        group.get("banks/{name}/entries", use: listEntries)
        group.post("banks/{name}/entries", use: addEntries)
        group.get("entries/{id}", use: getEntry)
        group.patch("entries/{id}", use: updateEntry)
        group.delete("entries/{id}", use: deleteEntry)
        // List entries (URLs, domains, handles…) are added through `banks/{name}/entries` with a
        // list signal type; they have their own ids, so reading, changing and deleting them has
        // its own paths.
        group.get("banks/{name}/list-entries", use: listListEntries)
        group.get("list-entries/{id}", use: getListEntry)
        group.patch("list-entries/{id}", use: updateListEntry)
        group.delete("list-entries/{id}", use: deleteListEntry)
    }

    // MARK: - Media

    /// Reads an uploaded file (the raw request body) within the configured limit.
    func media(_ request: Request) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: configuration.maxMediaBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: configuration.maxMediaBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError.payloadTooLarge(limit: configuration.maxMediaBytes)
        }
    }

    func hashMedia(_ buffer: ByteBuffer, dihedral: Bool) throws -> MediaHashes {
        let options = MediaHashOptions(dihedral: dihedral, limits: configuration.decodeLimits)
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("The request body is empty: send the image bytes as the body.") }
        do {
            return try buffer.withUnsafeReadableBytes { try MediaHasher.hash($0, options: options) }
        } catch let error as MediaHashError {
            throw APIError.from(error)
        }
    }

    @Sendable func hash(_ request: Request, context: BulwarkRequestContext) async throws -> HashesJSON {
        _ = try context.require(.ingest)
        let dihedral = request.uri.queryParameters["dihedral"].map { $0 == "true" || $0 == "1" } ?? false
        return HashesJSON(try hashMedia(try await media(request), dihedral: dihedral))
    }

    /// Match by hashes (JSON body) or by file (any other body): the answer carries the computed
    /// hashes and the matches.
    @Sendable func match(_ request: Request, context: BulwarkRequestContext) async throws -> MatchResponseJSON {
        let key = try context.require(.ingest)
        guard engine.isReady else { throw APIError.notReady }
        let isJSON = request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false
        let dihedralParam = request.uri.queryParameters["dihedral"].map { $0 == "true" || $0 == "1" } ?? false
        var response: MatchResponseJSON
        let query: MatchQuery
        if isJSON {
            let body = try await decode(MatchRequestJSON.self, request, context)
            query = try Self.query(from: body)
            response = MatchResponseJSON(hashes: nil, query: body, matches: [])
        } else {
            let hashes = try hashMedia(try await media(request), dihedral: dihedralParam)
            query = MatchQuery(pdq: hashes.quality > 0 ? hashes.pdq : nil, dihedral: hashes.dihedral, md5: hashes.md5,
                               sha256: hashes.sha256, itemKey: request.uri.queryParameters["itemKey"].map(String.init) ?? hashes.sha256)
            response = MatchResponseJSON(hashes: HashesJSON(hashes), query: nil, matches: [])
        }
        let matches = engine.match(query)
        MatchMetrics.record(matches)
        var out: [MatchJSON] = []
        for m in matches.prefix(100) {
            var entry = entries.get(m.entryId)
            if entry == nil, let fetched = try? await store.entry(id: m.entryId) {
                entries.put(fetched)
                entry = fetched
            }
            out.append(MatchJSON(m, entry: entry))
        }
        response.matches = out
        context.logger.debug("match", metadata: ["key": "\(key.prefix)", "matches": "\(matches.count)"])
        return response
    }

    static func query(from body: MatchRequestJSON) throws -> MatchQuery {
        var query = MatchQuery(itemKey: body.itemKey)
        if let text = body.pdq {
            do { query.pdq = try PDQHash(validating: text) } catch {
                throw APIError.badRequest("pdq: \(error)")
            }
            // `dihedral` is accepted but a bare hash matches as given: PDQ's dihedral variants
            // come from the DCT, not from the bits, so they need the file (POST the bytes).
        }
        if let md5 = body.md5 {
            guard md5.count == 32, md5.utf8.allSatisfy(HexText.isHexDigit) else { throw APIError.badRequest("md5: expected 32 hex digits, got \(md5.count) characters") }
            query.md5 = md5.lowercased()
        }
        if let sha = body.sha256 {
            guard sha.count == 64, sha.utf8.allSatisfy(HexText.isHexDigit) else { throw APIError.badRequest("sha256: expected 64 hex digits, got \(sha.count) characters") }
            query.sha256 = sha.lowercased()
        }
        guard query.pdq != nil || query.md5 != nil || query.sha256 != nil else {
            throw APIError.badRequest("Give at least one of pdq, md5, sha256 (or send the media bytes with a non-JSON content type).")
        }
        return query
    }

    @Sendable func indexStatus(_ request: Request, context: BulwarkRequestContext) async throws -> IndexStatusJSON {
        _ = try context.require(.ingest)
        return IndexStatusJSON(engine.status)
    }

    // MARK: - Banks

    func bank(named name: String) async throws -> Bank {
        do { return try await store.bank(named: name) } catch { throw APIError.from(error) }
    }

    func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: BulwarkRequestContext) async throws -> T {
        do {
            return try await request.decode(as: type, context: context)
        } catch let error as DecodingError {
            throw APIError.badRequest("The JSON body does not have the expected shape: \(Self.describe(error))")
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge(limit: context.maxUploadSize)
        } catch let error as HTTPError {
            if error.status == .contentTooLarge { throw APIError.payloadTooLarge(limit: context.maxUploadSize) }
            throw APIError.badRequest("The body is not valid JSON.")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.map(\.stringValue).joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at '\(path(context.codingPath))'"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "invalid value at '\(path(context.codingPath))'"
        @unknown default: return "invalid JSON"
        }
    }

    @Sendable func listBanks(_ request: Request, context: BulwarkRequestContext) async throws -> BankListJSON {
        _ = try context.require(.ingest)
        do {
            let banks = try await store.listBanks()
            let counts = try await store.entryCounts(bankId: nil)
            let listCounts = try await store.listEntryCounts(bankId: nil)
            return BankListJSON(banks: banks.map { BankJSON($0, counts: counts, listCounts: listCounts) })
        } catch { throw APIError.from(error) }
    }

    @Sendable func createBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let body = try await decode(NewBankJSON.self, request, context)
        let new = NewBank(name: body.name, enabled: body.enabled ?? true, pdqThreshold: body.pdqThreshold ?? 31,
                          category: body.category, action: body.action, isNegative: body.negative ?? false)
        do {
            let bank = try await store.createBank(new)
            return try BankJSON(bank).response(from: request, context: context).withStatus(.created)
        } catch { throw APIError.from(error) }
    }

    @Sendable func getBank(_ request: Request, context: BulwarkRequestContext) async throws -> BankJSON {
        _ = try context.require(.ingest)
        let bank = try await bank(named: try context.parameters.require("name"))
        do {
            return BankJSON(bank, counts: try await store.entryCounts(bankId: bank.id),
                            listCounts: try await store.listEntryCounts(bankId: bank.id))
        } catch { throw APIError.from(error) }
    }

    @Sendable func updateBank(_ request: Request, context: BulwarkRequestContext) async throws -> BankJSON {
        _ = try context.require(.curator)
        var bank = try await bank(named: try context.parameters.require("name"))
        let body = try await decode(BankUpdateJSON.self, request, context)
        // Check everything before changing anything, so a rejected request changes nothing.
        if let threshold = body.pdqThreshold, !(0...256).contains(threshold) {
            throw APIError.badRequest("pdqThreshold must be between 0 and 256 bits (the exchanges use 31); got \(threshold).")
        }
        do {
            if let name = body.name, name != bank.name { bank = try await store.renameBank(id: bank.id, to: name) }
            var update = BankUpdate()
            update.enabled = body.enabled
            update.pdqThreshold = body.pdqThreshold
            update.isNegative = body.negative
            if let category = body.category { update.category = category.isEmpty ? .clear : .set(category) }
            if let action = body.action { update.action = action.isEmpty ? .clear : .set(action) }
            bank = try await store.updateBank(id: bank.id, update)
            return BankJSON(bank)
        } catch { throw APIError.from(error) }
    }

    @Sendable func deleteBank(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let bank = try await bank(named: try context.parameters.require("name"))
        do { _ = try await store.deleteBank(id: bank.id) } catch { throw APIError.from(error) }
        return Response(status: .noContent)
    }

    // MARK: - Entries

    @Sendable func listEntries(_ request: Request, context: BulwarkRequestContext) async throws -> EntryListJSON {
        // Hash lists are sensitive: only curators and admins read them.
        _ = try context.require(.curator)
        let bank = try await bank(named: try context.parameters.require("name"))
        let after = Int64(request.uri.queryParameters["after"].map(String.init) ?? "0") ?? 0
        let limit = min(max(Int(request.uri.queryParameters["limit"].map(String.init) ?? "100") ?? 100, 1), 1_000)
        do {
            let entries = try await store.entries(inBank: bank.id, after: after, limit: limit)
            return EntryListJSON(entries: entries.map { EntryJSON($0) }, next: entries.count == limit ? entries.last?.id : nil)
        } catch { throw APIError.from(error) }
    }

    /// Adds hash entries (`pdq`, `md5`, `sha256`) and list entries (`url`, `domain`, `handle`,
    /// `wallet`, `keyword`, `url-md5`, `url-sha256`) in one request. The two kinds live in two
    /// tables and are written in two transactions (hashes first); without `onInvalid: skip`
    /// every list row is checked before anything is written, so a rejected request writes nothing.
    @Sendable func addEntries(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        let key = try context.require(.curator)
        let bank = try await bank(named: try context.parameters.require("name"))
        let body = try await decode(NewEntriesJSON.self, request, context)
        guard !body.entries.isEmpty else { throw APIError.badRequest("'entries' is empty.") }
        guard body.entries.count <= 10_000 else { throw APIError.badRequest("At most 10,000 entries per request; use import for more.") }
        var hashRows: [NewEntry] = [], hashIndexes: [Int] = []
        var listRows: [NewListEntry] = [], listIndexes: [Int] = []
        for (index, e) in body.entries.enumerated() {
            if let type = SignalType(rawValue: e.signalType.lowercased()) {
                hashRows.append(NewEntry(signalType: type, value: e.value, source: e.source, externalId: e.externalId,
                                         category: e.category, addedAt: nil, addedBy: key.name, note: e.note, enabled: e.enabled ?? true))
                hashIndexes.append(index)
            } else if let type = ListSignalType(name: e.signalType) {
                listRows.append(NewListEntry(signalType: type, value: e.value, source: e.source, externalId: e.externalId,
                                             category: e.category, addedAt: nil, addedBy: key.name, note: e.note,
                                             enabled: e.enabled ?? true))
                listIndexes.append(index)
            } else {
                throw APIError.badRequest("entries[\(index)].signalType: '\(e.signalType)' is not one of pdq, md5, sha256, "
                    + ListSignalType.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        let policy: InvalidRowPolicy = body.onInvalid == "skip" ? .skip : .rejectBatch
        if policy == .rejectBatch && !hashRows.isEmpty {
            var rejected: [BatchRowError] = []
            for (k, row) in listRows.enumerated() {
                do throws(StoreError) { try row.validate() } catch { rejected.append(BatchRowError(index: listIndexes[k], error: error)) }
            }
            if !rejected.isEmpty { throw APIError.from(StoreError.invalidBatch(rejected)) }
        }
        var results = [RowResultJSON?](repeating: nil, count: body.entries.count)
        var inserted = 0, duplicates = 0, invalid = 0
        func record(_ result: BatchResult, indexes: [Int], kind: String) {
            for (k, outcome) in result.outcomes.enumerated() {
                let index = indexes[k]
                switch outcome {
                case .inserted(let id):
                    inserted += 1
                    results[index] = RowResultJSON(index: index, kind: kind, status: "inserted", id: id, message: nil)
                case .duplicate(let id):
                    duplicates += 1
                    results[index] = RowResultJSON(index: index, kind: kind, status: "duplicate", id: id, message: nil)
                case .invalid(let error):
                    invalid += 1
                    results[index] = RowResultJSON(index: index, kind: kind, status: "invalid", id: nil, message: error.description)
                }
            }
        }
        /// A rejected batch names rows by their position in the request, not in the store's batch.
        func inRequest(_ error: StoreError, indexes: [Int]) -> APIError {
            guard case .invalidBatch(let rows) = error else { return APIError.from(error) }
            return APIError.from(StoreError.invalidBatch(rows.map { BatchRowError(index: indexes[$0.index], error: $0.error) }))
        }
        if !hashRows.isEmpty {
            do {
                record(try await store.addEntries(hashRows, toBank: bank.id, invalidRows: policy, checkpoint: nil), indexes: hashIndexes, kind: "hash")
            } catch { throw inRequest(error, indexes: hashIndexes) }
        }
        if !listRows.isEmpty {
            do {
                record(try await store.addListEntries(listRows, toBank: bank.id, invalidRows: policy, checkpoint: nil), indexes: listIndexes, kind: "list")
            } catch { throw inRequest(error, indexes: listIndexes) }
        }
        let json = AddEntriesResponseJSON(inserted: inserted, duplicates: duplicates, invalid: invalid,
                                          results: results.enumerated().map { index, row in
                                              row ?? RowResultJSON(index: index, kind: "hash", status: "invalid", id: nil, message: "row outcome missing")
                                          })
        return try json.response(from: request, context: context).withStatus(inserted > 0 ? .created : .ok)
    }

    func entryId(_ context: BulwarkRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else {
            throw APIError.badRequest("The entry id must be a positive integer.")
        }
        return id
    }

    @Sendable func getEntry(_ request: Request, context: BulwarkRequestContext) async throws -> EntryJSON {
        _ = try context.require(.curator)
        do { return EntryJSON(try await store.entry(id: try entryId(context))) } catch let error as StoreError { throw APIError.from(error) }
    }

    @Sendable func updateEntry(_ request: Request, context: BulwarkRequestContext) async throws -> EntryJSON {
        _ = try context.require(.curator)
        let id = try entryId(context)
        let body = try await decode(EntryUpdateJSON.self, request, context)
        do {
            var entry = try await store.entry(id: id)
            if let enabled = body.enabled { entry = try await store.setEntryEnabled(id: id, enabled) }
            if let quarantined = body.quarantined {
                entry = quarantined
                    ? try await store.quarantineEntry(id: id, reason: body.quarantineReason ?? "quarantined by a curator")
                    : try await store.clearQuarantine(entryId: id)
            }
            return EntryJSON(entry)
        } catch { throw APIError.from(error) }
    }

    @Sendable func deleteEntry(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        do { _ = try await store.deleteEntry(id: try entryId(context)) } catch let error as StoreError { throw APIError.from(error) }
        return Response(status: .noContent)
    }
}

// MARK: - List entries

extension V1Routes {
    @Sendable func listListEntries(_ request: Request, context: BulwarkRequestContext) async throws -> ListEntryListJSON {
        // URL and keyword lists are as sensitive as hash lists: only curators and admins read them.
        _ = try context.require(.curator)
        let bank = try await bank(named: try context.parameters.require("name"))
        let after = Int64(request.uri.queryParameters["after"].map(String.init) ?? "0") ?? 0
        let limit = min(max(Int(request.uri.queryParameters["limit"].map(String.init) ?? "100") ?? 100, 1), 1_000)
        do {
            let entries = try await store.listEntries(inBank: bank.id, after: after, limit: limit)
            return ListEntryListJSON(entries: entries.map(ListEntryJSON.init), next: entries.count == limit ? entries.last?.id : nil)
        } catch { throw APIError.from(error) }
    }

    @Sendable func getListEntry(_ request: Request, context: BulwarkRequestContext) async throws -> ListEntryJSON {
        _ = try context.require(.curator)
        let id = try entryId(context)
        do { return ListEntryJSON(try await store.listEntry(id: id)) } catch { throw APIError.from(error) }
    }

    @Sendable func updateListEntry(_ request: Request, context: BulwarkRequestContext) async throws -> ListEntryJSON {
        _ = try context.require(.curator)
        let id = try entryId(context)
        let body = try await decode(ListEntryUpdateJSON.self, request, context)
        do {
            guard let enabled = body.enabled else { return ListEntryJSON(try await store.listEntry(id: id)) }
            return ListEntryJSON(try await store.setListEntryEnabled(id: id, enabled))
        } catch { throw APIError.from(error) }
    }

    @Sendable func deleteListEntry(_ request: Request, context: BulwarkRequestContext) async throws -> Response {
        _ = try context.require(.curator)
        let id = try entryId(context)
        do { _ = try await store.deleteListEntry(id: id) } catch { throw APIError.from(error) }
        return Response(status: .noContent)
    }
}

/// Prometheus counters for matching: queries, and matches by bank and whether they may act.
enum MatchMetrics {
    static let queries = Counter(label: "bulwark_match_queries_total")

    static func record(_ matches: [Match]) {
        queries.increment()
        for match in matches {
            Counter(label: "bulwark_matches_total", dimensions: [
                ("bank", match.bankName), ("signal_type", match.signalType.rawValue),
                ("actionable", match.actionable ? "true" : "false"),
            ]).increment()
        }
    }
}

/// A bounded, time-limited cache of bank entries by id.
final class EntryMetadataCache: Sendable {
    private let storage = Mutex<[Int64: (entry: BankEntry, expires: ContinuousClock.Instant)]>([:])
    let lifetime: Duration = .seconds(60)
    let capacity = 100_000

    func get(_ id: Int64) -> BankEntry? {
        storage.withLock { cache in
            guard let hit = cache[id] else { return nil }
            if hit.expires < .now { cache[id] = nil; return nil }
            return hit.entry
        }
    }

    func put(_ entry: BankEntry) {
        storage.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[entry.id] = (entry, .now + lifetime)
        }
    }
}

/// ASCII-only hex checks (`Character.isHexDigit` also accepts fullwidth digits).
enum HexText {
    static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
    }

    static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}

extension Response {
    func withStatus(_ status: HTTPResponse.Status) -> Response {
        var copy = self
        copy.status = status
        return copy
    }
}
