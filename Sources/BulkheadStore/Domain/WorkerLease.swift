public import Foundation

/// A delivery worker's lease: the worker renews it while it runs; once `until` has passed without a
/// renewal, the worker counts as gone and the `sending` entries it held can be recovered by anybody,
/// on any machine. It replaces guessing liveness from a host name and a PID (two machines may share a
/// host name; a restarted container's process may get the same PID).
///
/// ```swift
/// try await store.renewLease(WorkerLease.Holder(worker: "web1:812:k3x", host: "web1", machine: "boot-id/pid-ns",
///                                               pid: 812), seconds: 60)
/// for holder in try await store.sendingWorkers(campaign: id) where holder.leaseExpired { … }
/// ```
public struct WorkerLease: Sendable, Hashable {
    /// Who holds a lease: what the store records beside the worker's name.
    public struct Holder: Sendable, Hashable {
        /// The worker's name (what claims record in the ledger's `claimed_by`).
        public var worker: String
        /// The host name, for people reading it.
        public var host: String
        /// What identifies one running system image (boot and PID namespace): a PID means the same
        /// process only on the same machine.
        public var machine: String
        /// The worker's process id on that machine.
        public var pid: Int32

        /// Describes a holder.
        public init(worker: String, host: String, machine: String, pid: Int32) {
            self.worker = worker
            self.host = host
            self.machine = machine
            self.pid = pid
        }
    }

    /// Who holds it.
    public var holder: Holder
    /// When the worker took its first lease.
    public var startedAt: Date
    /// When it last renewed the lease.
    public var renewedAt: Date
    /// Until when it holds it.
    public var until: Date

    /// Describes a lease.
    public init(holder: Holder, startedAt: Date, renewedAt: Date, until: Date) {
        self.holder = holder
        self.startedAt = startedAt
        self.renewedAt = renewedAt
        self.until = until
    }
}

/// A worker that holds `sending` entries of a campaign, with its lease.
public struct SendingWorker: Sendable, Hashable {
    /// The worker's name (the ledger's `claimed_by`).
    public var worker: String
    /// Its lease; nil when it has none (it ended without releasing its entries, or it predates leases).
    public var lease: WorkerLease?
    /// True when it has no lease or its lease ran out by the store's clock: its entries may be recovered.
    public var leaseExpired: Bool

    /// Describes a holder of sending entries.
    public init(worker: String, lease: WorkerLease?, leaseExpired: Bool) {
        self.worker = worker
        self.lease = lease
        self.leaseExpired = leaseExpired
    }
}
