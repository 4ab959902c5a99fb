import BulkheadMail
import BulkheadPolicy
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// Delivers one campaign: claims recipients in small batches (durably marked `sending` before any
/// message is handed to the transport), builds each recipient's own message, hands it to the
/// transport, and records outcomes in batches. A watcher reads the campaign's state every
/// `controlPoll`; on a pause or abort no new message starts, claimed-but-unsent entries go back to
/// `queued`, and only the messages already in flight complete — the count of those is written to the
/// audit log.
///
/// ```swift
/// let runner = CampaignRunner(store: store, transport: CaptureTransport(directory: "capture"),
///                             factory: factory, tokens: issuer, campaign: id, settings: DeliverySettings())
/// let summary = try await runner.run { progress in print(progress.sent, "sent") }
/// ```
public struct CampaignRunner: Sendable {
    public let store: any MailStore
    public let transport: any MessageTransport
    public let factory: CampaignMessageFactory
    public let tokens: UnsubscribeTokenIssuer
    public let campaignID: CampaignID
    public let worker: WorkerIdentity
    public let settings: DeliverySettings
    /// Every wait (flushes, polls, lease renewals, pauses) and every timestamp of the run.
    public let clock: any BulkheadClock
    let logger: Logger
    /// Outcomes and hand-over times are counted here.
    public var metrics = EngineMetrics.global

    public init(
        store: any MailStore, transport: any MessageTransport, factory: CampaignMessageFactory,
        tokens: UnsubscribeTokenIssuer, campaign: CampaignID, settings: DeliverySettings,
        worker: WorkerIdentity = .current(), clock: any BulkheadClock = SystemClock(),
        logger: Logger = Logger(label: "bulkhead.delivery")
    ) {
        self.store = store
        self.clock = clock
        self.transport = transport
        self.factory = factory
        self.tokens = tokens
        self.campaignID = campaign
        self.settings = settings
        self.worker = worker
        self.logger = logger
    }

    /// The states a run delivers in: the canary wave, its hold, the rest.
    public static let runnable: Set<CampaignState> = [.canary, .canaryHold, .sending]

    /// Sends until nothing is due, the campaign is paused or aborted, or an error stops the run.
    ///
    /// A staged send goes through its stages in one run: in `canary` only the canary wave is claimed;
    /// once no canary entry is queued or in flight (deferred ones wait for the rest: the brakes do not
    /// judge deferrals) the campaign moves to `canary-hold` until its deadline, while the brakes judge
    /// and a pause, abort or promote is watched for; then `sending` delivers the rest. With
    /// ``DeliverySettings/waitsThroughCanaryHold`` false the run ends when the hold begins
    /// (``DeliveryRunSummary/Ending/canaryHold``). The brakes are judged after each batch of outcomes
    /// that holds a brake event (and while the window is still short of its minimum sample).
    ///
    /// When the store's disk is full (``StoreError/storageFull(_:)``) no message starts any more; the
    /// run logs it (`critical`) and, as soon as the store can write again, writes the outcomes it holds
    /// and pauses the campaign (reason ``storageFullReason``) instead of failing.
    public func run(progress: @escaping @Sendable (DeliveryProgress) -> Void = { _ in }) async throws -> DeliveryRunSummary {
        do {
            return try await deliver(progress: progress)
        } catch StoreError.storageFull(let message) where !Task.isCancelled {
            // Before the senders started or after they ended (recovery, the lease, the final move):
            // no outcome is waiting.
            let (campaign, _) = try await pauseForFullStorage(StoreError.storageFull(message)) {}
            return Self.storageFullSummary(campaign, progress: DeliveryProgress(total: 0), recovered: RecoveryCounts())
        }
    }

    /// The pause reason of a campaign paused because its store could not write (the disk is full).
    public static let storageFullReason = "storage-full"

    private func deliver(progress: @escaping @Sendable (DeliveryProgress) -> Void) async throws -> DeliveryRunSummary {
        let recovered = try await recoverDeadWorkers()
        let counts = try await store.ledgerCounts(campaign: campaignID)
        let remaining = counts[.queued] + counts[.deferred]
        let alerts = try AlertMailer(to: settings.alertEmail, from: factory.identity.from, transport: transport, clock: clock, logger: logger)
        let brakes = settings.brakes.map { CampaignBrakes(store: store, rules: BrakeRules(thresholds: $0), alerts: alerts, logger: logger) }
        let activity = DeliveryActivity(senders: settings.concurrency, now: clock.now)
        let recorder = OutcomeRecorder(
            store: store, campaign: campaignID, total: counts.total,
            remaining: remaining, clock: clock, brakes: brakes, activity: activity, progress: progress)
        guard let campaign = try await store.campaign(id: campaignID), Self.runnable.contains(campaign.state) else {
            return DeliveryRunSummary(
                ending: .notSending, progress: await recorder.progress, released: 0,
                completedAfterStop: 0, recoveredUncertain: recovered.uncertain,
                recoveredRequeued: recovered.requeued, recoveredCompleted: recovered.completed, nextRetryAt: nil)
        }
        var metadata: Logger.Metadata = ["campaign": "\(campaignID.rawValue)", "worker": "\(worker)"]
        logger.info("delivery started", metadata: metadata.merging(["queued": "\(remaining)", "state": "\(campaign.state.rawValue)"]) { $1 })

        try await store.renewLease(worker.leaseHolder, seconds: settings.leaseSeconds)
        let heartbeat = Task { await keepLease() }
        let journal = openJournal()
        let stallWatch = settings.stallWarning.map { threshold in Task { await reportStalls(activity, after: threshold) } }
        defer { stallWatch?.cancel() }
        // The periodic flush is stopped by `close()`, never cancelled: the outcomes it writes and the
        // suppressions that follow them must not be cut apart.
        // A failed write keeps its outcomes for the next one: the flush goes on, and says so.
        // (Logged once per run of failures, not every interval.)
        let flusher = Task {
            var failing = false
            while await !recorder.closed {
                await recorder.waitForNextFlush(settings.flushInterval)
                do {
                    try await recorder.flush()
                    failing = false
                } catch {
                    if !failing { logger.warning("cannot write outcomes yet (the next write tries again)", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
        }
        let stages: StagesResult
        do {
            stages = try await runStages(from: campaign.state, recorder: recorder, activity: activity, journal: journal, brakes: brakes)
            await recorder.close()
            _ = await flusher.result
            try await recorder.flush()
        } catch {
            await recorder.close()
            _ = await flusher.result
            var pausedForStorage: Campaign?
            var requeued: Int?
            if case StoreError.storageFull = error, !Task.isCancelled {
                // The senders have ended, each message they started with its outcome in the buffer: once
                // the store can write again that is written, the campaign paused, and what this run still
                // holds `sending` was never handed over: it goes back to the queue.
                if let paused = try? await pauseForFullStorage(error, write: { try await recorder.flush() }) {
                    pausedForStorage = paused.0
                    if paused.written { requeued = try? await requeueUnsentClaims() }
                }
            } else {
                try? await recorder.flush()
            }
            // Entries may still be `sending` (unless all were written or requeued): the journal stays
            // for the recovery that will find them.
            journal?.finish(remove: requeued != nil)
            await endLease(heartbeat)
            if let pausedForStorage {
                var summary = Self.storageFullSummary(pausedForStorage, progress: await recorder.progress, recovered: recovered)
                summary.released = requeued ?? 0
                return summary
            }
            logger.error("delivery failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            throw error
        }
        // Every outcome is in the ledger now: the journal has served its purpose.
        journal?.finish(remove: true)
        await endLease(heartbeat)
        let final = await recorder.progress
        let released = stages.released

        if let stop = stages.stop {
            let afterStop = await recorder.completed(after: stop.at)
            let ending: DeliveryRunSummary.Ending = stop.state == .aborted ? .aborted : .paused
            var reason: String?
            if stop.state == .paused { reason = try await store.campaign(id: campaignID)?.pauseReason }
            metadata["state"] = "\(stop.state.rawValue)"
            var details: [String: JSONValue] = [
                "state": .string(stop.state.rawValue), "worker": .string(worker.description),
                "completed_after_stop": .number(Double(afterStop)), "released_unsent": .number(Double(released)),
                "sent_this_run": .number(Double(final.sent)),
            ]
            if let reason { details["reason"] = .string(reason) }
            try await store.appendAudit(
                NewAuditEvent(
                    actor: .system, action: "campaign.delivery-stopped", subjectKind: "campaign", subjectID: "\(campaignID.rawValue)",
                    details: details))
            logger.notice("delivery stopped", metadata: metadata.merging(["completed_after_stop": "\(afterStop)", "released": "\(released)"]) { $1 })
            var summary = DeliveryRunSummary(
                ending: ending, progress: final, released: released, completedAfterStop: afterStop,
                recoveredUncertain: recovered.uncertain, recoveredRequeued: recovered.requeued,
                recoveredCompleted: recovered.completed, nextRetryAt: nil)
            summary.pauseReason = reason
            return summary
        }
        if let ending = stages.canaryEnding {
            logger.info("delivery ended", metadata: metadata.merging(["ending": "\(ending.rawValue)", "sent": "\(final.sent)"]) { $1 })
            return DeliveryRunSummary(
                ending: ending, progress: final, released: released, completedAfterStop: 0,
                recoveredUncertain: recovered.uncertain, recoveredRequeued: recovered.requeued,
                recoveredCompleted: recovered.completed, nextRetryAt: stages.nextAt)
        }
        return try await finish(progress: final, recovered: recovered, upstreamDownUntil: stages.upstreamDownUntil, metadata: metadata)
    }

    /// How the stages of a run ended.
    struct StagesResult {
        /// Claimed entries given back unsent.
        var released = 0
        /// The campaign was paused or aborted.
        var stop: DeliveryControl.Stop?
        /// The upstream's breaker is open until then.
        var upstreamDownUntil: Date?
        /// The run ended in the canary stages (holding, waiting for other workers, upstream down).
        var canaryEnding: DeliveryRunSummary.Ending?
        /// When a later look should go on (the hold's end, the breaker's).
        var nextAt: Date?
    }

    /// Delivers stage after stage (`canary`, `canary-hold`, `sending`) until the run ends.
    private func runStages(
        from initial: CampaignState, recorder: OutcomeRecorder, activity: DeliveryActivity, journal: InFlightJournal?,
        brakes: CampaignBrakes?
    ) async throws -> StagesResult {
        var result = StagesResult()
        let staging = CampaignLaunch(
            store: store, canary: CanaryRule(), holdSeconds: settings.canaryHoldSeconds, brakes: brakes, clock: clock)
        var state = initial
        while true {
            switch state {
            case .canary, .sending:
                let control = DeliveryControl()
                await recorder.watch(control)
                let expected = state
                let watcher = Task { await watch(control, expecting: expected) }
                let released: Int
                do {
                    released = try await withThrowingTaskGroup(of: Int.self) { senders in
                        for sender in 0..<settings.concurrency {
                            senders.addTask {
                                defer { activity.set(sender: sender, .idle, at: clock.now) }
                                return try await sendLoop(
                                    sender: sender, control: control, recorder: recorder, activity: activity, journal: journal)
                            }
                        }
                        return try await senders.reduce(0, +)
                    }
                } catch {
                    watcher.cancel()
                    throw error
                }
                watcher.cancel()
                result.released += released
                // This stage's last outcomes, and the brakes on them, before anything moves on.
                try await recorder.flush()
                if state == .canary, let brakes { try await brakes.check(campaignID) }
                // Senders also end when a claim finds the campaign in another state, maybe before the
                // watcher's next look: read the state once more.
                guard let now = try await store.campaign(id: campaignID) else { throw StoreError.notFound(.campaign(campaignID)) }
                if now.state != state {
                    if state == .canary, now.state == .canaryHold || now.state == .sending {
                        state = now.state  // another worker ended the wave, or it was promoted
                        continue
                    }
                    // Another worker (`serve` beside a `campaign send`) delivered the rest: not a stop.
                    if now.state == .sent { return result }
                    result.stop =
                        control.stopped.flatMap { $0.state == now.state ? $0 : nil } ?? DeliveryControl.Stop(state: now.state, at: now.updatedAt)
                    return result
                }
                result.upstreamDownUntil = control.upstreamDownUntil
                if state == .sending { return result }
                if let until = control.upstreamDownUntil {
                    result.canaryEnding = .upstreamDown
                    result.nextAt = until
                    return result
                }
                let wave = try await store.ledgerCounts(campaign: campaignID, wave: .canary)
                if wave[.queued] > 0 || wave[.sending] > 0 {
                    result.canaryEnding = .otherWorkersSending
                    return result
                }
                do {
                    state = try await staging.hold(
                        campaignID,
                        details: [
                            "sent": .number(Double(wave[.sent])), "failed": .number(Double(wave[.failed])),
                            "deferred": .number(Double(wave[.deferred])),
                        ]
                    ).state
                } catch StoreError.invalidTransition {
                    state = try await store.campaign(id: campaignID)?.state ?? .canaryHold
                }
            case .canaryHold:
                let now = try await staging.advanceHold(campaignID)
                if now.state == .canaryHold {
                    guard settings.waitsThroughCanaryHold else {
                        result.canaryEnding = .canaryHold
                        result.nextAt = now.stateDeadline
                        return result
                    }
                    let left = (now.stateDeadline ?? clock.date).timeIntervalSince(clock.date)
                    try await clock.sleep(for: min(settings.controlPoll, .milliseconds(Int64(max(0, left) * 1_000) + 1)))
                }
                state = now.state
            case .sent:
                return result  // finished by another worker
            default:
                result.stop = DeliveryControl.Stop(state: state, at: clock.date)
                if let now = try await store.campaign(id: campaignID), now.state == state { result.stop?.at = now.updatedAt }
                return result
            }
        }
    }

    /// This run's in-flight journal, or nil (none configured, or it cannot be created: then a crash
    /// leaves every held entry uncertain, as without one).
    private func openJournal() -> InFlightJournal? {
        guard let directory = settings.journalDirectory else { return nil }
        do {
            return try InFlightJournal(directory: directory, worker: worker)
        } catch {
            logger.warning(
                "no in-flight journal: a crash would leave every claimed recipient uncertain",
                metadata: ["directory": "\(directory)", "error": "\(error)"])
            return nil
        }
    }

    /// Stops renewing the lease and gives it up: this worker holds nothing in flight any more.
    private func endLease(_ heartbeat: Task<Void, Never>) async {
        heartbeat.cancel()
        _ = await heartbeat.value
        do {
            try await store.endLease(worker: worker.description)
        } catch {
            logger.warning("cannot end the worker's lease (it runs out by itself)", metadata: ["error": "\(error)"])
        }
    }

    /// After a run that was not stopped: the campaign is `sent` when no entry is queued, deferred or in flight.
    private func finish(
        progress: DeliveryProgress, recovered: RecoveryCounts, upstreamDownUntil: Date?,
        metadata: Logger.Metadata
    ) async throws -> DeliveryRunSummary {
        let counts = try await store.ledgerCounts(campaign: campaignID)
        var summary = DeliveryRunSummary(
            ending: .finished, progress: progress, released: 0, completedAfterStop: 0,
            recoveredUncertain: recovered.uncertain, recoveredRequeued: recovered.requeued,
            recoveredCompleted: recovered.completed, nextRetryAt: nil)
        if let upstreamDownUntil, counts[.queued] > 0 || counts[.deferred] > 0 {
            summary.ending = .upstreamDown
            summary.nextRetryAt = upstreamDownUntil
        } else if counts[.deferred] > 0 || counts[.queued] > 0 {
            summary.ending = .waitingForRetries
            summary.nextRetryAt = try await store.ledgerPage(LedgerQuery(campaignID: campaignID, states: [.deferred], limit: 1000))
                .compactMap(\.nextAttemptAt).min()
        } else if counts[.sending] > 0 {
            summary.ending = .otherWorkersSending
        } else {
            do {
                _ = try await store.transition(
                    campaignID, from: [.sending], to: .sent, actor: .system,
                    details: [
                        "sent": .number(Double(counts[.sent])), "failed": .number(Double(counts[.failed])),
                        "uncertain": .number(Double(counts[.uncertain])),
                        "suppressed": .number(Double(counts[.suppressed])),
                    ])
            } catch StoreError.invalidTransition {
                // Another worker finished it, or it was paused at the last moment: nothing to do.
            }
        }
        logger.info("delivery ended", metadata: metadata.merging(["ending": "\(summary.ending.rawValue)", "sent": "\(progress.sent)"]) { $1 })
        return summary
    }

    /// One sender: claim a small batch, deliver it message by message, until nothing is due or a stop.
    /// Returns how many claimed entries it gave back unsent.
    private func sendLoop(
        sender: Int, control: DeliveryControl, recorder: OutcomeRecorder, activity: DeliveryActivity, journal: InFlightJournal?
    ) async throws -> Int {
        var released = 0
        // Message-IDs and boundaries from a per-sender key stream: no system call per message.
        var random = MessageRandomGenerator()
        // A cancelled task (Ctrl-C in `bulkhead serve`) stops like a pause: unsent claims go back.
        claiming: while !control.stopRequested && !Task.isCancelled && control.upstreamDownUntil == nil {
            // The previous batch's outcomes are written in the claim's transaction: a crash leaves at
            // most one batch per sender in `sending` (and the journal narrows that to what was in flight).
            activity.set(sender: sender, .claiming, at: clock.now)
            // The claim looks at the opt-outs; taken before it, this time is never later than that look.
            var lookedAt = clock.now
            let batch = try await recorder.claimNext(worker: worker.description, limit: settings.batchSize)
            if batch.isEmpty { return released }
            let people = try await store.subscribers(ids: batch.map(\.subscriberID))
            var withdrawn: Set<LedgerEntryID> = []
            for (index, entry) in batch.enumerated() {
                if control.stopRequested || Task.isCancelled {
                    activity.set(sender: sender, .releasing, at: clock.now)
                    released += try await store.release(batch[index...].filter { !withdrawn.contains($0.id) })
                    return released
                }
                // An opt-out made since the look (a slow upstream, a rate limit) holds for the rest of the batch.
                if LastLookAtOptOuts.isStale(lookedAt, at: clock.now) {
                    activity.set(sender: sender, .claiming, at: clock.now)
                    lookedAt = clock.now
                    withdrawn.formUnion(try await store.withdrawOptedOut(batch[index...].filter { !withdrawn.contains($0.id) }))
                }
                if withdrawn.contains(entry.id) { continue }
                activity.set(sender: sender, .delivering(entry.id), at: clock.now)
                journal?.began(entry)
                switch await deliver(entry, subscriber: people[entry.subscriberID], lookedAt: lookedAt, random: &random) {
                case .withdrawn:
                    // Kept back at the last look: the entry is `suppressed` (or, when the look could not be
                    // made, back in the queue, where the next claim looks again).
                    journal?.handedBack(entry)
                case .completed(let outcome):
                    journal?.ended(entry, outcome.outcome.result)
                    recorder.record(outcome)
                    metrics.message(Self.metricOutcome(outcome.outcome.result), .campaign)
                case .postponed(let retryAfter, let detail):
                    // Nothing of the message went out, and not by its own doing (the upstream could not be
                    // reached, or the connection broke under the message ahead of it): no attempt is charged. The
                    // entry (with the reason as its last reply) and the rest of the batch go back to the
                    // queue. Once the upstream's breaker is open the run ends (`upstream-down`) instead of
                    // waiting: `serve`'s next pass, or `campaign resume`, goes on after it.
                    journal?.handedBack(entry)
                    activity.set(sender: sender, .releasing, at: clock.now)
                    released += try await store.release([entry], lastReply: Self.replyRecord(detail))
                    released += try await store.release(batch[(index + 1)...].filter { !withdrawn.contains($0.id) })
                    if retryAfter > .zero {
                        control.upstreamDown(until: clock.now.advanced(by: retryAfter).date)
                        return released
                    }
                    await pause(unlessStopped: control)
                    continue claiming
                }
            }
        }
        return released
    }

    /// A short pause (100 ms) after a failed connection, so a failing upstream is not hammered before
    /// its breaker opens; it ends early when the run is stopped.
    private func pause(unlessStopped control: DeliveryControl) async {
        guard !control.stopRequested, !Task.isCancelled else { return }
        try? await clock.sleep(for: .milliseconds(100))
    }

    /// What one hand-over came to.
    enum Handover: Sendable {
        /// An outcome for the ledger.
        case completed(RecordedOutcome)
        /// Not sent, not charged: the upstream is down; try again after the duration.
        case postponed(Duration, DeliveryDetail)
        /// Not sent: at the last look the person had opted out (the entry is now `suppressed`), or the
        /// look could not be made (the entry is back in the queue).
        case withdrawn
    }

    /// Builds and hands over one recipient's message; never throws: every failure is an outcome.
    /// `lookedAt` is when the opt-outs were last looked at for it: after a longer wait than
    /// ``LastLookAtOptOuts/freshness`` for the upstream, they are looked at again before the message goes out.
    func deliver(
        _ entry: LedgerEntry, subscriber: Subscriber?, lookedAt: WallTime, random: inout MessageRandomGenerator
    ) async -> Handover {
        let message: CampaignMessage
        do {
            message = try buildMessage(entry, subscriber: subscriber, random: &random)
        } catch {
            // Nothing was sent: the message could not be made for this recipient (e.g. a template
            // rendering a line break into the subject). Code 0 marks a local, not an SMTP, failure.
            let reply = SMTPReplyRecord(code: 0, text: "not sent: \(error)")
            return .completed(RecordedOutcome(outcome: LedgerOutcome(entry: entry, result: .failed(reply)), reply: reply, completedAt: clock.date))
        }
        logger.debug("handing over", metadata: ["recipient": "\(entry.address.value)", "campaign": "\(campaignID.rawValue)"])
        let started = clock.now
        let store = store
        let lastLook = LastLookAtOptOuts(lookedAt: lookedAt, clock: clock, logger: logger) {
            try await !store.withdrawOptedOut([entry]).isEmpty
        } couldNotLook: {
            // The message waits: back to the queue, where the next claim looks.
            _ = try? await store.release([entry], lastReply: SMTPReplyRecord(code: 0, text: "not sent: the opt-outs could not be read"))
        }
        let result = await transport.deliver(message.envelope, message.bytes, lastLook: { await lastLook.stillWanted() })
        if lastLook.keptBack { return .withdrawn }
        metrics.handOver(started.duration(to: clock.now), .campaign)
        let now = clock.date
        let reply = Self.replyRecord(result.detail)
        switch result {
        case .sent:
            return .completed(RecordedOutcome(outcome: LedgerOutcome(entry: entry, result: .sent(reply)), reply: reply, completedAt: now))
        case .deferred:
            if entry.attempts >= settings.maxAttempts {
                return .completed(RecordedOutcome(outcome: LedgerOutcome(entry: entry, result: .failed(reply)), reply: reply, completedAt: now))
            }
            var generator = SystemRandomNumberGenerator()
            let delay = settings.backoff.delay(afterAttempt: entry.attempts, using: &generator)
            return .completed(
                RecordedOutcome(
                    outcome: LedgerOutcome(entry: entry, result: .deferred(until: now.addingTimeInterval(delay.seconds), reply)),
                    reply: reply, completedAt: now))
        case .failed(let detail, let hardBounce):
            // A hard bounce suppresses the address, in the transaction that records the outcome.
            let suppression =
                hardBounce
                ? Suppression(address: entry.address, reason: .hardBounce, at: now, source: "smtp", note: "\(reply.code) \(reply.text)")
                : nil
            return .completed(
                RecordedOutcome(
                    outcome: LedgerOutcome(entry: entry, result: .failed(reply), rejected: Self.isRejection(detail), suppression: suppression),
                    reply: reply, completedAt: now))
        case .uncertain:
            return .completed(RecordedOutcome(outcome: LedgerOutcome(entry: entry, result: .uncertain(reply)), reply: reply, completedAt: now))
        case .postponed(let detail, let retryAfter):
            return .postponed(retryAfter, detail)
        }
    }

    /// The outcome as `/metrics` counts it.
    static func metricOutcome(_ result: LedgerOutcome.Result) -> EngineMetrics.Outcome {
        switch result {
        case .sent: .sent
        case .deferred: .deferred
        case .failed: .failed
        case .uncertain: .uncertain
        }
    }

    /// A permanent rejection, as the `rejection` brake counts it: a 5xx reply to RCPT or DATA (a
    /// refusal before RCPT, or a local failure, is not the recipient's).
    static func isRejection(_ detail: DeliveryDetail) -> Bool {
        guard case .reply(let step, let reply) = detail else { return false }
        return [.rcpt, .data, .endOfData].contains(step) && (500...599).contains(reply.code)
    }

    static func replyRecord(_ detail: DeliveryDetail) -> SMTPReplyRecord {
        if let reply = detail.reply {
            return SMTPReplyRecord(code: reply.code, text: reply.lines.joined(separator: " "))
        }
        return SMTPReplyRecord(code: 0, text: detail.description)
    }

    /// Logs a warning each time the run has written no outcome for `threshold` while a sender is busy,
    /// saying what each busy sender and the outcome writer wait for (at most once per `threshold`).
    private func reportStalls(_ activity: DeliveryActivity, after threshold: Duration) async {
        var lastReport: WallTime?
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: threshold / 4)
            } catch {
                return
            }
            let now = clock.now
            if let last = lastReport, last.duration(to: now) < threshold { continue }
            guard let report = activity.report(now: now, stalledAfter: threshold) else { continue }
            lastReport = now
            logger.warning("delivery stalled: \(report)", metadata: ["campaign": "\(campaignID.rawValue)", "worker": "\(worker)"])
        }
    }

    /// Polls the campaign's state until the stage ends; a state other than `expected` stops the senders.
    private func watch(_ control: DeliveryControl, expecting expected: CampaignState) async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: settings.controlPoll)
            } catch {
                return
            }
            do {
                if let campaign = try await store.campaign(id: campaignID), campaign.state != expected {
                    control.requestStop(DeliveryControl.Stop(state: campaign.state, at: campaign.updatedAt))
                    return
                }
            } catch {
                logger.warning("cannot read the campaign's state", metadata: ["campaign": "\(campaignID.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// The store cannot write because its disk is full: nothing more is sent (the caller's senders have
    /// ended). Says so once (`critical`), then tries every second until the store can write again:
    /// `write` (the outcomes not yet written, so that they are not left `sending`), then the move to
    /// `paused` with reason ``storageFullReason``. Returns the campaign as it is then (already paused,
    /// aborted or finished by someone else: as it is) and whether `write` went through (another error
    /// than a full disk is logged and not tried again); throws `cause` when cancelled first (Ctrl-C).
    private func pauseForFullStorage(_ cause: any Error, write: () async throws -> Void) async throws -> (Campaign, written: Bool) {
        logger.critical(
            "the store cannot write, its disk is full: no message starts; once space is freed the outcomes so far are written and the campaign is paused (reason \(Self.storageFullReason)), then `bulkhead campaign resume \(campaignID.rawValue)`",
            metadata: ["campaign": "\(campaignID.rawValue)", "worker": "\(worker)", "error": "\(cause)"])
        var written: Bool?
        while true {
            do {
                if written == nil {
                    do {
                        try await write()
                        written = true
                    } catch let failure as StoreError {
                        if case .storageFull = failure { throw failure }
                        logger.warning("cannot write the outcomes before the pause", metadata: ["error": "\(failure)"])
                        written = false
                    }
                }
                do {
                    let paused = try await store.transition(
                        campaignID, from: Self.runnable, to: .paused, actor: .system,
                        details: ["reason": .string(Self.storageFullReason), "error": .string("\(cause)")])
                    return (paused, written ?? false)
                } catch StoreError.invalidTransition {
                    guard let campaign = try await store.campaign(id: campaignID) else { throw StoreError.notFound(.campaign(campaignID)) }
                    return (campaign, written ?? false)
                }
            } catch StoreError.storageFull {
                do {
                    try await clock.sleep(for: .seconds(1))
                } catch {
                    throw cause
                }
            }
        }
    }

    /// After the senders ended and every outcome they learnt was written: the entries this run still
    /// holds `sending` were claimed but never handed to the transport (a claim's batch cut short, a
    /// hand-back whose write failed). They go back to the queue with their attempt restored (the
    /// recovery of a journal that started none of them; audited); returns how many.
    private func requeueUnsentClaims() async throws -> Int {
        try await store.recoverInterrupted(
            campaign: campaignID, worker: worker.description, evidence: InterruptedRunEvidence(started: [], finished: [])
        ).requeued
    }

    /// How a run that stopped for a full disk ended.
    private static func storageFullSummary(_ campaign: Campaign, progress: DeliveryProgress, recovered: RecoveryCounts) -> DeliveryRunSummary {
        let ending: DeliveryRunSummary.Ending =
            switch campaign.state {
            case .paused: .paused
            case .aborted: .aborted
            case .sent: .finished
            default: .notSending
            }
        var summary = DeliveryRunSummary(
            ending: ending, progress: progress, released: 0, completedAfterStop: 0,
            recoveredUncertain: recovered.uncertain, recoveredRequeued: recovered.requeued,
            recoveredCompleted: recovered.completed, nextRetryAt: nil)
        summary.pauseReason = campaign.state == .paused ? campaign.pauseReason : nil
        return summary
    }

    /// Entries left `sending` by a worker that is gone (its lease ran out, or its process on this
    /// machine no longer runs) are recovered: with its in-flight journal (same machine, same boot),
    /// never-started ones are queued again, journaled outcomes recorded, and only those truly in flight
    /// become `uncertain`; without it, all of them become `uncertain`.
    private func recoverDeadWorkers() async throws -> RecoveryCounts {
        var recovered = RecoveryCounts()
        for holder in try await store.sendingWorkers(campaign: campaignID) where worker.isGone(holder) {
            if let directory = settings.journalDirectory,
                let evidence = InFlightJournal.evidence(directory: directory, worker: holder.worker)
            {
                let counts = try await store.recoverInterrupted(campaign: campaignID, worker: holder.worker, evidence: evidence)
                recovered.requeued += counts.requeued
                recovered.completed += counts.completed
                recovered.uncertain += counts.uncertain
                InFlightJournal.remove(directory: directory, worker: holder.worker)
            } else {
                recovered.uncertain += try await store.recoverInterrupted(campaign: campaignID, worker: holder.worker)
            }
        }
        if recovered != RecoveryCounts() {
            logger.notice(
                "entries of a crashed run recovered",
                metadata: [
                    "campaign": "\(campaignID.rawValue)", "uncertain": "\(recovered.uncertain)",
                    "requeued": "\(recovered.requeued)", "completed": "\(recovered.completed)",
                ])
        }
        return recovered
    }

    /// Renews this worker's lease every third of its length until cancelled, and each time recovers the
    /// entries of workers gone meanwhile: not only when a run starts, or a worker that dies during a long
    /// send would hold its claims `sending` until the survivors have sent everything else.
    private func keepLease() async {
        let seconds = settings.leaseSeconds
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: .milliseconds(Int64(seconds) * 1_000 / 3))
            } catch {
                return
            }
            do {
                try await store.renewLease(worker.leaseHolder, seconds: seconds)
            } catch {
                logger.warning("cannot renew the worker's lease", metadata: ["worker": "\(worker)", "error": "\(error)"])
                continue
            }
            do {
                _ = try await recoverDeadWorkers()
            } catch {
                logger.warning("cannot recover the entries of workers that are gone", metadata: ["worker": "\(worker)", "error": "\(error)"])
            }
        }
    }
}

extension CampaignRunner {
    /// The message one recipient would get, without sending it (for preflight checks and previews).
    public func makeSample(_ entry: LedgerEntry, subscriber: Subscriber?) -> Result<[UInt8], any Error> {
        var random = MessageRandomGenerator()
        return Result { try buildMessage(entry, subscriber: subscriber, random: &random).bytes }
    }

    /// One recipient's own message: their name and attributes in the templates, their unsubscribe
    /// token, their VERP return path.
    func buildMessage(_ entry: LedgerEntry, subscriber: Subscriber?, random: inout MessageRandomGenerator) throws -> CampaignMessage {
        // The stored canonical mailbox, never a re-parse of display text (see NormalizedAddress.mailbox).
        let recipient = RecipientContext(
            mailbox: try entry.address.mailbox, name: subscriber?.name,
            attributes: (subscriber?.attributes ?? [:]).mapValues(TemplateValue.init))
        let token = try tokens.issue(campaignID: campaignID.rawValue, subscriberID: entry.subscriberID.rawValue)
        let now = clock.date
        return try factory.makeMessage(
            for: recipient, verpToken: entry.verpToken, unsubscribeToken: token.text,
            date: MessageDate(now), signingTime: now, using: &random)
    }
}
