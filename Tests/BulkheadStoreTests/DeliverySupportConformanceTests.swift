import Foundation
import Testing

@testable import BulkheadStore

@Suite("Store conformance: delivery support (bulk subscriber reads, release, sending workers)")
struct DeliverySupportConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func releaseGivesBackUnattemptedClaimsAndWorkersAreListed(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let draft = try await Fixture.sendingCampaign(store, (0..<6).map { "r\($0)@example.com" }, at: db.clock.now)

            let first = try await store.claim(campaign: draft.id, worker: "host:1", limit: 2)
            let second = try await store.claim(campaign: draft.id, worker: "host:2", limit: 3)
            #expect(try await store.sendingWorkers(campaign: draft.id).map(\.worker) == ["host:1", "host:2"])

            let people = try await store.subscribers(ids: (first + second).map(\.subscriberID) + [SubscriberID(rawValue: 999_999)])
            #expect(people.count == 5)
            #expect(Set(people.values.map(\.address)) == Set((first + second).map(\.address)))

            // Two of worker 2's entries were never handed to SMTP: back to queued, attempts restored.
            #expect(try await store.release(Array(second.prefix(2))) == 2)
            #expect(try await store.release(Array(second.prefix(2))) == 0, "a released entry is not released twice")
            let counts = try await store.ledgerCounts(campaign: draft.id)
            #expect(counts[.queued] == 3 && counts[.sending] == 3)
            let again = try await store.claim(campaign: draft.id, worker: "host:3", limit: 10)
            #expect(again.count == 3)
            #expect(again.allSatisfy { $0.attempts == 1 }, "a released entry's attempt was not counted")

            // A completed entry cannot be released.
            try await store.complete([LedgerOutcome(entry: first[0], result: .sent(SMTPReplyRecord(code: 250, text: "ok")))])
            #expect(try await store.release([first[0]]) == 0)
            #expect(try await store.sendingWorkers(campaign: draft.id).map(\.worker) == ["host:1", "host:2", "host:3"])
        }
    }
}
