import BulkheadStore
import Synchronization

/// What each sender of a run is doing and since when, and what the outcome writer is doing: read by
/// the stall report (``CampaignRunner``), which logs a warning when no outcome has been written for
/// ``DeliverySettings/stallWarning`` while a sender is busy. It says where a run waits (for the
/// upstream's reply, for the store), never whom it writes to: entries are named by their ledger key.
///
/// ```swift
/// let activity = DeliveryActivity(senders: 4, now: clock.now)
/// activity.set(sender: 0, .delivering(entry.id), at: clock.now)
/// activity.report(now: clock.now, stalledAfter: .seconds(60))   // nil while outcomes keep coming
/// ```
final class DeliveryActivity: Sendable {
    /// One sender's step.
    enum Step: Sendable, Hashable {
        /// Waiting for its claim (which first writes the outcomes waiting).
        case claiming
        /// Handing this entry's message to the transport.
        case delivering(LedgerEntryID)
        /// Giving claimed entries back.
        case releasing
        /// Not running (finished, or between stages).
        case idle
    }

    private struct State {
        var senders: [(step: Step, since: WallTime)]
        /// The write under way (its step, since when), if any.
        var write: (step: String, since: WallTime)?
        /// When a write last stored outcomes or claimed entries (or the run started).
        var lastWrite: WallTime
    }

    private let state: Mutex<State>

    init(senders: Int, now: WallTime) {
        state = Mutex(State(senders: Array(repeating: (.idle, now), count: senders), write: nil, lastWrite: now))
    }

    func set(sender: Int, _ step: Step, at now: WallTime) {
        state.withLock { $0.senders[sender] = (step, now) }
    }

    /// A write began its store call `step`, or ended (`step` nil).
    func writing(_ step: String?, at now: WallTime) {
        state.withLock { $0.write = step.map { ($0, now) } }
    }

    /// A write stored outcomes or claimed entries: the run moves.
    func progressed(at now: WallTime) {
        state.withLock { $0.lastWrite = now }
    }

    /// One line saying what every busy sender and the writer wait for, when no write has moved the run for
    /// `stalledAfter` and a sender is busy; nil otherwise.
    func report(now: WallTime, stalledAfter threshold: Duration) -> String? {
        state.withLock { state in
            let quiet = state.lastWrite.duration(to: now)
            guard quiet >= threshold, state.senders.contains(where: { $0.step != .idle }) else { return nil }
            var parts: [String] = []
            for (index, sender) in state.senders.enumerated() where sender.step != .idle {
                let seconds = Int(sender.since.duration(to: now).seconds)
                let what: String =
                    switch sender.step {
                    case .claiming: "waiting for its claim"
                    case .delivering(let id): "waiting for the transport with entry \(id.rawValue)"
                    case .releasing: "giving claims back"
                    case .idle: "idle"
                    }
                parts.append("sender \(index + 1) \(what) for \(seconds) s")
            }
            if let write = state.write {
                parts.append("the outcome writer in \(write.step) for \(Int(write.since.duration(to: now).seconds)) s")
            }
            return "no outcome written for \(Int(quiet.seconds)) s: " + parts.joined(separator: "; ")
        }
    }
}
