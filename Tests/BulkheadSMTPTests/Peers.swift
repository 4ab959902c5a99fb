import BulkheadTestSupport
import Foundation
import NIOCore
import NIOPosix

/// A test peer could not be started: the test fails with this message (never skips).
struct PeerError: Error, CustomStringConvertible {
    var description: String
}

/// Starting and stopping the real SMTP peers (Postfix's smtp-sink, Python's aiosmtpd).
enum Peers {
    static var fixtures: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
                throw PeerError(description: "test fixtures folder missing from the bundle")
            }
            return url.appendingPathComponent("smtp")
        }
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "bulkhead-\(name)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A loopback port that was free a moment ago.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw PeerError(description: "no port") }
        try await channel.close()
        return port
    }

    /// Waits until something accepts TCP connections on the port (the peer is up).
    static func waitForListener(port: Int, process: TestProcess, name: String) async throws {
        for _ in 0..<200 {
            if !process.isRunning {
                throw PeerError(description: "\(name) exited with status \(process.terminationStatus) before listening on 127.0.0.1:\(port)")
            }
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port).get()
            {
                try? await channel.close()
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PeerError(description: "\(name) did not listen on 127.0.0.1:\(port) within 10 seconds")
    }

    static func smtpSinkPath() throws -> String {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["BULKHEAD_SMTP_SINK"] { candidates.append(configured) }
        candidates += ["/usr/sbin/smtp-sink", "/usr/bin/smtp-sink", "/usr/local/sbin/smtp-sink"]
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw PeerError(description: "smtp-sink not found: install Debian's postfix (source scripts/test-deps/smtp.sh)")
    }

    static var python: String { ProcessInfo.processInfo.environment["BULKHEAD_PYTHON"] ?? "python3" }
}

/// A running smtp-sink dumping every message into a folder.
final class SMTPSink {
    let port: Int
    let dumpDirectory: String
    private let process: TestProcess

    init() async throws {
        let path = try Peers.smtpSinkPath()
        port = try await Peers.freePort()
        dumpDirectory = try Peers.temporaryDirectory("sink")
        // smtp-sink drops privileges to nobody, which must be able to write the dumps
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dumpDirectory)
        process = TestProcess()
        process.executableURL = URL(fileURLWithPath: path)
        var arguments = ["-d", dumpDirectory + "/%H%M%S."]
        if getuid() == 0 { arguments = ["-u", "nobody"] + arguments }
        process.arguments = arguments + ["127.0.0.1:\(port)", "100"]
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw PeerError(description: "could not start smtp-sink at \(path): \(error)")
        }
        try await Peers.waitForListener(port: port, process: process, name: "smtp-sink")
    }

    /// The dump files written so far.
    func dumps() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dumpDirectory).sorted()
    }

    func stop() {
        // smtp-sink does not exit on SIGTERM while it has nothing to do; it holds no state worth a clean exit
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dumpDirectory)
    }
}

/// A running aiosmtpd (Fixtures/smtp/capture_server.py) storing every message in a folder.
final class AiosmtpdServer {
    let port: Int
    let directory: String
    private let process: TestProcess
    private let stdin: Pipe

    init() async throws {
        directory = try Peers.temporaryDirectory("aiosmtpd")
        let script = try Peers.fixtures.appendingPathComponent("capture_server.py").path
        process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Peers.python, script, directory]
        stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw PeerError(description: "could not start \(Peers.python): \(error)")
        }
        // read "READY <port>"
        var output = Data()
        let handle = stdout.fileHandleForReading
        while !output.contains(0x0A) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            output += chunk
        }
        let line = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6)) else {
            process.waitUntilExit()
            let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw PeerError(
                description: "aiosmtpd did not start (is `\(Peers.python) -m pip install aiosmtpd` done? see scripts/test-deps/smtp.sh): \(errors)")
        }
        self.port = port
        try await Peers.waitForListener(port: port, process: process, name: "aiosmtpd")
    }

    struct Stored {
        var mailFrom: String
        var recipients: [String]
        var options: [String]
        var bytes: [UInt8]
    }

    func messages() throws -> [Stored] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let base = directory + "/" + name.dropLast(5)
            let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            guard let object = meta as? [String: Any], let from = object["mail_from"] as? String,
                let recipients = object["rcpt_tos"] as? [String], let options = object["mail_options"] as? [String]
            else {
                throw PeerError(description: "bad sidecar \(name)")
            }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: base + ".eml")))
            return Stored(mailFrom: from, recipients: recipients, options: options, bytes: bytes)
        }
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
