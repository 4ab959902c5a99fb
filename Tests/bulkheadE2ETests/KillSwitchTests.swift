import BulkheadStore
import Foundation
import Testing

/// How the sink and the sender are set up for one kill-switch case.
struct KillSwitchProfile: Sendable, CustomStringConvertible {
    var name: String
    var concurrency: Int
    var batchSize: Int
    /// How long the sink waits before it answers each message.
    var sinkDelay: Duration

    var description: String { name }

    /// A fast sink and small batches: the count completed after the abort is tight.
    static let fastSink = KillSwitchProfile(name: "fast sink, 10 × 10 in flight", concurrency: 10, batchSize: 10, sinkDelay: .zero)
    /// A slow sink (40 ms a message) and batches of 50: draining the claimed batches would take 2 s, so
    /// only the senders' own stop check (the campaign state polled every 200 ms) keeps the 1 s promise.
    static let slowSink = KillSwitchProfile(name: "slow sink, 10 × 50 in flight", concurrency: 10, batchSize: 50, sinkDelay: .milliseconds(40))
}

/// `bulkhead campaign abort` from another process during a 100,000-recipient send.
@Suite("End to end: kill switch (abort during a 100,000-recipient send)", .serialized)
struct KillSwitchEndToEndTests {
    static let recipients = 100_000

    @Test(
        "abort from another process: nothing starts at the sink more than 1 s after the abort returned, the sender exits by itself, completed_after_stop ≤ concurrency × batch size, ledger = what arrived",
        arguments: zip([KillSwitchProfile.fastSink, .slowSink, .fastSink], [Backend.sqlite, .sqlite, .postgres]))
    func abortStopsDelivery(_ profile: KillSwitchProfile, _ backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root, delay: profile.sinkDelay)
        do {
            try await run(workspace, sink, profile)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink, _ profile: KillSwitchProfile) async throws {
        // Signed like real campaign mail (the preflight refuses unsigned mail to a real upstream).
        _ = try await workspace.generateDKIMKey()
        try workspace.writeConfiguration(
            SendSettings(
                upstreamPort: sink.port, concurrency: profile.concurrency, batchSize: profile.batchSize,
                maxConnections: profile.concurrency, dkim: true))
        try await workspace.populate(list: "big", count: Self.recipients)
        let id = try await workspace.createCampaign(list: "big")
        let sender = try workspace.start(["campaign", "send", "\(id)", "--json"])

        // Abort once delivery is well under way.
        let deadline = ContinuousClock.now + .seconds(120)
        while sender.isRunning && sink.count() < 500 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(sender.isRunning && sink.count() >= 500, "the send did not get going: \(sender.output.summary)")
        try await workspace.bulkhead(["campaign", "abort", "\(id)", "--reason", "e2e kill switch"])
        let abortReturned = Date().timeIntervalSince1970

        // The sender notices by itself and exits.
        let status = try await sender.wait(timeout: .seconds(30))
        try #require(status != nil, "the sender still runs 30 s after the abort")
        #expect(status == 4, "aborted: the send reports that it did not finish: \(sender.output.summary)")

        let records = try sink.records()
        let late = records.filter { $0.t_mail > abortReturned + 1.0 }
        #expect(
            late.isEmpty,
            "\(late.count) messages started more than 1 s after the abort returned, the last \(String(format: "%.3f", (late.map(\.t_mail).max() ?? abortReturned) - abortReturned)) s after"
        )
        #expect(records.count < Self.recipients, "the abort stopped nothing")

        // The audit log records how many completed after the stop: at most the in-flight bound.
        let events = try await workspace.withStore { store in
            try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id)", action: "campaign.delivery-stopped"))
        }
        try #require(events.count == 1, "delivery-stopped events: \(events)")
        let details = events[0].event.details
        #expect(details["state"] == .string("aborted"))
        guard case .number(let afterStop)? = details["completed_after_stop"] else {
            Issue.record("no completed_after_stop in \(details)")
            return
        }
        #expect(afterStop <= Double(profile.concurrency * profile.batchSize), "completed_after_stop \(afterStop)")

        // The ledger agrees with the sink: exactly the messages that arrived are sent, nothing is left in flight.
        let ledger = try await workspace.ledger(id)
        let sent = Set(ledger.filter { $0.state == .sent }.map(\.address.value))
        let received = records.flatMap(\.rcpts)
        #expect(received.count == Set(received).count, "a recipient received two copies")
        #expect(sent == Set(received), "sent \(sent.count) vs received \(Set(received).count)")
        #expect(ledger.filter { $0.state == .sending }.isEmpty)
        #expect(ledger.filter { $0.state == .queued }.count == Self.recipients - sent.count)
        #expect(try await workspace.campaign(id).state == .aborted)
    }
}
