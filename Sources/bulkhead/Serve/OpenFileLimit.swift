import BulkheadEngine
import BulkheadWeb

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `serve`'s connections against the process's limit on open files (`RLIMIT_NOFILE`). Every SMTP
/// session and HTTP connection holds a descriptor, so `relay.max_connections` and
/// `inbound.max_connections` sessions, 512 HTTP connections per `http.listen` address, the upstreams'
/// connections and ``reserve`` more (listening sockets, sessions being refused, the store, files) must
/// fit; past the limit `accept(2)` fails and a listener takes no session. When the soft limit is
/// lower, `serve` raises it to the hard limit (at most ``raiseCeiling`` when that is unlimited), and
/// warns when even that is short or the raise fails.
///
/// ```swift
/// OpenFileLimit.plan(needed: 1_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: nil, short: false)
/// OpenFileLimit.plan(needed: 2_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: 4_096, short: false)
/// OpenFileLimit.plan(needed: 9_000, soft: 1_024, hard: 4_096)   // Plan(raiseTo: 4_096, short: true)
/// ```
enum OpenFileLimit {
    /// Descriptors kept for everything but sessions, HTTP and upstream connections.
    static let reserve = 256
    /// The soft limit set when the hard one is unlimited or very high.
    static let raiseCeiling: UInt64 = 1 << 20

    /// What to do about the soft limit.
    struct Plan: Equatable {
        /// The soft limit to set, when it must grow.
        var raiseTo: UInt64?
        /// Even at the hard limit, fewer descriptors than needed.
        var short: Bool
    }

    /// How many descriptors the configured listeners and upstreams may hold at once.
    static func needed(_ configuration: BulkheadConfiguration) -> UInt64 {
        var connections = configuration.upstreams.reduce(0) { $0 + $1.maxConnections }
        if !configuration.relay.listen.isEmpty { connections += configuration.relay.maxConnections }
        if !configuration.inbound.listen.isEmpty { connections += configuration.inbound.maxConnections }
        connections += configuration.http.listen.count * PublicWebServer.maximumConnections
        return UInt64(connections + reserve)
    }

    static func plan(needed: UInt64, soft: UInt64, hard: UInt64) -> Plan {
        guard soft < needed else { return Plan(raiseTo: nil, short: false) }
        return Plan(raiseTo: min(hard, max(needed, raiseCeiling)), short: hard < needed)
    }

    /// Raises the soft limit when needed; returns a warning when the limit stays short of `needed`.
    static func apply(needed: UInt64) -> String? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let soft = UInt64(limit.rlim_cur)
        let plan = plan(needed: needed, soft: soft, hard: UInt64(limit.rlim_max))
        guard let raise = plan.raiseTo else { return nil }
        limit.rlim_cur = rlim_t(raise)
        guard setrlimit(resource, &limit) == 0 else {
            let reason = String(cString: strerror(errno))
            return "could not raise the open-file limit from \(soft) to \(raise) (\(reason)); the configured connections need \(needed)"
        }
        guard plan.short else { return nil }
        return """
            the open-file limit (\(raise), the hard limit) is below what the configured connections need (\(needed): \
            relay.max_connections, inbound.max_connections, 512 per http.listen address, the upstreams' max_connections and \
            \(reserve) more); past it new sessions fail. Raise LimitNOFILE (systemd) or ulimit -n, or lower those settings
            """
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
