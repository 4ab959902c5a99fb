import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: delivery ledger")
struct LedgerConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func enqueueTakesConfirmedUnsuppressedMembersOnceEach(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            let other = try await store.createList(name: "other", description: "")
            let now = db.clock.now
            try await Fixture.members(store, list: list.id, ["a@example.com", "B@Example.com", "c@example.com"], at: now)
            try await Fixture.members(store, list: list.id, ["d@example.com"], status: .unconfirmed, at: now)
            try await Fixture.members(store, list: list.id, ["e@example.com"], status: .unsubscribed, at: now)
            try await Fixture.members(store, list: other.id, ["f@example.com"], at: now)
            try await store.addSuppression(
                Suppression(
                    address: try Fixture.address("B@EXAMPLE.COM"),
                    reason: .complaint, at: now, source: "arf"), actor: .system)

            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .human("ann"))
            #expect(try await store.enqueueRecipients(campaign: campaign.id) == 2)
            #expect(try await store.enqueueRecipients(campaign: campaign.id) == 0, "enqueue is idempotent")
            let entries = try await store.ledgerEntries(campaign: campaign.id).collect()
            #expect(entries.map(\.address.value) == ["a@example.com", "c@example.com"])
            #expect(entries.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.lastReply == nil })
            #expect(Set(entries.map(\.verpToken)).count == 2)
            // campaign number, subscriber number, 80 random bits: ordered, unique and unguessable
            let prefix = String(campaign.id.rawValue, radix: 16) + "g"
            #expect(entries.allSatisfy { $0.verpToken.hasPrefix(prefix) && $0.verpToken.count == prefix.count + 13 + 20 })
            #expect(entries.allSatisfy { $0.verpToken.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) } })
            #expect(entries.map(\.verpToken) == entries.map(\.verpToken).sorted(), "tokens grow with the subscriber number")

            // A new member and a lifted suppression are picked up by the next enqueue; nobody twice.
            try await Fixture.members(store, list: list.id, ["g@example.com"], at: now)
            try await store.removeSuppression(try Fixture.address("B@example.com"), actor: .human("ann"))
            #expect(try await store.enqueueRecipients(campaign: campaign.id) == 2)
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.queued: 4]))

            let segmented = try await store.createCampaign(
                Fixture.content(list: list.id, segment: SegmentFilter(attributeEquals: ["country": "DE"])), actor: .system)
            try await Fixture.members(store, list: list.id, ["h@example.com"], at: now, attributes: ["country": "DE"])
            try await Fixture.members(store, list: list.id, ["i@example.com"], at: now, attributes: ["country": "FR"])
            #expect(try await store.enqueueRecipients(campaign: segmented.id) == 1)
            #expect(try await store.ledgerPage(LedgerQuery(campaignID: segmented.id)).map(\.address.value) == ["h@example.com"])

            let bad = try await store.createCampaign(
                Fixture.content(list: list.id, segment: SegmentFilter(attributeEquals: ["a\"b": "x"])), actor: .system)
            await #expect(throws: StoreError.invalidSegment(#"attribute name "a\"b" must be non-empty without " or \"#)) {
                try await store.enqueueRecipients(campaign: bad.id)
            }
            _ = try await store.transition(bad.id, from: [.draft], to: .cancelled, actor: .system)
            await #expect(throws: StoreError.campaignFinished(campaign: bad.id, state: .cancelled)) {
                try await store.enqueueRecipients(campaign: bad.id)
            }
        }
    }

    /// A hard bounce's suppression is written by the transaction that records the outcome, and only
    /// when that outcome applies (a stale attempt's outcome adds nothing).
    @Test(arguments: StoreBackend.allCases)
    func aHardBounceSuppressesTheAddressWithItsOutcome(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.members(store, list: list.id, ["gone@example.com", "late@example.com"], at: db.clock.now)
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: campaign.id)
            _ = try await store.transition(campaign.id, from: [.draft], to: .sending, actor: .system)
            let batch = try await store.claim(campaign: campaign.id, worker: "w1", limit: 2)
            let refused = SMTPReplyRecord(code: 550, text: "5.1.1 no such user")
            func bounce(_ entry: LedgerEntry, attempt: Int) -> LedgerOutcome {
                LedgerOutcome(
                    entryID: entry.id, attempt: attempt, result: .failed(refused), rejected: true,
                    suppression: Suppression(address: entry.address, reason: .hardBounce, at: db.clock.now, source: "smtp", note: "550"))
            }
            let applied = try await store.completeAndClaim(
                [bounce(batch[0], attempt: batch[0].attempts), bounce(batch[1], attempt: batch[1].attempts + 1)],
                campaign: campaign.id, worker: "w1", limit: 10, queuedAfter: nil)
            #expect(applied.isEmpty)
            let suppressed = try await store.suppressedAddresses(among: batch.map(\.address))
            #expect(suppressed == [batch[0].address], "the applied bounce suppresses; the stale one does not")
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.failed: 1, .sending: 1]))
            let events = try await store.auditEvents(AuditQuery(subjectKind: "suppression", action: "suppression.add"))
            #expect(events.map(\.event.subjectID) == ["gone@example.com"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func claimCompleteAndRetryFollowTheLedgerRules(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.members(store, list: list.id, (0..<5).map { "r\($0)@example.com" }, at: db.clock.now)
            let draft = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            try await store.enqueueRecipients(campaign: draft.id)
            #expect(try await store.claim(campaign: draft.id, worker: "w1", limit: 10) == [], "only a sending campaign is claimable")
            _ = try await store.transition(draft.id, from: [.draft], to: .sending, actor: .system)

            let batch = try await store.claim(campaign: draft.id, worker: "w1", limit: 4)
            #expect(batch.map(\.address.value) == ["r0@example.com", "r1@example.com", "r2@example.com", "r3@example.com"])
            #expect(batch.allSatisfy { $0.state == .sending && $0.attempts == 1 && $0.claimedBy == "w1" })
            // Durable before SMTP: a fresh read sees them as sending.
            #expect(try await store.ledgerCounts(campaign: draft.id) == LedgerCounts(byState: [.sending: 4, .queued: 1]))

            let retryAt = db.clock.now.addingTimeInterval(300)
            let applied = try await store.complete([
                LedgerOutcome(entry: batch[0], result: .sent(Fixture.ok)),
                LedgerOutcome(entry: batch[1], result: .deferred(until: retryAt, SMTPReplyRecord(code: 451, text: "4.7.1 try later"))),
                LedgerOutcome(entry: batch[2], result: .failed(SMTPReplyRecord(code: 550, text: "5.1.1 unknown user"))),
                LedgerOutcome(entry: batch[3], result: .uncertain(nil)),
            ])
            #expect(applied == 4)
            #expect(
                try await store.ledgerCounts(campaign: draft.id)
                    == LedgerCounts(byState: [.sent: 1, .deferred: 1, .failed: 1, .uncertain: 1, .queued: 1]))
            let sent = try await store.ledgerEntry(verpToken: batch[0].verpToken)
            #expect(sent?.state == .sent && sent?.lastReply == Fixture.ok && sent?.nextAttemptAt == nil)
            #expect(try await store.ledgerEntry(verpToken: "no-such-token") == nil)
            let deferred = try await store.ledgerEntry(verpToken: batch[1].verpToken)
            #expect(deferred?.nextAttemptAt == SQLTime.truncated(retryAt))
            #expect(deferred?.lastReply == SMTPReplyRecord(code: 451, text: "4.7.1 try later"))

            // Not due yet: only the queued one.
            #expect(try await store.claim(campaign: draft.id, worker: "w1", limit: 10).map(\.address.value) == ["r4@example.com"])
            db.clock.advance(by: 301)
            let retry = try await store.claim(campaign: draft.id, worker: "w2", limit: 10)
            #expect(retry.map(\.address.value) == ["r1@example.com"])
            #expect(retry.first?.attempts == 2 && retry.first?.claimedBy == "w2")

            // An outcome for an older attempt of the same entry is ignored.
            #expect(try await store.complete([LedgerOutcome(entry: batch[1], result: .sent(Fixture.ok))]) == 0)
            #expect(try await store.complete(retry.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) }) == 1)
            #expect(
                try await store.ledgerCounts(campaign: draft.id, updatedSince: db.clock.now) == LedgerCounts(byState: [.sent: 1]),
                "only the retry changed after the clock moved on")
            // Final states never change again.
            #expect(try await store.complete([LedgerOutcome(entry: batch[2], result: .sent(Fixture.ok))]) == 0)

            _ = try await store.transition(draft.id, from: [.sending], to: .paused, actor: .human("ann"))
            #expect(try await store.claim(campaign: draft.id, worker: "w1", limit: 10) == [], "a paused campaign hands out nothing")
            _ = try await store.transition(draft.id, from: [.paused], to: .sending, actor: .human("ann"))
            _ = try await store.transition(draft.id, from: [.sending], to: .aborted, actor: .human("ann"))
            try await store.complete([LedgerOutcome(entry: batch[1], result: .deferred(until: db.clock.now, nil))])
            #expect(try await store.claim(campaign: draft.id, worker: "w1", limit: 10) == [], "an aborted campaign hands out nothing")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func completeAndClaimRecordsThenClaimsInOneCall(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, (0..<5).map { "r\($0)@example.com" }, at: db.clock.now)
            let first = try await store.completeAndClaim([], campaign: campaign.id, worker: "w1", limit: 2, queuedAfter: nil)
            #expect(first.map(\.address.value) == ["r0@example.com", "r1@example.com"])
            let second = try await store.completeAndClaim(
                first.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) },
                campaign: campaign.id, worker: "w1", limit: 2, queuedAfter: nil)
            #expect(second.map(\.address.value) == ["r2@example.com", "r3@example.com"])
            #expect(second.allSatisfy { $0.state == .sending && $0.claimedBy == "w1" })
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.sent: 2, .sending: 2, .queued: 1]))

            // Past a cursor: only queued entries with higher keys (r4), though r2/r3 would come first.
            _ = try await store.release(second)
            let past = try await store.completeAndClaim([], campaign: campaign.id, worker: "w1", limit: 5, queuedAfter: second[1].id)
            #expect(past.map(\.address.value) == ["r4@example.com"])
            _ = try await store.release(past)
            let again = try await store.completeAndClaim([], campaign: campaign.id, worker: "w1", limit: 2, queuedAfter: nil)
            #expect(again.map(\.address.value) == ["r2@example.com", "r3@example.com"])

            // Paused: the outcomes are still recorded, nothing more is handed out.
            _ = try await store.transition(campaign.id, from: [.sending], to: .paused, actor: .human("ann"))
            let none = try await store.completeAndClaim(
                [
                    LedgerOutcome(entry: again[0], result: .sent(Fixture.ok)),
                    LedgerOutcome(entry: again[1], result: .failed(SMTPReplyRecord(code: 550, text: "5.1.1 unknown"))),
                ],
                campaign: campaign.id, worker: "w1", limit: 2, queuedAfter: nil)
            #expect(none == [])
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.sent: 3, .failed: 1, .queued: 1]))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func interruptedSendsBecomeUncertainAndStayUnclaimedUntilRequeued(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let list = try await store.createList(name: "news", description: "")
            try await Fixture.members(store, list: list.id, (0..<6).map { "r\($0)@example.com" }, at: db.clock.now)
            let campaign = try await Fixture.sendingCampaign(store, list: list.id)
            let w1 = try await store.claim(campaign: campaign.id, worker: "w1", limit: 2)
            let w2 = try await store.claim(campaign: campaign.id, worker: "w2", limit: 2)
            #expect(w1.count == 2 && w2.count == 2)

            // Worker w1 crashed: only its rows become uncertain.
            #expect(try await store.recoverInterrupted(campaign: campaign.id, worker: "w1") == 2)
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.uncertain: 2, .sending: 2, .queued: 2]))
            // Then the whole process restarts: everything still sending becomes uncertain.
            #expect(try await store.recoverInterrupted(campaign: nil, worker: nil) == 2)
            #expect(try await store.recoverInterrupted(campaign: nil, worker: nil) == 0)

            let rest = try await store.claim(campaign: campaign.id, worker: "w3", limit: 100)
            #expect(rest.map(\.address.value) == ["r4@example.com", "r5@example.com"], "uncertain entries are never claimed")
            #expect(try await store.claim(campaign: campaign.id, worker: "w3", limit: 100) == [])
            let uncertain = try await store.ledgerEntries(campaign: campaign.id, states: [.uncertain], pageSize: 1).collect()
            #expect(uncertain.map(\.address.value) == ["r0@example.com", "r1@example.com", "r2@example.com", "r3@example.com"])
            #expect(uncertain.allSatisfy { $0.lastReply == nil })

            // A late, definite answer from the crashed worker still counts.
            #expect(try await store.complete([LedgerOutcome(entry: w1[0], result: .sent(Fixture.ok))]) == 1)

            #expect(try await store.requeueUncertain(campaign: campaign.id, actor: .human("ann")) == 3)
            let again = try await store.claim(campaign: campaign.id, worker: "w4", limit: 100)
            #expect(again.map(\.address.value) == ["r1@example.com", "r2@example.com", "r3@example.com"])
            #expect(again.allSatisfy { $0.attempts == 2 })

            let audit = try await store.auditEvents(AuditQuery(action: "ledger.recover-interrupted"))
            #expect(audit.map(\.event.details) == [["entries": 2, "worker": "w1"], ["entries": 2]])
            #expect(audit.allSatisfy { $0.event.actor == .system })
            let requeue = try await store.auditEvents(AuditQuery(subjectKind: "campaign", action: "ledger.requeue-uncertain"))
            #expect(requeue.map(\.event.actor) == [.human("ann")])
            #expect(requeue.first?.event.details == ["entries": 3])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func claimsOfAStoreThatWentAwayAreRecoveredAfterReopening(backend: StoreBackend) async throws {
        let db = try TestDatabase(backend)
        let before = try await db.open()
        let list = try await before.createList(name: "news", description: "")
        try await Fixture.members(before, list: list.id, (0..<4).map { "r\($0)@example.com" }, at: db.clock.now)
        let campaign = try await Fixture.sendingCampaign(before, list: list.id)
        let inFlight = try await before.claim(campaign: campaign.id, worker: "host-a", limit: 3)
        try await before.complete([LedgerOutcome(entry: inFlight[0], result: .sent(Fixture.ok))])
        await db.close(before)  // the process is gone; two entries were handed to SMTP without an outcome

        let after = try await db.open()
        #expect(try await after.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.sent: 1, .sending: 2, .queued: 1]))
        #expect(try await after.recoverInterrupted(campaign: campaign.id, worker: "host-a") == 2)
        #expect(try await after.claim(campaign: campaign.id, worker: "host-a", limit: 10).map(\.address.value) == ["r3@example.com"])
        let uncertain = try await after.ledgerEntries(campaign: campaign.id, states: [.uncertain]).collect()
        #expect(uncertain.map(\.id) == [inFlight[1].id, inFlight[2].id])
        await db.close(after)
        db.discard()
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentClaimersNeverShareAnEntry(backend: StoreBackend) async throws {
        let db = try TestDatabase(backend)
        let first = try await db.open()
        let second = try await db.open()  // a second "process" on the same database
        let list = try await first.createList(name: "news", description: "")
        try await Fixture.importMembers(first, list: list.id, count: 3000)
        let campaign = try await Fixture.sendingCampaign(first, list: list.id)
        #expect(try await first.ledgerCounts(campaign: campaign.id)[.queued] == 3000)

        let claimed = try await withThrowingTaskGroup(of: [LedgerEntryID].self) { group in
            for worker in 0..<6 {
                let store = worker.isMultiple(of: 2) ? first : second
                group.addTask {
                    var mine: [LedgerEntryID] = []
                    while true {
                        let batch = try await store.claim(campaign: campaign.id, worker: "w\(worker)", limit: 37)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                        try await store.complete(batch.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) })
                    }
                }
            }
            var all: [[LedgerEntryID]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let flat = claimed.flatMap { $0 }
        #expect(flat.count == 3000)
        #expect(Set(flat).count == 3000, "no entry was claimed twice")
        #expect(try await second.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.sent: 3000]))
        let sentEntries = try await first.ledgerEntries(campaign: campaign.id, pageSize: 500).collect()
        #expect(sentEntries.allSatisfy { $0.attempts == 1 })
        await db.close(first)
        await db.close(second)
        db.discard()
    }

    @Test(arguments: StoreBackend.allCases)
    func aHundredThousandRecipientsRunToTheEnd(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let list = try await store.createList(name: "big", description: "")
            try await Fixture.importMembers(store, list: list.id, count: 100_000, batchSize: 5000)
            #expect(try await store.membershipCounts(list: list.id)[.confirmed] == 100_000)
            let campaign = try await Fixture.sendingCampaign(store, list: list.id)
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.queued: 100_000]))
            var batches = 0
            while true {
                let batch = try await store.claim(campaign: campaign.id, worker: "w", limit: 1000)
                if batch.isEmpty { break }
                batches += 1
                let applied = try await store.complete(batch.map { LedgerOutcome(entry: $0, result: .sent(Fixture.ok)) })
                #expect(applied == batch.count)
            }
            #expect(batches == 100)
            #expect(try await store.ledgerCounts(campaign: campaign.id) == LedgerCounts(byState: [.sent: 100_000]))
            var streamed = 0
            for try await entry in store.ledgerEntries(campaign: campaign.id, pageSize: 5000) where entry.state == .sent {
                streamed += 1
            }
            #expect(streamed == 100_000)
        }
    }
}
