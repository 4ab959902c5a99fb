import Foundation
import Testing

@testable import BulkheadStore

/// The import's fresh path: a batch of distinct rows is inserted skipping known addresses; when one
/// was known, the insert is rolled back to its savepoint and the plan decides the whole batch; when
/// every row went in with one status, memberships and consent records are written from the range
/// of new ids.
@Suite("Store conformance: the import's fresh path")
struct FreshImportConformanceTests {
    private static let consent = ImportConsent(defaultStatus: .confirmed, source: "crm.csv")

    private static func rows(_ addresses: [String], status: MembershipStatus? = nil) throws -> [ImportRow] {
        try addresses.map { ImportRow(address: try Fixture.address($0), name: "Name of \($0)", status: status) }
    }

    private static func subscriberCount(_ store: SQLMailStore) async throws -> Int64 {
        try #require(try await store.backend.read(SQLStatement("SELECT count(*) AS n FROM subscribers")).first).int("n")
    }

    private static func consentCount(_ store: SQLMailStore) async throws -> Int64 {
        try #require(try await store.backend.read(SQLStatement("SELECT count(*) AS n FROM consent_records")).first).int("n")
    }

    /// One known address among new ones: nothing of the tried insert stays (no second row for anyone,
    /// no stray membership or consent), and the plan writes the batch as it would have.
    @Test(arguments: StoreBackend.allCases)
    func aBatchWithOneKnownAddressIsPlannedWhole(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let first = try await store.importSubscribers(
                try Self.rows(["ann@example.com"], status: .unsubscribed), into: list.id, importID: "imp-1", consent: Self.consent)
            #expect(first == [.inserted])
            let outcomes = try await store.importSubscribers(
                try Self.rows(["bob@example.com", "ANN@example.com", "cy@example.com"]), into: list.id, importID: "imp-2",
                consent: Self.consent)
            #expect(outcomes == [.inserted, .keptUnsubscribed, .inserted])
            #expect(try await Self.subscriberCount(store) == 3)
            #expect(try await store.membershipCounts(list: list.id) == [.confirmed: 2, .unconfirmed: 0, .unsubscribed: 1])
            // Ann: her opt-out's record; Bob and Cy: one given each.
            #expect(try await Self.consentCount(store) == 3)
            for address in ["bob@example.com", "cy@example.com"] {
                let subscriber = try #require(try await store.subscriber(address: try Fixture.address(address)))
                #expect(try await store.consentRecords(subscriber: subscriber.id).map(\.evidence.kind) == [.given])
                #expect(try await store.membership(list: list.id, subscriber: subscriber.id)?.lastImportID == "imp-2")
            }
        }
    }

    /// The range of new ids holds only the batch: people stored before (on another list, with ids
    /// below it) get no membership or consent of this import.
    @Test(arguments: StoreBackend.allCases)
    func aUniformBatchWritesMembershipsAndConsentsForItsOwnRowsOnly(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let other = try await store.createList(name: "other", description: "")
            let news = try await store.createList(name: "news", description: "")
            _ = try await store.importSubscribers(
                try Self.rows(["old1@example.com", "old2@example.com"]), into: other.id, importID: "imp-0", consent: Self.consent)
            let addresses = (0..<50).map { "p\($0)@example.com" }
            let outcomes = try await store.importSubscribers(
                try Self.rows(addresses, status: .unconfirmed), into: news.id, importID: "imp-1", consent: Self.consent)
            #expect(outcomes == Array(repeating: .inserted, count: 50))
            #expect(try await store.membershipCounts(list: news.id) == [.confirmed: 0, .unconfirmed: 50, .unsubscribed: 0])
            #expect(try await store.membershipCounts(list: other.id) == [.confirmed: 2, .unconfirmed: 0, .unsubscribed: 0])
            // Unconfirmed records no consent: only the first import's two.
            #expect(try await Self.consentCount(store) == 2)
            for address in ["old1@example.com", "old2@example.com"] {
                let old = try #require(try await store.subscriber(address: try Fixture.address(address)))
                #expect(try await store.membership(list: news.id, subscriber: old.id) == nil)
            }
            let last = try #require(try await store.subscriber(address: try Fixture.address("p49@example.com")))
            #expect(last.name == "Name of p49@example.com")
            #expect(try await store.membership(list: news.id, subscriber: last.id)?.lastImportID == "imp-1")
        }
    }

    /// With a sequence that hands out ids in blocks per connection, a batch's ids can lie below ids
    /// another connection took meanwhile: the range is taken from the insert's own rows, so the
    /// other connection's people get nothing of the import.
    @Test
    func idsBelowAnotherConnectionsStillGoToTheBatchOnly() async throws {
        let db = try TestDatabase(.postgres)
        let importer = try await db.open()
        let other = try await db.open()
        _ = try await importer.backend.transaction { tx in try tx.changes(SQLStatement("ALTER SEQUENCE subscribers_id_seq CACHE 50")) }
        let news = try await importer.createList(name: "news", description: "")
        let elsewhere = try await importer.createList(name: "elsewhere", description: "")
        // Each store's connection takes its own block of ids: the other's people get ids above the batch's.
        _ = try await importer.importSubscribers(try Self.rows(["a0@example.com"]), into: news.id, importID: "imp-0", consent: Self.consent)
        _ = try await other.importSubscribers(
            try Self.rows(["o1@example.com", "o2@example.com"]), into: elsewhere.id, importID: "other", consent: Self.consent)
        let outcomes = try await importer.importSubscribers(
            try Self.rows(["a1@example.com", "a2@example.com", "a3@example.com"]), into: news.id, importID: "imp-1", consent: Self.consent)
        #expect(outcomes == [.inserted, .inserted, .inserted])
        #expect(try await importer.membershipCounts(list: news.id) == [.confirmed: 4, .unconfirmed: 0, .unsubscribed: 0])
        #expect(try await importer.membershipCounts(list: elsewhere.id) == [.confirmed: 2, .unconfirmed: 0, .unsubscribed: 0])
        for address in ["o1@example.com", "o2@example.com"] {
            let person = try #require(try await importer.subscriber(address: try Fixture.address(address)))
            #expect(try await importer.membership(list: news.id, subscriber: person.id) == nil)
            #expect(try await importer.consentRecords(subscriber: person.id).count == 1)
        }
        await db.close(other)
        await db.close(importer)
        db.discard()
    }

    /// A row that is not the batch's takes an id between the batch's own: a trigger adds one in the
    /// middle of the insert, as a sign-up committed by another connection can on PostgreSQL. The batch's
    /// ids are then no range and are mapped by address: the other row gets no membership or consent
    /// record of the import, and everyone imported gets exactly one of each. (Deterministic: a loop of
    /// sign-ups on another connection interleaved only by chance, and under a loaded test run not at all.)
    @Test(arguments: StoreBackend.allCases)
    func aRowBetweenTheBatchsIdsGetsNothingOfTheImport(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let news = try await store.createList(name: "news", description: "")
            let trigger: [String] =
                switch backend {
                case .postgres:
                    [
                        """
                        CREATE FUNCTION sign_up_meanwhile() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN
                          IF NEW.address = 'r-500@example.com' THEN
                            INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
                            VALUES ('o-meanwhile@example.com', NULL, NEW.attributes, NEW.created_at, NEW.updated_at);
                          END IF;
                          RETURN NEW;
                        END $$
                        """,
                        // BEFORE: PostgreSQL fires AFTER row triggers only once the statement is done.
                        "CREATE TRIGGER sign_up_meanwhile BEFORE INSERT ON subscribers FOR EACH ROW EXECUTE FUNCTION sign_up_meanwhile()",
                    ]
                case .sqlite:
                    [
                        """
                        CREATE TRIGGER sign_up_meanwhile AFTER INSERT ON subscribers WHEN NEW.address = 'r-500@example.com'
                        BEGIN
                          INSERT INTO subscribers (address, name, attributes, created_at, updated_at)
                          VALUES ('o-meanwhile@example.com', NULL, NEW.attributes, NEW.created_at, NEW.updated_at);
                        END
                        """
                    ]
                }
            for sql in trigger { _ = try await store.backend.transaction { tx in try tx.changes(SQLStatement(sql)) } }
            let addresses = (0..<1_000).map { "r-\($0)@example.com" }
            let outcomes = try await store.importSubscribers(try Self.rows(addresses), into: news.id, importID: "imp-1", consent: Self.consent)
            #expect(outcomes == Array(repeating: .inserted, count: addresses.count))
            #expect(try await Self.interleaved(store, imported: "r-%", other: "o-%"), "the trigger's row has an id between the batch's")
            #expect(try await store.membershipCounts(list: news.id) == [.confirmed: addresses.count, .unconfirmed: 0, .unsubscribed: 0])
            #expect(try await Self.consentCount(store) == Int64(addresses.count))
            let other = try #require(try await store.subscriber(address: try Fixture.address("o-meanwhile@example.com")))
            #expect(try await store.membership(list: news.id, subscriber: other.id) == nil)
            #expect(try await store.consentRecords(subscriber: other.id).isEmpty)
        }
    }

    /// Whether a subscriber whose address matches `other` has an id between the lowest and highest id
    /// of those matching `imported` (one batch's addresses).
    private static func interleaved(_ store: SQLMailStore, imported: String, other: String) async throws -> Bool {
        let row = try #require(
            try await store.backend.read(
                SQLStatement(
                    """
                    SELECT count(*) AS n FROM subscribers o
                    WHERE o.address LIKE ? AND o.id BETWEEN (SELECT min(id) FROM subscribers WHERE address LIKE ?)
                                               AND (SELECT max(id) FROM subscribers WHERE address LIKE ?)
                    """, [.text(other), .text(imported), .text(imported)])
            ).first)
        return try row.int("n") > 0
    }

    /// The membership upsert keeps an opt-out whatever the batch planned, and no consent is recorded
    /// for it: an unsubscribe committed after the plan read the membership (PostgreSQL, READ
    /// COMMITTED) is not undone.
    @Test(arguments: StoreBackend.allCases)
    func theMembershipUpsertNeverResubscribes(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            _ = try await store.importSubscribers(
                try Self.rows(["ann@example.com"], status: .unsubscribed), into: list.id, importID: "imp-1", consent: Self.consent)
            let ann = try #require(try await store.subscriber(address: try Fixture.address("ann@example.com")))
            // What a plan that read her as confirmed would write.
            var records = BatchRecords(columns: [("subscriber_id", .bigint), ("status", .text)], dialect: store.backend.dialect)
            try records.append([.int(ann.id.rawValue), .text(MembershipStatus.confirmed.rawValue)])
            let planned = records
            _ = try await store.backend.transaction { tx in
                try tx.changes(Queries.upsertMemberships(planned, list: list.id, importID: "imp-2", now: Date()))
            }
            let membership = try await store.membership(list: list.id, subscriber: ann.id)
            #expect(membership?.status == .unsubscribed)
            #expect(membership?.lastImportID == "imp-2")
            // Nor is a consent the plan meant to record for her written: her opt-out is the last word.
            var consents = BatchRecords(columns: [("subscriber_id", .bigint), ("kind", .text)], dialect: store.backend.dialect)
            try consents.append([.int(ann.id.rawValue), .text(ConsentKind.given.rawValue)])
            let given = consents
            _ = try await store.backend.transaction { tx in
                try tx.changes(Queries.insertImportConsents(given, list: list.id, consent: Self.consent, at: Date()))
            }
            #expect(try await store.consentRecords(subscriber: ann.id).map(\.evidence.kind) == [.withdrawn])
        }
    }

    @Test
    func newIDsAreARangeOnlyWhenTheyFillItOnePerRow() throws {
        let fresh = try FreshImportBatch(try Self.rows(["a@x.org", "b@x.org", "c@x.org"]), defaultStatus: .confirmed, dialect: .sqlite)
        #expect(fresh.newIDs(count: 3, lowest: 7, highest: 9) == 7...9)
        #expect(fresh.newIDs(count: 3, lowest: 7, highest: 10) == nil, "a gap: one id between is somebody else's")
        #expect(fresh.newIDs(count: 4, lowest: 7, highest: 10) == nil, "more ids than rows")
        #expect(fresh.newIDs(count: 2, lowest: 7, highest: 8) == nil, "a row did not go in")
        #expect(fresh.newIDs(count: 0, lowest: 0, highest: 0) == nil)
        #expect(fresh.uniformChange?.status == .confirmed && fresh.uniformChange?.consent == .given)
        let mixed = try FreshImportBatch(
            try Self.rows(["a@x.org"]) + Self.rows(["b@x.org"], status: .unconfirmed), defaultStatus: .confirmed, dialect: .sqlite)
        #expect(mixed.uniformChange == nil)
    }
}
