import NIOCore
import NIOPosix

/// Runs Swift Concurrency's tasks on SwiftNIO's event loop threads instead of a separate thread pool.
///
/// A campaign send hands each message to a connection's event loop and resumes when the reply
/// arrives: with two pools, every message crosses threads twice and wakes a sleeping thread; with
/// one, the task usually stays on the event loop it talks to. Call it once, first thing in `main`,
/// before any task is created. Unsafe as NIO's own call is: it replaces a process-wide hook, and a
/// task that blocks its thread (a synchronous fsync, say) then blocks network I/O too.
///
/// ```swift
/// @main struct Tool {
///     static func main() async {
///         ConcurrencyExecutor.unsafeInstallEventLoopsAsGlobalExecutor()
///         await run()
///     }
/// }
/// ```
public enum ConcurrencyExecutor {
    /// Installs NIO's singleton event loop group as the global executor; false when it cannot.
    @discardableResult
    public static func unsafeInstallEventLoopsAsGlobalExecutor() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
