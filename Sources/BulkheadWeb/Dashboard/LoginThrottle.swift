import BulkheadStore
import Synchronization

/// Failed log-ins counted per client address and per user name in a sliding window: past
/// `failures` in `windowSeconds` either key refuses further attempts (429) until the window moves on,
/// so nobody can guess passwords at the speed of bcrypt. A success clears neither (a guesser who
/// knows one password must not reset the count for others). The table is bounded.
///
/// ```swift
/// let throttle = LoginThrottle(failures: 10, windowSeconds: 300)
/// guard throttle.allows(client: "127.0.0.1", user: "ann", at: clock.now) else { /* 429 */ }
/// throttle.recordFailure(client: "127.0.0.1", user: "ann", at: clock.now)
/// ```
final class LoginThrottle: Sendable {
    private let failures: Int
    private let window: Duration
    private let capacity: Int
    private let entries = Mutex<[String: [WallTime]]>([:])

    init(failures: Int = 10, windowSeconds: Int = 300, capacity: Int = 10_000) {
        self.failures = max(1, failures)
        self.window = .seconds(max(1, windowSeconds))
        self.capacity = max(2, capacity)
    }

    /// Whether a log-in attempt from `client` for `user` may be checked now.
    func allows(client: String, user: String, at now: WallTime) -> Bool {
        entries.withLock { entries in
            [Self.clientKey(client), Self.userKey(user)].allSatisfy { key in
                (entries[key] ?? []).filter { $0.advanced(by: window) > now }.count < failures
            }
        }
    }

    /// Counts one failed attempt against both keys.
    func recordFailure(client: String, user: String, at now: WallTime) {
        entries.withLock { entries in
            if entries.count >= capacity {
                entries = entries.filter { $0.value.contains { $0.advanced(by: window) > now } }
                if entries.count >= capacity { entries.removeAll() }
            }
            for key in [Self.clientKey(client), Self.userKey(user)] {
                var times = (entries[key] ?? []).filter { $0.advanced(by: window) > now }
                times.append(now)
                entries[key] = times
            }
        }
    }

    private static func clientKey(_ client: String) -> String { "c:" + client }
    private static func userKey(_ user: String) -> String { "u:" + user.lowercased() }
}
