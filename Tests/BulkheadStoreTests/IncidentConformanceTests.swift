import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: incidents (follow-up audience, timeline, excluded members)")
struct IncidentConformanceTests {
    /// A campaign to a..g whose ledger ends: a, b sent; c uncertain; d failed; e queued again; f still
    /// `sending` (a crashed run); g suppressed at the claim. Then aborted.
    static func incident(_ store: SQLMailStore, _ db: TestDatabase) async throws -> (Campaign, MailingList) {
        let list = try await store.createList(name: "news", description: "")
        try await Fixture.members(store, list: list.id, ["a", "b", "c", "d", "e", "f", "g"].map { "\($0)@example.com" }, at: db.clock.now)
        let campaign = try await Fixture.sendingCampaign(store, list: list.id)
        try await store.addSuppression(
            Suppression(address: try Fixture.address("g@example.com"), reason: .manual, at: db.clock.now, source: "test"), actor: .system)
        let claimed = try await store.claim(campaign: campaign.id, worker: "w1", limit: 10)
        #expect(claimed.map(\.address.value) == ["a", "b", "c", "d", "e", "f"].map { "\($0)@example.com" })
        let byAddress = Dictionary(uniqueKeysWithValues: claimed.map { ($0.address.value, $0) })
        let entries = try ["a", "b", "c", "d", "e"].map { name in try #require(byAddress["\(name)@example.com"]) }
        let (a, b, c, d, e) = (entries[0], entries[1], entries[2], entries[3], entries[4])
        try await store.complete([
            LedgerOutcome(entry: a, result: .sent(Fixture.ok)),
            LedgerOutcome(entry: d, result: .failed(SMTPReplyRecord(code: 550, text: "no"))),
        ])
        db.clock.advance(by: 61)
        try await store.complete([
            LedgerOutcome(entry: b, result: .sent(Fixture.ok)),
            LedgerOutcome(entry: c, result: .uncertain(nil)),
        ])
        try await store.release([e])
        _ = try await store.transition(campaign.id, from: [.sending], to: .aborted, actor: .human("ann"))
        return (campaign, list)
    }

    static func followUp(_ store: SQLMailStore, of incident: Campaign) async throws -> Campaign {
        var content = Fixture.content(list: incident.content.listID)
        content.kind = .transactional
        content.followUpOf = incident.id
        return try await store.createCampaign(content, actor: .human("ann"))
    }

    @Test(arguments: StoreBackend.allCases)
    func followUpQueuesThoseWhoMayHaveReceivedItMinusOptOutsOnceEach(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let (incident, list) = try await Self.incident(store, db)
            #expect(
                try await store.ledgerCounts(campaign: incident.id)
                    == LedgerCounts(byState: [.sent: 2, .uncertain: 1, .failed: 1, .queued: 1, .sending: 1, .suppressed: 1]))
            #expect(try await store.followUpAudience(incident: incident.id) == FollowUpAudience(reached: 4, optedOutSince: 0, alreadyFollowedUp: 0))

            // b unsubscribes since; h joins the list later (never got the original).
            let b = try #require(try await store.subscriber(address: try Fixture.address("b@example.com")))
            _ = try await store.setMembership(
                list: list.id, subscriber: b.id, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            try await Fixture.members(store, list: list.id, ["h@example.com"], at: db.clock.now)
            let audience = try await store.followUpAudience(incident: incident.id)
            #expect(audience == FollowUpAudience(reached: 4, optedOutSince: 1, alreadyFollowedUp: 0))
            #expect(audience.remaining == 3)

            let first = try await Self.followUp(store, of: incident)
            // The preflight's pages of a follow-up are exactly whom it queues, in the incident's order.
            let page1 = try await store.audienceMembers(campaign: first.id, after: nil, limit: 2)
            let next = try #require(page1.next)
            let page2 = try await store.audienceMembers(campaign: first.id, after: next, limit: 2)
            #expect((page1.members + page2.members).map(\.address.value) == ["a@example.com", "c@example.com", "f@example.com"])
            #expect(page2.next == nil)
            #expect(try await store.enqueueRecipients(campaign: first.id) == 3)
            #expect(try await store.enqueueRecipients(campaign: first.id) == 0, "idempotent")
            #expect(
                try await store.audienceMembers(campaign: first.id, after: nil, limit: 10).members.map(\.address.value) == [
                    "a@example.com", "c@example.com", "f@example.com",
                ], "its own entries do not count as an earlier follow-up's")
            let queued = try await store.ledgerEntries(campaign: first.id).collect()
            #expect(queued.map(\.address.value) == ["a@example.com", "c@example.com", "f@example.com"])
            #expect(queued.allSatisfy { $0.state == .queued && $0.verpToken.hasPrefix(String(first.id.rawValue, radix: 16) + "g") })
            #expect(try await store.followUpAudience(incident: incident.id) == FollowUpAudience(reached: 4, optedOutSince: 1, alreadyFollowedUp: 3))

            // A second follow-up reaches nobody, whatever the first one's progress.
            let second = try await Self.followUp(store, of: incident)
            #expect(try await store.enqueueRecipients(campaign: second.id) == 0)
            _ = try await store.transition(first.id, from: [.draft], to: .sending, actor: .human("ann"))
            let claimed = try await store.claim(campaign: first.id, worker: "w2", limit: 10)
            #expect(claimed.count == 3)
            try await store.complete(claimed.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) })
            #expect(try await store.enqueueRecipients(campaign: second.id) == 0)
            #expect(try await store.followUpAudience(incident: incident.id).remaining == 0)

            // Opting back in does not bring a second message either.
            _ = try await store.setMembership(list: list.id, subscriber: b.id, status: .confirmed, consent: Fixture.consent(.given, at: db.clock.now))
            #expect(try await store.enqueueRecipients(campaign: second.id) == 1, "b, never followed up, is reached now")
            #expect(try await store.ledgerEntries(campaign: second.id).collect().map(\.address.value) == ["b@example.com"])
            let third = try await Self.followUp(store, of: incident)
            #expect(try await store.audienceMembers(campaign: third.id, after: nil, limit: 10).members.isEmpty)
            #expect(try await store.enqueueRecipients(campaign: third.id) == 0)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func aFollowUpCalledOffBeforeSendingFreesItsRecipients(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let (incident, _) = try await Self.incident(store, db)
            let typo = try await Self.followUp(store, of: incident)
            #expect(try await store.enqueueRecipients(campaign: typo.id) == 4)
            let again = try await Self.followUp(store, of: incident)
            #expect(try await store.enqueueRecipients(campaign: again.id) == 0, "queued in a live follow-up: not twice")
            _ = try await store.transition(typo.id, from: [.draft], to: .cancelled, actor: .human("ann"))
            #expect(try await store.followUpAudience(incident: incident.id).alreadyFollowedUp == 0)
            #expect(try await store.enqueueRecipients(campaign: again.id) == 4, "the cancelled one never sent: its people are free")

            // An ordinary campaign to the same list is not affected by the follow-up rules.
            let ordinary = try await store.createCampaign(Fixture.content(list: incident.content.listID), actor: .human("ann"))
            #expect(try await store.enqueueRecipients(campaign: ordinary.id) == 6, "every confirmed, unsuppressed member (not g)")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentFollowUpsNeverQueueThePersonTwice(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 300)
            let incident = try await Fixture.sendingCampaign(store, list: list.id)
            var claimed = try await store.claim(campaign: incident.id, worker: "w1", limit: 1000)
            while !claimed.isEmpty {
                try await store.complete(claimed.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) })
                claimed = try await store.claim(campaign: incident.id, worker: "w1", limit: 1000)
            }
            let followUps = try await withThrowingTaskGroup(of: Campaign.self) { group in
                for _ in 0..<4 { group.addTask { try await Self.followUp(store, of: incident) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let added = try await withThrowingTaskGroup(of: Int.self) { group in
                for followUp in followUps { group.addTask { try await store.enqueueRecipients(campaign: followUp.id) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(added.reduce(0, +) == 300, "\(added)")
            var everyone: [String] = []
            for followUp in followUps { everyone += try await store.ledgerEntries(campaign: followUp.id).collect().map(\.address.value) }
            #expect(everyone.count == 300 && Set(everyone).count == 300)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func timelineCountsOutcomesPerMinute(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let start = db.clock.now
            let (incident, _) = try await Self.incident(store, db)
            let timeline = try await store.ledgerTimeline(campaign: incident.id)
            func minute(_ date: Date) -> Date { Date(timeIntervalSince1970: floor(date.timeIntervalSince1970 / 60) * 60) }
            #expect(
                timeline.minutes == [
                    LedgerMinute(minute: minute(start), delivered: 1, failed: 1),
                    LedgerMinute(minute: minute(start.addingTimeInterval(61)), delivered: 1, uncertain: 1),
                ])
            #expect(timeline.firstDelivery == SQLTime.truncated(start))
            #expect(timeline.lastDelivery == SQLTime.truncated(start.addingTimeInterval(61)))

            let empty = try await store.createCampaign(Fixture.content(list: incident.content.listID), actor: .system)
            #expect(try await store.ledgerTimeline(campaign: empty.id) == LedgerTimeline(minutes: [], firstDelivery: nil, lastDelivery: nil))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func excludedMembersAreTheListWithoutLedgerEntries(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.members(store, list: list.id, ["a@example.com", "b@example.com", "s@example.com"], at: db.clock.now)
            try await Fixture.members(store, list: list.id, ["u@example.com"], status: .unconfirmed, at: db.clock.now)
            try await Fixture.members(store, list: list.id, ["x@example.com", "y@example.com"], status: .unsubscribed, at: db.clock.now)
            try await store.addSuppression(
                Suppression(address: try Fixture.address("s@example.com"), reason: .complaint, at: db.clock.now, source: "arf"), actor: .system)
            let campaign = try await Fixture.sendingCampaign(store, list: list.id)
            #expect(try await store.ledgerCounts(campaign: campaign.id).total == 2)
            #expect(
                try await store.excludedMembers(campaign: campaign.id)
                    == ExcludedMembers(byStatus: [.confirmed: 1, .unconfirmed: 1, .unsubscribed: 2], suppressedConfirmed: 1))
            let other = try await store.createList(name: "other", description: "")
            let none = try await store.createCampaign(Fixture.content(list: other.id), actor: .system)
            #expect(try await store.excludedMembers(campaign: none.id) == ExcludedMembers(byStatus: [:], suppressedConfirmed: 0))
            await #expect(throws: StoreError.notFound(.campaign(CampaignID(rawValue: 999)))) {
                try await store.excludedMembers(campaign: CampaignID(rawValue: 999))
            }
        }
    }
}
