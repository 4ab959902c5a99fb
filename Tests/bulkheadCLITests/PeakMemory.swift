import BulkheadTestSupport
import Foundation

/// Runs the built `bulkhead` executable and reports its peak resident memory (`ru_maxrss`), read
/// by a small Python helper (the interpreter of `BULKHEAD_PYTHON`, as the interop tests use) that
/// forks, execs `bulkhead` and then reads `getrusage(RUSAGE_CHILDREN)`.
///
/// Why a helper: Linux counts the memory of the process that starts a child into the child's
/// `ru_maxrss` (the address space it had before `exec`; `posix_spawn` shares the test process's,
/// hundreds of MB). A fresh, small helper makes that floor a few MB, the same for every run, and
/// its `RUSAGE_CHILDREN` covers exactly one child, whatever other tests run in parallel.
enum PeakMemory {
    struct Run {
        var status: Int32
        /// Peak resident set size in bytes.
        var maxRSS: Int
        var stdout: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let helper = """
        import os, resource, sys
        out = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        pid = os.fork()
        if pid == 0:
            os.dup2(out, 1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.execv(sys.argv[2], sys.argv[2:])
        _, status = os.waitpid(pid, 0)
        maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(maxrss * (1 if sys.platform == "darwin" else 1024), os.waitstatus_to_exitcode(status))
        """

    static func run(_ arguments: [String]) throws -> Run {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-peak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [PythonPeer.interpreter, "-c", helper, output.path, BulkheadBinary.executable.path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let report = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let numbers = report.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard process.terminationStatus == 0, numbers.count == 2 else {
            throw Failure(
                description: "the peak-memory helper (\(PythonPeer.interpreter)) failed: exit \(process.terminationStatus), printed \"\(report)\"")
        }
        let printed = (try? Data(contentsOf: output)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return Run(status: Int32(numbers[1]), maxRSS: numbers[0], stdout: printed)
    }
}
