import BulkheadSMTP
import BulkheadStore
import Synchronization

/// Requests per unsubscribe token in a sliding minute (RFC 8058 POSTs come from mailbox providers'
/// servers, so limits are per token, never per client address): page views (GET) and repeated
/// one-click POSTs have separate budgets, and a token's first POST is never refused, so link
/// scanners fetching the link cannot use up the unsubscribe. Only verified tokens are counted, so
/// nobody can fill the table with made-up ones; it holds at most `capacity` tokens, dropping those
/// idle for a minute first and then the oldest.
///
/// ```swift
/// let limits = TokenRateLimits(perMinute: 10)
/// if !limits.allow(token, .page, at: clock.now) { /* 429 */ }
/// ```
final class TokenRateLimits: Sendable {
    /// What a request asks for: each has its own budget per token.
    enum Use: Sendable, Hashable {
        /// Showing the page (GET): what link scanners and previews do.
        case page
        /// Repeating a one-click POST after one was carried out.
        case confirm
    }

    private struct Entry {
        var page: SlidingWindowRateLimiter<WallTime>
        var confirm: SlidingWindowRateLimiter<WallTime>
        var lastSeen: WallTime
        /// A one-click POST of this token was carried out.
        var honoured = false
    }

    private let perMinute: Int
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(perMinute: Int, capacity: Int = 10_000) {
        self.perMinute = max(1, perMinute)
        self.capacity = max(1, capacity)
    }

    /// Counts one `use` of `token` at `now`; false when it is over the limit (not counted then).
    func allow(_ token: String, _ use: Use, at now: WallTime) -> Bool {
        entries.withLock { entries in
            guard var entry = entries[token] ?? newEntry(&entries, at: now) else { return false }
            entry.lastSeen = now
            let decision =
                switch use {
                case .page: entry.page.acquire(at: now)
                case .confirm: entry.confirm.acquire(at: now)
                }
            entries[token] = entry
            if case .granted = decision { return true }
            return false
        }
    }

    /// Whether a one-click POST of `token` was carried out (while the token is in the table).
    func honoured(_ token: String) -> Bool {
        entries.withLock { $0[token]?.honoured ?? false }
    }

    /// Notes that a one-click POST of `token` was carried out: later ones count against its budget.
    func markHonoured(_ token: String, at now: WallTime) {
        entries.withLock { entries in
            guard var entry = entries[token] ?? newEntry(&entries, at: now) else { return }
            entry.honoured = true
            entries[token] = entry
        }
    }

    private func newEntry(_ entries: inout [String: Entry], at now: WallTime) -> Entry? {
        if entries.count >= capacity { Self.makeRoom(&entries, below: capacity, now: now) }
        // A positive count and window: the initializer cannot fail here.
        let limit = [RateLimit(count: perMinute, per: .seconds(60))]
        guard let page = try? SlidingWindowRateLimiter<WallTime>(limits: limit),
            let confirm = try? SlidingWindowRateLimiter<WallTime>(limits: limit)
        else { return nil }
        return Entry(page: page, confirm: confirm, lastSeen: now)
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
