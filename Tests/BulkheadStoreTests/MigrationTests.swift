import Foundation
import GRDB
import Testing

@testable import BulkheadStore

/// A database made by an earlier version is upgraded in place, its data kept.
@Suite("SQLite migrations")
struct MigrationTests {
    @Test func aVersion1DatabaseGainsSuppressedLeasesSecretsAndListLabels() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("old.sqlite").path

        // What version 1 left behind: its schema and one queued recipient of a sending campaign.
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        let v1 = try #require(Schema.migrations(.sqlite).first { $0.version == 1 })
        migrator.registerMigration("v1") { db in for statement in v1.statements { try db.execute(sql: statement) } }
        try migrator.migrate(queue)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO lists (name, description, created_at) VALUES ('Café news', '', 0)")
            try db.execute(sql: "INSERT INTO subscribers (address, attributes, created_at, updated_at) VALUES ('a@example.com', '{}', 0, 0)")
            try db.execute(sql: "INSERT INTO memberships (list_id, subscriber_id, status, updated_at) VALUES (1, 1, 'confirmed', 0)")
            try db.execute(
                sql: """
                    INSERT INTO campaigns (name, list_id, from_address, subject_template, text_template, attachments, state, created_at, updated_at)
                    VALUES ('c', 1, 'n@example.com', 's', 't', '[]', 'sending', 0, 0)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO ledger (campaign_id, address, subscriber_id, state, attempts, updated_at, verp_token)
                    VALUES (1, 'a@example.com', 1, 'queued', 0, 0, 'tok')
                    """)
            #expect(throws: DatabaseError.self, "version 1 has no state `suppressed`") {
                try db.execute(sql: "UPDATE ledger SET state = 'suppressed'")
            }
        }
        try queue.close()

        let store = try SQLiteStore(path: path)
        let list = try #require(try await store.list(named: "Café news"))
        #expect(list.listIDLabel == "caf-news", "an old list keeps the label its name gave it")
        try await store.addSuppression(
            Suppression(address: try Fixture.address("a@example.com"), reason: .manual, at: Date(), source: "t"),
            actor: .system)
        #expect(try await store.claim(campaign: CampaignID(rawValue: 1), worker: "w", limit: 5).isEmpty)
        let entries = try await store.ledgerEntries(campaign: CampaignID(rawValue: 1)).collect()
        #expect(entries.map(\.state) == [.suppressed] && entries.map(\.verpToken) == ["tok"])
        #expect(try await store.secret(named: "k") { "v" } == "v")
        // New ledger rows still get fresh keys after the rebuilt table.
        _ = try await store.renewLease(WorkerLease.Holder(worker: "w", host: "h", machine: "m", pid: 1), seconds: 5)

        // Version 3 rebuilt the campaigns table under the ledger: the old campaign keeps its state and
        // content, is commercial with no recorded author, and takes the guardrails' states.
        let old = try #require(try await store.campaign(id: CampaignID(rawValue: 1)))
        #expect(old.state == .sending && old.content.kind == .commercial && old.createdBy == "" && old.content.subjectTemplate == "s")
        let paused = try await store.transition(old.id, from: [.sending], to: .paused, actor: .system, details: ["reason": "brake:rejection"])
        #expect(paused.pauseReason == "brake:rejection" && paused.pausedFrom == .sending)
        let fresh = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
        let deadline = Date(timeIntervalSince1970: 1_800_000_000)
        let pending = try await store.transition(fresh.id, from: [.draft], to: .pending, actor: .human("ann"), details: [:], deadline: deadline)
        #expect(pending.state == .pending && pending.stateDeadline == deadline && pending.createdBy == "ann")
        #expect(try await store.enqueueRecipients(campaign: fresh.id) == 0, "a is suppressed")
    }
}
