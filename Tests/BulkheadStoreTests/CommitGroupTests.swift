import Synchronization
import Testing

@testable import BulkheadStore

/// Group commit without a database: who waits, who leads, what a failure or a cancelled leader does.
@Suite("Commit group")
struct CommitGroupTests {
    /// Batches seen by `run`, and a gate that holds the first one until it is opened.
    final class Recorder: Sendable {
        let batches = Mutex<[[Int]]>([])
        let open = Mutex(false)

        func run(_ items: [Int]) async throws -> [Int] {
            let first = batches.withLock { batches in
                batches.append(items)
                return batches.count == 1
            }
            while first, !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(2)) }
            if let bad = items.first(where: { $0 < 0 }) { throw Refused(item: bad) }
            try Task.checkCancellation()
            return items.map { $0 * 10 }
        }
    }

    struct Refused: Error, Equatable { let item: Int }

    static func waitUntil(_ group: CommitGroup<Int, Int>, waiting count: Int) async throws {
        for _ in 0..<5_000 where group.waitingCount < count { try await Task.sleep(for: .milliseconds(2)) }
        try #require(group.waitingCount == count)
    }

    @Test func callersThatArriveDuringATransactionShareTheNextOne() async throws {
        let group = CommitGroup<Int, Int>(maximumBatch: 4)
        let recorder = Recorder()
        let first = Task { try await group.submit(0) { try await recorder.run($0) } }
        for _ in 0..<5_000 where recorder.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
        let others = (1...6).map { item in Task { try await group.submit(item) { try await recorder.run($0) } } }
        try await Self.waitUntil(group, waiting: 6)
        recorder.open.withLock { $0 = true }
        #expect(try await first.value == 0)
        var outputs: [Int] = []
        for task in others { outputs.append(try await task.value) }
        #expect(outputs == [10, 20, 30, 40, 50, 60], "each caller gets its own output")
        let sizes = recorder.batches.withLock { $0.map(\.count) }
        #expect(sizes == [1, 4, 2], "the first alone, then at most maximumBatch at a time: \(sizes)")
        #expect(group.waitingCount == 0)
    }

    @Test func aFailedBatchIsRunAgainOneItemAtATime() async throws {
        let group = CommitGroup<Int, Int>(maximumBatch: 64)
        let recorder = Recorder()
        let first = Task { try await group.submit(0) { try await recorder.run($0) } }
        for _ in 0..<5_000 where recorder.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
        var others: [Task<Int, any Error>] = []
        for item in [1, -2, 3] {
            others.append(Task { try await group.submit(item) { try await recorder.run($0) } })
            try await Self.waitUntil(group, waiting: others.count)
        }
        recorder.open.withLock { $0 = true }
        #expect(try await first.value == 0)
        #expect(try await others[0].value == 10)
        await #expect(throws: Refused(item: -2)) { try await others[1].value }
        #expect(try await others[2].value == 30)
        #expect(recorder.batches.withLock { $0 } == [[0], [1, -2, 3], [1], [-2], [3]])
    }

    @Test func aCancelledLeaderDoesNotFailTheOthersInItsBatch() async throws {
        let group = CommitGroup<Int, Int>(maximumBatch: 64)
        let recorder = Recorder()
        let first = Task { try await group.submit(0) { try await recorder.run($0) } }
        for _ in 0..<5_000 where recorder.batches.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(2)) }
        // 1 arrives first, so it leads the next batch; it is cancelled before its turn comes.
        let leader = Task { try await group.submit(1) { try await recorder.run($0) } }
        try await Self.waitUntil(group, waiting: 1)
        let follower = Task { try await group.submit(2) { try await recorder.run($0) } }
        try await Self.waitUntil(group, waiting: 2)
        leader.cancel()
        recorder.open.withLock { $0 = true }
        #expect(try await first.value == 0)
        #expect(try await follower.value == 20)
        #expect(try await leader.value == 10, "its own write was not cancelled either: it is in the store")
        #expect(recorder.batches.withLock { $0 } == [[0], [1, 2]])
    }
}
