import BulkheadTestSupport
import Foundation
import Testing

/// Runs the built `bulkhead` executable, as a user would, and captures what it prints.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with `arguments` in `directory`. `umask` (octal, e.g. "022") runs it under that
    /// file-creation mask (through `/bin/sh`); `input` is written to its standard input (else it gets none);
    /// `environment` is added to this process's environment.
    static func run(
        _ arguments: [String], in directory: URL? = nil, umask: String? = nil, input: Data? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        let process = TestProcess()
        if let umask {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", BulkheadBinary.executable.path] + arguments
        } else {
            process.executableURL = BulkheadBinary.executable
            process.arguments = arguments
        }
        process.currentDirectoryURL = directory ?? BulkheadBinary.repositoryRoot
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        // Input comes from a temporary file: a child that exits without reading it cannot break a pipe.
        var inputFile: URL?
        if let input {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cli-input-\(UUID().uuidString)")
            try input.write(to: file)
            process.standardInput = try FileHandle(forReadingFrom: file)
            inputFile = file
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A temporary folder with a minimal configuration (data in `data/`, an identity), and the binary
/// run against it.
struct CLIWorkspace {
    let directory: URL
    let config: URL

    /// `extra` is appended to the configuration (YAML). `compliant` adds what commercial campaigns to a
    /// real upstream need to pass the compliance guardrails: a postal address and an ed25519 DKIM key for
    /// the From domain (made with `bulkhead dkim keygen`).
    init(extraConfiguration extra: String = "", compliant: Bool = false) throws {
        directory = try CLIRunner.temporaryDirectory()
        config = directory.appendingPathComponent("bulkhead.yaml")
        var yaml =
            "data_directory: \(directory.path)/data\nidentity:\n  from: \"Shop <news@shop.example>\"\n"
            + "  unsubscribe_base_url: https://shop.example\n"
        if compliant {
            let keys = directory.appendingPathComponent("keys").path
            let keygen = try CLIRunner.run(
                ["dkim", "keygen", "--algorithm", "ed25519", "--domain", "shop.example", "--selector", "s1", "--out", keys])
            guard keygen.status == 0 else { throw CLIRunnerError("dkim keygen failed: \(keygen.stderr)") }
            yaml += "  postal_address: \"Shop, 1 Loopback Road, Localhost\"\n"
            yaml += "dkim:\n  domain: shop.example\n  selector: s1\n  private_key_file: \(keys)/s1.private.pem\n"
        }
        try Data((yaml + extra).utf8).write(to: config)
    }

    /// `bulkhead ARGUMENTS --config <the workspace's file>`, run in the workspace.
    func run(_ arguments: String...) throws -> CLIRunner.Result {
        try run(arguments)
    }

    func run(_ arguments: [String], umask: String? = nil, input: Data? = nil, environment: [String: String] = [:]) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + ["--config", config.path], in: directory, umask: umask, input: input, environment: environment)
    }

    /// Writes `text` to a file of the workspace.
    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }
}

extension CLIWorkspace {
    /// A workspace with the list `news` holding ada@example.org (Ada Lovelace).
    static func withNewsList() throws -> CLIWorkspace {
        let workspace = try CLIWorkspace()
        try workspace.write("email,name\nada@example.org,Ada Lovelace\n", to: "people.csv")
        #expect(try workspace.run("list", "create", "news").status == 0)
        #expect(try workspace.run("subscribers", "import", "people.csv", "--list", "news").status == 0)
        return workspace
    }

    /// The capture mailbox's listing (`capture list --json`).
    func captured() throws -> [[String: Any]] {
        let list = try run("capture", "list", "--json")
        return try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
    }
}

/// A test workspace could not be set up.
struct CLIRunnerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
