import BulkheadTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A setup step or a peer failed: the test fails with this message (never skips).
struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// What a finished command printed.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String

    /// One line for failure messages.
    var summary: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A child process whose output goes to files (a long run never blocks on a full pipe), waited for
/// without blocking a thread of the test's executor.
final class ChildProcess: @unchecked Sendable {
    let process = TestProcess()
    let name: String
    private let stdoutPath: String
    private let stderrPath: String

    /// Starts `executable` with `arguments` in `directory`; output goes to `logPrefix`.stdout/.stderr.
    init(
        name: String, executable: URL, arguments: [String], directory: URL, logPrefix: String,
        standardInput: Pipe? = nil, environment: [String: String] = [:]
    ) throws {
        self.name = name
        stdoutPath = logPrefix + ".stdout"
        stderrPath = logPrefix + ".stderr"
        guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
            FileManager.default.createFile(atPath: stderrPath, contents: nil)
        else {
            throw E2EError("cannot create \(logPrefix).stdout/.stderr")
        }
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = standardInput ?? FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends a signal (SIGKILL for the crash tests).
    func signal(_ number: Int32) {
        if process.isRunning { kill(process.processIdentifier, number) }
    }

    /// Waits until the process has exited and been reaped; nil when it still runs after `timeout`.
    func wait(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Waits for the exit (failing after `timeout`, killing the process) and returns what it printed.
    func finish(timeout: Duration) async throws -> CommandResult {
        guard let status = try await wait(timeout: timeout) else {
            signal(SIGKILL)
            _ = try await wait(timeout: .seconds(10))
            throw E2EError("\(name) did not finish within \(timeout): \(output.stderr.suffix(2000))")
        }
        var result = output
        result.status = status
        return result
    }

    /// Whatever the process printed so far.
    var output: CommandResult {
        let stdout = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        return CommandResult(status: process.isRunning ? -1 : process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// Loopback helpers.
enum Loopback {
    /// Ports handed out by ``freePort()`` in this process.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A 127.0.0.1 port that was free a moment ago, and never handed out before in this process: the
    /// kernel may give the same free port to two calls in a row, and a test that asks for two ports
    /// (an HTTP and an SMTP listener) then got one (seen in CI).
    static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = try kernelFreePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw E2EError("no fresh loopback port in 100 tries")
    }

    private static func kernelFreePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw E2EError("socket(): errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw E2EError("bind(127.0.0.1:0): errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw E2EError("getsockname(): errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected =
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        // Nobody listening and the kernel picking `port` itself as this socket's ephemeral port makes
        // TCP connect the socket to itself (a simultaneous open): that is not a listener. A CI run once
        // took it for one, and swaks then met "connection refused".
        return connected && localPort(fd) != port
    }

    private static func localPort(_ fd: Int32) -> Int {
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return status == 0 ? Int(UInt16(bigEndian: local.sin_port)) : -1
    }

    /// Waits until `port` accepts connections, failing if `process` exits first or after 10 s.
    static func waitForListener(port: Int, process: ChildProcess) async throws {
        for _ in 0..<500 {
            if !process.isRunning {
                throw E2EError(
                    "\(process.name) exited (status \(process.process.terminationStatus)) before listening on 127.0.0.1:\(port): \(process.output.stderr)"
                )
            }
            if accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw E2EError("\(process.name) did not listen on 127.0.0.1:\(port) within 10 seconds")
    }
}
