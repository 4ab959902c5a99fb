public import Foundation

/// Runs a Python script of the test fixtures as an independent peer (Python's `email` package,
/// dkimpy): the interpreter named by `BULKHEAD_PYTHON` (default `python3`), the script's arguments,
/// optional bytes on stdin; returns what it printed. A missing interpreter, a missing module or a
/// non-zero exit is an error that says so, so an interop test fails instead of passing silently.
///
/// ```swift
/// let script = Bundle.module.url(forResource: "read_messages", withExtension: "py", subdirectory: "Fixtures/build")!
/// let json = try PythonPeer.runJSON(script, input: requestData, needs: "the email package")
/// ```
public enum PythonPeer {
    /// Why the peer could not give an answer.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(_ description: String) {
            self.description = description
        }
    }

    /// The interpreter the test command chose.
    public static var interpreter: String {
        ProcessInfo.processInfo.environment["BULKHEAD_PYTHON"] ?? "python3"
    }

    /// Runs `script` and returns its standard output. `needs` names what the script imports, for the error.
    public static func run(_ script: URL?, arguments: [String] = [], input: Data? = nil, needs: String) throws(Failure) -> Data {
        guard let script else { throw Failure("the Python script is missing from the test bundle") }
        let python = interpreter
        let process = TestProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script.path] + arguments
        // Input goes through a temporary file: a large input written to a pipe could block against
        // the script's full stdout pipe.
        var inputFile: URL?
        if let input {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-python-\(UUID().uuidString)")
            do {
                try input.write(to: file)
                process.standardInput = try FileHandle(forReadingFrom: file)
            } catch {
                throw Failure("cannot write the script's input: \(error)")
            }
            inputFile = file
        }
        defer { if let inputFile { try? FileManager.default.removeItem(at: inputFile) } }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw Failure("cannot start the Python interpreter \"\(python)\" (set BULKHEAD_PYTHON): \(error)")
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                "\(python) \(script.lastPathComponent) \(arguments.first ?? "") exited \(process.terminationStatus) "
                    + "(it needs \(needs)): \(String(decoding: errors, as: UTF8.self))")
        }
        return output
    }

    /// Runs `script` with `request` as JSON on stdin and returns its parsed JSON output.
    public static func runJSON(_ script: URL?, arguments: [String] = [], request: Any? = nil, needs: String) throws -> Any {
        let input = try request.map { try JSONSerialization.data(withJSONObject: $0) }
        let output = try run(script, arguments: arguments, input: input, needs: needs)
        do {
            return try JSONSerialization.jsonObject(with: output)
        } catch {
            throw Failure("\(script?.lastPathComponent ?? "the script") printed no JSON: \(String(decoding: output.prefix(500), as: UTF8.self))")
        }
    }
}
