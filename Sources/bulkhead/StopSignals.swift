import Foundation
import Synchronization

/// Counts the stop signals a command received.
final class InterruptFlag: Sendable {
    private let received = Mutex(0)

    /// Counts one more signal and returns how many there have been.
    func raise() -> Int { received.withLock { $0 += 1; return $0 } }

    /// How many signals there have been.
    var count: Int { received.withLock { $0 } }
}

/// Ctrl-C and SIGTERM call `handler` (at each signal) instead of killing the process.
final class StopSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
