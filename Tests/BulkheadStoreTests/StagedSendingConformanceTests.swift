import BulkheadPolicy
import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: staged sending (seeds, waves, brakes' outcome log)")
struct StagedSendingConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func seedsAreCanonicalAuditedAndBounded(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let other = try await store.createList(name: "other", description: "")
            let added = try await store.addSeeds(
                [try Fixture.address("Me@Shop.EXAMPLE"), try Fixture.address("me@shop.example"), try Fixture.address("box@gmail.com")],
                list: list.id, actor: .human("ann"))
            #expect(added == 2, "one address once, whatever its spelling")
            #expect(try await store.addSeeds([try Fixture.address("box@gmail.com")], list: list.id, actor: .human("ann")) == 0)
            #expect(try await store.seeds(list: list.id).map(\.value) == ["box@gmail.com", "me@shop.example"])
            #expect(try await store.seeds(list: other.id).isEmpty)
            // A seed has a subscriber row (the ledger needs it) but no membership: not a member, no consent.
            let seed = try #require(try await store.subscriber(address: try Fixture.address("box@gmail.com")))
            #expect(try await store.membership(list: list.id, subscriber: seed.id) == nil)
            #expect(try await store.consentRecords(subscriber: seed.id).isEmpty)

            #expect(
                try await store.removeSeeds(
                    [try Fixture.address("BOX@gmail.com"), try Fixture.address("x@y.example")], list: list.id, actor: .human("bob")) == 1)
            #expect(try await store.seeds(list: list.id).map(\.value) == ["me@shop.example"])
            let audit = try await store.auditEvents(AuditQuery(subjectKind: "list", subjectID: "\(list.id.rawValue)"))
            #expect(audit.map(\.event.action) == ["list.seeds.add", "list.seeds.remove"], "no-op calls leave no event")
            #expect(audit.first?.event.details["addresses"] == .array([.string("box@gmail.com"), .string("me@shop.example")]))

            await #expect(throws: StoreError.notFound(.list(ListID(rawValue: 999)))) {
                try await store.addSeeds([try Fixture.address("a@b.example")], list: ListID(rawValue: 999), actor: .system)
            }
            let many = try (0..<ListSeeds.maximum).map { try Fixture.address("s\($0)@seeds.example") }
            await #expect(throws: StoreError.self) { try await store.addSeeds(many, list: list.id, actor: .system) }
            #expect(try await store.seeds(list: list.id).count == 1, "a refused add changes nothing")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func beginSendingPicksSeedsAndARandomSampleIntoTheCanary(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 400)
            try await store.addSeeds(
                [try Fixture.address("seed@shop.example"), try Fixture.address("u7@example.com")], list: list.id, actor: .system)
            try await store.addSeeds([try Fixture.address("gone@shop.example")], list: list.id, actor: .system)
            try await store.addSuppression(
                Suppression(address: try Fixture.address("gone@shop.example"), reason: .manual, at: db.clock.now, source: "t"), actor: .system)
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
            #expect(try await store.enqueueRecipients(campaign: campaign.id) == 400)

            let rule = CanaryRule(percent: 10, min: 20, max: 1_000)  // 10 % of 400 = 40
            let started = try await store.beginSending(campaign.id, from: [.draft], canary: rule, actor: .human("ann"), details: ["note": "x"])
            #expect(started.state == .canary)
            let entries = try await store.ledgerEntries(campaign: campaign.id).collect()
            #expect(entries.count == 401, "the seed that is no member got an entry; the suppressed one none; u7 kept its own")
            let canary = entries.filter { $0.wave == .canary }
            let seeds = entries.filter(\.isSeed)
            #expect(Set(seeds.map(\.address.value)) == ["seed@shop.example", "u7@example.com"])
            #expect(seeds.allSatisfy { $0.wave == .canary && $0.state == .queued })
            #expect(canary.count == 42 && canary.filter { !$0.isSeed }.count == 40, "the sample comes on top of the seeds")
            // Random, not the first rows: the sample is spread over the audience.
            let members = entries.filter { !$0.isSeed }
            let positions = members.enumerated().filter { $0.element.wave == .canary }.map(\.offset)
            #expect(positions != Array(0..<positions.count), "not the first rows")
            #expect(positions.contains { $0 >= 200 } && positions.contains { $0 < 200 }, "from both halves of the list")
            #expect(try await store.ledgerCounts(campaign: campaign.id, wave: .canary)[.queued] == canary.count)

            let event = try #require(
                try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)", action: "campaign.transition"))
                    .last)
            #expect(event.event.details["to"] == "canary" && event.event.details["audience"] == .number(400))
            #expect(event.event.details["seeds"] == .number(2) && event.event.details["note"] == "x")

            // Only from the states given (and not twice).
            await #expect(throws: StoreError.invalidTransition(campaign: campaign.id, current: .canary, to: .canary)) {
                try await store.beginSending(campaign.id, from: [.draft], canary: rule, actor: .system, details: [:])
            }

            // A second campaign draws another sample.
            let second = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: second.id)
            _ = try await store.beginSending(second.id, from: [.draft], canary: rule, actor: .system, details: [:])
            let secondSample = try await store.ledgerEntries(campaign: second.id).collect().filter { $0.wave == .canary && !$0.isSeed }
            #expect(Set(secondSample.map(\.address)) != Set(canary.filter { !$0.isSeed }.map(\.address)))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func smallAudiencesAndCanaryOffGoStraightToSendingWithTheirSeeds(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 39)
            try await store.addSeeds([try Fixture.address("seed@shop.example")], list: list.id, actor: .system)
            let small = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: small.id)
            // 39 < 2 × 20: no canary.
            let started = try await store.beginSending(
                small.id, from: [.draft], canary: CanaryRule(percent: 50, min: 20, max: 100), actor: .system, details: [:])
            #expect(started.state == .sending)
            let entries = try await store.ledgerEntries(campaign: small.id).collect()
            #expect(entries.count == 40 && entries.allSatisfy { $0.wave == .rest })
            #expect(entries.filter(\.isSeed).map(\.address.value) == ["seed@shop.example"])

            try await Fixture.importMembers(store, list: list.id, count: 300, prefix: "v")
            let off = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: off.id)
            #expect(
                try await store.beginSending(off.id, from: [.draft], canary: CanaryRule(percent: 0), actor: .system, details: [:]).state == .sending)

            // A campaign paused before it started is launched from `paused`; one paused while sending is not.
            let later = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            _ = try await store.transition(later.id, from: [.draft], to: .pending, actor: .system)
            _ = try await store.transition(later.id, from: [.pending], to: .paused, actor: .system)
            try await store.enqueueRecipients(campaign: later.id)
            #expect(
                try await store.beginSending(
                    later.id, from: [.pending], canary: CanaryRule(percent: 1, min: 20, max: 100), actor: .system, details: [:]
                ).state == .canary)
            _ = try await store.transition(off.id, from: [.sending], to: .paused, actor: .system)
            await #expect(throws: StoreError.invalidTransition(campaign: off.id, current: .paused, to: .canary)) {
                try await store.beginSending(
                    off.id, from: [.draft, .pending], canary: CanaryRule(percent: 1, min: 20, max: 100), actor: .system, details: [:])
            }
        }
    }

    /// A seed needs no membership, but one who unsubscribed from the list has opted out: never queued as a
    /// seed, and a seed entry whose owner unsubscribes after the launch is suppressed when its turn comes.
    @Test(arguments: StoreBackend.allCases)
    func aSeedWhoUnsubscribedFromTheListIsNeverMailed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 5)
            let left = try Fixture.address("u1@example.com")
            let later = try Fixture.address("u2@example.com")
            try await store.addSeeds([left, later, try Fixture.address("seed@shop.example")], list: list.id, actor: .system)
            let leaver = try #require(try await store.subscriber(address: left))
            _ = try await store.setMembership(
                list: list.id, subscriber: leaver.id, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            #expect(try await store.enqueueRecipients(campaign: campaign.id) == 4)
            _ = try await store.beginSending(campaign.id, from: [.draft], canary: CanaryRule(percent: 0), actor: .system, details: [:])
            let queued = try await store.ledgerEntries(campaign: campaign.id).collect()
            #expect(!queued.contains { $0.address == left }, "the seed who left the list is not queued")
            // u2, a member and a seed, unsubscribes after the launch.
            let laterID = try #require(try await store.subscriber(address: later)).id
            _ = try await store.setMembership(
                list: list.id, subscriber: laterID, status: .unsubscribed, consent: Fixture.consent(.withdrawn, at: db.clock.now))
            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 100)
            #expect(Set(claimed.map(\.address.value)) == ["u0@example.com", "u3@example.com", "u4@example.com", "seed@shop.example"])
            let entry = try #require(try await store.ledgerEntries(campaign: campaign.id).collect().first { $0.address == later })
            #expect(entry.isSeed && entry.state == .suppressed && entry.lastReply?.text == "list membership is unsubscribed")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func inTheCanaryOnlyTheCanaryWaveIsClaimedAndSeedsPassButNotSuppressions(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 100)
            try await store.addSeeds(
                [try Fixture.address("seed@shop.example"), try Fixture.address("later-out@shop.example")], list: list.id, actor: .system)
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: campaign.id)
            _ = try await store.beginSending(
                campaign.id, from: [.draft], canary: CanaryRule(percent: 10, min: 10, max: 10), actor: .system, details: [:])
            // A seed opts out after the launch: never mailed.
            try await store.addSuppression(
                Suppression(address: try Fixture.address("later-out@shop.example"), reason: .unsubscribed, at: db.clock.now, source: "t"),
                actor: .system)

            var claimed: [LedgerEntry] = []
            while true {
                let batch = try await store.claim(campaign: campaign.id, worker: "w", limit: 4)
                if batch.isEmpty { break }
                claimed += batch
                try await store.complete(batch.map { LedgerOutcome(entry: $0, result: .sent(SMTPReplyRecord(code: 250, text: "ok"))) })
            }
            #expect(claimed.count == 11, "10 sampled + the seed that did not opt out")
            #expect(claimed.allSatisfy { $0.wave == .canary })
            #expect(claimed.contains { $0.address.value == "seed@shop.example" && $0.isSeed }, "no membership needed")
            #expect(!claimed.contains { $0.address.value == "later-out@shop.example" })
            let opted = try #require(
                try await store.ledgerEntries(campaign: campaign.id).collect().first { $0.address.value == "later-out@shop.example" })
            #expect(opted.state == .suppressed && opted.lastReply?.text == "suppressed: unsubscribed")
            let wave = try await store.ledgerCounts(campaign: campaign.id, wave: .canary)
            #expect(wave[.sent] == 11 && wave[.suppressed] == 1 && wave[.queued] == 0)
            #expect(try await store.ledgerCounts(campaign: campaign.id, wave: .rest)[.queued] == 90)

            // In canary-hold nothing is claimed; in sending the rest is.
            _ = try await store.transition(campaign.id, from: [.canary], to: .canaryHold, actor: .system, details: [:], deadline: db.clock.now)
            #expect(try await store.claim(campaign: campaign.id, worker: "w", limit: 10).isEmpty)
            _ = try await store.transition(campaign.id, from: [.canaryHold], to: .sending, actor: .system)
            let rest = try await store.claim(campaign: campaign.id, worker: "w", limit: 200)
            #expect(rest.count == 90 && rest.allSatisfy { $0.wave == .rest })
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theOutcomeLogFeedsTheBrakeWindowFromSendAndFromLateEvents(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let addresses = (0..<12).map { "r\($0)@example.com" }
            let campaign = try await Fixture.sendingCampaign(store, addresses, at: db.clock.now)
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 500) == BrakeWindow(outcomes: 0))
            let batch = try await store.claim(campaign: campaign.id, worker: "w", limit: 12)
            let rejected = SMTPReplyRecord(code: 550, text: "5.1.1 no such user")
            var outcomes: [LedgerOutcome] = []
            for (index, entry) in batch.enumerated() {
                switch index {
                case 0..<3: outcomes.append(LedgerOutcome(entry: entry, result: .failed(rejected), rejected: true))
                case 3: outcomes.append(LedgerOutcome(entry: entry, result: .failed(SMTPReplyRecord(code: 0, text: "not sent"))))
                case 4: outcomes.append(LedgerOutcome(entry: entry, result: .deferred(until: db.clock.now.addingTimeInterval(60), nil)))
                case 5: outcomes.append(LedgerOutcome(entry: entry, result: .uncertain(nil)))
                default: outcomes.append(LedgerOutcome(entry: entry, result: .sent(SMTPReplyRecord(code: 250, text: "ok"))))
                }
            }
            // The same outcome twice (a stale attempt) is counted once.
            #expect(try await store.complete(outcomes + [outcomes[0]]) == 12)
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 500) == BrakeWindow(outcomes: 10, events: [.rejection: 3]))
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 4) == BrakeWindow(outcomes: 4), "the most recent four")

            // Late events land on the recipient's outcome: the window keeps its size.
            let sentEntry = batch[6]
            #expect(try await store.recordBrakeEvent(.complaint, campaign: campaign.id, subscriber: sentEntry.subscriberID))
            #expect(try await store.recordBrakeEvent(.complaint, campaign: campaign.id, subscriber: sentEntry.subscriberID), "twice is still one")
            #expect(try await store.recordBrakeEvent(.hardBounce, campaign: campaign.id, subscriber: batch[7].subscriberID))
            #expect(
                try await store.recordBrakeEvent(.unsubscribe, campaign: campaign.id, subscriber: batch[4].subscriberID),
                "no outcome yet: logged as one")
            #expect(
                try await store.brakeWindow(campaign: campaign.id, size: 500)
                    == BrakeWindow(outcomes: 11, events: [.rejection: 3, .complaint: 1, .hardBounce: 1, .unsubscribe: 1]))
            #expect(!(try await store.recordBrakeEvent(.complaint, campaign: campaign.id, subscriber: SubscriberID(rawValue: 9_999))))

            // After a brake pause, going on starts a fresh window; an operator pause does not.
            _ = try await store.transition(campaign.id, from: [.sending], to: .paused, actor: .system, details: ["reason": "operator"])
            _ = try await store.transition(campaign.id, from: [.paused], to: .sending, actor: .system)
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 500).outcomes == 11)
            _ = try await store.transition(campaign.id, from: [.sending], to: .paused, actor: .system, details: ["reason": "brake:rejection"])
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 500).outcomes == 11)
            _ = try await store.transition(campaign.id, from: [.paused], to: .sending, actor: .human("ann"))
            #expect(try await store.brakeWindow(campaign: campaign.id, size: 500) == BrakeWindow(outcomes: 0))
        }
    }
}
