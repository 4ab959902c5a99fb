public import BulkheadStore
import Foundation
import Synchronization

/// The stop signal shared by a run's senders: set by the watcher when the campaign leaves `sending`
/// (a pause or an abort, possibly from another process), read before every message; and whether a
/// sender found the upstream down (its circuit breaker open).
final class DeliveryControl: Sendable {
    struct Stop: Sendable {
        var state: CampaignState
        /// When the campaign changed state (its `updatedAt`).
        var at: Date
    }

    private let stop = Mutex<Stop?>(nil)
    private let upstream = Mutex<Date?>(nil)

    var stopRequested: Bool { stop.withLock { $0 != nil } }
    var stopped: Stop? { stop.withLock { $0 } }

    func requestStop(_ value: Stop) {
        stop.withLock { if $0 == nil { $0 = value } }
    }

    /// Until when the upstream's circuit breaker is open, once a sender met it: every sender stops
    /// claiming, and the run ends `upstream-down`.
    var upstreamDownUntil: Date? { upstream.withLock { $0 } }

    func upstreamDown(until date: Date) {
        upstream.withLock { $0 = max($0 ?? date, date) }
    }
}

/// Which process holds a claim: `host:pid:nonce` (the nonce differs at every start, so a restarted
/// process with the same PID is another worker). Liveness is decided by the worker's lease in the
/// store (see ``WorkerLease``); a worker of the very same machine whose process is gone is recognised
/// at once, without waiting for its lease to run out.
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

    /// What this worker records with its lease.
    public var leaseHolder: WorkerLease.Holder {
        WorkerLease.Holder(worker: description, host: host, machine: Self.machine, pid: pid)
    }

    /// This running system image: the boot id and the PID namespace. Two machines with the same host
    /// name differ here, and so do two containers; empty when it cannot be read (then only leases count).
    public static let machine: String = {
        guard let boot = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8),
            let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        else { return "" }
        return boot.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + namespace
    }()

    /// True when `other` — a worker holding `sending` entries — is certainly gone: its lease ran out
    /// (or it has none), or it ran on this very machine and its process is gone (or is this process,
    /// which is not that worker).
    public func isGone(_ other: SendingWorker) -> Bool {
        guard other.worker != description else { return false }
        if other.leaseExpired { return true }
        guard let holder = other.lease?.holder, !Self.machine.isEmpty, holder.machine == Self.machine, holder.pid > 0 else {
            return false
        }
        if holder.pid == pid { return true }
        return kill(holder.pid, 0) != 0 && errno == ESRCH
    }
}
