import BulkheadPolicy
import Foundation
import GRDB
import Testing

@testable import BulkheadStore

/// A version 3 database (before staged sending) is upgraded to version 5 in place: its ledger rows
/// join the rest wave, its campaigns keep working, and the new tables are there.
@Suite("SQLite migrations: version 3 to 5")
struct StagedSendingMigrationTests {
    @Test func aVersion3DatabaseGainsWavesSeedsAndTheOutcomeLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-migrate5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path

        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations(.sqlite) where migration.version <= 3 {
            migrator.registerMigration("v\(migration.version)") { db in for statement in migration.statements { try db.execute(sql: statement) } }
        }
        try migrator.migrate(queue)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO lists (name, description, created_at) VALUES ('news', '', 0)")
            for index in 1...3 {
                try db.execute(
                    sql: "INSERT INTO subscribers (address, attributes, created_at, updated_at) VALUES ('a\(index)@example.com', '{}', 0, 0)")
                try db.execute(sql: "INSERT INTO memberships (list_id, subscriber_id, status, updated_at) VALUES (1, \(index), 'confirmed', 0)")
                try db.execute(
                    sql: "INSERT INTO consent_records (subscriber_id, list_id, kind, at, method, source) VALUES (?, 1, 'given', 0, 'form', 't')",
                    arguments: [index])
            }
            try db.execute(
                sql: """
                    INSERT INTO campaigns (name, list_id, from_address, subject_template, text_template, attachments, state, created_at, updated_at)
                    VALUES ('c', 1, 'n@example.com', 's', 't', '[]', 'sending', 0, 0)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO ledger (campaign_id, address, subscriber_id, state, attempts, updated_at, verp_token)
                    VALUES (1, 'a1@example.com', 1, 'queued', 0, 0, 'tok1'), (1, 'a2@example.com', 2, 'sent', 1, 0, 'tok2')
                    """)
        }
        try queue.close()

        let store = try SQLiteStore(path: path)
        let old = CampaignID(rawValue: 1)
        let entries = try await store.ledgerEntries(campaign: old).collect()
        #expect(entries.map(\.wave) == [.rest, .rest] && entries.allSatisfy { !$0.isSeed })
        let batch = try await store.claim(campaign: old, worker: "w", limit: 5)
        #expect(batch.map(\.address.value) == ["a1@example.com"])
        try await store.complete([LedgerOutcome(entry: batch[0], result: .failed(SMTPReplyRecord(code: 550, text: "no")), rejected: true)])
        #expect(try await store.brakeWindow(campaign: old, size: 500) == BrakeWindow(outcomes: 1, events: [.rejection: 1]))
        // An event for a message sent before the upgrade is logged as its own outcome.
        #expect(try await store.recordBrakeEvent(.complaint, campaign: old, subscriber: SubscriberID(rawValue: 2)))
        #expect(try await store.brakeWindow(campaign: old, size: 500).events == [.rejection: 1, .complaint: 1])

        let list = try #require(try await store.list(named: "news"))
        #expect(try await store.addSeeds([try Fixture.address("seed@example.com")], list: list.id, actor: .system) == 1)
        let fresh = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
        #expect(try await store.enqueueRecipients(campaign: fresh.id) == 3)
        let started = try await store.beginSending(fresh.id, from: [.draft], canary: CanaryRule(), actor: .system, details: [:])
        #expect(started.state == .sending, "3 recipients skip the canary")
        #expect(try await store.ledgerEntries(campaign: fresh.id).collect().filter(\.isSeed).map(\.address.value) == ["seed@example.com"])
    }
}
