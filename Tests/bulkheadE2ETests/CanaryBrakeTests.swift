import BulkheadStore
import Foundation
import Testing

/// Issue 9's proof of staged sending, with the real binary and a real SMTP sink: 5,000 recipients of
/// whom 30 % are unknown (the sink answers their RCPT with 550 5.1.1). The rejection brake pauses the
/// campaign in its canary, and the sink saw at most the canary wave plus what was in flight.
@Suite("End to end: the canary and its brake", .serialized)
struct CanaryBrakeTests {
    static let recipients = 5_000

    @Test(arguments: Backend.allCases)
    func theRejectionBrakePausesTheCampaignInItsCanary(backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let sink = try await RecordingSink(in: workspace.root, rejectPercent: 30)
        do {
            try await run(workspace, sink)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    private func run(_ workspace: Workspace, _ sink: RecordingSink) async throws {
        // Signed, like real campaign mail: the preflight refuses unsigned commercial mail to an upstream.
        _ = try await workspace.generateDKIMKey()
        var settings = SendSettings(upstreamPort: sink.port, concurrency: 4, batchSize: 5, dkim: true)
        settings.guardrails =
            "{undo_seconds: 0, approval_recipients: 1000000, confirm_recipients: 1000000, canary: {percent: 1, min: 100, max: 1000, hold_seconds: 600}}"
        try workspace.writeConfiguration(settings)
        _ = try await workspace.importThroughCLI(list: "news", count: Self.recipients)
        try await workspace.bulkhead(["list", "seeds", "news", "add", "seed@\(Workspace.fromDomain)"])
        let id = try await workspace.createCampaign(list: "news")

        // `--force` does not skip the canary or a brake.
        let send = try await workspace.start(["campaign", "send", "\(id)", "--force", "--json"]).finish(timeout: .seconds(300))
        #expect(send.status == 4, "a brake's pause is not success: \(send.summary)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(send.stdout.utf8)) as? [String: Any], "\(send.summary)")
        #expect(summary["ending"] as? String == "paused", "\(send.summary)")
        #expect(summary["pauseReason"] as? String == "brake:rejection", "\(send.summary)")
        #expect(send.stderr.contains("alert: campaign \(id) paused by its rejection brake"), "\(send.stderr)")
        #expect(!send.stderr.contains("@rcpt.e2e.example"), "no address in the alert")

        let campaign = try await workspace.campaign(id)
        #expect(campaign.state == .paused && campaign.pauseReason == "brake:rejection" && campaign.pausedFrom == .canary)
        let ledger = try await workspace.ledger(id)
        let canary = ledger.filter { $0.wave == .canary }
        #expect(canary.count == 101, "1 % of 5,000 is 50, raised to the minimum of 100, and the seed")
        #expect(ledger.filter { $0.wave == .rest }.allSatisfy { $0.state == .queued }, "none of the rest was attempted")
        // The proof's bound: what reached the sink (accepted or refused at RCPT) is at most the canary
        // and what was in flight (concurrency × batch).
        let reached = sink.count() + sink.rejectedCount()
        #expect(reached <= canary.count + settings.concurrency * settings.batchSize, "\(reached) reached the sink")
        #expect(sink.rejectedCount() >= 20 && sink.count() >= 50)
    }
}
