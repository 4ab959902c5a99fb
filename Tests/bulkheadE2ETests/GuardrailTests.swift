import BulkheadStore
import Foundation
import Testing

/// Issue 9's proofs with the real binary and a real SMTP peer: what the preflight refuses never
/// reaches the sink, the undo window and the emergency stop hold, `--confirm` wants the exact count.
@Suite("End to end: guardrails", .serialized)
struct GuardrailEndToEndTests {
    /// Guardrails of these tests: everything at its default but what a test sets.
    static func guardrails(undo: Int = 0, confirm: Int = 100_000_000, approval: Int = 100_000_000) -> String {
        "{undo_seconds: \(undo), confirm_recipients: \(confirm), approval_recipients: \(approval), canary: {percent: 0}}"
    }

    /// A signed sender towards a recording sink, a list of `count`, a campaign; the body runs with it all.
    static func withSetup(
        recipients: Int, guardrails: String, subject: String = "News for {{first_name}}",
        _ body: (Workspace, RecordingSink, Int64) async throws -> Void
    ) async throws {
        let workspace = try await Workspace(.sqlite)
        let sink = try await RecordingSink(in: workspace.root)
        do {
            _ = try await workspace.generateDKIMKey()
            var settings = SendSettings(upstreamPort: sink.port, dkim: true)
            settings.guardrails = guardrails
            try workspace.writeConfiguration(settings)
            try await workspace.populate(list: "news", count: recipients)
            let id = try await workspace.createCampaign(list: "news", subject: subject)
            try await body(workspace, sink, id)
            await sink.stop()
            await workspace.discard()
        } catch {
            await sink.stop()
            await workspace.discard()
            throw error
        }
    }

    static func state(_ workspace: Workspace, _ id: Int64) async throws -> Campaign? {
        try await workspace.withStore { store in try await store.campaign(id: CampaignID(rawValue: id)) }
    }

    @Test("a \"test\" subject to a 2,000-member list, approved by a second person and confirmed: refused with exit 3, nothing at the sink")
    func testMailToARealAudienceIsRefused() async throws {
        // The default thresholds: approval from 500, confirmation from 1,000.
        try await Self.withSetup(recipients: 2_000, guardrails: "{undo_seconds: 0, canary: {percent: 0}}", subject: "test") { workspace, sink, id in
            let ann = ["BULKHEAD_PASSWORD": "ann-pw"]
            let bob = ["BULKHEAD_PASSWORD": "bob-pw"]
            let users = [
                try await workspace.start(["user", "create", "ann", "--role", "admin,author", "--password-stdin"], input: "ann-pw\n")
                    .finish(timeout: .seconds(60)),
                try await workspace.start(
                    ["user", "create", "bob", "--role", "approver", "--password-stdin", "--as", "ann"], input: "bob-pw\n", environment: ann
                ).finish(timeout: .seconds(60)),
            ]
            #expect(users.allSatisfy { $0.status == 0 }, "\(users.map(\.summary))")
            let approved = try await workspace.start(["campaign", "approve", "\(id)", "--as", "bob"], environment: bob).finish(timeout: .seconds(60))
            #expect(approved.status == 0, "\(approved.summary)")
            let preflight = try await workspace.start(["campaign", "preflight", "\(id)", "--confirm", "2000"]).finish(timeout: .seconds(120))
            #expect(preflight.status == 3, "\(preflight.summary)")
            #expect(preflight.stdout.contains("error content.looks-like-test"), "\(preflight.stdout)")
            #expect(!preflight.stdout.contains("an approval by a second person"), "the approval counts: only the error is left")
            let send = try await workspace.start(["campaign", "send", "\(id)", "--confirm", "2000", "--as", "ann"], environment: ann)
                .finish(timeout: .seconds(120))
            #expect(send.status == 3, "\(send.summary)")
            #expect(send.stderr.contains("bulkhead: campaign \(id) not sent (content.looks-like-test"), "\(send.stderr)")
            #expect(sink.count() == 0)
            #expect(try await Self.state(workspace, id)?.state == .draft)
            let counts = try await workspace.withStore { store in try await store.ledgerCounts(campaign: CampaignID(rawValue: id)) }
            #expect(counts.total == 0, "a refused send queues nobody")
        }
    }

    @Test("--confirm with a wrong number or none refuses and sends nothing; with the exact number it sends")
    func confirmationWantsTheExactCount() async throws {
        try await Self.withSetup(recipients: 2_000, guardrails: Self.guardrails(confirm: 1_000)) { workspace, sink, id in
            let none = try await workspace.start(["campaign", "send", "\(id)"]).finish(timeout: .seconds(120))
            #expect(none.status == 3 && none.stderr.contains("--confirm 2000: type the exact number of recipients"), "\(none.summary)")
            let wrong = try await workspace.start(["campaign", "send", "\(id)", "--confirm", "1999"]).finish(timeout: .seconds(120))
            #expect(wrong.status == 3 && wrong.stderr.contains("the eligible count is 2000, not 1999"), "\(wrong.summary)")
            #expect(sink.count() == 0)
            let exact = try await workspace.start(["campaign", "send", "\(id)", "--confirm", "2000"]).finish(timeout: .seconds(300))
            #expect(exact.status == 0, "\(exact.summary)")
            #expect(Set(try sink.records().flatMap(\.rcpts)).count == 2_000 && sink.count() == 2_000)
        }
    }

    @Test("a 10,000-recipient send cancelled in its undo window: zero at the sink, state cancelled")
    func cancelInTheUndoWindow() async throws {
        try await Self.withSetup(recipients: 10_000, guardrails: Self.guardrails(undo: 120)) { workspace, sink, id in
            let sender = try workspace.start(["campaign", "send", "\(id)"])
            let pending = try await Self.waitFor(.pending, workspace, id, sender)
            #expect(pending.stateDeadline != nil)
            try await workspace.bulkhead(["campaign", "cancel", "\(id)", "--reason", "wrong list"])
            let status = try await sender.wait(timeout: .seconds(10))
            #expect(status == 1, "the sender reports that nothing was sent: \(sender.output.summary)")
            #expect(sender.output.stderr.contains("cancelled: nothing was sent by this command"), "\(sender.output.stderr)")
            #expect(try await Self.state(workspace, id)?.state == .cancelled)
            try await Task.sleep(for: .seconds(1))
            #expect(sink.count() == 0)
        }
    }

    @Test("Ctrl-C during the undo window's countdown pauses the campaign (interrupted), exit 130, nothing sent")
    func ctrlCDuringTheCountdownPauses() async throws {
        try await Self.withSetup(recipients: 300, guardrails: Self.guardrails(undo: 120)) { workspace, sink, id in
            let sender = try workspace.start(["campaign", "send", "\(id)"])
            _ = try await Self.waitFor(.pending, workspace, id, sender)
            sender.signal(SIGINT)
            let status = try await sender.wait(timeout: .seconds(10))
            #expect(status == 130, "\(sender.output.summary)")
            let paused = try #require(try await Self.state(workspace, id))
            #expect(paused.state == .paused && paused.pauseReason == "interrupted" && paused.pausedFrom == .pending)
            #expect(sink.count() == 0)
        }
    }

    @Test("stop --all during the undo window pauses it (stop-all); nothing starts until --release; resume then sends")
    func emergencyStopHoldsUntilReleased() async throws {
        try await Self.withSetup(recipients: 300, guardrails: Self.guardrails(undo: 120)) { workspace, sink, id in
            let sender = try workspace.start(["campaign", "send", "\(id)"])
            _ = try await Self.waitFor(.pending, workspace, id, sender)
            let stop = try await workspace.bulkhead(["stop", "--all", "--reason", "e2e"])
            #expect(stop.stdout.contains("campaigns paused: \(id)"), "\(stop.stdout)")
            #expect(try await sender.wait(timeout: .seconds(10)) == 4, "\(sender.output.summary)")
            let paused = try #require(try await Self.state(workspace, id))
            #expect(paused.state == .paused && paused.pauseReason == "stop-all" && paused.pausedFrom == .pending)

            let second = try await workspace.createCampaign(list: "news", name: "second")
            let refused = try await workspace.start(["campaign", "send", "\(second)"]).finish(timeout: .seconds(60))
            #expect(refused.status == 3 && refused.stderr.contains("an emergency stop is in force"), "\(refused.summary)")
            let resumeRefused = try await workspace.start(["campaign", "resume", "\(id)"]).finish(timeout: .seconds(60))
            #expect(resumeRefused.status == 3, "\(resumeRefused.summary)")
            #expect(sink.count() == 0)

            try await workspace.bulkhead(["stop", "--release"])
            var settings = SendSettings(upstreamPort: sink.port, dkim: true)
            settings.guardrails = Self.guardrails(undo: 0)
            try workspace.writeConfiguration(settings)
            let resumed = try await workspace.start(["campaign", "resume", "\(id)"]).finish(timeout: .seconds(120))
            #expect(resumed.status == 0, "\(resumed.summary)")
            #expect(sink.count() == 300)
        }
    }

    /// Waits (at most 60 s) until the campaign is in `state`, while `sender` runs.
    static func waitFor(_ state: CampaignState, _ workspace: Workspace, _ id: Int64, _ sender: ChildProcess) async throws -> Campaign {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let campaign = try await Self.state(workspace, id), campaign.state == state { return campaign }
            try #require(sender.isRunning, "the sender exited early: \(sender.output.summary)")
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EError("campaign \(id) never became \(state.rawValue)")
    }
}
