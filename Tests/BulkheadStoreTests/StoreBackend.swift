import Foundation
import Synchronization

@testable import BulkheadStore

/// The backends the conformance suite runs against.
enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }
}

/// The store's ``ManualClock``, read as `Date`s and moved by seconds (what these tests write).
struct TestClock: Sendable {
    let manual = ManualClock()

    var now: Date { manual.date }

    func advance(by seconds: TimeInterval) { manual.advance(by: .seconds(seconds)) }
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
}

/// One fresh, empty database per test: a new SQLite file in a temporary folder, or a new schema on the
/// PostgreSQL server named by BULKHEAD_TEST_POSTGRES_URL.
struct TestDatabase: Sendable {
    let backend: StoreBackend
    let clock: TestClock
    private let sqlitePath: String?
    private let postgresSchema: String?

    init(_ backend: StoreBackend, clock: TestClock = TestClock()) throws {
        self.backend = backend
        self.clock = clock
        switch backend {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            sqlitePath = folder.appendingPathComponent("store.sqlite").path
            postgresSchema = nil
        case .postgres:
            sqlitePath = nil
            postgresSchema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        }
    }

    static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["BULKHEAD_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw TestSetupError(
                description: """
                    BULKHEAD_TEST_POSTGRES_URL is not set: the PostgreSQL cases need a server. Run the tests with \
                    `source scripts/test-deps/postgres.sh && swift test --skip-build --filter BulkheadStoreTests` \
                    which starts a throwaway PostgreSQL (the test command is meant to source that script).
                    """)
        }
        return url
    }

    /// Opens a store on this database (call again for a second "process" on the same database).
    func open() async throws -> SQLMailStore {
        switch backend {
        case .sqlite:
            return try SQLiteStore(path: sqlitePath ?? "", configuration: .init(clock: clock.manual))
        case .postgres:
            var configuration = try PostgresStore.Configuration(url: try Self.postgresURL())
            configuration.schema = postgresSchema
            configuration.clock = clock.manual
            // Every conformance test opens its own schema at once, on two cores shared with the rest of
            // the suite: creating them all can take longer than the default 30 s under that load.
            configuration.startupTimeout = .seconds(180)
            return try await PostgresStore.connect(configuration)
        }
    }

    /// Closes a store opened by ``open()``.
    func close(_ store: SQLMailStore) async {
        if let store = store as? PostgresStore { await store.close() }
    }

    /// Deletes the SQLite folder (the PostgreSQL schema dies with the throwaway server).
    func discard() {
        if let sqlitePath {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: sqlitePath).deletingLastPathComponent())
        }
    }

    /// Runs `body` with a fresh store, closing and discarding it afterwards.
    static func withStore<T>(_ backend: StoreBackend, _ body: (SQLMailStore, TestDatabase) async throws -> T) async throws -> T {
        let database = try TestDatabase(backend)
        let store = try await database.open()
        do {
            let value = try await body(store, database)
            await database.close(store)
            database.discard()
            return value
        } catch {
            await database.close(store)
            database.discard()
            throw error
        }
    }
}

/// Small builders shared by the tests.
enum Fixture {
    static func address(_ text: String) throws -> NormalizedAddress { try NormalizedAddress(text) }

    static func consent(_ kind: ConsentKind, at date: Date, method: ConsentMethod = .form) -> ConsentEvidence {
        ConsentEvidence(
            kind: kind, at: date, method: method, source: "https://example.com/signup",
            ipOrChannel: "192.0.2.7", textShown: "Yes, send me the monthly news.")
    }

    static func content(list: ListID, segment: SegmentFilter? = nil) -> CampaignContent {
        CampaignContent(
            name: "November news", listID: list, segment: segment, from: "News <news@example.com>",
            subjectTemplate: "Hello {{name}}", textTemplate: "Hi {{name}}", htmlTemplate: "<p>Hi {{name}}</p>",
            attachments: ["blob:1"], dkimKeyRef: "example.com/s1")
    }

    /// Adds `addresses` to `list` with `status`, one setMembership each.
    @discardableResult
    /// A list "news" with `addresses` confirmed, and a campaign to it, queued and `sending`.
    static func sendingCampaign(_ store: any MailStore, _ addresses: [String], at date: Date) async throws -> Campaign {
        let list = try await store.createList(name: "news", description: "")
        try await members(store, list: list.id, addresses, at: date)
        let campaign = try await store.createCampaign(content(list: list.id), actor: .system)
        try await store.enqueueRecipients(campaign: campaign.id)
        return try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .system)
    }

    @discardableResult
    static func members(
        _ store: any MailStore, list: ListID, _ addresses: [String], status: MembershipStatus = .confirmed,
        at date: Date, attributes: [String: JSONValue] = [:]
    ) async throws -> [Subscriber] {
        var subscribers: [Subscriber] = []
        for text in addresses {
            let subscriber = try await store.upsertSubscriber(address: try address(text), name: nil, attributes: attributes)
            let kind: ConsentKind = status == .unsubscribed ? .withdrawn : .given
            _ = try await store.setMembership(
                list: list, subscriber: subscriber.id, status: status,
                consent: consent(kind, at: date))
            subscribers.append(subscriber)
        }
        return subscribers
    }

    /// Imports `count` confirmed members named u0…, in batches.
    static func importMembers(
        _ store: any MailStore, list: ListID, count: Int, prefix: String = "u",
        batchSize: Int = 2000
    ) async throws {
        var start = 0
        while start < count {
            let end = min(count, start + batchSize)
            let rows = try (start..<end).map { ImportRow(address: try address("\(prefix)\($0)@example.com")) }
            _ = try await store.importSubscribers(
                rows, into: list, importID: "bulk-\(prefix)",
                consent: ImportConsent(defaultStatus: .confirmed, source: "test"))
            start = end
        }
    }

    /// A campaign in `sending` with its recipients queued.
    static func sendingCampaign(_ store: any MailStore, list: ListID) async throws -> Campaign {
        let campaign = try await store.createCampaign(content(list: list), actor: .human("ann"))
        _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .human("ann"))
        try await store.enqueueRecipients(campaign: campaign.id)
        return campaign
    }

    static let ok = SMTPReplyRecord(code: 250, text: "2.0.0 Ok: queued")
}

extension LedgerStream {
    /// Every entry of the stream, in order.
    func collect() async throws -> [LedgerEntry] {
        try await reduce(into: []) { $0.append($1) }
    }
}
