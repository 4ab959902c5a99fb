import Foundation
import Testing

@testable import BulkheadStore

/// A database that cannot write because its disk is full is ``StoreError/storageFull(_:)`` on both
/// backends (the engine pauses a campaign for it), and the refused transaction leaves nothing behind.
@Suite("Store: a full disk")
struct StorageFullConformanceTests {
    static func rows(_ range: Range<Int>) throws -> [ImportRow] {
        try range.map { ImportRow(address: try Fixture.address("full\($0)@example.com"), name: "Full \($0)") }
    }

    static let consent = ImportConsent(defaultStatus: .confirmed, source: "storage-full test")

    /// SQLite: the writer may not grow the file past its current size (`PRAGMA max_page_count`, per
    /// connection, the writer's); an import that needs more pages is refused with SQLITE_FULL.
    @Test func sqliteFullIsStorageFullAndRolledBack() async throws {
        try await TestDatabase.withStore(.sqlite) { store, _ in
            let list = try await store.createList(name: "full", description: "")
            _ = try await store.backend.transaction { tx in try tx.rows(SQLStatement("PRAGMA max_page_count = 1")) }
            let error = await #expect(throws: StoreError.self) {
                _ = try await store.importSubscribers(try Self.rows(0..<2_000), into: list.id, importID: "full", consent: Self.consent)
            }
            guard case .storageFull(let message)? = error else {
                Issue.record("expected storageFull, got \(String(describing: error))")
                return
            }
            #expect(message.contains("full"), "\(message)")
            #expect("\(error!)".contains("disk is full"), "\(error!)")
            // Nothing of the refused batch was written; reads still work, and so do writes once there is room.
            #expect(try await store.members(of: list.id, status: nil, after: nil, limit: 10).isEmpty)
            _ = try await store.backend.transaction { tx in try tx.rows(SQLStatement("PRAGMA max_page_count = 1073741823")) }
            let outcomes = try await store.importSubscribers(try Self.rows(0..<2_000), into: list.id, importID: "full2", consent: Self.consent)
            #expect(outcomes.allSatisfy { $0 == .inserted })
        }
    }

    /// PostgreSQL: SQLSTATE 53100 (`disk_full`, what the server reports when it cannot extend a file)
    /// is ``StoreError/storageFull(_:)``; the transaction it ends is rolled back.
    @Test func postgresDiskFullIsStorageFull() async throws {
        try await TestDatabase.withStore(.postgres) { store, _ in
            let list = try await store.createList(name: "full", description: "")
            let error = await #expect(throws: StoreError.self) {
                _ = try await store.backend.transaction { tx in
                    _ = try tx.changes(
                        SQLStatement(
                            "INSERT INTO store_secrets (name, value, created_at) VALUES ('full', 'v', 0)"))
                    return try tx.rows(
                        SQLStatement(
                            """
                            DO $$ BEGIN RAISE EXCEPTION 'could not extend file "base/1/2": No space left on device' USING ERRCODE = 'disk_full'; END $$
                            """))
                }
            }
            guard case .storageFull(let message)? = error else {
                Issue.record("expected storageFull, got \(String(describing: error))")
                return
            }
            #expect(message.hasPrefix("53100"), "\(message)")
            #expect(try await store.backend.read(SQLStatement("SELECT name FROM store_secrets WHERE name = 'full'")).isEmpty)
            #expect(try await store.list(id: list.id) != nil)
        }
    }
}
