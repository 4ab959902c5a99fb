import Foundation
import Testing

@testable import BulkheadStore

/// Bounces and complaints that come back, on both backends.
@Suite("Store conformance: bounces and complaints")
struct InboundConformanceTests {
    /// A sending campaign whose entries were all sent: their VERP tokens, by address.
    static func sentCampaign(_ store: any MailStore, _ db: TestDatabase, _ addresses: [String]) async throws -> (CampaignID, [String: LedgerEntry]) {
        let list = try await store.createList(name: "news-\(UUID().uuidString.prefix(6))", description: "")
        try await Fixture.members(store, list: list.id, addresses, at: db.clock.now)
        let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
        try await store.enqueueRecipients(campaign: campaign.id)
        _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .system)
        let batch = try await store.claim(campaign: campaign.id, worker: "w", limit: 100)
        try await store.complete(batch.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) })
        let entries = try await store.ledgerPage(LedgerQuery(campaignID: campaign.id))
        return (campaign.id, Dictionary(uniqueKeysWithValues: entries.map { ($0.address.value, $0) }))
    }

    @Test(arguments: StoreBackend.allCases)
    func aHardBounceMarksTheEntryAndSuppressesTheAddress(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let (campaign, entries) = try await Self.sentCampaign(store, db, ["gone@example.com", "fine@example.com"])
            let gone = try #require(entries["gone@example.com"])
            let bounce = InboundBounce(
                verpToken: gone.verpToken, kind: .hard, status: "5.1.1", diagnostic: "smtp; 550 5.1.1 user unknown", at: db.clock.now,
                source: "dsn")
            let result = try #require(try await store.recordBounce(bounce, softLimit: SoftBounceLimit()))
            #expect(result.entry.id == gone.id && result.suppressed)
            let again = try #require(try await store.recordBounce(bounce, softLimit: SoftBounceLimit()))
            #expect(!again.suppressed, "already suppressed: the same report twice changes nothing")

            let stored = try #require(try await store.ledgerEntry(verpToken: gone.verpToken))
            #expect(stored.state == .sent, "accepted, then bounced: the state stays")
            #expect(stored.bounce?.kind == .hard && stored.bounce?.status == "5.1.1")
            #expect(stored.bounce?.diagnostic == "smtp; 550 5.1.1 user unknown")
            #expect(try await store.suppressedAddresses(among: [gone.address]) == [gone.address])
            #expect(try await store.bounceCounts(campaign: campaign) == [.hard: 1])
            let window = try await store.brakeWindow(campaign: campaign, size: 500)
            #expect(window.events[.hardBounce] == 1, "the hard-bounce brake hears of it")

            // A later soft bounce does not downgrade the entry.
            _ = try await store.recordBounce(
                InboundBounce(verpToken: gone.verpToken, kind: .soft, status: "4.2.2", diagnostic: nil, at: db.clock.now, source: "dsn"),
                softLimit: SoftBounceLimit())
            #expect(try await store.ledgerEntry(verpToken: gone.verpToken)?.bounce?.kind == .hard)
            #expect(
                try await store.recordBounce(
                    InboundBounce(verpToken: "nosuchtoken", kind: .hard, status: "5.1.1", diagnostic: nil, at: db.clock.now, source: "dsn"),
                    softLimit: SoftBounceLimit()) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func softBouncesOfThreeMessagesWithinTheWindowSuppress(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            var tokens: [String] = []
            for _ in 0..<3 {
                let (_, entries) = try await Self.sentCampaign(store, db, ["full@example.com"])
                tokens.append(try #require(entries["full@example.com"]).verpToken)
            }
            let address = try Fixture.address("full@example.com")
            func soft(_ token: String, _ kind: BounceKind = .soft) async throws -> Bool {
                let bounce = InboundBounce(verpToken: token, kind: kind, status: "4.2.2", diagnostic: "mailbox full", at: db.clock.now, source: "dsn")
                return try #require(try await store.recordBounce(bounce, softLimit: SoftBounceLimit(count: 3, days: 14))).suppressed
            }
            #expect(try await soft(tokens[0]) == false)
            #expect(try await soft(tokens[0]) == false, "the same message's report twice counts once")
            #expect(try await soft(tokens[1], .rejectedMessage) == false, "a refused message is not the address's fault")
            #expect(try await soft(tokens[1], .expired) == false)
            #expect(try await store.suppressedAddresses(among: [address]).isEmpty)
            #expect(try await soft(tokens[2]) == true, "the third message within 14 days")
            #expect(try await store.suppressedAddresses(among: [address]) == [address])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func softBouncesOutsideTheWindowDoNotCount(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            var tokens: [String] = []
            for _ in 0..<3 {
                let (_, entries) = try await Self.sentCampaign(store, db, ["slow@example.com"])
                tokens.append(try #require(entries["slow@example.com"]).verpToken)
            }
            let start = db.clock.now
            for (index, token) in tokens.enumerated() {
                // 8 days apart: never three within 14 days.
                let at = start.addingTimeInterval(Double(index) * 8 * 86_400)
                let result = try await store.recordBounce(
                    InboundBounce(verpToken: token, kind: .soft, status: "4.2.2", diagnostic: nil, at: at, source: "dsn"),
                    softLimit: SoftBounceLimit(count: 3, days: 14))
                #expect(result?.suppressed == false)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aComplaintSuppressesAndFeedsTheBrake(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let (campaign, entries) = try await Self.sentCampaign(store, db, ["angry@example.com"])
            let entry = try #require(entries["angry@example.com"])
            let result = try #require(try await store.recordComplaint(verpToken: entry.verpToken, at: db.clock.now, source: "arf"))
            #expect(result.suppressed)
            let suppression = try await store.suppressions(after: nil, limit: 10).first
            #expect(suppression?.reason == .complaint && suppression?.source == "arf")
            #expect(try await store.brakeWindow(campaign: campaign, size: 500).events[.complaint] == 1)
            #expect(try await store.recordComplaint(verpToken: "unknown", at: db.clock.now, source: "arf") == nil)
        }
    }
}
