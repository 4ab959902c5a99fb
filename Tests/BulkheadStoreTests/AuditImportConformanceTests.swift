import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: audit log, imports, migrations")
struct AuditImportConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func auditLogIsAppendOnlyInTheDatabaseItself(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let event = NewAuditEvent(
                actor: .human("ann"), action: "list.create", subjectKind: "list", subjectID: "1",
                details: ["name": "news", "nested": ["ok": true]])
            let stored = try await store.appendAudit(event)
            #expect(stored.event == event)
            #expect(stored.at == SQLTime.truncated(db.clock.now))
            _ = try await store.appendAudit(NewAuditEvent(actor: .system, action: "x", subjectKind: "list", subjectID: "2"))

            await #expect(throws: StoreError.constraintViolation("audit_log is append-only")) {
                try await store.executeRaw("UPDATE audit_log SET action = 'forged'")
            }
            await #expect(throws: StoreError.constraintViolation("audit_log is append-only")) {
                try await store.executeRaw("DELETE FROM audit_log")
            }
            if backend == .postgres {
                await #expect(throws: StoreError.constraintViolation("audit_log is append-only")) {
                    try await store.executeRaw("TRUNCATE audit_log")
                }
            }
            let all = try await store.auditEvents(AuditQuery())
            #expect(all.map(\.event.action) == ["list.create", "x"])
            #expect(try await store.auditEvents(AuditQuery(afterID: all[0].id)).map(\.id) == [all[1].id])
            #expect(try await store.auditEvents(AuditQuery(subjectKind: "list", subjectID: "2")).map(\.event.actor) == [.system])
            #expect(try await store.auditEvents(AuditQuery(limit: 1)).count == 1)
        }
    }

    /// A batch is prepared by one store and may be handed to another; one of the other kind encodes it
    /// again for its own SQL instead of running the first one's.
    @Test func aBatchPreparedByTheOtherKindOfStoreIsImportedAsItsRows() async throws {
        try await TestDatabase.withStore(.sqlite) { sqlite, _ in
            try await TestDatabase.withStore(.postgres) { postgres, _ in
                let consent = ImportConsent(defaultStatus: .confirmed, source: "two stores")
                let rows = try (0..<3).map {
                    ImportRow(address: try Fixture.address("p\($0)@example.com"), name: "P\($0)", attributes: ["n": .number(Double($0))])
                }
                for (preparer, importer) in [(sqlite, postgres), (postgres, sqlite)] {
                    let list = try await importer.createList(name: "news", description: "")
                    let outcomes = try await importer.importSubscribers(
                        try preparer.prepareImport(rows, consent: consent), into: list.id, importID: "cross")
                    #expect(outcomes == [.inserted, .inserted, .inserted])
                    let members = try await importer.members(of: list.id, status: .confirmed, after: nil, limit: 10)
                    #expect(members.map(\.subscriber.name) == ["P0", "P1", "P2"])
                    #expect(members.map { $0.subscriber.attributes["n"] } == [.number(0), .number(1), .number(2)])
                }
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func importsFindDuplicatesInTheDatabaseAndNeverResubscribe(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let consent = ImportConsent(
                defaultStatus: .confirmed, source: "import of shop.csv",
                textShown: "Newsletter (checkbox)", ipOrChannel: "shop")
            func row(
                _ text: String, _ name: String? = nil, status: MembershipStatus? = nil,
                _ attributes: [String: JSONValue] = [:]
            ) throws -> ImportRow {
                ImportRow(address: try Fixture.address(text), name: name, attributes: attributes, status: status)
            }
            let first = try await store.importSubscribers(
                [
                    try row("ann@example.com", "Ann", ["plan": "pro"]), try row("bob@example.com"),
                    try row("ann@EXAMPLE.com", "Other Ann"), try row("cy@example.com", status: .unconfirmed),
                ],
                into: list.id, importID: "imp-1", consent: consent)
            #expect(first == [.inserted, .inserted, .duplicate, .inserted])
            // The next batch of the same import still sees the first batch's addresses.
            let second = try await store.importSubscribers(
                [try row("bob@Example.COM"), try row("dee@example.com")],
                into: list.id, importID: "imp-1", consent: consent)
            #expect(second == [.duplicate, .inserted])
            let ann = try #require(try await store.subscriber(address: try Fixture.address("ann@example.com")))
            #expect(ann.name == "Ann", "the duplicate row was not applied")
            #expect(try await store.membershipCounts(list: list.id) == [.confirmed: 3, .unconfirmed: 1, .unsubscribed: 0])
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.lastImportID == "imp-1")
            let annConsent = try await store.consentRecords(subscriber: ann.id)
            #expect(annConsent.map(\.evidence.kind) == [.given])
            #expect(annConsent.first?.evidence.method == .import)
            #expect(annConsent.first?.evidence.source == "import of shop.csv")
            #expect(annConsent.first?.evidence.textShown == "Newsletter (checkbox)")

            let third = try await store.importSubscribers(
                [try row("ann@example.com", status: .unsubscribed, ["city": "Graz"]), try row("eve@example.com")],
                into: list.id, importID: "imp-2", consent: consent)
            #expect(third == [.updated, .inserted])
            #expect(try await store.consentRecords(subscriber: ann.id).map(\.evidence.kind) == [.given, .withdrawn])
            let fourth = try await store.importSubscribers(
                [try row("ann@example.com", "Ann B.")], into: list.id,
                importID: "imp-3", consent: consent)
            #expect(fourth == [.keptUnsubscribed])
            let updated = try #require(try await store.subscriber(id: ann.id))
            #expect(updated.name == "Ann B.")
            #expect(updated.attributes == ["plan": "pro", "city": "Graz"])
            #expect(try await store.membership(list: list.id, subscriber: ann.id)?.status == .unsubscribed)
            #expect(try await store.consentRecords(subscriber: ann.id).count == 2)

            let everyone = try await store.members(of: list.id, status: nil, after: nil, limit: 100)
            #expect(
                everyone.map(\.subscriber.address.value)
                    == ["ann@example.com", "bob@example.com", "cy@example.com", "dee@example.com", "eve@example.com"])
            #expect(everyone.first?.membership.status == .unsubscribed && everyone.first?.membership.lastImportID == "imp-3")
            let page = try await store.members(of: list.id, status: .confirmed, after: everyone[1].subscriber.id, limit: 1)
            #expect(page.map(\.subscriber.address.value) == ["dee@example.com"])
            #expect(page.first?.membership.status == .confirmed)

            await #expect(throws: StoreError.notFound(.list(ListID(rawValue: 77)))) {
                try await store.importSubscribers(
                    [try row("x@example.com")], into: ListID(rawValue: 77),
                    importID: "imp-4", consent: consent)
            }
            #expect(try await store.subscriber(address: try Fixture.address("x@example.com")) == nil)
        }
    }

    /// A batch of people nobody holds yet takes the store's fresh path (encoded before the
    /// transaction, no plan): every status, its consent record, names and attributes of every shape
    /// land as the planned path would write them; a second import of the same rows then plans.
    @Test(arguments: StoreBackend.allCases)
    func aBatchOfNewPeopleIsWrittenAsThePlanWouldWriteIt(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let consent = ImportConsent(defaultStatus: .confirmed, source: "crm.csv")
            let attributes: [String: JSONValue] = ["plan": "pro", "quote": "say \"hi\"\n", "score": .number(7), "tags": .array(["a"])]
            let rows = [
                ImportRow(address: try Fixture.address("ann@example.com"), name: "Ann", attributes: attributes),
                ImportRow(address: try Fixture.address("bob@example.com"), status: .unconfirmed),
                ImportRow(address: try Fixture.address("cy@example.com"), name: "Cy \u{1F600}", status: .unsubscribed),
                ImportRow(address: try Fixture.address("dee@example.com"), status: .confirmed),
            ]
            let outcomes = try await store.importSubscribers(rows, into: list.id, importID: "imp-1", consent: consent)
            #expect(outcomes == [.inserted, .inserted, .inserted, .inserted])
            #expect(try await store.membershipCounts(list: list.id) == [.confirmed: 2, .unconfirmed: 1, .unsubscribed: 1])
            var kinds: [String: [ConsentKind]] = [:]
            for row in rows {
                let subscriber = try #require(try await store.subscriber(address: row.address))
                #expect(subscriber.name == row.name)
                #expect(subscriber.attributes == row.attributes)
                let membership = try await store.membership(list: list.id, subscriber: subscriber.id)
                #expect(membership?.lastImportID == "imp-1")
                let records = try await store.consentRecords(subscriber: subscriber.id)
                #expect(records.allSatisfy { $0.evidence.method == .import && $0.evidence.source == "crm.csv" && $0.listID == list.id })
                kinds[row.address.value] = records.map(\.evidence.kind)
            }
            #expect(
                kinds == [
                    "ann@example.com": [.given], "bob@example.com": [], "cy@example.com": [.withdrawn], "dee@example.com": [.given],
                ])
            // The same people again without a status, in another import: all known now, so the plan
            // decides, and Cy's opt-out stands.
            let again = try await store.importSubscribers(
                rows.map { ImportRow(address: $0.address) }, into: list.id, importID: "imp-2", consent: consent)
            #expect(again == [.updated, .updated, .keptUnsubscribed, .updated])
        }
    }

    /// A batch with more values than SQLite takes as parameters is read as one JSON array there (the
    /// subscribers' three columns), the smaller records of the same batch as a VALUES list.
    @Test(arguments: StoreBackend.allCases)
    func aBatchPastSQLitesParameterLimitIsImportedWhole(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "big", description: "")
            let count = BatchRecords.sqliteMaximumValues / 3 + 1
            let rows = try (0..<count).map { index in
                ImportRow(address: try Fixture.address("p\(index)@example.com"), name: "P \(index)", attributes: ["n": .string("\(index)")])
            }
            let outcomes = try await store.importSubscribers(
                rows, into: list.id, importID: "big-1", consent: ImportConsent(defaultStatus: .confirmed, source: "big.csv"))
            #expect(outcomes.count == count && outcomes.allSatisfy { $0 == .inserted })
            #expect(try await store.membershipCounts(list: list.id)[.confirmed] == count)
            let last = try #require(try await store.subscriber(address: try Fixture.address("p\(count - 1)@example.com")))
            #expect(last.name == "P \(count - 1)" && last.attributes == ["n": .string("\(count - 1)")])
            #expect(try await store.consentRecords(subscriber: last.id).map(\.evidence.kind) == [.given])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func reopeningAndConcurrentStartsApplyMigrationsOnce(backend: StoreBackend) async throws {
        let db = try TestDatabase(backend)
        let stores = try await withThrowingTaskGroup(of: SQLMailStore.self) { group in
            for _ in 0..<3 { group.addTask { try await db.open() } }
            var opened: [SQLMailStore] = []
            for try await store in group { opened.append(store) }
            return opened
        }
        let list = try await stores[0].createList(name: "news", description: "")
        for store in stores {
            #expect(try await store.list(named: "news") == list)
        }
        if backend == .sqlite {
            let mode = try await stores[0].backend.read(SQLStatement("PRAGMA journal_mode"))
            #expect(try mode.first?.text("journal_mode") == "wal")
            let timeout = try await stores[0].backend.read(SQLStatement("PRAGMA busy_timeout"))
            #expect(try timeout.first?.int("timeout") == 10_000)
            let synchronous = try await stores[0].backend.read(SQLStatement("PRAGMA synchronous"))
            #expect(try synchronous.first?.int("synchronous") == 2, "FULL")
        }
        let table = backend == .sqlite ? "grdb_migrations" : "schema_migrations"
        let applied = try await stores[0].backend.read(SQLStatement("SELECT count(*) AS n FROM \(table)"))
        #expect(try applied.first?.int("n") == Int64(Schema.migrations(.sqlite).count))
        for store in stores { await db.close(store) }
        let reopened = try await db.open()
        #expect(try await reopened.allLists() == [list])
        await db.close(reopened)
        db.discard()
    }
}
