import ArgumentParser
import BulkheadMail
import BulkheadPolicy
import Foundation

/// `bulkhead inspect FILE.eml`: the parsed structure of a message and every problem found in it.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Parse a message and print its structure and the guardrail findings.",
        discussion: """
            Exit status: 0 when the message parses (findings are printed, not fatal unless --fail-on is
            given), 1 when the message is malformed or breaks a parser limit, 2 when the file cannot be
            read, 3 when --fail-on is given and a finding of that severity or worse was found.

            Examples:
              bulkhead inspect message.eml
              bulkhead inspect --json message.eml | jq .findings
              bulkhead inspect --fail-on error outgoing.eml && echo "safe to send"
            """
    )

    @Argument(help: "The message file (RFC 5322; LF or CRLF line endings).")
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: "Exit 3 when a finding of this severity or worse is present (info, warning, error).")
    var failOn: SeverityArgument?

    @Option(help: "Largest message accepted, in bytes.")
    var maxBytes: Int = MIMEParser.Limits.default.maxMessageBytes

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw CLIError.fail("cannot read \(file): \(error.localizedDescription)", code: 2)
        }
        var limits = MIMEParser.Limits.default
        limits.maxMessageBytes = maxBytes
        let message: MIMEEntity
        do {
            message = try MIMEParser(limits: limits).parse(bytes)
        } catch {
            if json {
                print(CLIJSON.encode(InspectReport.Malformed(file: file, error: error.description)))
            }
            throw CLIError.fail("\(file): malformed message: \(error)", code: 1)
        }
        let report = InspectReport(file: file, size: bytes.count, message: message, findings: MessageRules().check(message))
        print(json ? CLIJSON.encode(report) : report.text)
        if let failOn, report.findings.contains(where: { $0.severity >= failOn.severity }) {
            throw ExitCode(3)
        }
    }
}
