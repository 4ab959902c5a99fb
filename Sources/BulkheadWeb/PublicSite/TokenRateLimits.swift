import BulkheadSMTP
import BulkheadStore
import Synchronization

/// Requests per unsubscribe token in a sliding minute (RFC 8058 POSTs come from mailbox providers'
/// servers, so limits are per token, never per client address). Only verified tokens are counted, so
/// nobody can fill the table with made-up ones; it holds at most `capacity` tokens, dropping those
/// idle for a minute first and then the oldest.
///
/// ```swift
/// let limits = TokenRateLimits(perMinute: 10)
/// if !limits.allow(token, at: clock.now) { /* 429 */ }
/// ```
final class TokenRateLimits: Sendable {
    private struct Entry {
        var limiter: SlidingWindowRateLimiter<WallTime>
        var lastSeen: WallTime
    }

    private let perMinute: Int
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(perMinute: Int, capacity: Int = 10_000) {
        self.perMinute = max(1, perMinute)
        self.capacity = max(1, capacity)
    }

    /// Counts one request of `token` at `now`; false when it is over the limit (not counted then).
    func allow(_ token: String, at now: WallTime) -> Bool {
        entries.withLock { entries in
            if entries[token] == nil {
                if entries.count >= capacity { Self.makeRoom(&entries, below: capacity, now: now) }
                // A positive count and window: the initializer cannot fail here.
                guard let limiter = try? SlidingWindowRateLimiter<WallTime>(limits: [RateLimit(count: perMinute, per: .seconds(60))]) else {
                    return false
                }
                entries[token] = Entry(limiter: limiter, lastSeen: now)
            }
            entries[token]?.lastSeen = now
            switch entries[token]?.limiter.acquire(at: now) {
            case .granted: return true
            default: return false
            }
        }
    }

    /// Drops tokens idle for a minute (their window is empty), then the least recently seen, until
    /// fewer than `capacity` remain.
    private static func makeRoom(_ entries: inout [String: Entry], below capacity: Int, now: WallTime) {
        entries = entries.filter { $0.value.lastSeen.duration(to: now) < .seconds(60) }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
            entries[oldest] = nil
        }
    }
}
