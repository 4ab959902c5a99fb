import BulkheadTestSupport
import Foundation
import Testing

/// Files holding personal data are the owner's only (0600, directories 0700), whatever the umask:
/// the database and its -wal/-shm, captured messages, exports; DKIM private keys too.
@Suite struct PrivateFileModeTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o777
    }

    static func expectMode(_ path: String, _ expected: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let actual = try mode(path)
        #expect(
            actual == expected, "\(path) has mode \(String(actual, radix: 8)), not \(String(expected, radix: 8))",
            sourceLocation: sourceLocation)
    }

    @Test func personalDataIsOwnerOnlyUnderUmask022() throws {
        let workspace = try CLIWorkspace(
            extraConfiguration: """
                dkim:
                  domain: shop.example
                  selector: s1
                  private_key_file: keys/s1.private.pem

                """)
        let data = workspace.directory.appendingPathComponent("data").path
        func bulkhead(_ arguments: String...) throws -> CLIRunner.Result {
            let result = try workspace.run(arguments, umask: "022")
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result
        }
        try workspace.write("email,name\nada@example.org,Ada Lovelace\ngrace@example.org,Grace Hopper\n", to: "people.csv")
        try workspace.write("Hello {{first_name}}\n{{unsubscribe_url}}\n", to: "body.txt")
        _ = try bulkhead("list", "create", "news")  // creates the data directory
        _ = try CLIRunner.run(
            [
                "dkim", "keygen", "--algorithm", "ed25519", "--domain", "shop.example", "--selector", "s1",
                "--out", data + "/keys",
            ], umask: "022")
        _ = try bulkhead("subscribers", "import", "people.csv", "--list", "news")
        _ = try bulkhead("campaign", "create", "--name", "c", "--list", "news", "--subject", "Hi", "--text", "body.txt")
        _ = try bulkhead("campaign", "send", "1")
        _ = try bulkhead("subscribers", "export", "--list", "news", "--output", "new.csv")
        // An export over an existing, world-readable file: truncated and made private.
        try workspace.write(String(repeating: "old content\n", count: 1000), to: "old.csv")
        #expect(chmod(workspace.directory.appendingPathComponent("old.csv").path, 0o644) == 0)
        _ = try bulkhead("subscribers", "export", "--list", "news", "--output", "old.csv")

        try Self.expectMode(data, 0o700)
        try Self.expectMode(data + "/bulkhead.sqlite", 0o600)
        try Self.expectMode(data + "/capture", 0o700)
        let captured = try FileManager.default.contentsOfDirectory(atPath: data + "/capture")
        #expect(captured.filter { $0.hasSuffix(".eml") }.count == 2 && captured.filter { $0.hasSuffix(".json") }.count == 2, "\(captured)")
        for name in captured { try Self.expectMode(data + "/capture/" + name, 0o600) }
        try Self.expectMode(workspace.directory.appendingPathComponent("new.csv").path, 0o600)
        try Self.expectMode(workspace.directory.appendingPathComponent("old.csv").path, 0o600)
        let exported = try String(contentsOf: workspace.directory.appendingPathComponent("old.csv"), encoding: .utf8)
        #expect(exported.hasPrefix("email,name,status,attributes\r\n") && !exported.contains("old content"))
        try Self.expectMode(data + "/keys/s1.private.pem", 0o600)
        try Self.expectMode(data + "/keys/s1.public.pem", 0o644)
        try Self.expectMode(data + "/journal", 0o700)  // the in-flight journal's folder (the unsubscribe key lives in the store)

        // -wal and -shm exist while a process has the database open: `serve` keeps it open until stopped.
        let serve = TestProcess()
        serve.executableURL = URL(fileURLWithPath: "/bin/sh")
        serve.arguments = ["-c", "umask 022 && exec \"$0\" serve --config \"$1\"", BulkheadBinary.executable.path, workspace.config.path]
        serve.currentDirectoryURL = workspace.directory
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer {
            // A SIGTERM that lands while serve is still installing its signal handlers can be lost:
            // repeat it until serve has stopped.
            for attempt in 0..<1200 where serve.isRunning {
                if attempt % 20 == 0 { serve.terminate() }
                Thread.sleep(forTimeInterval: 0.05)
            }
            serve.waitUntilExit()
        }
        let wal = data + "/bulkhead.sqlite-wal"
        let shm = data + "/bulkhead.sqlite-shm"
        for _ in 0..<600 where !(FileManager.default.fileExists(atPath: wal) && FileManager.default.fileExists(atPath: shm)) {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try Self.expectMode(wal, 0o600)
        try Self.expectMode(shm, 0o600)
    }

    /// A one-letter relative data directory (Foundation's path splitting trapped on it) is created 0700.
    @Test func aOneLetterDataDirectoryWorks() throws {
        let directory = try CLIRunner.temporaryDirectory()
        try Data("data_directory: d\n".utf8).write(to: directory.appendingPathComponent("bulkhead.yaml"))
        for arguments in [["list", "create", "news"], ["list", "show", "news"], ["list", "rename", "news", "n"]] {
            let result = try CLIRunner.run(arguments, in: directory)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
        }
        try Self.expectMode(directory.appendingPathComponent("d").path, 0o700)
    }
}
