import BulkheadStore
import Foundation
import Synchronization

/// The hosted lists a relay deliverer writes copies for, read from the store at most once per
/// ``lifetime`` per list (reading one counts its members: 7 ms at 100,000, once per batch of 50 copies
/// before). A copy needs only the list's name, address and explicit policy, which a person changes
/// rarely; the emergency switch acts when posts are filed, not here.
///
/// ```swift
/// let cache = HostedListCache()
/// let list = try await cache.list(id, store: store, now: clock.date)   // nil: no longer hosted
/// ```
final class HostedListCache: Sendable {
    /// How long a list read from the store is used.
    static let lifetime: TimeInterval = 10

    private let entries = Mutex<[ListID: (list: HostedList?, readAt: Date)]>([:])

    /// The list `id` (nil when it has no address any more), from the cache when read within ``lifetime``.
    func list(_ id: ListID, store: any MailStore, now: Date) async throws -> HostedList? {
        if let entry = entries.withLock({ $0[id] }), abs(now.timeIntervalSince(entry.readAt)) < Self.lifetime { return entry.list }
        let list = try await store.hostedList(id)
        entries.withLock { $0[id] = (list, now) }
        return list
    }
}
