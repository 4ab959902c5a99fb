import Foundation

extension SQLMailStore {
    /// Takes permits under limits shared by every worker (see ``MailStore/takeSendPermits(_:wanted:limits:)``).
    ///
    /// Each limit is counted in buckets of a twentieth of its window; a grant at time `now` counts every
    /// bucket from the one twenty-one before the current one, which covers at least the window
    /// `(now - window - bucket, now]`. So no window ever holds more than `count` grants, even with a
    /// message starting up to a bucket's width after its permit; the price is that a bucket is counted
    /// up to two buckets' width longer than strictly needed.
    public func takeSendPermits(_ key: String, wanted: Int, limits: [SharedRateLimit]) async throws -> SendPermitGrant {
        guard wanted > 0, !limits.isEmpty else { return SendPermitGrant(granted: max(0, wanted), retryAt: nil) }
        for limit in limits where limit.count < 1 || limit.windowMilliseconds < 1 {
            throw StoreError.invalidData(
                "a shared sending limit needs a count and a window of at least 1 (\(limit.count) per \(limit.windowMilliseconds) ms)")
        }
        // One limit per window: the smallest count.
        let strictest = Dictionary(limits.map { ($0.windowMilliseconds, $0) }) { $0.count <= $1.count ? $0 : $1 }.values
        let now = SQLTime.milliseconds(clock.date)
        let dialect = backend.dialect
        return try await backend.transaction { tx in
            _ = try tx.changes(Queries.insertSendRateKey(key))
            _ = try tx.rows(Queries.lockSendRateKey(key, dialect))
            var granted = wanted
            var windows: [(limit: SharedRateLimit, current: Int64, left: Int, oldest: Int64?)] = []
            for limit in strictest {
                let width = limit.bucketMilliseconds
                let current = now / width
                let first = current - SharedRateLimit.bucketsPerWindow - SharedRateLimit.marginBuckets
                _ = try tx.changes(Queries.pruneSendRateBuckets(key, windowMilliseconds: limit.windowMilliseconds, before: first))
                var used: Int64 = 0
                var oldest: Int64?
                for row in try tx.rows(Queries.sendRateBuckets(key, windowMilliseconds: limit.windowMilliseconds)) {
                    let sent = try row.int("sent")
                    guard sent > 0 else { continue }
                    used += sent
                    if oldest == nil { oldest = try row.int("bucket") }
                }
                let left = max(0, limit.count - Int(clamping: used))
                granted = min(granted, left)
                windows.append((limit, current, left, oldest))
            }
            if granted > 0 {
                for window in windows {
                    _ = try tx.changes(
                        Queries.addToSendRateBucket(
                            key, windowMilliseconds: window.limit.windowMilliseconds, bucket: window.current, sent: granted))
                }
            }
            guard granted < wanted else { return SendPermitGrant(granted: granted, retryAt: nil) }
            // Every limit that is used up must free a bucket: the latest of their oldest buckets' ends.
            var retry = now + 1
            for window in windows where window.left <= granted {
                let bucket = window.oldest ?? window.current
                let leaves = bucket + SharedRateLimit.bucketsPerWindow + SharedRateLimit.marginBuckets + 1
                retry = max(retry, leaves * window.limit.bucketMilliseconds)
            }
            return SendPermitGrant(granted: granted, retryAt: SQLTime.date(retry))
        }
    }
}
