public import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process for the tests, with the part of `Foundation.Process`'s interface they use, started
/// with `posix_spawn` instead. Foundation's `Process.run()` on Linux (swift-corelibs-foundation up to
/// Swift 6.3.1) reads 256 bytes past a `/proc/self/fd` directory entry and crashes the whole test
/// process now and then once it has many descriptors open (swiftlang/swift-corelibs-foundation#5472);
/// the suite starts hundreds of children. Standard streams are a `Pipe`, a `FileHandle` or inherited;
/// every other descriptor is closed in the child (`closefrom`), and the parent closes its copies of
/// the pipe ends it handed over, as Foundation does.
///
/// ```swift
/// let process = TestProcess()
/// process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
/// process.arguments = ["true"]
/// try process.run()
/// process.waitUntilExit()   // process.terminationStatus == 0
/// ```
public final class TestProcess: @unchecked Sendable {
    public var executableURL: URL?
    public var arguments: [String] = []
    public var currentDirectoryURL: URL?
    /// nil: the test process's own environment.
    public var environment: [String: String]?
    /// A `Pipe` or a `FileHandle`; nil inherits the test process's.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    // glibc's GNU extensions (2.29+ and 2.34+), not in the Swift Glibc module: looked up at run time.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    private static let addClosefrom: AddClosefrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
        unsafeBitCast($0, to: AddClosefrom.self)
    }

    private let lock = NSLock()
    private var pid: pid_t = 0
    private var waitStatus: Int32?

    public init() {}

    public var processIdentifier: Int32 { lock.withLock { pid } }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    public func run() throws {
        guard let executableURL else { throw SpawnError(description: "no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var handedOver: [FileHandle] = []
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case let pipe as Pipe:
                let end = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, end.fileDescriptor, target)
                handedOver.append(end)
            case let handle as FileHandle where handle === FileHandle.nullDevice || handle.fileDescriptor < 0:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case let handle as FileHandle:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            default:
                break
            }
        }
        if let directory = currentDirectoryURL {
            guard let addChdir = Self.addChdir else { throw SpawnError(description: "glibc has no posix_spawn_file_actions_addchdir_np") }
            _ = addChdir(&actions, directory.path)
        }
        guard let addClosefrom = Self.addClosefrom else {
            throw SpawnError(description: "glibc has no posix_spawn_file_actions_addclosefrom_np (2.34+)")
        }
        _ = addClosefrom(&actions, 3)

        let path = executableURL.path
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let environment = self.environment ?? ProcessInfo.processInfo.environment
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, envp)
        guard result == 0 else { throw SpawnError(description: "posix_spawn \(path): \(String(cString: strerror(result)))") }
        lock.withLock { pid = child }
        // The child has its ends: the parent's copies would keep a pipe open past the child's exit.
        for handle in handedOver { try? handle.close() }
    }

    /// Whether the child has not exited yet (reaps it when it has).
    public var isRunning: Bool {
        let child: pid_t = lock.withLock { pid }
        guard child > 0 else { return false }
        if lock.withLock({ waitStatus }) != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(child, &status, WNOHANG)
        if reaped == child {
            lock.withLock { waitStatus = status }
            return false
        }
        if reaped == -1 && errno == ECHILD {
            // Another thread reaped it: wait for its record.
            while lock.withLock({ waitStatus }) == nil { usleep(1_000) }
            return false
        }
        return true
    }

    /// Blocks until the child exits.
    public func waitUntilExit() {
        let child: pid_t = lock.withLock { pid }
        guard child > 0 else { return }
        while lock.withLock({ waitStatus }) == nil {
            var status: Int32 = 0
            let reaped = waitpid(child, &status, 0)
            if reaped == child {
                lock.withLock { waitStatus = status }
            } else if reaped == -1 && errno == ECHILD {
                usleep(1_000)  // another thread reaps it and records the status
            }
        }
    }

    /// The exit status, or the number of the signal that ended the child (as Foundation's).
    public var terminationStatus: Int32 {
        guard let status = lock.withLock({ waitStatus }) else { return -1 }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : signal
    }

    /// SIGTERM.
    public func terminate() {
        let child: pid_t = lock.withLock { pid }
        if child > 0 { kill(child, SIGTERM) }
    }

    /// SIGINT.
    public func interrupt() {
        let child: pid_t = lock.withLock { pid }
        if child > 0 { kill(child, SIGINT) }
    }
}
