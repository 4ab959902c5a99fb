import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging
import Synchronization

/// Delivers what the guard relay queued, through the configured transport (the upstreams' SMTP pool,
/// or the capture mailbox): one message per recipient, as the release asked (``RelayCopyForm``).
/// The same crash rules as campaign delivery: recipients are durably `sending` before any byte goes out
/// (``MailStore/completeAndClaimRelayDeliveries(_:worker:limit:)``, which also skips suppressed addresses and
/// claims nothing while the emergency stop is latched), `sent` only after the upstream's `250`, a
/// crash leaves `sending` rows that become `uncertain` when the worker starts again, never re-sent
/// blindly. Temporary failures are retried with the delivery backoff up to `delivery.max_attempts`.
/// While a batch is under way the emergency stop is polled every `delivery.control_poll`: once it is
/// latched, recipients not yet handed over go back to the queue uncharged (messages in flight complete).
///
/// ```swift
/// let deliverer = environment.relayDeliverer(worker: "relay:mail1")
/// await deliverer.run(doorbell: doorbell, idle: .seconds(1))   // recovers first; runs until cancelled
/// ```
public struct RelayDeliverer: Sendable {
    let store: any MailStore
    let transport: any MessageTransport
    let copies: RelayCopyWriter
    /// Writes the members' copies of hosted lists' posts (nil: such recipients fail, with the reason).
    let lists: ListCopyWriter?
    let settings: DeliverySettings
    let worker: String
    let clock: any BulkheadClock
    let logger: Logger
    /// Outcomes and hand-over times are counted here.
    public var metrics = EngineMetrics.global
    /// The hosted lists of list posts' copies.
    let hostedLists = HostedListCache()

    public init(
        store: any MailStore, transport: any MessageTransport, copies: RelayCopyWriter, lists: ListCopyWriter? = nil, settings: DeliverySettings,
        worker: String, clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.copies = copies
        self.lists = lists
        self.settings = settings
        self.worker = worker
        self.clock = clock
        self.logger = logger
    }

    /// After a crash of this worker: its `sending` recipients become `uncertain`. Returns how many.
    public func recover() async throws -> Int {
        let count = try await store.recoverRelayDeliveries(worker: worker)
        if count > 0 {
            logger.warning(
                "relay recipients interrupted by a crash are uncertain (they may have been delivered; they are not sent again)",
                metadata: ["count": "\(count)"])
        }
        return count
    }

    /// Delivers every recipient due when it starts (one filed during the pass may wait for the next),
    /// with `delivery.concurrency` senders that each
    /// claim a few recipients at a time, more while every claim comes back full (so a copy waits for a
    /// handful of others, not for a whole wave, unless a whole wave is due),
    /// deliver them one after another and record their outcomes; returns how many were claimed.
    @discardableResult
    public func pass() async throws -> Int {
        let stopped = StopFlag()
        let watcher = Task {
            while !Task.isCancelled {
                try? await clock.sleep(for: settings.controlPoll)
                if (try? await store.latch(named: Latch.emergencyStop)) != nil { stopped.set() }
            }
        }
        defer { watcher.cancel() }
        let smallest = max(1, min(settings.batchSize, Self.claimSize))
        let largest = max(smallest, settings.batchSize)
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<max(1, settings.concurrency) {
                group.addTask {
                    // After a full batch, one transaction records its outcomes and claims the next
                    // (one commit per batch under load). A short batch means nothing else was due when
                    // it was claimed: its outcomes are committed on their own, at once (a crash right
                    // after the upstream's 250 then leaves nothing `uncertain`), and this sender is
                    // done; mail filed meanwhile rang the doorbell, which starts the next pass.
                    // A sender starts with a few recipients per claim (a copy waits for a handful of
                    // others) and doubles the claim after each full one, up to `delivery.batch_size`:
                    // a list post to 100,000 members costs 2,000 commits, not 25,000.
                    var perClaim = smallest
                    var handled = 0
                    var outcomes: [RelayDeliveryOutcome] = []
                    var lastWasFull = true
                    while true {
                        guard lastWasFull, !Task.isCancelled, !stopped.isSet else {
                            try await store.completeRelayDeliveries(outcomes)
                            break
                        }
                        // The claim looks at the opt-outs; taken before it, this time is never later than that look.
                        let lookedAt = clock.now
                        let batch = try await store.completeAndClaimRelayDeliveries(outcomes, worker: worker, limit: perClaim)
                        if batch.isEmpty { break }
                        outcomes = await deliver(batch, stopped: stopped, lookedAt: lookedAt)
                        handled += batch.count
                        lastWasFull = batch.count == perClaim
                        if lastWasFull { perClaim = min(largest, perClaim * 2) }
                    }
                    return handled
                }
            }
            return try await group.reduce(0, +)
        }
    }

    /// Recipients one sender claims first (then twice as many after each full claim, up to the batch size).
    static let claimSize = 4

    /// Runs passes until the task is cancelled: at once when `doorbell` rings (the gateway queued a
    /// message), else every `idle` (deferred recipients coming due, undo windows ending, a release).
    public func run(doorbell: RelayDoorbell, idle: Duration) async {
        do {
            _ = try await recover()
        } catch {
            logger.error("relay recovery failed", metadata: ["error": "\(error)"])
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await clock.sleep(for: idle)
                doorbell.ring()
            }
        }
        defer { ticker.cancel() }
        doorbell.ring()
        for await _ in doorbell.rings {
            if Task.isCancelled { return }
            do {
                try await pass()
            } catch is CancellationError {
                return
            } catch {
                logger.error("relay delivery pass failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Delivers a claimed batch one recipient after another; every claimed recipient gets an outcome
    /// (once `stopped`, the rest go back to the queue uncharged), except one that opted out since the
    /// claim looked at `lookedAt`: it is `suppressed` already. When that look is older than
    /// ``LastLookAtOptOuts/freshness`` the rest of the batch is looked at again (and each message once
    /// more after the transport's waits).
    func deliver(_ batch: [RelayDelivery], stopped: StopFlag, lookedAt claimLook: WallTime) async -> [RelayDeliveryOutcome] {
        var bytes: [RelayMessageID: Result<[UInt8], any Error>] = [:]
        var outcomes: [RelayDeliveryOutcome] = []
        var lookedAt = claimLook
        var withdrawn = Set<Int64>()
        var cannotLook = false
        for (index, delivery) in batch.enumerated() {
            if stopped.isSet || cannotLook {
                let why = cannotLook ? "the opt-outs could not be read" : "the emergency stop is latched"
                let reply = SMTPReplyRecord(code: 451, text: "not sent: \(why)")
                outcomes.append(RelayDeliveryOutcome(delivery: delivery, result: .postponed(reply, retryAt: clock.date)))
                continue
            }
            if LastLookAtOptOuts.isStale(lookedAt, at: clock.now) {
                lookedAt = clock.now
                do {
                    withdrawn.formUnion(try await store.withdrawOptedOutRelayDeliveries(batch[index...].filter { !withdrawn.contains($0.id) }))
                } catch {
                    logger.warning("relay: the opt-outs could not be read; the rest of the batch waits", metadata: ["error": "\(error)"])
                    cannotLook = true
                    let reply = SMTPReplyRecord(code: 451, text: "not sent: the opt-outs could not be read")
                    outcomes.append(RelayDeliveryOutcome(delivery: delivery, result: .postponed(reply, retryAt: clock.date)))
                    continue
                }
            }
            if withdrawn.contains(delivery.id) { continue }
            if bytes[delivery.message] == nil {
                do {
                    guard let found = try await store.relayMessageBytes(delivery.message) else {
                        throw StoreError.notFound(.relayMessage(delivery.message))
                    }
                    bytes[delivery.message] = .success(found)
                } catch {
                    bytes[delivery.message] = .failure(error)
                }
            }
            var list: HostedList?
            if let member = delivery.listMember {
                list = try? await hostedLists.list(member.list, store: store, now: clock.date)
            }
            let outcome = await deliver(delivery, original: bytes[delivery.message], list: list, lookedAt: lookedAt)
            if let counted = Self.metricOutcome(outcome.result) { metrics.message(counted, .relay) }
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// The outcome as `/metrics` counts it; nil for a postponed copy (nothing happened to it yet).
    static func metricOutcome(_ result: RelayDeliveryOutcome.Result) -> EngineMetrics.Outcome? {
        switch result {
        case .sent: .sent
        case .deferred: .deferred
        case .postponed: nil
        case .failed: .failed
        case .uncertain: .uncertain
        }
    }

    private func deliver(
        _ delivery: RelayDelivery, original: Result<[UInt8], any Error>?, list: HostedList?, lookedAt: WallTime
    ) async -> RelayDeliveryOutcome {
        let message: [UInt8]
        let envelope: Envelope
        guard case .success(let bytes) = original else {
            // The store could not be read: nothing went out, try again shortly without charging an attempt.
            let why = if case .failure(let error)? = original { "\(error)" } else { "its bytes were not read" }
            logger.warning("relay message unreadable from the store", metadata: ["id": "\(delivery.message.rawValue)", "error": "\(why)"])
            return RelayDeliveryOutcome(
                delivery: delivery,
                result: .postponed(SMTPReplyRecord(code: 451, text: "not sent: \(why)"), retryAt: clock.date.addingTimeInterval(30)))
        }
        do {
            if let member = delivery.listMember {
                guard let lists, let list else {
                    throw ListCopyError.list("list \(member.list.rawValue) has no address any more, or lists are not served by this worker")
                }
                message = try lists.copy(of: bytes, list: list, member: member.subscriber, at: clock.date).bytes
                envelope = try Envelope(mailFrom: ListCopyWriter.envelopeSender(of: list), recipient: delivery.recipient)
            } else {
                message = try copies.copy(of: bytes, form: delivery.copyForm, recipient: delivery.recipient, at: clock.date).bytes
                // The domain goes out as the A-label the suppression check keyed (review of 2026-12-05): a
                // spelling that another IDNA mapping would read as a suppressed domain (full-width letters,
                // an ideographic full stop, a soft hyphen) reaches that spelling's own domain, never the other.
                let recipient = try Mailbox(parsingAddrSpec: delivery.recipient).envelopeAddress(smtputf8: true)
                envelope = try Envelope(mailFrom: delivery.mailFrom, recipient: recipient)
            }
        } catch {
            // Nothing went out: a copy that cannot be written fails for good, with the reason.
            return RelayDeliveryOutcome(delivery: delivery, result: .failed(SMTPReplyRecord(code: 554, text: "not sent: \(error)")))
        }
        let started = clock.now
        let store = store
        let lastLook = LastLookAtOptOuts(lookedAt: lookedAt, clock: clock, logger: logger) {
            try await !store.withdrawOptedOutRelayDeliveries([delivery]).isEmpty
        } couldNotLook: {
            // The postponed outcome below puts it back, uncharged.
        }
        let outcome = await transport.deliver(envelope, message, lastLook: { await lastLook.stillWanted() })
        if lastLook.keptBack {
            // Opted out: already `suppressed`, and this outcome changes nothing. Not looked at: back to the queue.
            return RelayDeliveryOutcome(
                delivery: delivery, result: .postponed(SMTPReplyRecord(code: 451, text: "not sent: kept back at the last look"), retryAt: clock.date))
        }
        metrics.handOver(started.duration(to: clock.now), .relay)
        let reply = CampaignRunner.replyRecord(outcome.detail)
        let now = clock.date
        switch outcome {
        case .sent:
            return RelayDeliveryOutcome(delivery: delivery, result: .sent(reply))
        case .deferred:
            guard delivery.attempt < settings.maxAttempts else {
                return RelayDeliveryOutcome(
                    delivery: delivery,
                    result: .failed(SMTPReplyRecord(code: reply.code, text: "\(reply.text) (gave up after \(delivery.attempt) attempts)")))
            }
            var random = SystemRandomNumberGenerator()
            let delay = settings.backoff.delay(afterAttempt: delivery.attempt, using: &random)
            return RelayDeliveryOutcome(delivery: delivery, result: .deferred(reply, retryAt: now.addingTimeInterval(delay.seconds)))
        case .failed:
            return RelayDeliveryOutcome(delivery: delivery, result: .failed(reply))
        case .uncertain:
            return RelayDeliveryOutcome(delivery: delivery, result: .uncertain(reply))
        case .postponed(_, let retryAfter):
            return RelayDeliveryOutcome(
                delivery: delivery, result: .postponed(reply, retryAt: now.addingTimeInterval(max(retryAfter.seconds, 1))))
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Set once the emergency stop is seen while a pass is under way.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
