import BulkheadEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `serve`'s connections against the process's limit on open files (`RLIMIT_NOFILE`). Every SMTP
/// session holds a descriptor, so `relay.max_connections` and `inbound.max_connections` sessions, the
/// upstreams' connections and ``reserve`` more (the store, the HTTP listener, files) must fit; past the
/// limit `accept(2)` fails and a listener takes no session. `serve` raises its soft limit as far as
/// the hard limit allows, and warns when that is still short.
///
/// ```swift
/// OpenFileLimit.plan(needed: 1_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: nil, short: false)
/// OpenFileLimit.plan(needed: 2_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: 2_000, short: false)
/// OpenFileLimit.plan(needed: 9_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: 4_096, short: true)
/// ```
enum OpenFileLimit {
    /// Descriptors kept for everything but sessions and upstream connections.
    static let reserve = 256

    /// What to do about the soft limit.
    struct Plan: Equatable {
        /// The soft limit to set, when it must grow.
        var raiseTo: UInt64?
        /// Even at the hard limit, fewer descriptors than needed.
        var short: Bool
    }

    /// How many descriptors the configured listeners and upstreams may hold at once.
    static func needed(_ configuration: BulkheadConfiguration) -> UInt64 {
        var sessions = configuration.upstreams.reduce(0) { $0 + $1.maxConnections }
        if !configuration.relay.listen.isEmpty { sessions += configuration.relay.maxConnections }
        if !configuration.inbound.listen.isEmpty { sessions += configuration.inbound.maxConnections }
        return UInt64(sessions + reserve)
    }

    static func plan(needed: UInt64, soft: UInt64, hard: UInt64) -> Plan {
        guard soft < needed else { return Plan(raiseTo: nil, short: false) }
        return Plan(raiseTo: min(needed, hard), short: hard < needed)
    }

    /// Raises the soft limit when needed; returns a warning when the limit stays short of `needed`.
    static func apply(needed: UInt64) -> String? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let plan = plan(needed: needed, soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
        var soft = UInt64(limit.rlim_cur)
        if let raise = plan.raiseTo {
            limit.rlim_cur = rlim_t(raise)
            if setrlimit(resource, &limit) == 0 { soft = raise }
        }
        guard soft < needed else { return nil }
        return """
            the open-file limit (\(soft)) is below what the configured connections need (\(needed): relay.max_connections, \
            inbound.max_connections, the upstreams' max_connections and \(reserve) more); past it new sessions fail. \
            Raise LimitNOFILE (systemd) or ulimit -n, or lower those settings
            """
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
