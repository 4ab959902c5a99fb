import BulkheadTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The interpreter for the Python peers: `BULKHEAD_PYTHON`, else `python3` from PATH.
enum Python {
    static var interpreter: String { ProcessInfo.processInfo.environment["BULKHEAD_PYTHON"] ?? "python3" }

    static func start(name: String, script: URL, arguments: [String], in directory: URL, standardInput: Pipe? = nil) throws -> ChildProcess {
        try ChildProcess(
            name: name, executable: URL(fileURLWithPath: "/usr/bin/env"), arguments: [interpreter, script.path] + arguments,
            directory: directory, logPrefix: directory.appendingPathComponent(name).path, standardInput: standardInput)
    }

    /// Runs a script to completion and returns its standard output; fails with its stderr otherwise.
    static func run(name: String, script: URL, arguments: [String], in directory: URL) async throws -> String {
        let child = try start(name: name, script: script, arguments: arguments, in: directory)
        let result = try await child.finish(timeout: .seconds(300))
        guard result.status == 0 else {
            throw E2EError("\(interpreter) \(script.lastPathComponent) failed (\(result.status)); is dkimpy/aiosmtpd installed? \(result.stderr)")
        }
        return result.stdout
    }
}

/// Fixture files of this target and of the SMTP tests.
enum Fixtures {
    static func file(_ name: String) throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw E2EError("the test bundle has no Fixtures folder")
        }
        let url = folder.appendingPathComponent("e2e").appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw E2EError("missing fixture \(url.path)") }
        return url
    }

    /// The aiosmtpd capture server the SMTP module's tests use (reused here, from the source tree).
    static var aiosmtpdCaptureServer: URL {
        get throws {
            let url = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadSMTPTests/Fixtures/smtp/capture_server.py")
            guard FileManager.default.fileExists(atPath: url.path) else { throw E2EError("missing \(url.path) (branch smtp)") }
            return url
        }
    }
}

/// Waits for a Python peer's "READY <port>" line.
func readyPort(_ child: ChildProcess) async throws -> Int {
    for _ in 0..<1000 {
        let output = child.output
        if let line = output.stdout.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }),
            let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        {
            return port
        }
        if !child.isRunning {
            throw E2EError("\(child.name) exited before it was ready (is aiosmtpd installed? source scripts/test-deps/smtp.sh): \(output.stderr)")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw E2EError("\(child.name) did not print READY within 20 seconds")
}

/// One message as the recording sink logged it (before it answered 250). The field names are the
/// Python peer's JSON keys.
// swift-format-ignore: AlwaysUseLowerCamelCase
struct SinkRecord: Decodable, Sendable {
    /// When MAIL FROM arrived (seconds since 1970, the sink's clock = this machine's).
    var t_mail: Double
    /// When the final dot arrived.
    var t_end: Double
    var mail_from: String
    var rcpts: [String]
    /// Every `To:` field of the message, unfolded.
    var to: [String]
    var size: Int
    /// Every `Subject:` field, unfolded.
    var subject: [String]
    /// Every `List-Unsubscribe:` field, unfolded.
    var list_unsubscribe: [String]
}

/// Tests/bulkheadE2ETests/Fixtures/e2e/recording_sink.py: a fast SMTP sink that logs every message's
/// envelope, To: and receive times, durably (in the file before the 250).
final class RecordingSink: @unchecked Sendable {
    let port: Int
    let logPath: String
    private let child: ChildProcess
    private let input = Pipe()

    /// Starts the sink; with `delay`, it waits that long after each message's final dot before it answers;
    /// with `deferWhileExists`, it answers every RCPT with a 451 while that file exists; with
    /// `rejectPercent`, that share of addresses is unknown (550 5.1.1 at RCPT, see ``rejectedCount()``);
    /// with `tempfailPercent`, that share of RCPTs is answered 451 4.3.0 at random (see ``deferredRCPTs()``).
    init(in directory: URL, delay: Duration = .zero, deferWhileExists: String? = nil, rejectPercent: Int = 0, tempfailPercent: Int = 0)
        async throws
    {
        logPath = directory.appendingPathComponent("sink-log.jsonl").path
        let milliseconds = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
        child = try Python.start(
            name: "recording-sink", script: try Fixtures.file("recording_sink.py"),
            arguments: [logPath, "\(milliseconds)", deferWhileExists ?? "", "\(rejectPercent)", "\(tempfailPercent)"],
            in: directory, standardInput: input)
        port = try await readyPort(child)
    }

    /// Every message logged so far.
    func records() throws -> [SinkRecord] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(SinkRecord.self, from: Data($0)) }
    }

    /// How many messages were logged so far (cheap: counts lines).
    func count() -> Int {
        guard let data = FileManager.default.contents(atPath: logPath) else { return 0 }
        return data.withUnsafeBytes { bytes in
            guard var cursor = bytes.baseAddress else { return 0 }
            var left = bytes.count
            var lines = 0
            while left > 0, let newline = memchr(cursor, Int32(UInt8(ascii: "\n")), left) {
                lines += 1
                left -= cursor.distance(to: UnsafeRawPointer(newline)) + 1
                cursor = UnsafeRawPointer(newline) + 1
            }
            return lines
        }
    }

    /// How many RCPTs were refused as unknown so far.
    func rejectedCount() -> Int {
        guard let data = FileManager.default.contents(atPath: logPath + ".rejected") else { return 0 }
        return data.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// Every RCPT answered 451 at random so far (tempfail mode), one address per deferral.
    func deferredRCPTs() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: logPath + ".deferred") else { return [] }
        struct Line: Decodable { var deferred: String }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(Line.self, from: Data($0)).deferred }
    }

    func stop() async {
        try? input.fileHandleForWriting.close()
        if (try? await child.wait(timeout: .seconds(5))) == nil {
            child.signal(SIGKILL)
            _ = try? await child.wait(timeout: .seconds(5))
        }
    }
}

/// A real SMTP server receiving into a folder: Python's aiosmtpd or Postfix's smtp-sink.
final class ReceivingServer: @unchecked Sendable {
    enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case aiosmtpd
        case smtpSink = "smtp-sink"
        var description: String { rawValue }
    }

    let kind: Kind
    let port: Int
    let directory: URL
    private let child: ChildProcess
    private let input = Pipe()

    init(_ kind: Kind, in workspace: URL) async throws {
        self.kind = kind
        directory = workspace.appendingPathComponent("received-\(kind.rawValue)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        switch kind {
        case .aiosmtpd:
            child = try Python.start(
                name: "aiosmtpd", script: try Fixtures.aiosmtpdCaptureServer, arguments: [directory.path],
                in: workspace, standardInput: input)
            port = try await readyPort(child)
        case .smtpSink:
            let candidates = [ProcessInfo.processInfo.environment["BULKHEAD_SMTP_SINK"], "/usr/sbin/smtp-sink", "/usr/bin/smtp-sink"]
            guard let path = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                throw E2EError("smtp-sink not found: install Debian's postfix (source scripts/test-deps/smtp.sh)")
            }
            // smtp-sink drops root privileges to `nobody`, which must be able to write the dumps.
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory.path)
            port = try Loopback.freePort()
            var arguments = ["-d", directory.path + "/%H%M%S."]
            if getuid() == 0 { arguments = ["-u", "nobody"] + arguments }
            child = try ChildProcess(
                name: "smtp-sink", executable: URL(fileURLWithPath: path),
                arguments: arguments + ["127.0.0.1:\(port)", "1000"], directory: workspace,
                logPrefix: workspace.appendingPathComponent("smtp-sink").path)
            try await Loopback.waitForListener(port: port, process: child)
        }
    }

    /// How many messages are complete in the folder.
    func messageCount() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        switch kind {
        case .aiosmtpd: return names.filter { $0.hasSuffix(".json") }.count
        case .smtpSink: return names.count
        }
    }

    /// Waits (up to 30 s) until `count` messages are in the folder, then a moment more for stragglers.
    func waitForMessages(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while messageCount() < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))
    }

    func stop() async {
        switch kind {
        case .aiosmtpd: try? input.fileHandleForWriting.close()
        case .smtpSink: child.signal(SIGTERM)
        }
        if (try? await child.wait(timeout: .seconds(5))) == nil {
            child.signal(SIGKILL)
            _ = try? await child.wait(timeout: .seconds(5))
        }
    }
}
