import BulkheadMail
import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store domain values")
struct DomainTests {
    /// GRDB's pool sets `synchronous = NORMAL` when it turns WAL on; a claim must be fsynced.
    @Test func sqliteWriterSyncsEveryCommit() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-sync-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try SQLiteStore(path: folder.appendingPathComponent("s.sqlite").path)
        #expect(try await store.writerSynchronousLevel() == 2)
    }

    @Test func normalisationLowercasesTheWholeAddress() throws {
        #expect(try NormalizedAddress("  Ann.Lee@Example.COM ").value == "ann.lee@example.com")
        #expect(try NormalizedAddress("ANN.LEE@example.com") == NormalizedAddress("ann.lee@EXAMPLE.com"), "one person, one key")
        #expect(try NormalizedAddress("\"a@B\"@Host.Example").value == "\"a@b\"@host.example")
        #expect(try NormalizedAddress(Mailbox(displayName: "Ann", localPart: "Ann", domain: "EXAMPLE.org")).value == "ann@example.org")
        #expect(try NormalizedAddress("Zoë@Example.de").value == "zoë@example.de")
        let address = try NormalizedAddress("Bob@Mail.Example")
        #expect(address.localPart == "bob")
        #expect(address.domain == "mail.example")
    }

    @Test(arguments: [
        ("no-at-sign", "no @"),
        ("@example.com", "empty local part"),
        ("ann@", "empty domain"),
        ("ann smith@example.com", "offset 4: unexpected character \"s\""),
        ("ann@exa\u{7F}mple.com", "offset 7: unexpected character \"\\u{7F}\""),
        ("\"a\u{1}b\"@example.com", "contains U+1"),
        (String(repeating: "a", count: 65) + "@example.com", "local part longer than 64 octets"),
        ("a@" + String(repeating: "b", count: 253), "offset 2: invalid domain: label 0 is 253 octets long (maximum 63)"),
        (
            String(repeating: "a", count: 64) + "@" + Array(repeating: String(repeating: "c", count: 62), count: 3).joined(separator: ".") + ".de",
            "longer than 254 octets"
        ),
    ])
    func invalidAddressesAreRefusedWithAReason(raw: String, reason: String) {
        #expect(throws: StoreError.invalidAddress(raw, reason: reason)) { try NormalizedAddress(raw) }
    }

    @Test func transitionTableIsExactlyTheDocumentedOne() {
        let table: [CampaignState: Set<CampaignState>] = [
            .draft: [.scheduled, .pending, .canary, .sending, .cancelled],
            .scheduled: [.draft, .pending, .canary, .sending, .paused, .cancelled],
            .pending: [.canary, .sending, .paused, .cancelled],
            .canary: [.canaryHold, .paused, .sent, .aborted],
            .canaryHold: [.sending, .paused, .aborted],
            .sending: [.paused, .sent, .aborted],
            .paused: [.pending, .canary, .canaryHold, .sending, .cancelled, .aborted],
            .sent: [.paused],
            .cancelled: [],
            .aborted: [],
        ]
        for from in CampaignState.allCases {
            for to in CampaignState.allCases {
                #expect(from.canTransition(to: to) == (table[from]?.contains(to) ?? false), "\(from) → \(to)")
            }
        }
        #expect(CampaignState.allCases.filter(\.isTerminal) == [.sent, .cancelled, .aborted])
        #expect(CampaignState.canaryHold.rawValue == "canary-hold")
    }

    @Test func importNeverResubscribesAndRecordsOnlyRealChanges() {
        #expect(ImportDecision.status(previous: .unsubscribed, requested: .confirmed) == .unsubscribed)
        #expect(ImportDecision.status(previous: .unconfirmed, requested: .confirmed) == .confirmed)
        #expect(ImportDecision.status(previous: nil, requested: .unconfirmed) == .unconfirmed)
        #expect(ImportDecision.consentKind(previous: nil, new: .confirmed) == .given)
        #expect(ImportDecision.consentKind(previous: .confirmed, new: .confirmed) == nil)
        #expect(ImportDecision.consentKind(previous: .confirmed, new: .unsubscribed) == .withdrawn)
        #expect(ImportDecision.consentKind(previous: nil, new: .unconfirmed) == nil)
        #expect(ImportDecision.mergedAttributes(["a": 1, "b": "x"], ["b": "y", "c": true]) == ["a": 1, "b": "y", "c": true])
    }

    @Test func postgresPlaceholdersAreNumbered() {
        #expect(
            SQLDialect.postgres.render("SELECT * FROM t WHERE a = ? AND b = ANY(?::text[])")
                == "SELECT * FROM t WHERE a = $1 AND b = ANY($2::text[])")
        #expect(SQLDialect.sqlite.render("a = ?") == "a = ?")
    }

    @Test func postgresURLsAreParsed() throws {
        let config = try PostgresStore.Configuration(url: "postgres://mailer:s3cret@db.example:6432/bulk?sslmode=require")
        #expect(config.host == "db.example")
        #expect(config.port == 6432)
        #expect(config.username == "mailer")
        #expect(config.password == "s3cret")
        #expect(config.database == "bulk")
        #expect(config.tls == .require)
        let defaults = try PostgresStore.Configuration(url: "postgresql://postgres@127.0.0.1")
        #expect(defaults.port == 5432 && defaults.database == "postgres" && defaults.tls == .disable && defaults.password == nil)
        #expect(throws: StoreError.invalidConfiguration("not a postgres:// URL: mysql://a@b/c")) {
            try PostgresStore.Configuration(url: "mysql://a@b/c")
        }
        #expect(throws: StoreError.invalidConfiguration("sslmode must be disable, prefer or require, not maybe")) {
            try PostgresStore.Configuration(url: "postgres://a@b/c?sslmode=maybe")
        }
    }

    @Test func jsonValuesRoundTrip() throws {
        let value: JSONValue = ["name": "Ann", "tags": ["a", 1, true, nil], "score": 2.5]
        let text = try JSONText.encode(value)
        #expect(text == #"{"name":"Ann","score":2.5,"tags":["a",1,true,null]}"#)
        #expect(try JSONText.decode(JSONValue.self, from: text, column: "x") == value)
    }

    @Test func batchRecordsAreJSONOnPostgresAndValuesOnSQLite() throws {
        var postgres = BatchRecords(columns: [("id", .bigint), ("name", .text)], dialect: .postgres)
        var sqlite = BatchRecords(columns: [("id", .bigint), ("name", .text)], dialect: .sqlite)
        for (value, text) in [(Int64(1_800_000_000_123), SQLValue.text("a\"b\\c\nd\u{1}é😀")), (-2, .null)] {
            try postgres.append([.int(value), text])
            try sqlite.append([.int(value), text])
        }
        #expect(postgres.count == 2 && sqlite.count == 2)
        #expect(postgres.binds == [.text(#"[{"id":1800000000123,"name":"a\"b\\c\nd\u0001é😀"},{"id":-2,"name":null}]"#)])
        #expect(postgres.source == "jsonb_to_recordset(?::jsonb) AS v(id bigint, name text)")
        #expect(sqlite.binds == [.int(1_800_000_000_123), .text("a\"b\\c\nd\u{1}é😀"), .int(-2), .null])
        #expect(sqlite.source == "(SELECT column1 AS id, column2 AS name FROM (VALUES (?,?),(?,?))) AS v")
        #expect(throws: StoreError.self) { try sqlite.append([.int(3), .text("nul\u{0}")]) }
    }

    /// Past SQLite's parameter limit the records go as one JSON array read by `json_each`.
    @Test func aBatchPastSQLitesParameterLimitIsOneJSONArray() throws {
        var records = BatchRecords(columns: [("id", .bigint), ("name", .text)], dialect: .sqlite)
        for id in 0..<(BatchRecords.sqliteMaximumValues / 2 + 1) { try records.append([.int(Int64(id)), .text("n\(id)")]) }
        #expect(records.source == "(SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.name') AS name FROM json_each(?)) AS v")
        let binds = records.binds
        #expect(binds.count == 1)
        guard case .text(let json) = binds.first else { throw StoreError.invalidData("not text") }
        #expect(json.hasPrefix(#"[{"id":0,"name":"n0"},{"id":1,"name":"n1"},"#) && json.hasSuffix(#"{"id":15000,"name":"n15000"}]"#))
    }
}
