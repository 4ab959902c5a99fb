import BulkheadSMTP
import BulkheadStore
import Foundation
import Synchronization
import Testing

@testable import BulkheadEngine

/// Review of 2026-12-05: an opt-out made after a batch was claimed must hold for the messages of the
/// batch not yet handed over, whether they wait behind a slow upstream or for a rate limit's permit.
/// Time is the store's ``ManualClock``: the transports below move it on to stand for the waits.
@Suite struct OptOutLastLookTests {
    typealias Runner = CampaignRunnerTests

    /// Second review of 2026-12-05: a wall clock set back after the claim made its look "younger"
    /// than it was, and it was never looked at again; a look from the future is stale.
    @Test func aLookFromTheFutureIsStale() {
        let look = WallTime(Date(timeIntervalSince1970: 1_750_000_000))
        #expect(!LastLookAtOptOuts.isStale(look, at: look))
        #expect(!LastLookAtOptOuts.isStale(look, at: look.advanced(by: .milliseconds(999))))
        #expect(LastLookAtOptOuts.isStale(look, at: look.advanced(by: .seconds(1))))
        #expect(LastLookAtOptOuts.isStale(look, at: look.advanced(by: .milliseconds(-1))))
        #expect(LastLookAtOptOuts.isStale(look, at: look.advanced(by: .seconds(-300))))
    }

    /// Opts `address` out: a complaint's suppression.
    static func suppress(_ address: String, _ setup: Runner.Setup) async throws {
        _ = try await setup.store.addSuppression(
            Suppression(address: try NormalizedAddress(address), reason: .complaint, at: setup.clock.date, source: "arf"),
            actor: .system)
    }

    /// Unsubscribes `address` from the campaign's list.
    static func unsubscribe(_ address: String, _ setup: Runner.Setup) async throws {
        let person = try #require(try await setup.store.subscriber(address: try NormalizedAddress(address)))
        _ = try await setup.store.setMembership(
            list: setup.campaign.content.listID, subscriber: person.id, status: .unsubscribed,
            consent: ConsentEvidence(kind: .withdrawn, at: setup.clock.date, method: .oneClick, source: "test"))
    }

    /// A slow upstream: each hand-over takes two seconds. While the first is under way, person3 is
    /// suppressed and person4 unsubscribes; both are in the batch the sender already holds.
    final class SlowUpstream: MessageTransport {
        let setup: Runner.Setup
        let optingOut: Bool
        let delivered = Mutex<[String]>([])
        init(_ setup: Runner.Setup, optingOut: Bool = true) {
            self.setup = setup
            self.optingOut = optingOut
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            if optingOut && envelope.recipient == "person0@example.org" {
                try? await OptOutLastLookTests.suppress("person3@example.org", setup)
                try? await OptOutLastLookTests.unsubscribe("Person4@Example.org", setup)
            }
            setup.clock.advance(by: .seconds(2))
            delivered.withLock { $0.append(envelope.recipient) }
            return .sent(.note("250 queued"))
        }
    }

    @Test func anOptOutAfterTheClaimHoldsForTheRestOfTheBatch() async throws {
        let setup = try await Runner.setUp(recipients: 6)
        let transport = SlowUpstream(setup)
        let settings = DeliverySettings(concurrency: 1, batchSize: 10)
        let summary = try await Runner.runner(setup, transport: transport, settings: settings).run()
        #expect(summary.ending == .finished)
        let delivered = transport.delivered.withLock { $0 }
        #expect(delivered == ["person0@example.org", "person1@example.org", "person2@example.org", "person5@example.org"])
        #expect(try await Runner.counts(setup) == [.sent: 4, .suppressed: 2])
        let suppressed = try await setup.store.ledgerEntries(campaign: setup.campaign.id, states: [.suppressed]).reduce(into: [LedgerEntry]()) {
            $0.append($1)
        }
        #expect(suppressed.map(\.lastReply?.text) == ["suppressed: complaint", "list membership is unsubscribed"])
        #expect(suppressed.allSatisfy { $0.attempts == 0 }, "nothing was attempted")
    }

    /// A rate limit: the transport waits (two seconds) for its permit, and person2 opts out during
    /// that wait. The last look, asked after the wait, keeps the message back, and keeps saying no.
    final class RateLimitedUpstream: MessageTransport {
        let setup: Runner.Setup
        let delivered = Mutex<[String]>([])
        let secondAnswers = Mutex<[Bool]>([])
        init(_ setup: Runner.Setup) { self.setup = setup }

        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            delivered.withLock { $0.append(envelope.recipient) }
            return .sent(.note("250 queued"))
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome {
            if envelope.recipient == "person2@example.org" { try? await OptOutLastLookTests.suppress("person2@example.org", setup) }
            setup.clock.advance(by: .seconds(2))
            guard await lastLook() else {
                let again = await lastLook()
                secondAnswers.withLock { $0.append(again) }
                return .postponed(.note(DeliveryOutcome.withdrawnNote), retryAfter: .zero)
            }
            return await deliver(envelope, message)
        }
    }

    @Test func anOptOutDuringTheRateLimitsWaitHoldsAtTheLastLook() async throws {
        let setup = try await Runner.setUp(recipients: 4)
        let transport = RateLimitedUpstream(setup)
        let summary = try await Runner.runner(setup, transport: transport, settings: DeliverySettings(concurrency: 1, batchSize: 10)).run()
        #expect(summary.ending == .finished)
        #expect(transport.delivered.withLock { $0 } == ["person0@example.org", "person1@example.org", "person3@example.org"])
        #expect(transport.secondAnswers.withLock { $0 } == [false], "once kept back, always kept back")
        #expect(try await Runner.counts(setup) == [.sent: 3, .suppressed: 1])
        let kept = try await setup.store.ledgerEntries(campaign: setup.campaign.id, states: [.suppressed]).reduce(into: [LedgerEntry]()) {
            $0.append($1)
        }
        #expect(kept.map(\.address.value) == ["person2@example.org"])
        #expect(kept.first?.attempts == 0)
    }

    /// Without opt-outs, the looks after each wait keep nobody back.
    @Test func theLooksKeepNobodyBackWithoutAnOptOut() async throws {
        let setup = try await Runner.setUp(recipients: 5)
        let transport = SlowUpstream(setup, optingOut: false)
        let summary = try await Runner.runner(setup, transport: transport, settings: DeliverySettings(concurrency: 1, batchSize: 10)).run()
        #expect(summary.progress.sent == 5)
        #expect(transport.delivered.withLock { $0.count } == 5)
        #expect(try await Runner.counts(setup) == [.sent: 5])
    }
}
