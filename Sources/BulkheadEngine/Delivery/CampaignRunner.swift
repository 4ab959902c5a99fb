import BulkheadMail
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
    let logger: Logger

    public init(store: any MailStore, transport: any MessageTransport, factory: CampaignMessageFactory,
                tokens: UnsubscribeTokenIssuer, campaign: CampaignID, settings: DeliverySettings,
                worker: WorkerIdentity = .current(), logger: Logger = Logger(label: "bulkhead.delivery")) {
        self.store = store
        self.transport = transport
        self.factory = factory
        self.tokens = tokens
        self.campaignID = campaign
        self.settings = settings
        self.worker = worker
        self.logger = logger
    }

    /// Sends until nothing is due, the campaign is paused or aborted, or an error stops the run.
    public func run(progress: @escaping @Sendable (DeliveryProgress) -> Void = { _ in }) async throws -> DeliveryRunSummary {
        let recovered = try await recoverDeadWorkers()
        let counts = try await store.ledgerCounts(campaign: campaignID)
        let remaining = counts[.queued] + counts[.deferred]
        let recorder = OutcomeRecorder(store: store, campaign: campaignID, total: counts.total,
                                       remaining: remaining, progress: progress)
        guard let campaign = try await store.campaign(id: campaignID), campaign.state == .sending else {
            return DeliveryRunSummary(ending: .notSending, progress: await recorder.progress, released: 0,
                                      completedAfterStop: 0, recoveredUncertain: recovered, nextRetryAt: nil)
        }
        var metadata: Logger.Metadata = ["campaign": "\(campaignID.rawValue)", "worker": "\(worker)"]
        logger.info("delivery started", metadata: metadata.merging(["queued": "\(remaining)"]) { $1 })

        let control = DeliveryControl()
        let watcher = Task { await watch(control) }
        // The periodic flush is stopped by `close()`, never cancelled: a cancelled task would make the
        // database driver abandon a write half-way.
        let flusher = Task {
            while await !recorder.closed {
                try? await Task.sleep(for: settings.flushInterval)
                try await recorder.flush()
            }
        }
        let released: Int
        do {
            released = try await withThrowingTaskGroup(of: Int.self) { senders in
                for _ in 0..<settings.concurrency {
                    senders.addTask { try await sendLoop(control: control, recorder: recorder) }
                }
                return try await senders.reduce(0, +)
            }
        } catch {
            watcher.cancel()
            await recorder.close()
            _ = await flusher.result
            try? await recorder.flush()
            logger.error("delivery failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            throw error
        }
        watcher.cancel()
        await recorder.close()
        _ = await flusher.result
        try await recorder.flush()
        let final = await recorder.progress
        // Senders also end when a claim finds the campaign no longer sending, maybe before the
        // watcher's next look: read the state once more.
        if !control.stopRequested, let now = try await store.campaign(id: campaignID), now.state != .sending {
            control.requestStop(DeliveryControl.Stop(state: now.state, at: now.updatedAt))
        }

        if let stop = control.stopped {
            let afterStop = await recorder.completed(after: stop.at)
            let ending: DeliveryRunSummary.Ending = stop.state == .aborted ? .aborted : .paused
            metadata["state"] = "\(stop.state.rawValue)"
            try await store.appendAudit(NewAuditEvent(
                actor: .system, action: "campaign.delivery-stopped", subjectKind: "campaign", subjectID: "\(campaignID.rawValue)",
                details: ["state": .string(stop.state.rawValue), "worker": .string(worker.description),
                          "completed_after_stop": .number(Double(afterStop)), "released_unsent": .number(Double(released)),
                          "sent_this_run": .number(Double(final.sent))]))
            logger.notice("delivery stopped", metadata: metadata.merging(["completed_after_stop": "\(afterStop)", "released": "\(released)"]) { $1 })
            return DeliveryRunSummary(ending: ending, progress: final, released: released, completedAfterStop: afterStop,
                                      recoveredUncertain: recovered, nextRetryAt: nil)
        }
        return try await finish(progress: final, recovered: recovered, metadata: metadata)
    }

    /// After a run that was not stopped: the campaign is `sent` when no entry is queued, deferred or in flight.
    private func finish(progress: DeliveryProgress, recovered: Int, metadata: Logger.Metadata) async throws -> DeliveryRunSummary {
        let counts = try await store.ledgerCounts(campaign: campaignID)
        var summary = DeliveryRunSummary(ending: .finished, progress: progress, released: 0, completedAfterStop: 0,
                                         recoveredUncertain: recovered, nextRetryAt: nil)
        if counts[.deferred] > 0 || counts[.queued] > 0 {
            summary.ending = .waitingForRetries
            summary.nextRetryAt = try await store.ledgerPage(LedgerQuery(campaignID: campaignID, states: [.deferred], limit: 1000))
                .compactMap(\.nextAttemptAt).min()
        } else if counts[.sending] > 0 {
            summary.ending = .otherWorkersSending
        } else {
            do {
                _ = try await store.transition(campaignID, from: [.sending], to: .sent, actor: .system,
                                               details: ["sent": .number(Double(counts[.sent])), "failed": .number(Double(counts[.failed])),
                                                         "uncertain": .number(Double(counts[.uncertain]))])
            } catch StoreError.invalidTransition {
                // Another worker finished it, or it was paused at the last moment: nothing to do.
            }
        }
        logger.info("delivery ended", metadata: metadata.merging(["ending": "\(summary.ending.rawValue)", "sent": "\(progress.sent)"]) { $1 })
        return summary
    }

    /// One sender: claim a small batch, deliver it message by message, until nothing is due or a stop.
    /// Returns how many claimed entries it gave back unsent.
    private func sendLoop(control: DeliveryControl, recorder: OutcomeRecorder) async throws -> Int {
        var released = 0
        // Message-IDs and boundaries from a per-sender key stream: no system call per message.
        var random = MessageRandomGenerator()
        // A cancelled task (Ctrl-C in `bulkhead serve`) stops like a pause: unsent claims go back.
        while !control.stopRequested && !Task.isCancelled {
            // The previous batch's outcomes are written in the claim's transaction: a crash leaves at
            // most one batch per sender in `sending`.
            let batch = try await recorder.claimNext(worker: worker.description, limit: settings.batchSize)
            if batch.isEmpty { return released }
            let people = try await store.subscribers(ids: batch.map(\.subscriberID))
            for (index, entry) in batch.enumerated() {
                if control.stopRequested || Task.isCancelled {
                    released += try await store.release(Array(batch[index...]))
                    return released
                }
                let outcome = await deliver(entry, subscriber: people[entry.subscriberID], random: &random)
                recorder.record(outcome)
            }
        }
        return released
    }

    /// Builds and hands over one recipient's message; never throws: every failure is an outcome.
    func deliver(_ entry: LedgerEntry, subscriber: Subscriber?, random: inout MessageRandomGenerator) async -> RecordedOutcome {
        let message: CampaignMessage
        let envelope: Envelope
        do {
            message = try buildMessage(entry, subscriber: subscriber, random: &random)
            envelope = try Envelope(mailFrom: message.envelope.mailFrom, recipient: message.envelope.recipient,
                                    requiresSMTPUTF8: message.envelope.requiresSMTPUTF8)
        } catch {
            // Nothing was sent: the message could not be made for this recipient (e.g. a template
            // rendering a line break into the subject). Code 0 marks a local, not an SMTP, failure.
            let reply = SMTPReplyRecord(code: 0, text: "not sent: \(error)")
            return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .failed(reply)), reply: reply, completedAt: Date())
        }
        logger.debug("handing over", metadata: ["recipient": "\(entry.address.value)", "campaign": "\(campaignID.rawValue)"])
        let result = await transport.deliver(envelope, message.bytes)
        let now = Date()
        let reply = Self.replyRecord(result.detail)
        switch result {
        case .sent:
            return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .sent(reply)), reply: reply, completedAt: now)
        case .deferred:
            if entry.attempts >= settings.maxAttempts {
                return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .failed(reply)), reply: reply, completedAt: now)
            }
            var generator = SystemRandomNumberGenerator()
            let delay = settings.backoff.delay(afterAttempt: entry.attempts, using: &generator)
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .deferred(until: now.addingTimeInterval(seconds), reply)),
                                   reply: reply, completedAt: now)
        case let .failed(_, hardBounce):
            return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .failed(reply)),
                                   hardBounceAddress: hardBounce ? entry.address : nil, reply: reply, completedAt: now)
        case .uncertain:
            return RecordedOutcome(outcome: DeliveryOutcome(entry: entry, result: .uncertain(reply)), reply: reply, completedAt: now)
        }
    }

    static func replyRecord(_ detail: DeliveryDetail) -> SMTPReplyRecord {
        if let reply = detail.reply {
            return SMTPReplyRecord(code: reply.code, text: reply.lines.joined(separator: " "))
        }
        return SMTPReplyRecord(code: 0, text: detail.description)
    }

    /// Polls the campaign's state until the run ends; a state other than `sending` stops the senders.
    private func watch(_ control: DeliveryControl) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: settings.controlPoll)
            } catch {
                return
            }
            do {
                if let campaign = try await store.campaign(id: campaignID), campaign.state != .sending {
                    control.requestStop(DeliveryControl.Stop(state: campaign.state, at: campaign.updatedAt))
                    return
                }
            } catch {
                logger.warning("cannot read the campaign's state", metadata: ["campaign": "\(campaignID.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// Entries left `sending` by a process of this host that no longer runs become `uncertain`.
    private func recoverDeadWorkers() async throws -> Int {
        var recovered = 0
        for holder in try await store.sendingWorkers(campaign: campaignID) {
            guard let other = WorkerIdentity(parsing: holder), other.isDeadLocalProcess else { continue }
            recovered += try await store.recoverInterrupted(campaign: campaignID, worker: holder)
        }
        if recovered > 0 {
            logger.notice("entries of a crashed run marked uncertain", metadata: ["campaign": "\(campaignID.rawValue)", "entries": "\(recovered)"])
        }
        return recovered
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
        let recipient = try RecipientContext(address: entry.address.value, name: subscriber?.name,
                                             attributes: (subscriber?.attributes ?? [:]).mapValues(TemplateValue.init))
        let token = try tokens.issue(campaignID: campaignID.rawValue, subscriberID: entry.subscriberID.rawValue)
        let now = Date()
        return try factory.makeMessage(for: recipient, verpToken: entry.verpToken, unsubscribeToken: token.text,
                                       date: MessageDate(now), signingTime: now, using: &random)
    }
}
