public import Foundation
import Synchronization

/// A clock that moves only when told: tests (and `bulkhead drill`) run undo windows, holds, backoff
/// and leases in no time. Sleepers wake, in deadline order, when ``advance(by:)`` reaches their deadline;
/// a cancelled sleeper wakes at once with `CancellationError`.
///
/// ```swift
/// let clock = ManualClock()
/// let sleeper = Task { try await clock.sleep(for: .seconds(60)) }
/// await clock.waitForSleepers(1)
/// clock.advance(by: .seconds(60))  // the sleeper returns
/// ```
public final class ManualClock: BulkheadClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: WallTime
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: WallTime
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        /// Sleeps that have an id but are not yet waiting (a cancel then marks them `cancelled`).
        var starting: Set<UInt64> = []
        var cancelled: Set<UInt64> = []

        /// Sets the time to `moment` and takes out the sleepers it wakes, earliest deadline first.
        mutating func move(to moment: WallTime) -> [Sleeper] {
            now = moment
            let due = sleepers.filter { $0.deadline <= moment }.sorted { $0.deadline < $1.deadline }
            sleepers.removeAll { $0.deadline <= moment }
            return due
        }
    }

    private let state: Mutex<State>

    /// A clock standing at `start` (by default 2027-01-15 08:00:00 UTC, a fixed, readable moment).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(now: WallTime(start)))
    }

    public var now: WallTime { state.withLock { $0.now } }

    public var minimumResolution: Duration { .nanoseconds(1) }

    /// How many tasks are sleeping on this clock now.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    /// Moves the clock forward and wakes every sleeper whose deadline it reached, earliest first.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a manual clock only moves forward")
        wake(state.withLock { state in state.move(to: state.now.advanced(by: duration)) })
    }

    /// Moves the clock to `moment` (no-op when it is not later than now). Atomic: callers racing to
    /// the same moment leave the clock there, not past it.
    public func advance(to moment: WallTime) {
        wake(state.withLock { state in state.move(to: max(state.now, moment)) })
    }

    private func wake(_ due: [Sleeper]) {
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` tasks are sleeping on this clock (polls with `Task.yield`).
    public func waitForSleepers(_ count: Int) async {
        while sleepers < count { await Task.yield() }
    }

    public func sleep(until deadline: WallTime, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            state.starting.insert(state.nextID)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    state.starting.remove(id)
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    // Cancelled before it started waiting: it throws when it starts. (One that already
                    // woke leaves nothing behind.)
                    if state.starting.contains(id) { state.cancelled.insert(id) }
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }
}
