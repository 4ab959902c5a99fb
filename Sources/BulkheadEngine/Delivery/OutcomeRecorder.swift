import BulkheadStore
import Foundation
import Synchronization

/// One message's result, waiting to be written to the ledger (a hard bounce's suppression with it).
struct RecordedOutcome: Sendable {
    var outcome: LedgerOutcome
    var reply: SMTPReplyRecord?
    var completedAt: Date
}

/// Collects outcomes from every sender and writes them to the ledger: all waiting outcomes go in the
/// same transaction as a sender's next claim (one commit per batch; senders that ask while a write is
/// under way share the next one, and its commit), and on a short timer so that a slow send does not
/// leave finished outcomes unwritten. An outcome is durable only once written; a
/// crash before that leaves the entry `sending`, which the next run reports as `uncertain` and never
/// re-sends by itself.
actor OutcomeRecorder {
    private let store: any MailStore
    private let campaignID: CampaignID
    private let progressHandler: @Sendable (DeliveryProgress) -> Void
    private let clock: any BulkheadClock
    private let started: WallTime
    /// Outcomes not yet written. Behind a lock, not in the actor: recording one costs a sender no hop.
    private let buffer = Mutex<[RecordedOutcome]>([])
    /// The highest key this run has claimed: claims look for queued entries past it (see
    /// ``MailStore/completeAndClaim(_:campaign:worker:limit:queuedAfter:)``).
    private var queuedCursor: LedgerEntryID?
    /// True while a write is under way: writes happen one at a time, in order.
    private var writing = false
    private var writeWaiters: [CheckedContinuation<Void, Never>] = []
    private(set) var progress: DeliveryProgress
    private let remainingAtStart: Int
    /// Completion times of the last few seconds' outcomes: the run counts, at its end, how many came
    /// after the stop (the watcher learns of a stop up to one poll interval late).
    private var recentCompletions: [Date] = []

    /// The brakes judged after a write that holds a brake event (nil: none).
    private let brakes: CampaignBrakes?
    /// True until a look at the brakes found at least their minimum sample: until then every write
    /// looks (outcomes without events can still complete the sample); afterwards only writes with an
    /// event can make a brake trip.
    private var brakeSampleShort = true
    /// The current stage's stop signal: a brake that trips stops its senders at once.
    private var control: DeliveryControl?
    /// Told which store call a write is in, for the stall report.
    private let activity: DeliveryActivity?

    init(
        store: any MailStore, campaign: CampaignID, total: Int, remaining: Int, clock: any BulkheadClock,
        brakes: CampaignBrakes? = nil, activity: DeliveryActivity? = nil, progress: @escaping @Sendable (DeliveryProgress) -> Void
    ) {
        self.activity = activity
        self.brakes = brakes
        self.clock = clock
        self.started = clock.now
        self.store = store
        self.campaignID = campaign
        self.progressHandler = progress
        self.progress = DeliveryProgress(total: total)
        self.remainingAtStart = remaining
    }

    /// Adds one outcome; it is written by the next claim or the next timed flush. Each sender's
    /// outcomes are written before its next claim, so the buffer never holds more than
    /// concurrency × batchSize outcomes.
    nonisolated func record(_ item: RecordedOutcome) {
        buffer.withLock { $0.append(item) }
    }

    /// Writes every waiting outcome, then claims up to `limit` entries for `worker`, in one
    /// transaction. A sender's own outcomes are thus durable before it holds a new batch: the
    /// entries one sender holds in `sending` never exceed one batch, and a crash leaves at most
    /// concurrency × batchSize uncertain.
    func claimNext(worker: String, limit: Int) async throws -> [LedgerEntry] {
        try await write(claiming: (worker, limit))
    }

    /// A new stage begins (`canary`, then `sending`): its stop signal, and claims start from the first key.
    func watch(_ control: DeliveryControl) {
        self.control = control
        queuedCursor = nil
    }

    /// Whether the periodic flush should stop (the run is over).
    private(set) var closed = false
    /// The periodic flush's current wait: `close()` ends it at once.
    private var flushWait: Task<Void, Never>?

    /// Ends the periodic flush: a wait under way returns now (a write under way is never interrupted).
    func close() {
        closed = true
        flushWait?.cancel()
    }

    /// Waits `interval` on the clock before the next periodic flush, or until ``close()``.
    func waitForNextFlush(_ interval: Duration) async {
        guard !closed else { return }
        let clock = clock
        let wait = Task { _ = try? await clock.sleep(for: interval) }
        flushWait = wait
        await wait.value
        flushWait = nil
    }

    /// Writes whatever is waiting (called on a timer and at the end).
    func flush() async throws {
        if buffer.withLock({ $0.isEmpty }) && !writing { return }
        _ = try await write(claiming: nil)
    }

    /// A sender's claim waiting for a write. Writes serve every claim waiting when they start, in one
    /// transaction: while one write is under way the other senders' claims gather, and the next write
    /// claims for all of them at once (one commit, one set of round trips, instead of one per sender).
    private final class ClaimRequest {
        let worker: String
        let limit: Int
        /// Set by the write that served it.
        var result: Result<[LedgerEntry], any Error>?

        init(worker: String, limit: Int) {
            self.worker = worker
            self.limit = limit
        }
    }

    /// Claims not yet served, oldest first.
    private var pendingClaims: [ClaimRequest] = []

    /// One write at a time: waits for a write under way, then writes the buffer and claims for every
    /// waiting claim of the same worker (this one's included, unless a write under way served it).
    private func write(claiming claim: (worker: String, limit: Int)?) async throws -> [LedgerEntry] {
        let request = claim.map { ClaimRequest(worker: $0.worker, limit: $0.limit) }
        if let request { pendingClaims.append(request) }
        while writing, request?.result == nil { await withCheckedContinuation { writeWaiters.append($0) } }
        if let result = request?.result { return try result.get() }
        writing = true
        defer {
            writing = false
            // All waiters look again: those this write served return, the first of the rest writes next.
            let waiters = writeWaiters
            writeWaiters = []
            for waiter in waiters { waiter.resume() }
        }
        // Every waiting claim of this worker (all of a run's senders claim as one worker), in order.
        var served: [ClaimRequest] = []
        if let request {
            served = pendingClaims.filter { $0.worker == request.worker }
            pendingClaims.removeAll { $0.worker == request.worker }
        }
        let batch = buffer.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        defer { activity?.writing(nil, at: clock.now) }
        var shares: [ObjectIdentifier: [LedgerEntry]] = [:]
        var claimedAny = false
        do {
            activity?.writing(served.isEmpty ? "complete" : "complete-and-claim", at: clock.now)
            if let request {
                var claimed = try await store.completeAndClaim(
                    batch.map(\.outcome), campaign: campaignID, worker: request.worker, limit: served.reduce(0) { $0 + $1.limit },
                    queuedAfter: queuedCursor)
                var waiting = served
                while true {
                    claimedAny = claimedAny || !claimed.isEmpty
                    // Claims come ordered by key: the last is the highest.
                    if let highest = claimed.last?.id { queuedCursor = max(queuedCursor ?? highest, highest) }
                    // Each claim gets its share in key order, the oldest claim first.
                    var next = 0
                    for claim in waiting {
                        let share = Array(claimed[next..<min(claimed.count, next + claim.limit)])
                        next += share.count
                        shares[ObjectIdentifier(claim)] = share
                    }
                    // Claims left with nothing past the cursor: one look from the start for entries left
                    // behind (put back by another worker, or requeued meanwhile), as each claim that found
                    // nothing did on its own. A claim empty after that ends its sender.
                    waiting = waiting.filter { shares[ObjectIdentifier($0)]?.isEmpty ?? true }
                    guard !waiting.isEmpty, queuedCursor != nil else { break }
                    queuedCursor = nil
                    claimed = try await store.completeAndClaim(
                        [], campaign: campaignID, worker: request.worker, limit: waiting.reduce(0) { $0 + $1.limit },
                        queuedAfter: nil)
                }
            } else if !batch.isEmpty {
                try await store.complete(batch.map(\.outcome))
            }
        } catch {
            // Keep the batch: it is written by the next write, or stays `sending` (→ uncertain) if none comes.
            buffer.withLock { $0.insert(contentsOf: batch, at: 0) }
            for waiting in served where waiting !== request { waiting.result = .failure(error) }
            throw error
        }
        for waiting in served where waiting !== request { waiting.result = .success(shares[ObjectIdentifier(waiting)] ?? []) }
        let own = request.flatMap { shares[ObjectIdentifier($0)] } ?? []
        if !batch.isEmpty || claimedAny { activity?.progressed(at: clock.now) }
        guard !batch.isEmpty else { return own }
        count(batch)
        progressHandler(progress)
        if let brakes, brakeSampleShort || batch.contains(where: \.outcome.rejected) {
            activity?.writing("brake-check", at: clock.now)
            let look = try await brakes.check(campaignID)
            brakeSampleShort = look.window.outcomes < brakes.rules.thresholds.minSample
            if look.paused { control?.requestStop(DeliveryControl.Stop(state: .paused, at: clock.date)) }
        }
        return own
    }

    /// How many recorded outcomes completed after `date` (for dates within the last few seconds).
    func completed(after date: Date) -> Int {
        recentCompletions.reduce(0) { $0 + ($1 > date ? 1 : 0) }
    }

    private func count(_ batch: [RecordedOutcome]) {
        for item in batch {
            switch item.outcome.result {
            case .sent: progress.sent += 1
            case .deferred: progress.deferred += 1
            case .failed: progress.failed += 1
            case .uncertain: progress.uncertain += 1
            }
            recentCompletions.append(item.completedAt)
        }
        if let newest = recentCompletions.last, let oldest = recentCompletions.first, newest.timeIntervalSince(oldest) > 10 {
            recentCompletions.removeAll { newest.timeIntervalSince($0) > 5 }
        }
        let seconds = started.duration(to: clock.now).seconds
        progress.rate = seconds > 0 ? Double(progress.done) / seconds : 0
        let left = max(0, remainingAtStart - progress.done)
        progress.etaSeconds = progress.rate > 0 ? Double(left) / progress.rate : nil
    }
}
