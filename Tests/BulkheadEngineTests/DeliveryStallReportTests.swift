import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging
import Synchronization
import Testing

@testable import BulkheadEngine

/// The stall report: when a run writes no outcome for a while, a warning says what each busy sender
/// and the outcome writer wait for (by ledger key, never by address).
@Suite struct DeliveryStallReportTests {
    @Test func theReportNamesEveryBusySenderAndTheWriteUnderWay() {
        let start = WallTime(Date(timeIntervalSince1970: 1_000_000))
        let activity = DeliveryActivity(senders: 3, now: start)
        activity.set(sender: 0, .delivering(LedgerEntryID(rawValue: 42)), at: start)
        activity.set(sender: 2, .claiming, at: start.advanced(by: .seconds(5)))
        activity.writing("complete-and-claim", at: start.advanced(by: .seconds(6)))
        #expect(activity.report(now: start.advanced(by: .seconds(59)), stalledAfter: .seconds(60)) == nil, "not yet a minute")
        #expect(
            activity.report(now: start.advanced(by: .seconds(61)), stalledAfter: .seconds(60))
                == "no outcome written for 61 s: sender 1 waiting for the transport with entry 42 for 61 s; "
                + "sender 3 waiting for its claim for 56 s; the outcome writer in complete-and-claim for 55 s")
        // A write that stores outcomes moves the run: no report until the next quiet minute.
        activity.writing(nil, at: start.advanced(by: .seconds(62)))
        activity.progressed(at: start.advanced(by: .seconds(62)))
        #expect(activity.report(now: start.advanced(by: .seconds(100)), stalledAfter: .seconds(60)) == nil)
        // Nobody busy (between stages, or done): quiet is not a stall.
        for sender in 0..<3 { activity.set(sender: sender, .idle, at: start.advanced(by: .seconds(100))) }
        #expect(activity.report(now: start.advanced(by: .seconds(500)), stalledAfter: .seconds(60)) == nil)
    }

    /// A transport that answers at once, except for one recipient whose reply takes 300 s on the clock.
    final class OneSlowReply: MessageTransport {
        let clock: ManualClock
        let slow: String
        init(clock: ManualClock, slow: String) {
            self.clock = clock
            self.slow = slow
        }
        func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
            if envelope.recipient == slow { try? await clock.sleep(for: .seconds(300)) }
            return .sent(.reply(.endOfData, SMTPReply(code: 250, lines: ["ok"])))
        }
    }

    @Test func aRunWaitingOnOneReplyLogsWhoWaitsOncePerThreshold() async throws {
        let setup = try await CampaignRunnerTests.setUp(recipients: 12)
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let clock = setup.clock
        let lines = LineLogHandlerTests.Lines()
        let logger = Logger(label: "test") { label in LineLogHandler(label: label, format: .text, level: .info) { lines.append($0) } }
        var settings = DeliverySettings(concurrency: 2, batchSize: 3)
        settings.stallWarning = .seconds(60)
        let base = try await CampaignRunnerTests.runner(setup, transport: OneSlowReply(clock: clock, slow: "person4@example.org"), settings: settings)
        let runner = CampaignRunner(
            store: base.store, transport: base.transport, factory: base.factory, tokens: base.tokens, campaign: base.campaignID,
            settings: settings, clock: clock, logger: logger)
        let slowEntry = try #require(
            try await setup.store.ledgerPage(LedgerQuery(campaignID: setup.campaign.id, limit: 100)).first {
                $0.address.value == "person4@example.org"
            })
        let done = Mutex(false)
        let running = Task {
            defer { done.withLock { $0 = true } }
            return try await runner.run()
        }
        // One second at a time, each once the run's waiting tasks all sleep on the clock: the slow
        // hand-over, the state watcher, the periodic flush, the lease heartbeat and the stall report.
        for _ in 0..<140 {
            try await CampaignRunnerTests.waitUntil { clock.sleepers >= 5 }
            clock.advance(by: .seconds(1))
        }
        let reports = lines.all.filter { $0.contains("delivery stalled") }
        #expect(reports.count == 2, "one once 60 s passed without an outcome, the next a threshold later: \(reports)")
        #expect(reports.allSatisfy { $0.contains("waiting for the transport with entry \(slowEntry.id.rawValue) for ") })
        #expect(reports.allSatisfy { !$0.contains("@") }, "no address in the report")
        while !done.withLock({ $0 }) {
            try await CampaignRunnerTests.waitUntil { clock.sleepers > 0 || done.withLock { $0 } }
            clock.advance(by: .seconds(1))
        }
        let summary = try await running.value
        #expect(summary.ending == .finished && summary.progress.sent == 12)
    }
}
