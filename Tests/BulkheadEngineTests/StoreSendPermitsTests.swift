import BulkheadStore
import Foundation
import Logging
import Testing

@testable import BulkheadEngine

/// An upstream's limits counted in the store: callers waiting together share one store transaction,
/// and two "workers" (two permit sources on one store) share one limit.
@Suite("Shared sending limits in the store")
struct StoreSendPermitsTests {
    @Test func callersBeyondTheLimitAreToldToWaitUntilABucketLeavesTheWindow() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-permits-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.appendingPathComponent("db.sqlite").path, configuration: .init(clock: clock))
        let limits = [SharedRateLimit(count: 4, windowMilliseconds: 1_000)]
        let workers = (0..<2).map { _ in
            StoreSendPermits(store: store, upstream: "sink", limits: limits, clock: clock, logger: Logger(label: "test"))
        }
        let answers = await withTaskGroup(of: Duration?.self) { group in
            for index in 0..<10 { group.addTask { await workers[index % 2].takePermit() } }
            return await group.reduce(into: [Duration?]()) { $0.append($1) }
        }
        #expect(answers.filter { $0 == nil }.count == 4, "4 of 10 granted across both workers")
        let waits = answers.compactMap { $0 }
        #expect(waits.count == 6 && waits.allSatisfy { $0 > .milliseconds(1_050) && $0 <= .milliseconds(1_100) }, "\(waits)")
        clock.advance(by: .milliseconds(1_100))
        #expect(await workers[1].takePermit() == nil)
    }
}
