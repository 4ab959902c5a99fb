import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, item 6 for imports: Ctrl-C during a long `subscribers import` keeps what was read
/// (batches are transactions), reports it, exits 130; importing the whole file again completes it.
///
/// The import reads a FIFO the test writes, so it cannot finish before the interrupt however fast the
/// machine: the test writes the first rows, sends SIGINT, then drips further rows until the import
/// stops (it looks at the interrupt after every chunk it reads).
@Suite struct ImportInterruptTests {
    @Test func ctrlCDuringAnImportKeepsTheRowsReadSoFar() async throws {
        let workspace = try CLIWorkspace()
        let rows = 40_000
        let beforeInterrupt = 20_000
        let lines = ["email,name"] + (0..<rows).map { "p\($0)@import.example,P \($0)" }
        try workspace.write(lines.joined(separator: "\n") + "\n", to: "big.csv")
        #expect(try workspace.run("list", "create", "big").status == 0)
        let fifo = workspace.directory.appendingPathComponent("big.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0, "mkfifo: \(errno)")
        // A write to the FIFO after the import closed it fails with EPIPE instead of ending the test run.
        signal(SIGPIPE, SIG_IGN)

        let process = TestProcess()
        process.executableURL = BulkheadBinary.executable
        process.arguments = ["subscribers", "import", "big.fifo", "--list", "big", "--config", workspace.config.path]
        process.currentDirectoryURL = workspace.directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()

        // Opening the FIFO waits for the import to open it. Once more than a pipe buffer (64 KiB) of the
        // first 20,000 rows (~600 KB) is written, the import is reading, so its Ctrl-C handler is installed.
        let writer = try #require(FileHandle(forWritingAtPath: fifo))
        try writer.write(contentsOf: Data((lines.prefix(1 + beforeInterrupt).joined(separator: "\n") + "\n").utf8))
        kill(process.processIdentifier, SIGINT)
        var next = 1 + beforeInterrupt
        while process.isRunning && next < lines.count {
            let end = min(lines.count, next + 10)
            do { try writer.write(contentsOf: Data((lines[next..<end].joined(separator: "\n") + "\n").utf8)) } catch { break }
            next = end
            try await Task.sleep(for: .milliseconds(20))
        }
        try? writer.close()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "\(stdout)\(stderr)")
        let count = stderr.split(separator: " ").dropFirst(3).first.flatMap { Int($0) }
        let read = try #require(count, "\(stderr)")
        #expect(
            stderr == """
                bulkhead: interrupted after \(read) rows: those are imported, the rest of big.fifo is not \
                (importing the whole file again is safe: rows already there are updated, never duplicated)

                """, "\(stderr)")
        #expect(read > 0 && read < rows)
        #expect(stdout.contains("\(read) rows read, \(read) inserted"), "\(stdout)")
        let shown = try workspace.run("list", "show", "big", "--json")
        #expect(shown.stdout.contains("\"confirmed\" : \(read)") || shown.stdout.contains("\"confirmed\":\(read)"), "\(shown.stdout)")

        let again = try workspace.run("subscribers", "import", "big.csv", "--list", "big")
        #expect(again.status == 0)
        #expect(again.stdout.contains("\(rows) rows read, \(rows - read) inserted, \(read) updated"), "\(again.stdout)")
    }
}
