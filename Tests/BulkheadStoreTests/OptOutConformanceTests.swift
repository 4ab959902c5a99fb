import Foundation
import Testing

@testable import BulkheadStore

/// Issue 7, item 2: an opt-out holds at the moment of sending, not only when the campaign was queued.
@Suite("Store conformance: opt-outs are checked when an entry is claimed")
struct OptOutConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func suppressedAndUnsubscribedEntriesAreNeverClaimed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let addresses = (0..<6).map { "p\($0)@example.com" }
            let campaign = try await Fixture.sendingCampaign(store, addresses, at: db.clock.now)
            #expect(try await store.ledgerCounts(campaign: campaign.id)[.queued] == 6)

            // After queueing: p1 is suppressed, p2 unsubscribes from the list, p3 is only unconfirmed now.
            try await store.addSuppression(
                Suppression(
                    address: try Fixture.address("P1@Example.com"), reason: .unsubscribed,
                    at: db.clock.now, source: "test"), actor: .system)
            let list = try #require(try await store.list(named: "news"))
            for (address, status) in [("p2@example.com", MembershipStatus.unsubscribed), ("p3@example.com", .unconfirmed)] {
                let person = try #require(try await store.subscriber(address: try Fixture.address(address)))
                _ = try await store.setMembership(
                    list: list.id, subscriber: person.id, status: status,
                    consent: Fixture.consent(.withdrawn, at: db.clock.now))
            }

            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
            #expect(claimed.map(\.address.value) == ["p0@example.com", "p4@example.com", "p5@example.com"])
            #expect(claimed.allSatisfy { $0.state == .sending })

            let ledger = try await store.ledgerEntries(campaign: campaign.id).collect()
            let byAddress = Dictionary(uniqueKeysWithValues: ledger.map { ($0.address.value, $0) })
            #expect(byAddress["p1@example.com"]?.state == .suppressed)
            #expect(byAddress["p1@example.com"]?.lastReply?.text == "suppressed: unsubscribed")
            #expect(byAddress["p2@example.com"]?.lastReply?.text == "list membership is unsubscribed")
            #expect(byAddress["p3@example.com"]?.lastReply?.text == "list membership is unconfirmed")
            #expect([1, 2, 3].allSatisfy { byAddress["p\($0)@example.com"]?.attempts == 0 }, "no attempt is charged")
            #expect(try await store.ledgerCounts(campaign: campaign.id)[.suppressed] == 3)
        }
    }

    /// Review of 2026-12-05: an opt-out after the claim must hold for claimed entries not yet handed over.
    @Test(arguments: StoreBackend.allCases)
    func claimedEntriesWhosePersonOptedOutSinceAreWithdrawn(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let addresses = (0..<5).map { "w\($0)@example.com" }
            let campaign = try await Fixture.sendingCampaign(store, addresses, at: db.clock.now)
            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
            #expect(claimed.count == 5)
            // After the claim: w1 is suppressed, w2 unsubscribes from the list; w3 was already sent.
            try await store.addSuppression(
                Suppression(address: try Fixture.address("W1@Example.com"), reason: .complaint, at: db.clock.now, source: "arf"),
                actor: .system)
            let list = try #require(try await store.list(named: "news"))
            for address in ["w2@example.com", "w3@example.com"] {
                let person = try #require(try await store.subscriber(address: try Fixture.address(address)))
                _ = try await store.setMembership(
                    list: list.id, subscriber: person.id, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            }
            let byAddress = Dictionary(uniqueKeysWithValues: claimed.map { ($0.address.value, $0) })
            let w3 = try #require(byAddress["w3@example.com"])
            try await store.complete([LedgerOutcome(entry: w3, result: .sent(SMTPReplyRecord(code: 250, text: "ok")))])

            // w3 is kept back too: it is no longer `sending` (a worker never asks for a sent one; a stalled one might).
            let keptBack = Set(["w1@example.com", "w2@example.com", "w3@example.com"].compactMap { byAddress[$0]?.id })
            #expect(try await store.withdrawOptedOut(claimed) == keptBack)
            #expect(try await store.withdrawOptedOut(claimed) == keptBack, "twice: the same answer, and nothing changes")

            let ledger = Dictionary(
                uniqueKeysWithValues: try await store.ledgerEntries(campaign: campaign.id).collect().map { ($0.address.value, $0) })
            #expect(ledger["w1@example.com"]?.state == .suppressed)
            #expect(ledger["w1@example.com"]?.lastReply?.text == "suppressed: complaint")
            #expect(ledger["w2@example.com"]?.state == .suppressed)
            #expect(ledger["w2@example.com"]?.lastReply?.text == "list membership is unsubscribed")
            #expect(ledger["w1@example.com"]?.attempts == 0 && ledger["w2@example.com"]?.attempts == 0, "the claim's attempt is restored")
            #expect(ledger["w3@example.com"]?.state == .sent, "a sent entry stays sent")
            #expect(ledger["w0@example.com"]?.state == .sending && ledger["w4@example.com"]?.state == .sending)
        }
    }

    /// Second review of 2026-12-05: a worker that stalled past its lease (its entries recovered by
    /// another, then claimed again) must not send what is no longer its claim, opted out or not.
    @Test(arguments: StoreBackend.allCases)
    func entriesNoLongerInTheClaimAreKeptBack(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, ["s0@example.com", "s1@example.com"], at: db.clock.now)
            let stalled = try await store.claim(campaign: campaign.id, worker: "stalled", limit: 10)
            #expect(stalled.count == 2)
            #expect(try await store.recoverInterrupted(campaign: campaign.id, worker: "stalled") == 2)
            #expect(try await store.withdrawOptedOut(stalled) == Set(stalled.map(\.id)), "uncertain now: not this claim's")
            // Still uncertain (only retry-uncertain sends it), and it says it never went out.
            let recovered = try await store.ledgerEntries(campaign: campaign.id).collect()
            #expect(recovered.map(\.state) == [.uncertain, .uncertain])
            #expect(recovered.allSatisfy { $0.lastReply?.text == "not sent: kept back by its worker, whose claim another worker had recovered" })
            #expect(try await store.requeueUncertain(campaign: campaign.id, actor: .system) == 2)
            let fresh = try await store.claim(campaign: campaign.id, worker: "fresh", limit: 10)
            #expect(fresh.count == 2 && fresh.allSatisfy { $0.attempts == 2 })
            #expect(try await store.withdrawOptedOut(stalled) == Set(stalled.map(\.id)), "claimed again in a later attempt")
            #expect(try await store.withdrawOptedOut(fresh).isEmpty, "the live claim still goes")
            let states = try await store.ledgerEntries(campaign: campaign.id).collect().map(\.state)
            #expect(states == [.sending, .sending])
        }
    }

    /// The reproduction of the review: deferred, then the person unsubscribes; the retry must not mail them.
    @Test(arguments: StoreBackend.allCases)
    func aDeferredRetryAfterAnUnsubscribeIsSuppressed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, ["late@example.com", "keen@example.com"], at: db.clock.now)
            let first = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
            try await store.complete(
                first.map {
                    LedgerOutcome(
                        entry: $0,
                        result: .deferred(
                            until: db.clock.now.addingTimeInterval(60),
                            SMTPReplyRecord(code: 451, text: "4.7.1 try later")))
                })
            try await store.addSuppression(
                Suppression(
                    address: try Fixture.address("late@example.com"), reason: .unsubscribed,
                    at: db.clock.now, source: "one-click"), actor: .system)
            db.clock.advance(by: 61)
            let retry = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
            #expect(retry.map(\.address.value) == ["keen@example.com"])
            let late = try await store.ledgerEntries(campaign: campaign.id, states: [.suppressed]).collect()
            #expect(late.map(\.address.value) == ["late@example.com"])
            #expect(late.first?.nextAttemptAt == nil)
        }
    }

    /// A claim whose whole window is opted out goes on to the next entries instead of reporting "nothing left".
    @Test(arguments: StoreBackend.allCases)
    func aClaimOfOnlyOptedOutEntriesMovesOn(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let addresses = (0..<12).map { "q\(String(format: "%02d", $0))@example.com" }
            let campaign = try await Fixture.sendingCampaign(store, addresses, at: db.clock.now)
            for address in addresses.prefix(9) {
                try await store.addSuppression(
                    Suppression(
                        address: try Fixture.address(address), reason: .manual,
                        at: db.clock.now, source: "test"), actor: .system)
            }
            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 2)
            #expect(claimed.first?.address.value == "q09@example.com", "one claim call went past nine opted-out entries")
            var all = claimed
            while true {
                let more = try await store.claim(campaign: campaign.id, worker: "w", limit: 2)
                if more.isEmpty { break }
                all += more
            }
            #expect(all.map(\.address.value) == ["q09@example.com", "q10@example.com", "q11@example.com"])
            #expect(try await store.ledgerCounts(campaign: campaign.id)[.suppressed] == 9)
        }
    }

    /// Item 1: a suppression of one spelling blocks every spelling; a quoted local part is its own mailbox.
    @Test(arguments: StoreBackend.allCases)
    func oneMailboxOneKeyAcrossSpellings(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            let rows = try ["Bob@Bücher.de", "bob@xn--bcher-kva.de", "\"victim(x)\"@example.com", "victim@example.com"].map {
                ImportRow(address: try Fixture.address($0))
            }
            let outcomes = try await store.importSubscribers(
                rows, into: list.id, importID: "i",
                consent: ImportConsent(defaultStatus: .confirmed, source: "test"))
            #expect(outcomes == [.inserted, .duplicate, .inserted, .inserted])
            try await store.addSuppression(
                Suppression(
                    address: try Fixture.address("BOB@bu\u{308}cher.DE"), reason: .unsubscribed,
                    at: db.clock.now, source: "test"), actor: .system)
            try await store.addSuppression(
                Suppression(
                    address: try Fixture.address("victim@example.com"), reason: .unsubscribed,
                    at: db.clock.now, source: "test"), actor: .system)
            let campaign = try await Fixture.sendingCampaign(store, list: list.id)
            let queued = try await store.ledgerEntries(campaign: campaign.id).collect()
            #expect(queued.map(\.address.value) == ["\"victim(x)\"@example.com"])
            #expect(try queued.first?.address.mailbox.localPart == "victim(x)", "mail goes to the quoted mailbox, never to victim@")
        }
    }

    /// Keys written by version 1 (local part unquoted, domain as written) are rewritten once, and two
    /// spellings of one person become one subscriber whose opt-out holds.
    @Test(arguments: StoreBackend.allCases)
    func version1KeysAreUpgradedAndSpellingsMerged(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            func v1(_ text: String, _ status: MembershipStatus) async throws {
                let person = try await store.upsertSubscriber(address: NormalizedAddress(storedValue: text), name: nil, attributes: [:])
                _ = try await store.setMembership(
                    list: list.id, subscriber: person.id, status: status,
                    consent: Fixture.consent(status == .unsubscribed ? .withdrawn : .given, at: db.clock.now))
            }
            try await v1("victim(x)@example.com", .confirmed)  // was "victim(x)"@example.com
            try await v1("victim@example.com", .confirmed)
            try await v1("bob@bücher.de", .confirmed)  // the same person as…
            try await v1("bob@xn--bcher-kva.de", .unsubscribed)  // …this one, who unsubscribed
            try await v1("zoë@bücher.de", .confirmed)
            // Written by this version before the upgrade ran: canonical already, left alone.
            _ = try await store.upsertSubscriber(address: try Fixture.address("\"quoted(y)\"@example.com"), name: nil, attributes: [:])
            try await store.addSuppression(
                Suppression(
                    address: NormalizedAddress(storedValue: "zoë@bücher.de"), reason: .complaint,
                    at: db.clock.now, source: "v1"), actor: .system)
            let campaign = try await Fixture.sendingCampaign(store, list: list.id)
            #expect(try await store.ledgerCounts(campaign: campaign.id)[.queued] == 3)

            let upgrade = try await store.upgradeStoredAddresses()
            #expect(upgrade.rekeyed == 2 && upgrade.merged == 1 && upgrade.suppressions == 1 && upgrade.unreadable == 0, "\(upgrade)")
            #expect(try await store.upgradeStoredAddresses() == AddressKeyUpgrade(), "once per store")
            #expect(try await store.subscriber(address: try Fixture.address("\"victim(x)\"@example.com")) != nil)
            #expect(try await store.subscriber(address: try Fixture.address("\"quoted(y)\"@example.com")) != nil)
            #expect(try await store.suppression(address: try Fixture.address("Zoë@Bücher.de")) != nil)
            let bob = try #require(try await store.subscriber(address: try Fixture.address("bob@bücher.de")))
            #expect(try await store.membership(list: list.id, subscriber: bob.id)?.status == .unsubscribed, "the opt-out wins")
            #expect(try await store.consentRecords(subscriber: bob.id).count == 2, "both spellings' consent records")

            var claimed: [LedgerEntry] = []
            while true {
                let batch = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
                if batch.isEmpty { break }
                claimed += batch
            }
            #expect(try claimed.map { try $0.address.mailbox.localPart }.sorted() == ["victim", "victim(x)"])
            let suppressed = try await store.ledgerEntries(campaign: campaign.id, states: [.suppressed]).collect()
            #expect(suppressed.map(\.address.value) == ["bob@xn--bcher-kva.de"])
        }
    }
}

@Suite("Store conformance: the audience rule (guardrail rule 6)")
struct AudienceConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func onlyConfirmedMembersWithConsentAndNotSuppressedAreEligibleAndTheRestAreCountedByReason(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.members(store, list: list.id, ["a@example.com", "b@example.com", "c@example.com"], at: db.clock.now)
            try await Fixture.members(store, list: list.id, ["u1@example.com", "u2@example.com"], status: .unconfirmed, at: db.clock.now)
            try await Fixture.members(store, list: list.id, ["gone@example.com"], status: .unsubscribed, at: db.clock.now)
            try await Fixture.members(store, list: list.id, ["sup@example.com"], at: db.clock.now)
            try await store.addSuppression(
                Suppression(address: try Fixture.address("sup@example.com"), reason: .complaint, at: db.clock.now, source: "t"), actor: .system)
            // A confirmed membership without a consent record for this list (written by an older tool).
            let bare = try await store.upsertSubscriber(address: try Fixture.address("bare@example.com"), name: nil, attributes: [:])
            _ = try await store.backend.transaction { tx in
                try tx.changes(
                    SQLStatement(
                        "INSERT INTO memberships (list_id, subscriber_id, status, updated_at) VALUES (?, ?, 'confirmed', 0)",
                        [.int(list.id.rawValue), .int(bare.id.rawValue)]))
            }
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            let audience = try await store.audience(campaign: campaign.id)
            #expect(audience.eligible == 3)
            #expect(audience.excluded == [.unconfirmed: 2, .unsubscribed: 1, .suppressed: 1, .noConsentRecord: 1])
            // More than the count that was checked (and confirmed) is never queued: all or nothing.
            await #expect(throws: StoreError.self) { try await store.enqueueRecipients(campaign: campaign.id, atMost: audience.eligible - 1) }
            #expect(try await store.ledgerEntries(campaign: campaign.id).collect().isEmpty, "the refused enqueue rolled back")
            #expect(try await store.enqueueRecipients(campaign: campaign.id, atMost: audience.eligible) == audience.eligible, "the same rule queues")
            let queued = try await store.ledgerEntries(campaign: campaign.id).collect().map(\.address.value).sorted()
            #expect(queued == ["a@example.com", "b@example.com", "c@example.com"])
            let first = try await store.audienceMembers(campaign: campaign.id, after: nil, limit: 2)
            let next = try #require(first.next)
            let rest = try await store.audienceMembers(campaign: campaign.id, after: next, limit: 2)
            #expect((first.members + rest.members).map(\.address.value) == queued && first.members.count == 2 && rest.members.count == 1)
            #expect(rest.next == nil, "a short page is the last")

            // A segment narrows both.
            try await Fixture.members(store, list: list.id, ["de@example.com"], at: db.clock.now, attributes: ["country": "DE"])
            let segmented = try await store.createCampaign(
                Fixture.content(list: list.id, segment: SegmentFilter(attributeEquals: ["country": "DE"])), actor: .system)
            #expect(try await store.audience(campaign: segmented.id) == AudienceCounts(eligible: 1, excluded: [:]))
            await #expect(throws: StoreError.notFound(.campaign(CampaignID(rawValue: 999)))) {
                try await store.audience(campaign: CampaignID(rawValue: 999))
            }
        }
    }
}
