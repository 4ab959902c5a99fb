import Foundation
import Testing

@testable import BulkheadStore

/// Issue 7, items 4, 7 and 8: worker leases, recovery with an in-flight journal, and retrying failed recipients.
@Suite("Store conformance: leases, journal recovery, retry of failed recipients")
struct RecoveryConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func aLeaseRunsOutByTheStoreClock(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, ["a@example.com", "b@example.com"], at: db.clock.now)
            let holder = WorkerLease.Holder(worker: "web1:1:abc", host: "web1", machine: "boot/pid:[1]", pid: 1)
            let lease = try await store.renewLease(holder, seconds: 60)
            #expect(lease.until == db.clock.now.addingTimeInterval(60))
            _ = try await store.claim(campaign: campaign.id, worker: "web1:1:abc", limit: 1)
            _ = try await store.claim(campaign: campaign.id, worker: "legacy:7:zz", limit: 1)

            var workers = try await store.sendingWorkers(campaign: campaign.id)
            #expect(workers.map(\.worker) == ["legacy:7:zz", "web1:1:abc"])
            #expect(workers[0].lease == nil && workers[0].leaseExpired, "a holder without a lease counts as gone")
            #expect(workers[1].lease?.holder == holder && !workers[1].leaseExpired)

            db.clock.advance(by: 59)
            let renewed = try await store.renewLease(holder, seconds: 60)
            #expect(renewed.startedAt == lease.startedAt, "a renewal keeps the start")
            db.clock.advance(by: 59)
            #expect(try await store.sendingWorkers(campaign: campaign.id)[1].leaseExpired == false)
            db.clock.advance(by: 2)
            #expect(try await store.sendingWorkers(campaign: campaign.id)[1].leaseExpired, "silent for longer than its lease")

            try await store.endLease(worker: "web1:1:abc")
            workers = try await store.sendingWorkers(campaign: campaign.id)
            #expect(workers[1].lease == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func theJournalNarrowsUncertainToWhatWasInFlight(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, (0..<8).map { "j\($0)@example.com" }, at: db.clock.now)
            let held = try await store.claim(campaign: campaign.id, worker: "dead", limit: 6)
            let other = try await store.claim(campaign: campaign.id, worker: "alive", limit: 2)
            // The dead worker had started 0-3; 0 and 1 got a 250, 2 a 451; 3 was in flight; 4 and 5 never started.
            let evidence = InterruptedRunEvidence(
                started: Set(held.prefix(4).map { EntryAttempt(id: $0.id, attempt: $0.attempts) }),
                finished: [
                    LedgerOutcome(entry: held[0], result: .sent(Fixture.ok)),
                    LedgerOutcome(entry: held[1], result: .sent(Fixture.ok)),
                    LedgerOutcome(
                        entry: held[2],
                        result: .deferred(
                            until: db.clock.now.addingTimeInterval(60),
                            SMTPReplyRecord(code: 451, text: "later"))),
                    // An outcome for somebody else's entry is ignored.
                    LedgerOutcome(entry: other[0], result: .sent(Fixture.ok)),
                ])
            let counts = try await store.recoverInterrupted(campaign: campaign.id, worker: "dead", evidence: evidence)
            #expect(counts == RecoveryCounts(requeued: 2, completed: 3, uncertain: 1))
            let ledger = Dictionary(uniqueKeysWithValues: try await store.ledgerEntries(campaign: campaign.id).collect().map { ($0.id, $0) })
            #expect(ledger[held[0].id]?.state == .sent && ledger[held[1].id]?.state == .sent)
            #expect(ledger[held[2].id]?.state == .deferred)
            #expect(ledger[held[3].id]?.state == .uncertain)
            #expect(ledger[held[4].id]?.state == .queued && ledger[held[4].id]?.attempts == 0)
            #expect(ledger[held[5].id]?.state == .queued)
            #expect(other.allSatisfy { ledger[$0.id]?.state == .sending }, "another worker's entries are untouched")
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func retryFailedRequeuesByCodeAndReopensASentCampaign(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let campaign = try await Fixture.sendingCampaign(store, ["f1@example.com", "f2@example.com", "f3@example.com"], at: db.clock.now)
            let claimed = try await store.claim(campaign: campaign.id, worker: "w", limit: 10)
            try await store.complete([
                LedgerOutcome(entry: claimed[0], result: .failed(SMTPReplyRecord(code: 451, text: "4.4.1 relay down"))),
                LedgerOutcome(entry: claimed[1], result: .failed(SMTPReplyRecord(code: 554, text: "5.7.1 policy"))),
                LedgerOutcome(entry: claimed[2], result: .sent(Fixture.ok)),
            ])
            _ = try await store.transition(campaign.id, from: [.sending], to: .sent, actor: .system)

            #expect(try await store.requeueFailed(campaign: campaign.id, replyCode: 550, actor: .human("ann")) == 0)
            #expect(try await store.campaign(id: campaign.id)?.state == .sent, "nothing requeued: stays sent")
            #expect(try await store.requeueFailed(campaign: campaign.id, replyCode: 451, actor: .human("ann")) == 1)
            #expect(try await store.campaign(id: campaign.id)?.state == .paused)
            #expect(try await store.requeueFailed(campaign: campaign.id, replyCode: nil, actor: .human("ann")) == 1)
            let queued = try await store.ledgerEntries(campaign: campaign.id, states: [.queued]).collect()
            #expect(Set(queued.map(\.address.value)) == ["f1@example.com", "f2@example.com"])
            #expect(queued.allSatisfy { $0.attempts == 0 }, "a fresh set of attempts")
            let events = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(campaign.id.rawValue)"))
            #expect(events.filter { $0.event.action == "ledger.requeue-failed" }.count == 3)
            #expect(events.contains { $0.event.action == "campaign.transition" && $0.event.details["to"] == .string("paused") })
        }
    }
}
