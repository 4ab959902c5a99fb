import BulkheadStore
import Foundation
import Synchronization

/// The undo window's countdown on stderr: redrawn in place each second on a terminal; on a pipe, one
/// line at the start and one every minute, so logs stay short.
final class Countdown: Sendable {
    private let interactive = isatty(STDERR_FILENO) == 1
    private let id: CampaignID
    private let lastMinute = Mutex<Int?>(nil)

    init(id: CampaignID, deadline: Date?) {
        self.id = id
        let until = deadline.map { " (until \($0.formatted(.iso8601)))" } ?? ""
        FileHandle.standardError.write(
            Data("campaign \(id.rawValue): undo window\(until); cancel with `bulkhead campaign cancel \(id.rawValue)`\n".utf8))
    }

    /// Shows the time left.
    func show(_ remaining: Duration) {
        let seconds = Int(remaining.components.seconds) + (remaining.components.attoseconds > 0 ? 1 : 0)
        let text =
            "campaign \(id.rawValue) starts in \(seconds / 60):\(String(format: "%02d", seconds % 60)) — cancel: bulkhead campaign cancel \(id.rawValue)"
        if interactive {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        } else {
            let minute = seconds / 60
            let due = lastMinute.withLock { last -> Bool in
                guard last != minute else { return false }
                last = minute
                return true
            }
            if due { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
    }

    /// Ends the countdown's line.
    func finish() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
