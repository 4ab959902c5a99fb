import ArgumentParser
import BulkheadEngine
import BulkheadMail
import BulkheadPolicy
import BulkheadStore
import Foundation

/// What send and resume share: enqueue, preflight, the transition to `sending`, the run and its report.
enum CampaignDelivery {
    static func start(
        _ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, from: Set<CampaignState>, force: Bool,
        json: Bool
    ) async throws {
        try await config.withEnvironment { environment in
            try await deliver(environment, actor.audit, id, from: from, force: force, json: json)
        }
    }

    private static func deliver(
        _ environment: BulkheadEnvironment, _ actor: AuditActor, _ id: CampaignID,
        from: Set<CampaignState>, force: Bool, json: Bool
    ) async throws {
        let store = environment.store
        let campaign = try await store.existingCampaign(id)
        guard from.contains(campaign.state) else {
            throw CLIError.fail(
                "campaign \(id.rawValue) is \(campaign.state.rawValue); this command needs \(from.map(\.rawValue).sorted().joined(separator: " or "))",
                code: 1)
        }
        let runner: CampaignRunner
        do {
            runner = try await environment.runner(for: id)
        } catch {
            throw CLIError.fail("campaign \(id.rawValue) cannot be sent: \(error)", code: 1)
        }
        let queued = try await store.enqueueRecipients(campaign: id)
        let findings = try await preflight(environment, runner: runner, campaign: id)
        let real = !environment.configuration.upstreams.isEmpty
        if !findings.isEmpty {
            FileHandle.standardError.write(Data(("preflight findings on a sample message:\n" + findings.map { "  \($0)\n" }.joined()).utf8))
        }
        if real, !force, findings.contains(where: { $0.severity == .error }) {
            throw CLIError.fail("not sent: error findings above (fix them, or --force)", code: 3)
        }
        // Staged sending (issue 9): a campaign starts in its canary (or at once for a small audience);
        // a paused one goes on where it was paused. TODO(lead): the new send path calls `launch`.
        let details: [String: JSONValue] = ["queued_now": .number(Double(queued)), "transport": .string(real ? "smtp" : "capture")]
        switch campaign.state {
        case .canary, .canaryHold, .sending: break
        case .paused: _ = try await environment.resume(id, actor: actor, details: details)
        default: _ = try await environment.launch(id, actor: actor, details: details)
        }
        FileHandle.standardError.write(
            Data(
                "campaign \(id.rawValue): sending to \(real ? "the configured upstreams" : "the capture mailbox \(environment.captureDirectory)")\n"
                    .utf8))
        let display = ProgressDisplay()
        // Ctrl-C or SIGTERM pauses the campaign (reason `interrupted`): no new message starts, the ones
        // in flight finish, claimed but unsent recipients go back to the queue, exit 130. A second
        // signal exits at once (the messages in flight are then reported uncertain by the next run).
        let interrupted = InterruptFlag()
        let signals = StopSignals {
            guard interrupted.raise() == 1 else { exit(130) }
            FileHandle.standardError.write(
                Data("\nbulkhead: interrupted; pausing campaign \(id.rawValue) after the messages in flight (again to quit now)\n".utf8))
            Task {
                _ = try? await store.transition(
                    id, from: [.canary, .canaryHold, .sending], to: .paused, actor: actor,
                    details: ["reason": .string("interrupted")])
            }
        }
        let summary: DeliveryRunSummary
        do {
            summary = try await runner.run { display.show($0) }
            signals.cancel()
        } catch {
            signals.cancel()
            throw error
        }
        display.finish(summary.progress)
        if json {
            print(CLIJSON.encode(summary))
        } else {
            print(describe(summary, id: id))
        }
        if interrupted.count > 0 {
            throw CLIError.fail("campaign \(id.rawValue) paused (interrupted); continue with `bulkhead campaign resume \(id.rawValue)`", code: 130)
        }
    }

    /// Builds the first queued recipient's message and checks it with the message rules.
    static func preflight(_ environment: BulkheadEnvironment, runner: CampaignRunner, campaign id: CampaignID) async throws -> [Finding] {
        guard let entry = try await environment.store.ledgerPage(LedgerQuery(campaignID: id, states: [.queued, .deferred], limit: 1)).first else {
            return []
        }
        let subscriber = try await environment.store.subscriber(id: entry.subscriberID)
        let sample = runner.makeSample(entry, subscriber: subscriber)
        switch sample {
        case .success(let bytes):
            do {
                return MessageRules().check(try MIMEParser().parse(bytes))
            } catch {
                return [Finding(code: "preflight.unparsable", severity: .error, message: "the sample message does not parse: \(error)")]
            }
        case .failure(let error):
            return [Finding(code: "preflight.unbuildable", severity: .error, message: "the sample message cannot be built: \(error)")]
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
        return lines.joined(separator: "\n")
    }
}
