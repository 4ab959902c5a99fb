import Dispatch

/// A task executor for CPU-bound passes (the preflight's pass over every recipient, an import's parse
/// while the store writes the batch before): their jobs run
/// on Dispatch's global queue, off the event loops, which stay free for I/O, and a pass's child tasks
/// run on other cores. (The CLI runs its tasks on SwiftNIO's event loops, and a task started on a
/// loop stays on it: a read-ahead would wait for the pass it was meant to overlap.)
///
/// ```swift
/// try await withTaskExecutorPreference(ComputeExecutor.shared) {
///     async let following = store.audienceMembers(campaign: id, after: page.next, limit: 2_000)
///     for subscriber in page.members { check.add(subscriber) }
///     page = try await following
/// }
/// ```
final class ComputeExecutor: TaskExecutor {
    static let shared = ComputeExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
