import Foundation
import Testing

@testable import BulkheadStore

/// Sending limits shared by every worker of a store, on both backends.
@Suite("Store conformance: shared sending limits")
struct SendRateConformanceTests {
    static let perSecond = SharedRateLimit(count: 5, windowMilliseconds: 1_000)

    @Test(arguments: StoreBackend.allCases)
    func permitsAreGrantedUpToTheLimitThenRefusedUntilABucketLeavesTheWindow(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            #expect(try await store.takeSendPermits("upstream:a", wanted: 3, limits: [Self.perSecond]) == SendPermitGrant(granted: 3, retryAt: nil))
            db.clock.advance(by: 0.2)
            let second = try await store.takeSendPermits("upstream:a", wanted: 3, limits: [Self.perSecond])
            #expect(second.granted == 2)
            // The first three are counted until their bucket (50 ms wide) has been out of the window and
            // one more bucket (the margin for the time between a permit and the message's start).
            let retry = try #require(second.retryAt)
            let wait = retry.timeIntervalSince(db.clock.now)
            #expect(wait > 0.84 && wait <= 0.90, "\(wait) s")
            #expect(try await store.takeSendPermits("upstream:a", wanted: 1, limits: [Self.perSecond]).granted == 0)
            // Another key has its own count.
            #expect(try await store.takeSendPermits("upstream:b", wanted: 5, limits: [Self.perSecond]).granted == 5)
            db.clock.advance(by: wait)
            #expect(try await store.takeSendPermits("upstream:a", wanted: 5, limits: [Self.perSecond]).granted == 3)
            #expect(try await store.takeSendPermits("upstream:a", wanted: 1, limits: [Self.perSecond]).granted == 0)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func everyLimitHoldsAndTheRetryWaitsForTheLatestOneToFree(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, db in
            let limits = [
                Self.perSecond, SharedRateLimit(count: 8, windowMilliseconds: 60_000), SharedRateLimit(count: 9, windowMilliseconds: 1_000),
            ]
            #expect(try await store.takeSendPermits("k", wanted: 5, limits: limits).granted == 5)
            db.clock.advance(by: 2)
            let grant = try await store.takeSendPermits("k", wanted: 5, limits: limits)
            #expect(grant.granted == 3, "the minute's limit leaves 3")
            let wait = try #require(grant.retryAt).timeIntervalSince(db.clock.now)
            #expect(wait > 61 && wait <= 64.1, "the minute's first bucket frees the next permit: \(wait) s")
            #expect(try await store.takeSendPermits("k", wanted: 0, limits: limits) == SendPermitGrant(granted: 0, retryAt: nil))
            await #expect(throws: StoreError.self) {
                try await store.takeSendPermits("k", wanted: 1, limits: [SharedRateLimit(count: 0, windowMilliseconds: 1_000)])
            }
        }
    }

    /// Four "workers" (four stores on one database) asking at once never get more than the limit.
    @Test(arguments: StoreBackend.allCases)
    func workersAskingTogetherShareOneLimit(backend: StoreBackend) async throws {
        let db = try TestDatabase(backend)
        var stores: [SQLMailStore] = []
        for _ in 0..<4 { stores.append(try await db.open()) }
        defer { db.discard() }
        let limit = SharedRateLimit(count: 30, windowMilliseconds: 1_000)
        let granted = try await withThrowingTaskGroup(of: Int.self) { group in
            for store in stores {
                group.addTask {
                    var total = 0
                    for _ in 0..<20 { total += try await store.takeSendPermits("upstream:shared", wanted: 1, limits: [limit]).granted }
                    return total
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(granted == 30, "80 asked, the limit is 30 in the window, all at one instant")
        db.clock.advance(by: 1.15)
        #expect(try await stores[0].takeSendPermits("upstream:shared", wanted: 40, limits: [limit]).granted == 30)
        for store in stores { await db.close(store) }
    }
}
