import BulkheadStore
import Foundation

/// One message's result, waiting to be written to the ledger.
struct RecordedOutcome: Sendable {
    var outcome: DeliveryOutcome
    /// Set when the server refused the recipient permanently: the address joins the suppression list.
    var hardBounceAddress: NormalizedAddress?
    var reply: SMTPReplyRecord?
    var completedAt: Date
}

/// Collects outcomes from every sender and writes them in batches (one transaction each). An outcome
/// is durable only once its batch is written; a crash before that leaves the entry `sending`, which
/// the next run reports as `uncertain` and never re-sends by itself.
actor OutcomeRecorder {
    private let store: any MailStore
    private let batchSize: Int
    private let progressHandler: @Sendable (DeliveryProgress) -> Void
    private let started = ContinuousClock.now
    private var buffer: [RecordedOutcome] = []
    private var flushing = false
    private(set) var progress: DeliveryProgress
    private let remainingAtStart: Int
    /// Completion times of the last few seconds' outcomes: the run counts, at its end, how many came
    /// after the stop (the watcher learns of a stop up to one poll interval late).
    private var recentCompletions: [Date] = []

    init(store: any MailStore, batchSize: Int, total: Int, remaining: Int,
         progress: @escaping @Sendable (DeliveryProgress) -> Void) {
        self.store = store
        self.batchSize = batchSize
        self.progressHandler = progress
        self.progress = DeliveryProgress(total: total)
        self.remainingAtStart = remaining
    }

    /// How many outcomes were recorded, and how many of them (the oldest: the buffer is written first
    /// in, first out) are written to the store.
    private var recordedCount = 0
    private var durableCount = 0
    /// Callers of ``waitUntilDurable(_:)`` waiting for the write under way.
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []

    /// Adds one outcome and returns its number (for ``waitUntilDurable(_:)``); writes the batch when
    /// it is full. The caller waits for that write, which keeps memory bounded when the database is
    /// slower than the senders.
    @discardableResult
    func record(_ item: RecordedOutcome) async throws -> Int {
        buffer.append(item)
        recordedCount += 1
        let number = recordedCount
        if buffer.count >= batchSize { try await flush() }
        return number
    }

    /// Returns once outcome `number` and all before it are written (writing now unless a write is
    /// under way). A sender calls it before it claims its next batch, so the entries one sender holds
    /// in `sending` never exceed one batch: a crash leaves at most concurrency × batchSize uncertain.
    func waitUntilDurable(_ number: Int) async throws {
        while durableCount < number {
            if flushing {
                await withCheckedContinuation { flushWaiters.append($0) }
            } else if buffer.isEmpty {
                return
            } else {
                try await flush()
            }
        }
    }

    /// Whether the periodic flush should stop (the run is over).
    private(set) var closed = false

    func close() {
        closed = true
    }

    /// Writes whatever is waiting (called on a timer and at the end).
    func flush() async throws {
        guard !flushing, !buffer.isEmpty else { return }
        flushing = true
        defer {
            flushing = false
            let waiters = flushWaiters
            flushWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
        while !buffer.isEmpty {
            let batch = buffer
            buffer.removeAll(keepingCapacity: true)
            do {
                try await store.complete(batch.map(\.outcome))
                durableCount += batch.count
            } catch {
                // Keep the batch: it is written by the next flush, or stays `sending` (→ uncertain) if none comes.
                buffer.insert(contentsOf: batch, at: 0)
                throw error
            }
            for item in batch {
                if let address = item.hardBounceAddress {
                    let note = item.reply.map { "\($0.code) \($0.text)" }
                    try await store.addSuppression(Suppression(address: address, reason: .hardBounce, at: item.completedAt,
                                                               source: "smtp", note: note), actor: .system)
                }
            }
            count(batch)
        }
        progressHandler(progress)
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
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        progress.rate = seconds > 0 ? Double(progress.done) / seconds : 0
        let left = max(0, remainingAtStart - progress.done)
        progress.etaSeconds = progress.rate > 0 ? Double(left) / progress.rate : nil
    }
}
