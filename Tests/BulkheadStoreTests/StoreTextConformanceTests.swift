import Foundation
import Testing

@testable import BulkheadStore

/// Issue 7, items 3, 9 and 10: text both backends keep alike, list renames, store-wide secrets.
@Suite("Store conformance: hostile text, list renames, secrets")
struct StoreTextConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func nulIsRefusedAlikeAndOtherHostileTextRoundTrips(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let address = try Fixture.address("nul@example.com")
            await #expect(throws: StoreText.nulError) {
                try await store.upsertSubscriber(address: address, name: "A\u{0}nn", attributes: [:])
            }
            await #expect(throws: StoreText.nulError) {
                try await store.upsertSubscriber(address: address, name: "Ann", attributes: ["city": .string("Ly\u{0}on")])
            }
            let list = try await store.createList(name: "text", description: "")
            await #expect(throws: StoreText.nulError) {
                _ = try await store.importSubscribers(
                    [ImportRow(address: address, name: "N\u{0}ul")], into: list.id, importID: "i",
                    consent: ImportConsent(defaultStatus: .confirmed, source: "test"))
            }
            #expect(try await store.subscriber(address: address) == nil, "nothing of a refused write is kept")

            // A literal backslash-u0000 is text, not a NUL; U+FFFD (what invalid UTF-8 such as a lone
            // surrogate's bytes decodes to) and a 1 MB field are kept exactly.
            let literal = #"C:\u0000\path"#
            let big = String(repeating: "é", count: 512 * 1024)
            let rows = [
                ImportRow(address: try Fixture.address("lit@example.com"), name: literal, attributes: ["k": .string(literal)]),
                ImportRow(address: try Fixture.address("fffd@example.com"), name: "\u{FFFD}\u{FFFD}x"),
                ImportRow(address: try Fixture.address("big@example.com"), name: big, attributes: ["big": .string(big)]),
            ]
            _ = try await store.importSubscribers(
                rows, into: list.id, importID: "i2", consent: ImportConsent(defaultStatus: .confirmed, source: "test"))
            #expect(try await store.subscriber(address: try Fixture.address("lit@example.com"))?.name == literal)
            #expect(try await store.subscriber(address: try Fixture.address("lit@example.com"))?.attributes["k"] == .string(literal))
            #expect(try await store.subscriber(address: try Fixture.address("fffd@example.com"))?.name == "\u{FFFD}\u{FFFD}x")
            let stored = try await store.subscriber(address: try Fixture.address("big@example.com"))
            #expect(stored?.name == big && stored?.attributes["big"] == .string(big))
        }
    }

    /// A NUL in a server's reply must not lose the outcome of a message that was accepted.
    @Test(arguments: StoreBackend.allCases)
    func aReplyWithNulIsRecorded(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, ["r@example.com"], at: db.clock.now)
            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 1)
            let reply = SMTPReplyRecord(code: 250, text: "2.0.0 queued as \u{0}ABC")
            #expect(reply.text == "2.0.0 queued as \\0ABC")
            #expect(try await store.complete([LedgerOutcome(entry: claimed[0], result: .sent(reply))]) == 1)
            let entry = try await store.ledgerEntries(campaign: campaign.id).collect()[0]
            #expect(entry.state == .sent && entry.lastReply == reply)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aRenameKeepsTheListIDLabel(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let news = try await store.createList(name: "Shop News!", description: "")
            #expect(news.listIDLabel == "shop-news")
            _ = try await store.createList(name: "other", description: "")
            let renamed = try await store.renameList(news.id, to: "Café news", actor: .human("ann"))
            #expect(renamed.name == "Café news" && renamed.listIDLabel == "shop-news")
            #expect(try await store.list(named: "Café news")?.listIDLabel == "shop-news")
            await #expect(throws: StoreError.duplicate(kind: "list", key: "other")) {
                try await store.renameList(news.id, to: "other", actor: .human("ann"))
            }
            let events = try await store.auditEvents(AuditQuery(subjectKind: "list", subjectID: "\(news.id.rawValue)"))
            #expect(events.map(\.event.action) == ["list.rename"])
            // The name goes into the List-Id header: no control characters, on create or rename.
            await #expect(throws: StoreError.invalidData("a list name may not hold control characters (U+0001)")) {
                try await store.renameList(news.id, to: "a\u{1}b", actor: .human("ann"))
            }
            await #expect(throws: StoreError.self) { try await store.createList(name: "x\ny", description: "") }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aSecretIsCreatedOnceAndSharedByEveryOpener(backend: StoreBackend) async throws {
        let database = try TestDatabase(backend)
        let first = try await database.open()
        let second = try await database.open()
        // Two "hosts" ask at once, each with its own candidate: both get the same one.
        async let a = first.secret(named: "unsubscribe-key") { "from-first" }
        async let b = second.secret(named: "unsubscribe-key") { "from-second" }
        let (one, two) = try await (a, b)
        #expect(one == two && ["from-first", "from-second"].contains(one))
        #expect(try await first.secret(named: "unsubscribe-key") { "later" } == one, "never replaced")
        await database.close(first)
        await database.close(second)
        database.discard()
    }
}
