import BulkheadMail
import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BulkheadEngine

/// Review of 2026-12-05: the relay claims recipients in batches too, so a suppression made while a
/// batch waits (a slow upstream, a rate limit) must hold for the recipients not yet handed over.
@Suite struct RelayOptOutLastLookTests {
    /// Each hand-over takes two seconds of the manual clock; the first suppresses `optOut` meanwhile.
    final class SlowUpstream: MessageTransport {
        let store: SQLiteStore
        let clock: ManualClock
        let optOut: String
        let delivered = Mutex<[String]>([])
        init(store: SQLiteStore, clock: ManualClock, optOut: String) {
            self.store = store
            self.clock = clock
            self.optOut = optOut
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            if delivered.withLock({ $0.isEmpty }) {
                _ = try? await store.addSuppression(
                    Suppression(address: try! NormalizedAddress(optOut), reason: .complaint, at: clock.date, source: "arf"), actor: .system)
            }
            clock.advance(by: .seconds(2))
            delivered.withLock { $0.append(envelope.recipient) }
            return .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["2.0.0 ok"])))
        }
    }

    @Test(arguments: ["customer3@example.org", "customer2@example.org"])
    func aSuppressionWhileTheBatchWaitsHolds(optOut: String) async throws {
        let setup = try RelayGatewayTests.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = RelayGatewayTests.customers(4)
        try await RelayGatewayTests.submit(setup, recipients: people, bytes: RelayGatewayTests.message(to: [people[0]]))
        let transport = SlowUpstream(store: setup.store, clock: setup.clock, optOut: optOut)
        let deliverer = RelayDeliverer(
            store: setup.store, transport: transport, copies: RelayCopyWriter(defaultSigner: nil, namedSigners: [:]),
            settings: DeliverySettings(concurrency: 1, batchSize: 10), worker: "relay:test", clock: setup.clock,
            logger: Logger(label: "relay-test"))
        _ = try await deliverer.pass()
        #expect(transport.delivered.withLock { $0 } == people.filter { $0 != optOut })
        let message = try #require(try await setup.store.relayMessages(states: [.done], before: nil, limit: 10).first)
        let kept = message.recipients.filter { $0.state == .suppressed }
        #expect(kept.map(\.address) == [optOut])
        #expect(kept.first?.lastReply?.text == "suppressed: complaint")
        #expect(kept.first?.attempts == 0, "nothing was attempted")
    }

    /// A rate limit: the transport waits two seconds for its permit, and the recipient it waits for is
    /// suppressed meanwhile. The last look after the wait keeps the copy back.
    final class RateLimitedUpstream: MessageTransport {
        let store: SQLiteStore
        let clock: ManualClock
        let delivered = Mutex<[String]>([])
        init(store: SQLiteStore, clock: ManualClock) {
            self.store = store
            self.clock = clock
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            delivered.withLock { $0.append(envelope.recipient) }
            return .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["2.0.0 ok"])))
        }

        func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome {
            if envelope.recipient == "customer2@example.org" {
                _ = try? await store.addSuppression(
                    Suppression(address: try! NormalizedAddress(envelope.recipient), reason: .hardBounce, at: clock.date, source: "dsn"),
                    actor: .system)
            }
            clock.advance(by: .seconds(2))
            guard await lastLook() else { return .postponed(.note(DeliveryOutcome.withdrawnNote), retryAfter: .zero) }
            return await deliver(envelope, message)
        }
    }

    @Test func aSuppressionDuringTheRateLimitsWaitHoldsAtTheLastLook() async throws {
        let setup = try RelayGatewayTests.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let people = RelayGatewayTests.customers(3)
        try await RelayGatewayTests.submit(setup, recipients: people, bytes: RelayGatewayTests.message(to: [people[0]]))
        let transport = RateLimitedUpstream(store: setup.store, clock: setup.clock)
        let deliverer = RelayDeliverer(
            store: setup.store, transport: transport, copies: RelayCopyWriter(defaultSigner: nil, namedSigners: [:]),
            settings: DeliverySettings(concurrency: 1, batchSize: 10), worker: "relay:test", clock: setup.clock,
            logger: Logger(label: "relay-test"))
        _ = try await deliverer.pass()
        #expect(transport.delivered.withLock { $0 } == ["customer1@example.org", "customer3@example.org"])
        let message = try #require(try await setup.store.relayMessages(states: [.done], before: nil, limit: 10).first)
        #expect(message.recipients.map(\.state) == [.sent, .suppressed, .sent])
        #expect(message.recipients[1].attempts == 0)
    }

    /// Review of 2026-12-05: the relay keyed suppressions by one IDNA reading of the domain and handed
    /// the upstream the raw spelling, which another reading (UTS #46, as MTAs map) could take to a
    /// suppressed domain. The upstream now gets the A-label that was checked.
    @Test func theUpstreamGetsTheDomainThatWasChecked() async throws {
        let setup = try RelayGatewayTests.setUp()
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let spellings = ["zed@ｅｘａｍｐｌｅ.com", "Ann@Bücher.example"]
        try await RelayGatewayTests.submit(setup, recipients: spellings, bytes: RelayGatewayTests.message(to: ["team@shop.example"]))
        _ = try await setup.deliverer.pass()
        let sent = setup.transport.all.map(\.envelope.recipient)
        let keys = try spellings.map { try NormalizedAddress($0).domain }
        #expect(sent == ["zed@\(keys[0])", "Ann@xn--bcher-kva.example"])
        #expect(sent.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }, "A-labels only: \(sent)")
    }
}
