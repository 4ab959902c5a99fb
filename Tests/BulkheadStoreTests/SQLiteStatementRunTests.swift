import Foundation
import Testing

@testable import BulkheadStore

/// The SQLite backend binds and reads values through SQLite's own interface (``SQLiteStatementRun``):
/// every kind of value comes back as it went in, errors are mapped as the store's, and a cached
/// statement that failed runs again.
@Suite("SQLite statements bound and read directly")
struct SQLiteStatementRunTests {
    @Test func everyKindOfValueComesBackAsItWentIn() async throws {
        try await TestDatabase.withStore(.sqlite) { store, _ in
            let values: [SQLValue] = [
                .null, .int(.min), .int(.max), .text(""), .text("Zoë 😀 \u{7F}"), .bytes([]), .bytes([0, 1, 0xFF]),
            ]
            let rows = try await store.backend.transaction { tx in
                _ = try tx.changes(SQLStatement("CREATE TEMP TABLE run_values (position INTEGER, value)"))
                for (position, value) in values.enumerated() {
                    #expect(try tx.changes(SQLStatement("INSERT INTO run_values VALUES (?, ?)", [.int(Int64(position)), value])) == 1)
                }
                return try tx.rows(SQLStatement("SELECT value, typeof(value) AS kind FROM run_values ORDER BY position"))
            }
            #expect(rows.map { $0.values["value"] } == values)
            // An empty text is text and an empty blob a blob, never NULL.
            #expect(rows.map { $0.values["kind"] } == ["null", "integer", "integer", "text", "text", "blob", "blob"].map { SQLValue.text($0) })
        }
    }

    @Test func arraysAreBoundAsJSON() async throws {
        try await TestDatabase.withStore(.sqlite) { store, _ in
            let (texts, ints) = try await store.backend.transaction { tx in
                (
                    try tx.rows(SQLStatement("SELECT value FROM json_each(?) ORDER BY key", [.textArray(["a", "b\"c", "", "é"])])),
                    try tx.rows(SQLStatement("SELECT value FROM json_each(?) ORDER BY key", [.intArray([3, -1, .max])]))
                )
            }
            #expect(texts.map { $0.values["value"] } == [.text("a"), .text("b\"c"), .text(""), .text("é")])
            #expect(ints.map { $0.values["value"] } == [.int(3), .int(-1), .int(.max)])
        }
    }

    @Test func errorsAreTheStoresAndAFailedStatementRunsAgain() async throws {
        try await TestDatabase.withStore(.sqlite) { store, _ in
            let insert = "INSERT INTO run_keys VALUES (?)"
            _ = try await store.backend.transaction { tx in
                try tx.changes(SQLStatement("CREATE TABLE run_keys (key INTEGER PRIMARY KEY)"))
            }
            #expect(try await store.backend.transaction { tx in try tx.changes(SQLStatement(insert, [.int(1)])) } == 1)
            let duplicate = await #expect(throws: StoreError.self) {
                try await store.backend.transaction { tx in try tx.changes(SQLStatement(insert, [.int(1)])) }
            }
            guard case .constraintViolation? = duplicate else {
                Issue.record("expected a constraint violation, got \(String(describing: duplicate))")
                return
            }
            let miscounted = await #expect(throws: StoreError.self) {
                try await store.backend.transaction { tx in try tx.changes(SQLStatement(insert, [.int(2), .int(3)])) }
            }
            #expect("\(String(describing: miscounted))".contains("wrong number of values: expected 1, got 2"))
            let real = await #expect(throws: StoreError.self) {
                try await store.backend.transaction { tx in try tx.rows(SQLStatement("SELECT 1.5 AS ratio")) }
            }
            #expect(real == .invalidData("column ratio holds the real number 1.5"))
            // The cached statement that failed is reset: the same SQL inserts again, and the reads see both rows.
            #expect(try await store.backend.transaction { tx in try tx.changes(SQLStatement(insert, [.int(2)])) } == 1)
            let keys = try await store.backend.read(SQLStatement("SELECT key FROM run_keys ORDER BY key"), each: { try $0.int("key") })
            #expect(keys == [1, 2])
            #expect(try await store.backend.transaction { tx in try tx.changes(SQLStatement("UPDATE run_keys SET key = key + 10")) } == 2)
        }
    }
}
