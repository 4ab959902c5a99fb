import ArgumentParser
import BulkheadEngine
import BulkheadMail
import BulkheadPolicy
import BulkheadStore
import Foundation

/// What send, resume and the incident follow-up share: the emergency-stop latch, the preflight gate,
/// enqueueing, the undo window, the launch and the run with its report.
enum CampaignDelivery {
    /// What the caller asks for.
    struct Request {
        /// The count typed with `--confirm`, if any.
        var confirm: Int?
        /// `--force`: warnings acknowledged (it never skips an error, an approval or a confirmation).
        var force = false
        /// Print the summary as JSON.
        var json = false
        /// `--override CODE`: error findings to turn into approval findings (recorded once each).
        var overrides: [String] = []
        /// `--reason TEXT` of the overrides.
        var overrideReason: String?
    }

    /// `campaign send`: a draft or scheduled campaign passes the preflight gate, is queued, waits out
    /// its undo window and is delivered.
    static func send(_ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, _ request: Request) async throws {
        try await config.withEnvironment { environment in
            let campaign = try await environment.store.existingCampaign(id)
            try await refuseWhileStopped(environment.store)
            guard [.draft, .scheduled].contains(campaign.state) else {
                let hint = campaign.state == .paused ? " (continue it with `bulkhead campaign resume \(id.rawValue)`)" : ""
                throw CLIError.fail("campaign \(id.rawValue) is \(campaign.state.rawValue); send needs draft or scheduled\(hint)", code: 1)
            }
            try await recordOverrides(environment, actor.audit, campaign, request)
            try await gateAndQueue(environment, actor.audit, campaign, request)
            try await windowThenDeliver(environment, actor.audit, id, json: request.json)
        }
    }

    /// `send --override CODE --reason TEXT`: each code not yet on record is recorded (audited), so that
    /// its `error` finding becomes an `approval` one. A code that can never be overridden (recipient
    /// exposure; test mail to 10,000 or more) is refused with exit 3.
    private static func recordOverrides(
        _ environment: BulkheadEnvironment, _ actor: AuditActor, _ campaign: Campaign, _ request: Request
    ) async throws {
        guard !request.overrides.isEmpty else { return }
        guard let reason = request.overrideReason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw CLIError.fail("--override needs --reason TEXT (why the rule does not apply here, for the approver and the audit log)", code: 2)
        }
        let store = environment.store
        let eligible = try await store.audience(campaign: campaign.id).eligible
        let recorded = Set(try await store.overrides(campaign: campaign.id).map(\.code))
        for code in Set(request.overrides).sorted() where !recorded.contains(code) {
            if let refusal = OverridePolicy.refusal(code: code, eligible: eligible) {
                throw CLIError.fail("campaign \(campaign.id.rawValue) not sent: \(refusal)", code: 3)
            }
            _ = try await store.addOverride(campaign: campaign.id, code: code, reason: reason, actor: actor)
            FileHandle.standardError.write(
                Data("campaign \(campaign.id.rawValue): override of \(code) recorded; an approver other than the author must now approve\n".utf8))
        }
    }

    /// `campaign resume`: a paused campaign goes back where it stopped. One paused before anything was
    /// sent (in its undo window, as scheduled, overdue) passes the gate again and gets a new undo window;
    /// one paused while sending goes on (a `sending` campaign left by a crashed process too).
    static func resume(_ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, _ request: Request) async throws {
        try await config.withEnvironment { environment in
            let store = environment.store
            let campaign = try await store.existingCampaign(id)
            try await refuseWhileStopped(environment.store)
            switch campaign.state {
            case .sending, .canary, .canaryHold:
                break
            case .paused where [.sending, .canary, .canaryHold, .sent].contains(campaign.pausedFrom ?? .sending):
                // Where it stopped (a hold starts afresh: the brakes judge the wave again).
                _ = try await environment.resume(id, actor: actor.audit, details: ["reason": "resumed"])
            case .paused:
                try await gateAndQueue(environment, actor.audit, campaign, request)
            default:
                throw CLIError.fail("campaign \(id.rawValue) is \(campaign.state.rawValue); resume needs a paused campaign", code: 1)
            }
            try await windowThenDeliver(environment, actor.audit, id, json: request.json)
        }
    }

    /// Refuses every start while the emergency stop holds (exit 3).
    static func refuseWhileStopped(_ store: any MailStore) async throws {
        if let latch = try await store.latch(named: Latch.emergencyStop) {
            throw CLIError.fail(
                "an emergency stop is in force since \(latch.setAt.formatted(.iso8601)) (\(latch.setBy): \(latch.reason)); nothing starts until `bulkhead stop --release`",
                code: 3)
        }
    }

    /// The preflight gate (``BulkheadEnvironment/requestSend(_:actor:confirmed:force:)``): every finding
    /// on standard error; a send that may not go exits 3 with the finding codes and what it still needs.
    private static func gateAndQueue(
        _ environment: BulkheadEnvironment, _ actor: AuditActor, _ campaign: Campaign, _ request: Request
    ) async throws {
        do {
            let requested = try await environment.requestSend(campaign, actor: actor, confirmed: request.confirm, force: request.force)
            showFindings(requested.report)
        } catch let refused as SendRefused {
            guard let report = refused.report else { throw CLIError.fail(refused.reason, code: 3) }
            try enforce(report, verb: "sent")
            throw CLIError.fail(refused.reason, code: 3)
        }
    }

    /// Shows the report's findings above `info` on standard error; when the send may not go, exits 3
    /// with the codes of the findings that stop it and what it still needs.
    static func enforce(_ report: PreflightReport, verb: String) throws {
        showFindings(report)
        guard report.mayGo else {
            let codes = report.findings.filter { $0.severity >= .confirm }.map(\.code)
            throw CLIError.fail(
                "campaign \(report.campaign) not \(verb) (\(codes.joined(separator: ", "))); it still needs:\n"
                    + report.requirements.unmet.map { "  - \($0)" }.joined(separator: "\n"),
                code: 3)
        }
    }

    /// The report's findings above `info`, on standard error.
    static func showFindings(_ report: PreflightReport) {
        let shown = report.findings.filter { $0.severity > .info }
        if !shown.isEmpty {
            FileHandle.standardError.write(Data(("preflight:\n" + shown.map { "  \($0)\n" }.joined()).utf8))
        }
    }

    /// Waits out a `pending` campaign's undo window (a countdown on standard error), launches it and
    /// delivers. Ctrl-C during the window or the delivery pauses it (reason `interrupted`), exit 130.
    private static func windowThenDeliver(_ environment: BulkheadEnvironment, _ actor: AuditActor, _ id: CampaignID, json: Bool) async throws {
        let store = environment.store
        let interrupted = InterruptFlag()
        let signals = StopSignals {
            guard interrupted.raise() == 1 else { exit(130) }
            FileHandle.standardError.write(
                Data("\nbulkhead: interrupted; pausing campaign \(id.rawValue) after the messages in flight (again to quit now)\n".utf8))
            Task {
                _ = try? await store.transition(
                    id, from: CampaignState.stoppable, to: .paused, actor: actor, details: ["reason": .string("interrupted")])
            }
        }
        defer { signals.cancel() }
        var campaign = try await store.existingCampaign(id)
        if campaign.state == .pending {
            let countdown = Countdown(id: id, deadline: campaign.stateDeadline)
            let ending = try await UndoWindow(store: store, clock: environment.clock).wait(for: id) { countdown.show($0) }
            countdown.finish()
            switch ending {
            case .elapsed:
                campaign = try await launch(environment, id)
            case .left(let now):
                campaign = now
            }
        } else if [.draft, .scheduled, .paused].contains(campaign.state) {
            campaign = try await launch(environment, id, actor: actor)
        }
        if interrupted.count > 0 || campaign.state == .paused {
            throw CLIError.fail(
                "campaign \(id.rawValue) paused (\(campaign.pauseReason ?? "paused")) before anything was sent; `bulkhead campaign resume \(id.rawValue)` starts a new undo window",
                code: interrupted.count > 0 ? 130 : Self.stoppedExitCode)
        }
        guard [.canary, .canaryHold, .sending].contains(campaign.state) else {
            throw CLIError.fail("campaign \(id.rawValue) is \(campaign.state.rawValue): nothing was sent by this command", code: 1)
        }
        let real = !environment.configuration.upstreams.isEmpty
        FileHandle.standardError.write(
            Data(
                "campaign \(id.rawValue): sending to \(real ? "the configured upstreams" : "the capture mailbox \(environment.captureDirectory)")\n"
                    .utf8))
        let runner: CampaignRunner
        do {
            runner = try await environment.runner(for: id)
        } catch {
            throw CLIError.fail("campaign \(id.rawValue) cannot be sent: \(error)", code: 1)
        }
        let display = ProgressDisplay()
        let summary = try await runner.run { display.show($0) }
        display.finish(summary.progress)
        if json {
            print(CLIJSON.encode(summary))
        } else {
            print(describe(summary, id: id))
        }
        if interrupted.count > 0 {
            throw CLIError.fail("campaign \(id.rawValue) paused (interrupted); continue with `bulkhead campaign resume \(id.rawValue)`", code: 130)
        }
        // Stopped before the end, and it waits for a person (a brake, `pause`, `stop --all`, `abort`):
        // a script must not take that for success. The summary above says what happened.
        if summary.ending == .paused || summary.ending == .aborted {
            throw ExitCode(Self.stoppedExitCode)
        }
    }

    /// The exit status of a send or resume stopped before its end by something other than its own
    /// Ctrl-C (130): paused in its undo window or its delivery (a brake, `pause`, `stop --all`), or
    /// aborted.
    static let stoppedExitCode: Int32 = 4

    /// Moves a campaign whose window is over (or that has none) into delivery: its canary wave, or
    /// `sending` for an audience too small for one (``BulkheadEnvironment/launch(_:actor:details:)``).
    /// A campaign cancelled or paused at the last moment is returned as it is now.
    static func launch(_ environment: BulkheadEnvironment, _ id: CampaignID, actor: AuditActor = .system) async throws -> Campaign {
        do {
            return try await environment.launch(id, actor: actor, details: ["reason": "launched"])
        } catch StoreError.invalidTransition {
            return try await environment.store.existingCampaign(id)
        } catch StoreError.refused(let why) {
            throw CLIError.fail("campaign \(id.rawValue) not started: \(why)", code: 3)  // an emergency stop came first
        }
    }

    static func describe(_ summary: DeliveryRunSummary, id: CampaignID) -> String {
        var lines: [String] = []
        if summary.recoveredUncertain > 0 {
            lines.append(
                "\(summary.recoveredUncertain) recipient(s) of an interrupted earlier run are uncertain (bulkhead ledger \(id.rawValue) --state uncertain)"
            )
        }
        if summary.recoveredRequeued > 0 || summary.recoveredCompleted > 0 {
            lines.append(
                "from the in-flight journal of an interrupted earlier run: \(summary.recoveredRequeued) never-started recipient(s) queued again, \(summary.recoveredCompleted) outcome(s) recorded"
            )
        }
        switch summary.ending {
        case .finished: lines.append("campaign \(id.rawValue) sent")
        case .waitingForRetries:
            lines.append(
                "campaign \(id.rawValue): deferred recipients remain; next retry \(summary.nextRetryAt?.formatted(.iso8601) ?? "soon") (bulkhead serve retries them)"
            )
        case .upstreamDown:
            lines.append(
                "campaign \(id.rawValue): the upstream cannot be reached (its circuit breaker is open); the rest stays queued, none charged an attempt; bulkhead serve or bulkhead campaign resume \(id.rawValue) goes on after \(summary.nextRetryAt?.formatted(.iso8601) ?? "a while")"
            )
        case .otherWorkersSending: lines.append("campaign \(id.rawValue): nothing left for this worker; others are still sending")
        case .paused, .aborted:
            lines.append(
                "campaign \(id.rawValue) \(summary.ending.rawValue): \(summary.completedAfterStop) message(s) in flight completed after the stop, \(summary.released) claimed recipient(s) returned unsent"
            )
        case .notSending: lines.append("campaign \(id.rawValue) is not sending")
        case .canaryHold:
            lines.append(
                "campaign \(id.rawValue): the canary wave is out; the brakes judge it until \(summary.nextRetryAt?.formatted(.iso8601) ?? "the hold ends") (bulkhead serve sends the rest then; bulkhead campaign promote \(id.rawValue) sends it now)"
            )
        }
        if let reason = summary.pauseReason, reason.hasPrefix("brake:") {
            lines.append(
                "campaign \(id.rawValue) was paused by its \(reason.dropFirst("brake:".count)) brake (bulkhead campaign show \(id.rawValue); then resume or abort)"
            )
        }
        if summary.pauseReason == CampaignRunner.storageFullReason {
            lines.append(
                "campaign \(id.rawValue) was paused because the store's disk is full (reason \(CampaignRunner.storageFullReason)); free space, then bulkhead campaign resume \(id.rawValue)"
            )
        }
        return lines.joined(separator: "\n")
    }
}
