import Dispatch

/// The executor an import's reading, parsing and row checks run on: one serial queue of its own, not
/// the event loops that `bulkhead` runs its tasks on.
///
/// On an event loop, a parse that runs for tens of milliseconds holds up every other job queued on that
/// loop. Among them are the hops of the store write that the parse is meant to overlap (a task
/// that awaits a nonisolated async function is queued again on the loop it came from), so writing and
/// parsing took turns on two cores, and in `serve` the loop's SMTP and HTTP work waited too.
///
/// ```swift
/// let report = try await withTaskExecutorPreference(ImportExecutor.shared) {
///     try await parseAndWrite()
/// }
/// ```
final class ImportExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: one immutable queue.
    static let shared = ImportExecutor()

    private let queue = DispatchQueue(label: "bulkhead.import")

    func enqueue(_ job: UnownedJob) {
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
