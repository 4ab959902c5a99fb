import BulkheadEngine
import Foundation
import Synchronization

/// Shows delivery progress on stderr: a live bar redrawn in place when stderr is a terminal, plain
/// lines at most every two seconds otherwise (logs, CI).
final class ProgressDisplay: Sendable {
    private let interactive = isatty(STDERR_FILENO) == 1
    private let lastLine = Mutex<ContinuousClock.Instant?>(nil)

    func show(_ progress: DeliveryProgress) {
        if interactive {
            write("\r\u{1B}[K" + Self.bar(progress))
        } else {
            let now = ContinuousClock.now
            let due = lastLine.withLock { last -> Bool in
                if let last, last.duration(to: now) < .seconds(2) { return false }
                last = now
                return true
            }
            if due { write(Self.line(progress) + "\n") }
        }
    }

    /// Ends the live bar's line.
    func finish(_ progress: DeliveryProgress) {
        write(interactive ? "\r\u{1B}[K" + Self.bar(progress) + "\n" : Self.line(progress) + "\n")
    }

    static func line(_ p: DeliveryProgress) -> String {
        var text = "sent \(p.sent), deferred \(p.deferred), failed \(p.failed), uncertain \(p.uncertain) of \(p.total)"
        text += String(format: ", %.0f msg/s", p.rate)
        if let eta = p.etaSeconds { text += ", ETA \(Self.duration(eta))" }
        return text
    }

    static func bar(_ p: DeliveryProgress) -> String {
        let width = 30
        let fraction = p.total > 0 ? min(1, Double(p.done) / Double(p.total)) : 0
        let filled = Int(fraction * Double(width))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + String(format: "%3.0f%% ", fraction * 100) + line(p)
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600 ? "\(total / 3600)h\(total % 3600 / 60)m" : total >= 60 ? "\(total / 60)m\(total % 60)s" : "\(total)s"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
