import BulkheadTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, item 6 for imports: Ctrl-C during a long `subscribers import` keeps what was read
/// (batches are transactions), reports it, exits 130; importing the whole file again completes it.
@Suite struct ImportInterruptTests {
    @Test func ctrlCDuringAnImportKeepsTheRowsReadSoFar() async throws {
        let workspace = try CLIWorkspace()
        let rows = 200_000
        var csv = "email,name\n"
        csv.reserveCapacity(rows * 32)
        for index in 0..<rows { csv += "p\(index)@import.example,P \(index)\n" }
        try workspace.write(csv, to: "big.csv")
        #expect(try workspace.run("list", "create", "big").status == 0)

        let process = Process()
        process.executableURL = BulkheadBinary.executable
        process.arguments = ["subscribers", "import", "big.csv", "--list", "big", "--config", workspace.config.path]
        process.currentDirectoryURL = workspace.directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait until the first batches are in, then interrupt.
        let database = workspace.directory.appendingPathComponent("data/bulkhead.sqlite-wal").path
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline
            && ((try? FileManager.default.attributesOfItem(atPath: database)[.size] as? Int) ?? 0) < 1_000_000 {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(process.isRunning, "the import finished before it could be interrupted: make the file larger")
        kill(process.processIdentifier, SIGINT)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stdout)\(stderr)")
        let count = stderr.split(separator: " ").dropFirst(3).first.flatMap { Int($0) }
        let read = try #require(count, "\(stderr)")
        #expect(stderr.hasPrefix("bulkhead: interrupted after \(read) rows: those are imported"), "\(stderr)")
        #expect(read > 0 && read < rows)
        #expect(stdout.contains("\(read) rows read, \(read) inserted"), "\(stdout)")
        let shown = try workspace.run("list", "show", "big", "--json")
        #expect(shown.stdout.contains("\"confirmed\" : \(read)") || shown.stdout.contains("\"confirmed\":\(read)"), "\(shown.stdout)")

        let again = try workspace.run("subscribers", "import", "big.csv", "--list", "big")
        #expect(again.status == 0)
        #expect(again.stdout.contains("\(rows) rows read, \(rows - read) inserted, \(read) updated"), "\(again.stdout)")
    }
}
