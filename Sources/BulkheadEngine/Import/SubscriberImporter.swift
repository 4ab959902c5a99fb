import BulkheadMail
public import BulkheadStore
public import Foundation

/// Imports subscribers from a CSV file into one list, streaming: the file is read in 64 KiB chunks
/// through ``CSVRecordParser``, the header is mapped with ``SubscriberColumns``, and valid rows go to
/// ``MailStore/importSubscribers(_:into:importID:)`` 5,000 at a time, each encoded by
/// ``MailStore/prepareImport(_:consent:)`` while the one before is written. Memory is bounded by one
/// chunk, three batches (filling, encoded, being written) and the first 100 row errors, never by the
/// file: every invalid row is counted, the first 100 are kept with their line numbers.
///
/// Row rules: the address must be a valid addr-spec (`Mailbox(parsingAddrSpec:)`); the name comes from
/// a name column or first + last name; a status column maps subscribed/confirmed/active/enabled/yes →
/// confirmed, unconfirmed/pending → unconfirmed, unsubscribed/blocklisted/cleaned/disabled/no →
/// unsubscribed, empty → the import's default; an attributes column must hold a JSON object; every other
/// non-empty cell becomes a string attribute under its column title. Consent time and IP columns (Mailchimp's
/// `OPTIN_TIME`, `OPTIN_IP`) are kept as the string attributes `optin_time` and `optin_ip`, since
/// ``ImportRow`` carries no per-row consent evidence. A cell that starts with `'` followed by `=`, `+`,
/// `-`, `@`, TAB or CR (after any further `'`s) loses that first `'`: the guard Bulkhead's export puts
/// against spreadsheet formulas (``SpreadsheetFormulaGuard``), so an export re-imports unchanged.
///
/// ```swift
/// let importer = SubscriberImporter(store: store, list: list.id,
///                                   options: .init(defaultStatus: .confirmed, source: "crm-export.csv"))
/// let report = try await importer.importFile(atPath: "crm-export.csv")
/// print(report.inserted, report.invalid, report.errors.first?.description ?? "")
/// ```
public struct SubscriberImporter: Sendable {
    /// Import-wide settings.
    public struct Options: Sendable, Hashable {
        /// Status of rows whose status cell is empty or that have no status column.
        public var defaultStatus: MembershipStatus
        /// Where the people came from (recorded in the consent evidence of the import).
        public var source: String
        /// Rows per store transaction.
        public var batchSize: Int
        /// How many row errors are kept for the report (all are counted).
        public var maxReportedErrors: Int
        /// Bytes read from the file at a time.
        public var chunkSize: Int
        /// The import's identifier (duplicates within one import are found through it).
        public var importID: String
        /// The consent text the people were shown where they signed up, if known (consent evidence).
        public var consentText: String?
        /// The channel the consent came through (a form's URL, "phone", …), if known (consent evidence).
        public var channel: String?

        /// Describes an import; the identifier is a fresh UUID unless given.
        public init(
            defaultStatus: MembershipStatus, source: String, consentText: String? = nil, channel: String? = nil,
            batchSize: Int = 5_000, maxReportedErrors: Int = 100, chunkSize: Int = 64 * 1024,
            importID: String = UUID().uuidString.lowercased()
        ) {
            self.defaultStatus = defaultStatus
            self.source = source
            self.consentText = consentText
            self.channel = channel
            self.batchSize = max(1, batchSize)
            self.maxReportedErrors = max(0, maxReportedErrors)
            self.chunkSize = max(1, chunkSize)
            self.importID = importID
        }
    }

    /// The store written to.
    public let store: any MailStore
    /// The list the rows join.
    public let list: ListID
    /// The settings.
    public let options: Options

    /// An importer into `list` of `store`.
    public init(store: any MailStore, list: ListID, options: Options) {
        self.store = store
        self.list = list
        self.options = options
    }

    /// Imports the CSV file at `path`. When `stopRequested` turns true (Ctrl-C), the rows read so far
    /// are imported and the report says `interrupted`; the rest of the file is not read.
    public func importFile(atPath path: String, stopRequested: @Sendable () -> Bool = { false }) async throws(SubscriberImporterError)
        -> SubscriberImportReport
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadableFile(path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadableFile(path: path, reason: "is a directory") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let readable = FileManager.default.isReadableFile(atPath: path)
            throw .unreadableFile(path: path, reason: readable ? "cannot be opened" : "permission denied")
        }
        defer { try? handle.close() }
        let chunkSize = options.chunkSize
        return try await run(stopRequested: stopRequested) { () throws(SubscriberImporterError) -> [UInt8]? in
            do {
                guard let data = try handle.read(upToCount: chunkSize), !data.isEmpty else { return nil }
                return [UInt8](data)
            } catch {
                throw .unreadableFile(path: path, reason: error.localizedDescription)
            }
        }
    }

    /// Imports CSV bytes held in memory (fed to the parser in `chunkSize` pieces, like a file);
    /// `progress` gets the number of bytes handed to the parser after each piece (the dashboard's
    /// progress bar).
    public func importBytes(_ bytes: [UInt8], progress: (Int) -> Void = { _ in }) async throws(SubscriberImporterError)
        -> SubscriberImportReport
    {
        var offset = 0
        let chunkSize = options.chunkSize
        let nextChunk = { () throws(SubscriberImporterError) -> [UInt8]? in
            progress(offset)
            guard offset < bytes.count else { return nil }
            let end = min(bytes.count, offset + chunkSize)
            defer { offset = end }
            return Array(bytes[offset..<end])
        }
        return try await run(stopRequested: { false }, nextChunk)
    }

    /// Reads chunks until `nextChunk` returns nil, on ``ComputeExecutor``: on an event loop, the parse
    /// held up the hops of the store write it overlaps, and the two took turns on two cores.
    private func run(
        stopRequested: @Sendable () -> Bool,
        _ nextChunk: () throws(SubscriberImporterError) -> [UInt8]?
    ) async throws(SubscriberImporterError) -> SubscriberImportReport {
        try await withTaskExecutorPreference(ComputeExecutor.shared) { () async throws(SubscriberImporterError) in
            try await parse(stopRequested: stopRequested, nextChunk)
        }
    }

    private func parse(
        stopRequested: @Sendable () -> Bool,
        _ nextChunk: () throws(SubscriberImporterError) -> [UInt8]?
    ) async throws(SubscriberImporterError) -> SubscriberImportReport {
        var state = ImportState(options: options)
        var parser = CSVRecordParser()
        var records: [Result<CSVRecordParser.Record, CSVRecordError>] = []
        while let chunk = try nextChunk() {
            parser.feed(chunk) { records.append($0) }
            try await process(&records, &state)
            if stopRequested() {
                // Ctrl-C: what was read so far is imported (batches are transactions), then stop.
                guard state.columns != nil else { throw .header(.emptyFile) }
                try await flush(&state)
                try await drain(&state)
                state.report.interrupted = true
                return state.report
            }
        }
        parser.finish { records.append($0) }
        try await process(&records, &state)
        guard state.columns != nil else { throw .header(.emptyFile) }
        try await flush(&state)
        try await drain(&state)
        return state.report
    }

    private func process(_ records: inout [Result<CSVRecordParser.Record, CSVRecordError>], _ state: inout ImportState)
        async throws(SubscriberImporterError)
    {
        for record in records {
            try state.take(record)
            if state.pending.count >= options.batchSize { try await flush(&state) }
        }
        records.removeAll(keepingCapacity: true)
    }

    /// Hands the pending rows to the store as one batch and goes on reading while it writes them. The
    /// batch is encoded for the store (``MailStore/prepareImport(_:consent:)``) here, while the batch
    /// before is still being written; that one is awaited next (its outcomes counted), so at most one
    /// batch is being written, one encoded and one filled (parsing and encoding overlap the store's
    /// transaction on two cores).
    private func flush(_ state: inout ImportState) async throws(SubscriberImporterError) {
        guard !state.pending.isEmpty else { return try await drain(&state) }
        let consent = ImportConsent(
            defaultStatus: options.defaultStatus, source: options.source,
            textShown: options.consentText, ipOrChannel: options.channel)
        let batch: ImportBatch
        do {
            batch = try store.prepareImport(state.pending, consent: consent)
        } catch {
            try await drain(&state)  // the batch before ends whole (written and counted) before the error
            throw .store(error.description)
        }
        state.pending.removeAll(keepingCapacity: true)
        try await drain(&state)
        let (store, list, importID) = (store, list, options.importID)
        // Not on ComputeExecutor (an unstructured task does not inherit it): on an idle event loop, so
        // the write starts now, while this task parses the next batch.
        state.writing = Task { try await store.importSubscribers(batch, into: list, importID: importID) }
    }

    /// Waits for the batch being written, if any, and counts its outcomes.
    private func drain(_ state: inout ImportState) async throws(SubscriberImporterError) {
        guard let writing = state.writing else { return }
        state.writing = nil
        let outcomes: [ImportRowOutcome]
        do {
            outcomes = try await writing.value
        } catch let error as StoreError {
            throw .store(error.description)
        } catch {
            throw .store("\(error)")
        }
        for outcome in outcomes {
            switch outcome {
            case .inserted: state.report.inserted += 1
            case .updated: state.report.updated += 1
            case .duplicate: state.report.duplicates += 1
            case .keptUnsubscribed: state.report.keptUnsubscribed += 1
            }
        }
    }
}

/// The running state of one import: the header mapping, the batch being filled, the report so far.
private struct ImportState {
    let options: SubscriberImporter.Options
    var columns: SubscriberColumns?
    var headerWidth = 0
    var pending: [ImportRow] = []
    /// The batch the store is writing while the next one fills.
    var writing: Task<[ImportRowOutcome], any Error>?
    var report = SubscriberImportReport()

    init(options: SubscriberImporter.Options) {
        self.options = options
        pending.reserveCapacity(options.batchSize)
    }

    mutating func take(_ result: Result<CSVRecordParser.Record, CSVRecordError>) throws(SubscriberImporterError) {
        guard let columns else {
            switch result {
            case .success(let record):
                do { columns = try SubscriberColumns(header: record.fields) } catch { throw .header(error) }
                headerWidth = record.fields.count
            case .failure(let error):
                throw .unreadableHeader(error)
            }
            return
        }
        report.rowsRead += 1
        switch result {
        case .failure(let error):
            fail(SubscriberRowError(line: error.line, problem: .unreadableRecord(error)))
        case .success(let record):
            do {
                pending.append(try SubscriberRowMapping.row(record.fields, columns: columns, headerWidth: headerWidth))
            } catch {
                fail(SubscriberRowError(line: record.line, problem: error))
            }
        }
    }

    mutating func fail(_ error: SubscriberRowError) {
        report.invalid += 1
        if report.errors.count < options.maxReportedErrors { report.errors.append(error) }
    }
}

/// Turns one CSV record into an ``ImportRow``.
enum SubscriberRowMapping {
    static func row(_ fields: [String], columns: SubscriberColumns, headerWidth: Int) throws(SubscriberRowProblem) -> ImportRow {
        guard fields.count <= headerWidth else { throw .tooManyFields(fields.count, header: headerWidth) }
        // The store keeps no NUL (PostgreSQL cannot): the row is refused on every backend alike.
        if let index = fields.firstIndex(where: StoreText.holdsNUL) { throw .nulCharacter(field: index + 1) }
        func cell(_ index: Int?) -> String? {
            guard let index, index < fields.count else { return nil }
            let value = SpreadsheetFormulaGuard.unescape(fields[index].trimmingSpaces)
            return value.isEmpty ? nil : value
        }
        guard let raw = cell(columns.email) else { throw .missingAddress }
        let address: NormalizedAddress
        do {
            address = try NormalizedAddress(try Mailbox(parsingAddrSpec: raw))
        } catch let error as AddressParseError {
            throw .invalidAddress(raw, reason: error.description)
        } catch let error as StoreError {
            guard case .invalidAddress(_, let reason) = error else { throw .invalidAddress(raw, reason: error.description) }
            throw .invalidAddress(raw, reason: reason)
        } catch {
            throw .invalidAddress(raw, reason: "\(error)")
        }
        var name = cell(columns.name)
        if name == nil {
            let parts = [cell(columns.firstName), cell(columns.lastName)].compactMap { $0 }
            name = parts.isEmpty ? nil : parts.joined(separator: " ")
        }
        let status = try cell(columns.status).map { text throws(SubscriberRowProblem) in try self.status(text) }
        var attributes: [String: JSONValue] = [:]
        attributes.reserveCapacity(columns.extra.count + 2)
        if let json = cell(columns.attributesJSON) {
            attributes = try object(json)
        }
        for (index, title) in columns.extra {
            if let value = cell(index) { attributes[title] = .string(value) }
        }
        if let value = cell(columns.consentTime) { attributes["optin_time"] = .string(value) }
        if let value = cell(columns.consentIP) { attributes["optin_ip"] = .string(value) }
        return ImportRow(address: address, name: name, attributes: attributes, status: status)
    }

    static let statuses: [String: MembershipStatus] = [
        "subscribed": .confirmed, "confirmed": .confirmed, "active": .confirmed, "enabled": .confirmed, "yes": .confirmed,
        "unconfirmed": .unconfirmed, "pending": .unconfirmed,
        "unsubscribed": .unsubscribed, "blocklisted": .unsubscribed, "cleaned": .unsubscribed, "disabled": .unsubscribed,
        "no": .unsubscribed,
    ]

    static func status(_ text: String) throws(SubscriberRowProblem) -> MembershipStatus {
        guard let status = statuses[text.lowercased()] else { throw .unknownStatus(text) }
        return status
    }

    static func object(_ text: String) throws(SubscriberRowProblem) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw .invalidAttributes("not valid JSON")
        }
        guard case .object(let object) = value else { throw .invalidAttributes("not a JSON object") }
        return object
    }
}

/// What ``SubscriberImporter`` did with a file.
public struct SubscriberImportReport: Sendable, Hashable, Encodable {
    /// Data records read (the header not counted), valid or not.
    public var rowsRead = 0
    /// New memberships.
    public var inserted = 0
    /// Existing memberships updated.
    public var updated = 0
    /// Rows whose address occurred earlier in the same file (not applied).
    public var duplicates = 0
    /// Rows of people who had unsubscribed from the list: name and attributes updated, never re-subscribed.
    public var keptUnsubscribed = 0
    /// Rows refused (every one counted).
    public var invalid = 0
    /// The first refused rows with their line numbers (at most ``SubscriberImporter/Options/maxReportedErrors``).
    public var errors: [SubscriberRowError] = []
    /// True when the import was cancelled (Ctrl-C) before the end of the file: the rows counted here
    /// are imported, the rest of the file is not read.
    public var interrupted = false

    /// An empty report.
    public init() {}
}

/// One refused row and the line of the file it starts on.
public struct SubscriberRowError: Error, Sendable, Hashable, Encodable, CustomStringConvertible {
    /// The 1-based line number (the header is line 1).
    public var line: Int
    /// Why the row was refused.
    public var problem: SubscriberRowProblem

    /// Describes a refused row.
    public init(line: Int, problem: SubscriberRowProblem) {
        self.line = line
        self.problem = problem
    }

    /// `line N: reason`.
    public var description: String { "line \(line): \(problem)" }

    enum CodingKeys: String, CodingKey { case line, reason }

    /// Encodes `{"line": N, "reason": "…"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(problem.description, forKey: .reason)
    }
}

/// Why one row of a subscriber import was refused.
public enum SubscriberRowProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The e-mail cell is empty.
    case missingAddress
    /// The e-mail cell is not a valid address.
    case invalidAddress(String, reason: String)
    /// The status cell holds a value with no mapping.
    case unknownStatus(String)
    /// The attributes cell is not a JSON object.
    case invalidAttributes(String)
    /// The record has more fields than the header.
    case tooManyFields(Int, header: Int)
    /// The CSV record itself could not be read.
    case unreadableRecord(CSVRecordError)
    /// A field (1-based) holds a NUL character.
    case nulCharacter(field: Int)

    /// A one-line reason.
    public var description: String {
        switch self {
        case .missingAddress: "no e-mail address"
        case .invalidAddress(let raw, let reason): "invalid address \"\(raw)\": \(reason)"
        case .unknownStatus(let text):
            "unknown status \"\(text)\" (use subscribed, confirmed, unconfirmed, pending, unsubscribed, … or leave it empty)"
        case .invalidAttributes(let reason): "the attributes column is \(reason)"
        case .tooManyFields(let count, let header): "\(count) fields but the header has \(header)"
        case .nulCharacter(let field): "field \(field) holds a NUL character"
        case .unreadableRecord(let error):
            switch error.reason {
            case .fieldTooLong(let limit): "a field is longer than \(limit) bytes"
            case .tooManyFields(let limit): "more than \(limit) fields"
            case .unterminatedQuotedField: "a quoted field is never closed"
            case .invalidUTF8(let field): "field \(field) is not valid UTF-8"
            }
        }
    }
}

/// Why a whole import failed (row problems never fail an import; they are counted in the report).
public enum SubscriberImporterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file cannot be opened or read.
    case unreadableFile(path: String, reason: String)
    /// The header record is missing or maps no e-mail column.
    case header(SubscriberImportError)
    /// The header record itself is broken.
    case unreadableHeader(CSVRecordError)
    /// The store refused a batch (rows of earlier batches are imported).
    case store(String)

    /// A one-line reason.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason): "cannot read \(path): \(reason)"
        case .header(let error): "\(error)"
        case .unreadableHeader(let error): "the header record cannot be read: \(error)"
        case .store(let reason): "the store refused a batch: \(reason)"
        }
    }
}
