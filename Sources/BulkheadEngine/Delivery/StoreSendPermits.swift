import BulkheadSMTP
import BulkheadStore
import Foundation
import Logging

/// An upstream's sending limits counted in the store, so that every worker of the store shares them:
/// four workers with `messages_per_second: 100` send at most 100 a second together. Callers waiting at
/// the same moment are served by one store transaction (`takeSendPermits`), and those refused wait
/// until the store says a permit may be free.
///
/// ```swift
/// let permits = StoreSendPermits(store: store, upstream: "relay", limits: [SharedRateLimit(count: 100, windowMilliseconds: 1_000)], clock: clock, logger: logger)
/// if let wait = await permits.takePermit() { try await clock.sleep(for: wait) }
/// ```
actor StoreSendPermits: SharedSendPermits {
    private let store: any MailStore
    private let key: String
    private let limits: [SharedRateLimit]
    private let clock: any BulkheadClock
    private let logger: Logger
    private var waiting: [CheckedContinuation<Duration?, Never>] = []
    private var asking = false

    init(store: any MailStore, upstream: String, limits: [SharedRateLimit], clock: any BulkheadClock, logger: Logger) {
        self.store = store
        self.key = "upstream:" + upstream
        self.limits = limits
        self.clock = clock
        self.logger = logger
    }

    func takePermit() async -> Duration? {
        await withCheckedContinuation { continuation in
            waiting.append(continuation)
            if !asking {
                asking = true
                Task { await self.askForWaiting() }
            }
        }
    }

    /// Asks the store for as many permits as callers wait, until nobody waits.
    private func askForWaiting() async {
        while !waiting.isEmpty {
            let batch = waiting
            waiting = []
            do {
                let grant = try await store.takeSendPermits(key, wanted: batch.count, limits: limits)
                let wait = grant.retryAt.map { max(.milliseconds(1), Duration.seconds($0.timeIntervalSince(clock.date))) } ?? .milliseconds(1)
                for (index, caller) in batch.enumerated() { caller.resume(returning: index < grant.granted ? nil : wait) }
            } catch {
                // Nothing is sent without a permit; the store is probably down, and the ledger with it.
                logger.warning("cannot take a sending permit from the store; waiting", metadata: ["key": "\(key)", "error": "\(error)"])
                for caller in batch { caller.resume(returning: .seconds(1)) }
            }
        }
        asking = false
    }
}
