import ArgumentParser
import Foundation

/// Errors and output shared by the subcommands: messages go to stderr, the exit code says what failed.
enum CLIError {
    /// Prints `message` to stderr, secrets masked (``CLISecrets``), and returns the exit code to throw.
    static func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("bulkhead: \(CLISecrets.redact(message))\n".utf8))
        return ExitCode(code)
    }
}
