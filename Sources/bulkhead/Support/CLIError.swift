import ArgumentParser
import BulkheadStore
import Foundation

/// Errors and output shared by the subcommands: messages go to stderr, the exit code says what failed.
enum CLIError {
    /// Prints `message` to stderr, secrets masked (``CLISecrets``), and returns the exit code to throw.
    static func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("bulkhead: \(CLISecrets.redact(message))\n".utf8))
        return ExitCode(code)
    }

    /// No campaign has this id: `bulkhead: no campaign ID`, exit 1.
    static func noSuchCampaign(_ id: CampaignID) -> ExitCode {
        fail("no campaign \(id.rawValue)", code: 1)
    }

    /// No list is called `name`: `bulkhead: no list named "NAME" (create it with: bulkhead list create NAME)`, exit 1.
    static func noSuchList(named name: String) -> ExitCode {
        fail("no list named \"\(name)\" (create it with: bulkhead list create \(name))", code: 1)
    }
}
