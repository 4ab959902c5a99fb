import BulkheadSMTP
import BulkheadStore
import Logging
import Synchronization

/// One campaign message's last look at the opt-outs, asked by the transport after its waits (a rate
/// limit, a free connection) and right before the message goes out. When the claim's look is older
/// than ``CampaignRunner/optOutFreshness`` it looks again: a person who opted out meanwhile is not
/// sent the message, and the entry becomes `suppressed`. Once it has said no it keeps saying no (a
/// transport may ask again before trying another upstream).
///
/// ```swift
/// let look = LastLookAtOptOuts(entry: entry, lookedAt: claimedAt, store: store, clock: clock, logger: logger)
/// let outcome = await transport.deliver(envelope, bytes, lastLook: { await look.stillWanted() })
/// if look.keptBack { /* not sent */ }
/// ```
final class LastLookAtOptOuts: Sendable {
    private let entry: LedgerEntry
    private let lookedAt: WallTime
    private let store: any MailStore
    private let clock: any BulkheadClock
    private let logger: Logger
    private let said = Atomic(false)

    init(entry: LedgerEntry, lookedAt: WallTime, store: any MailStore, clock: any BulkheadClock, logger: Logger) {
        self.entry = entry
        self.lookedAt = lookedAt
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// True when the message was kept back.
    var keptBack: Bool { said.load(ordering: .acquiring) }

    /// Whether the message may still go out.
    func stillWanted() async -> Bool {
        if keptBack { return false }
        guard lookedAt.duration(to: clock.now) >= CampaignRunner.optOutFreshness else { return true }
        do {
            if try await store.withdrawOptedOut([entry]).isEmpty { return true }
            logger.info("kept back at the last look: the person opted out after the claim", metadata: ["entry": "\(entry.id.rawValue)"])
        } catch {
            // The look could not be made: the message waits. It goes back to the queue, and the next claim looks.
            logger.warning("kept back at the last look: the opt-outs could not be read", metadata: ["error": "\(error)"])
            _ = try? await store.release([entry], lastReply: SMTPReplyRecord(code: 0, text: "not sent: the opt-outs could not be read"))
        }
        said.store(true, ordering: .releasing)
        return false
    }
}
