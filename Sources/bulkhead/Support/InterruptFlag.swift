import Synchronization

/// Counts the stop signals a command received.
final class InterruptFlag: Sendable {
    private let received = Mutex(0)

    /// Counts one more signal and returns how many there have been.
    func raise() -> Int {
        received.withLock {
            $0 += 1
            return $0
        }
    }

    /// How many signals there have been.
    var count: Int { received.withLock { $0 } }
}
