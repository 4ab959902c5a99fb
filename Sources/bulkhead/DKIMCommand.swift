import ArgumentParser
import BulkheadMail
import Foundation

/// `bulkhead dkim`: make keys, sign and verify messages.
struct DKIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "DKIM keys, signing and verification (RFC 6376, RFC 8463).",
        discussion: """
        Examples:
          bulkhead dkim keygen --algorithm ed25519 --domain example.com --selector s1 --out keys/
          bulkhead dkim sign --key keys/s1.private.pem --domain example.com --selector s1 message.eml
          bulkhead dkim verify message.eml --dns-record keys/s1.dns.txt
        """,
        subcommands: [DKIMKeygenCommand.self, DKIMSignCommand.self, DKIMVerifyCommand.self]
    )
}

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

/// The `--algorithm` values.
enum DKIMAlgorithmArgument: String, ExpressibleByArgument, CaseIterable {
    case ed25519
    case rsa

    var algorithm: DKIMAlgorithm { self == .ed25519 ? .ed25519SHA256 : .rsaSHA256 }
}
