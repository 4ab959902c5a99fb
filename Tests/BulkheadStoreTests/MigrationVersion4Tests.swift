import Foundation
import GRDB
import Testing

@testable import BulkheadStore

/// A database at version 3 gains users, approvals, overrides and the audit log's OS user (version 4).
@Suite("SQLite migrations: version 4")
struct MigrationVersion4Tests {
    @Test func aVersion3DatabaseGainsUsersApprovalsAndTheOSUser() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-migrate4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("v3.sqlite").path

        // What version 3 left behind: a list, a draft campaign by ann, and its audit event.
        let queue = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in Schema.migrations(.sqlite) where migration.version <= 3 {
            migrator.registerMigration("v\(migration.version)") { db in for statement in migration.statements { try db.execute(sql: statement) } }
        }
        try migrator.migrate(queue)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO lists (name, description, created_at) VALUES ('news', '', 0)")
            try db.execute(
                sql: """
                    INSERT INTO campaigns (name, list_id, from_address, subject_template, text_template, attachments, state, created_at,
                      updated_at, created_by)
                    VALUES ('c', 1, 'n@example.com', 's', 't', '[]', 'draft', 0, 0, 'ann')
                    """)
            try db.execute(
                sql: """
                    INSERT INTO audit_log (at, actor_kind, actor_name, action, subject_kind, subject_id, details)
                    VALUES (0, 'human', 'ann', 'campaign.create', 'campaign', '1', '{}')
                    """)
            #expect(throws: DatabaseError.self, "version 3 has no users") { try db.execute(sql: "SELECT * FROM users") }
        }
        try queue.close()

        let store = try SQLiteStore(path: path)
        let old = try #require(try await store.auditEvents(AuditQuery(subjectKind: "campaign")).first)
        #expect(old.event.actor == .human("ann"), "an event from before version 4 reads as it was written")
        #expect(try await store.allUsers().isEmpty)
        _ = try await store.createUser(NewUser(name: "bob", roles: [.approver], passwordHash: "$2b$12$x"), actor: .person(user: nil, osUser: "root"))
        let campaign = CampaignID(rawValue: 1)
        let approval = try await store.recordApproval(
            campaign: campaign,
            NewApproval(
                decision: .approve, comment: nil, fingerprint: "sha256:0", audience: AudienceDefinition(listID: ListID(rawValue: 1), segment: nil),
                eligible: 0),
            actor: .person(user: "bob", osUser: "bob"))
        #expect(approval.overridesThrough == 0 && approval.by == "bob")
        let events = try await store.auditEvents(AuditQuery())
        #expect(events.map(\.event.actor) == [.human("ann"), .person(user: nil, osUser: "root"), .person(user: "bob", osUser: "bob")])
        await #expect(throws: (any Error).self, "the audit log stays append-only") {
            try await store.executeRaw("UPDATE audit_log SET os_user = 'mallory'")
        }
    }
}

/// The same upgrade on both backends: a database taken back to version 3 (version 4's tables and
/// columns dropped, its migration forgotten) is upgraded again when a store opens it.
@Suite("Store conformance: migration to version 4")
struct MigrationVersion4ConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func aDatabaseAtVersion3UpgradesToVersion4(backend: StoreBackend) async throws {
        let database = try TestDatabase(backend)
        defer { database.discard() }
        let store = try await database.open()
        let list = try await store.createList(name: "news", description: "")
        let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
        let forget = backend == .sqlite ? "DELETE FROM grdb_migrations WHERE identifier = 'v4'" : "DELETE FROM schema_migrations WHERE version = 4"
        for statement in [
            "DROP TABLE campaign_approvals", "DROP TABLE campaign_overrides", "DROP TABLE users",
            "ALTER TABLE audit_log DROP COLUMN os_user", "ALTER TABLE audit_log DROP COLUMN authenticated", forget,
        ] {
            _ = try await store.executeRaw(statement)
        }
        await database.close(store)

        let upgraded = try await database.open()
        #expect(try await upgraded.auditEvents(AuditQuery()).map(\.event.actor) == [.human("ann")], "version 3's events read as written")
        _ = try await upgraded.createUser(
            NewUser(name: "bob", roles: [.approver], passwordHash: "$2b$12$x"), actor: .person(user: nil, osUser: "root"))
        let approval = try await upgraded.recordApproval(
            campaign: campaign.id,
            NewApproval(decision: .approve, comment: "ok", fingerprint: "sha256:0", audience: AudienceDefinition(campaign.content), eligible: 0),
            actor: .person(user: "bob", osUser: "bob"))
        #expect(try await upgraded.approvals(campaign: campaign.id) == [approval])
        #expect(try await upgraded.auditEvents(AuditQuery()).last?.event.actor == .person(user: "bob", osUser: "bob"))
        await database.close(upgraded)
    }
}
