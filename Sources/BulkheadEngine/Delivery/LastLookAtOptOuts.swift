import BulkheadSMTP
import BulkheadStore
import Logging
import Synchronization

/// One message's last look at the opt-outs, asked by the transport after its waits (a rate limit, a
/// free connection) and right before the message goes out. When the claim's look is older than
/// ``freshness`` it looks again (`withdraw`: true when the recipient opted out meanwhile and is now
/// `suppressed`, or when the claim is no longer this worker's): the message is then not sent. When
/// the look cannot be made the message is not sent either (`couldNotLook` puts it back). Once it has
/// said no it keeps saying no (a transport may ask again before trying another upstream).
///
/// ```swift
/// let look = LastLookAtOptOuts(lookedAt: claimedAt, clock: clock, logger: logger) {
///     try await !store.withdrawOptedOut([entry]).isEmpty
/// } couldNotLook: { _ = try? await store.release([entry], lastReply: nil) }
/// let outcome = await transport.deliver(envelope, bytes, lastLook: { await look.stillWanted() })
/// if look.keptBack { /* not sent */ }
/// ```
final class LastLookAtOptOuts: Sendable {
    /// How long a claim's look at the opt-outs holds. A message whose turn comes later (behind a slow
    /// upstream, or a rate limit's wait) is looked at again right before it goes out: an opt-out
    /// committed more than this before a hand-over starts always holds for it.
    static let freshness = Duration.seconds(1)

    private let lookedAt: WallTime
    private let clock: any BulkheadClock
    private let logger: Logger
    private let withdraw: @Sendable () async throws -> Bool
    private let couldNotLook: @Sendable () async -> Void
    private let said = Atomic(false)

    init(
        lookedAt: WallTime, clock: any BulkheadClock, logger: Logger, withdraw: @escaping @Sendable () async throws -> Bool,
        couldNotLook: @escaping @Sendable () async -> Void
    ) {
        self.lookedAt = lookedAt
        self.clock = clock
        self.logger = logger
        self.withdraw = withdraw
        self.couldNotLook = couldNotLook
    }

    /// Whether a look made at `lookedAt` is too old at `now`. A look "in the future" (the wall clock
    /// was set back since) is too old too: its age is unknown.
    static func isStale(_ lookedAt: WallTime, at now: WallTime) -> Bool {
        let age = lookedAt.duration(to: now)
        return age < .zero || age >= freshness
    }

    /// True when the message was kept back.
    var keptBack: Bool { said.load(ordering: .acquiring) }

    /// Whether the message may still go out.
    func stillWanted() async -> Bool {
        if keptBack { return false }
        guard Self.isStale(lookedAt, at: clock.now) else { return true }
        do {
            if try await !withdraw() { return true }
            logger.info("kept back at the last look: the recipient opted out after the claim, or the claim is no longer this worker's")
        } catch {
            logger.warning("kept back at the last look: the opt-outs could not be read", metadata: ["error": "\(error)"])
            await couldNotLook()
        }
        said.store(true, ordering: .releasing)
        return false
    }
}
