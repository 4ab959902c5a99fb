import ArgumentParser
import Foundation

/// Exit codes and error output shared by the dkim subcommands.
enum DKIMCLI {
    /// Prints `message` to stderr and returns the exit code to throw.
    static func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("bulkhead dkim: \(message)\n".utf8))
        return ExitCode(code)
    }

    static func usage(_ message: String) -> ExitCode { fail(message, code: 2) }

    static func read(_ path: String) throws(ExitCode) -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw fail("cannot read \(path): \(error.localizedDescription)", code: 2)
        }
    }

    static func readText(_ path: String) throws(ExitCode) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }
}
