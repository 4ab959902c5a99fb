import Synchronization

/// Group commit: callers that arrive while a transaction is under way wait, and are then written
/// together in the next one, so that many concurrent callers cost about one commit (one fsync) each
/// round instead of one each.
///
/// The caller that finds the group idle leads: it runs one batch of everyone waiting (itself first),
/// hands each their result, then passes the lead to the oldest caller that arrived meanwhile. Nobody
/// waits for more than the batch under way and their own. A batch that fails is run again one item at a
/// time, so that one bad item does not fail the others. The batch runs in a task of its own: a leader
/// that is cancelled does not cancel the others' writes.
///
/// ```swift
/// let filing = CommitGroup<Int, Int>(maximumBatch: 64)
/// let doubled = try await filing.submit(21) { items in items.map { $0 * 2 } }   // 42
/// ```
final class CommitGroup<Item: Sendable, Output: Sendable>: Sendable {
    private enum Turn: Sendable {
        case done(Result<Output, any Error>)
        case lead
    }

    private struct Waiter: Sendable {
        let item: Item
        let turn: CheckedContinuation<Turn, Never>
    }

    private struct State: ~Copyable {
        var waiting: [Waiter] = []
        var leading = false
    }

    private let state = Mutex(State())
    /// The most items written in one batch.
    let maximumBatch: Int

    init(maximumBatch: Int) {
        self.maximumBatch = max(1, maximumBatch)
    }

    /// How many callers wait for a transaction (those in the batch under way are not counted).
    var waitingCount: Int {
        state.withLock { state in state.waiting.count }
    }

    /// Writes `item` with whatever else is waiting; `run` writes a batch in one transaction and
    /// returns one output per item, in order.
    func submit(_ item: Item, run: @escaping @Sendable ([Item]) async throws -> [Output]) async throws -> Output {
        let turn = await withCheckedContinuation { (turn: CheckedContinuation<Turn, Never>) in
            let lead = state.withLock { state in
                state.waiting.append(Waiter(item: item, turn: turn))
                if state.leading { return false }
                state.leading = true
                return true
            }
            if lead { turn.resume(returning: .lead) }
        }
        guard case .lead = turn else {
            guard case .done(let result) = turn else { preconditionFailure("a waiter is resumed once") }
            return try result.get()
        }
        // The leader is always the oldest waiter: the group is idle only with nobody waiting, and the
        // lead passes to the oldest.
        let batch = state.withLock { state in
            let count = min(state.waiting.count, maximumBatch)
            defer { state.waiting.removeFirst(count) }
            return Array(state.waiting.prefix(count))
        }
        let results = await Task { await Self.write(batch.map(\.item), run: run) }.value
        for (waiter, result) in zip(batch, results).dropFirst() { waiter.turn.resume(returning: .done(result)) }
        let next = state.withLock { state -> Waiter? in
            guard let oldest = state.waiting.first else {
                state.leading = false
                return nil
            }
            return oldest
        }
        next?.turn.resume(returning: .lead)
        return try results[0].get()
    }

    /// One result per item: the batch's, or when it failed, each item's own.
    private static func write(_ items: [Item], run: @Sendable ([Item]) async throws -> [Output]) async -> [Result<Output, any Error>] {
        do {
            let outputs = try await run(items)
            precondition(outputs.count == items.count, "a batch returns one output per item")
            return outputs.map { .success($0) }
        } catch {
            guard items.count > 1 else { return [.failure(error)] }
        }
        var results: [Result<Output, any Error>] = []
        for item in items {
            do {
                results.append(.success(try await run([item])[0]))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }
}
