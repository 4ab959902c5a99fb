import BulkheadStore
import Foundation
import Synchronization

/// The stop signal shared by a run's senders: set by the watcher when the campaign leaves `sending`
/// (a pause or an abort, possibly from another process), read before every message.
final class DeliveryControl: Sendable {
    struct Stop: Sendable {
        var state: CampaignState
        /// When the campaign changed state (its `updatedAt`).
        var at: Date
    }

    private let stop = Mutex<Stop?>(nil)

    var stopRequested: Bool { stop.withLock { $0 != nil } }
    var stopped: Stop? { stop.withLock { $0 } }

    func requestStop(_ value: Stop) {
        stop.withLock { if $0 == nil { $0 = value } }
    }
}

/// Which process holds a claim: `host:pid:nonce`. A later run on the same host turns the `sending`
/// entries of a worker whose process is gone into `uncertain` (it may have crashed mid-DATA).
public struct WorkerIdentity: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let pid: Int32
    public let nonce: String

    /// This process.
    public static func current() -> WorkerIdentity {
        WorkerIdentity(host: ProcessInfo.processInfo.hostName, pid: getpid(), nonce: String(UInt32.random(in: 0...UInt32.max), radix: 36))
    }

    init(host: String, pid: Int32, nonce: String) {
        self.host = host
        self.pid = pid
        self.nonce = nonce
    }

    /// Reads `host:pid:nonce`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let pid = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), pid: pid, nonce: String(parts[2]))
    }

    public var description: String { "\(host):\(pid):\(nonce)" }

    /// True when this worker ran on this host and its process no longer exists.
    public var isDeadLocalProcess: Bool {
        guard host == ProcessInfo.processInfo.hostName, pid > 0 else { return false }
        if pid == getpid() { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
