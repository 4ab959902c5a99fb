import BulkheadPolicy
import BulkheadStore
import Foundation
import Synchronization

/// A campaign sent the way `bulkhead campaign send ID --confirm N` sends it, in a ``DrillSandbox``:
/// the preflight gate (judged as towards a real upstream; the sender types the exact count, an
/// approval is never given), the queue, the undo window, the launch into the canary wave, its hold
/// and the rest, by the real ``CampaignRunner``. An operator who notices the mistake `stopAfter` the
/// send aborts it then (`campaign abort`: a cancel in the undo window).
///
/// Time moves only between stages: the capture mailbox takes a message in no simulated time, so a
/// wave that starts before the stop is entirely out before it.
///
/// ```swift
/// let stopped = try await DrillCampaign(sandbox: sandbox).send(content, stopAfter: .seconds(120))
/// stopped   // "undo window (300 s): cancelled at t+120 s"
/// ```
struct DrillCampaign {
    let sandbox: DrillSandbox
    /// Who sends and stops it, in the sandbox's audit log.
    static let actor = AuditActor.human("bulkhead drill")

    /// Sends `content` and returns what stopped it, or nil when nothing did (every message went).
    func send(_ content: CampaignContent, stopAfter: Duration?) async throws -> String? {
        let environment = sandbox.environment
        let store = environment.store
        let start = sandbox.clock.date
        let stopAt = stopAfter.map { start.addingTimeInterval(TimeInterval($0.components.seconds)) }
        let stopText = stopAfter.map { "t+\($0.components.seconds) s" } ?? ""
        let campaign = try await store.createCampaign(content, actor: Self.actor)
        let eligible = try await store.audience(campaign: campaign.id).eligible
        let report = try await CampaignPreflight(environment: environment, judgedTransport: .upstream).run(campaign, confirmed: eligible)
        guard report.mayGo else {
            let codes = report.findings.filter { $0.severity >= .approval }.map(\.code)
            return "preflight refused it (\(codes.uniquedList()))"
        }
        _ = try await store.enqueueRecipients(campaign: campaign.id, atMost: report.audience.eligible)
        let guardrails = environment.configuration.guardrails
        if guardrails.undoSeconds > 0 && report.audience.eligible >= guardrails.warnRecipients {
            let deadline = start.addingTimeInterval(TimeInterval(guardrails.undoSeconds))
            _ = try await store.transition(
                campaign.id, from: [campaign.state], to: .pending, actor: Self.actor, details: ["reason": "send requested"], deadline: deadline)
            if let stopAt, deadline > stopAt {
                sandbox.advance(to: stopAt)
                _ = try await store.transition(campaign.id, from: [.pending], to: .cancelled, actor: Self.actor, details: ["reason": "noticed"])
                return "undo window (\(guardrails.undoSeconds) s): cancelled at \(stopText)"
            }
            sandbox.advance(to: deadline)
            guard case .elapsed = try await UndoWindow(store: store, clock: sandbox.clock).wait(for: campaign.id) else {
                throw StoreError.invalidData("campaign \(campaign.id.rawValue) left its undo window by itself")
            }
        }
        _ = try await environment.launch(campaign.id, actor: Self.actor, details: ["reason": "launched"])
        return try await deliver(campaign.id, stopAt: stopAt, stopText: stopText)
    }

    /// Runs the launched campaign to its end: the canary wave, its hold (aborted at `stopAt` when
    /// that comes first) and the rest.
    private func deliver(_ id: CampaignID, stopAt: Date?, stopText: String) async throws -> String? {
        let environment = sandbox.environment
        let runner = try await environment.runner(for: id)
        let done = Mutex(false)
        let running = Task {
            defer { done.withLock { $0 = true } }
            return try await runner.run()
        }
        let stopped: String?
        do {
            stopped = try await follow(id, done: done, stopAt: stopAt, stopText: stopText)
        } catch {
            running.cancel()  // a failed look must not leave a run behind in a closed sandbox
            _ = try? await running.value
            throw error
        }
        _ = try await running.value
        let campaign = try await current(id)
        if let reason = campaign.pauseReason, campaign.state == .paused { return "paused (\(reason))" }
        return stopped
    }

    /// Follows a run of `id` until it ends (`done`): waits for its first wave, aborts it at `stopAt`
    /// in its hold when the hold lasts longer, and moves the clock while the run waits; returns what
    /// stopped it, if anything did.
    private func follow(_ id: CampaignID, done: borrowing Mutex<Bool>, stopAt: Date?, stopText: String) async throws -> String? {
        let environment = sandbox.environment
        let store = environment.store
        // The first wave (or everything) goes at the launch instant: wait for the hold or the end.
        var campaign = try await current(id)
        while !done.withLock({ $0 }) && campaign.state != .canaryHold {
            try await Task.sleep(for: .milliseconds(2))
            campaign = try await current(id)
        }
        var stopped: String?
        if campaign.state == .canaryHold, let holdEnd = campaign.stateDeadline {
            if let stopAt, holdEnd > stopAt {
                sandbox.advance(to: stopAt)
                _ = try await store.transition(id, from: [.canaryHold], to: .aborted, actor: Self.actor, details: ["reason": "noticed"])
                let canary = try await store.ledgerCounts(campaign: id, wave: .canary)[.sent]
                let hold = environment.configuration.guardrails.canary.holdSeconds
                stopped = "canary wave (\(DrillReport.grouped(canary)) sent), then its \(hold) s hold: aborted at \(stopText)"
            } else {
                sandbox.advance(to: holdEnd)
            }
        }
        // The run looks at its campaign a poll at a time: move the clock while it waits (in the hold,
        // or to notice the abort), never while it sends.
        let poll = Duration.milliseconds(environment.configuration.delivery.controlPollMilliseconds)
        while !done.withLock({ $0 }) {
            if [.canaryHold, .aborted].contains(try await current(id).state) { sandbox.clock.advance(by: poll) }
            try await Task.sleep(for: .milliseconds(2))
        }
        return stopped
    }

    /// The campaign as the store has it now.
    private func current(_ id: CampaignID) async throws -> Campaign {
        guard let campaign = try await sandbox.environment.store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        return campaign
    }
}
