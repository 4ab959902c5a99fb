import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import Foundation

/// `bulkhead capture show ID`.
struct CaptureShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one captured message: envelope and message, or the exact bytes with --raw.",
        discussion: """
            Exit status: 0 shown, 1 no such message or it cannot be read.

            Examples:
              bulkhead capture show 01763912345678901-0a1b2c3d
              bulkhead capture show 01763912345678901-0a1b2c3d --raw | bulkhead inspect /dev/stdin
            """
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "The message id (from bulkhead capture list).") var id: String
    @Flag(help: "Print only the message bytes, exactly as captured.") var raw = false

    func run() async throws {
        let mailbox = try CaptureCommand.mailbox(config)
        let message: CapturedMessage
        do { message = try mailbox.read(id: id) } catch {
            throw CLIError.fail("\(error)", code: 1)
        }
        if raw {
            FileHandle.standardOutput.write(Data(message.bytes))
            return
        }
        let row = CaptureRow(message.info)
        // One write through the same handle as the bytes (print's buffer would reorder them).
        let header = """
            id: \(row.id)
            captured: \(row.capturedAt)
            envelope from: \(row.mailFrom)
            envelope to: \(row.recipient)\(row.requiresSMTPUTF8 ? " (SMTPUTF8)" : "")
            size: \(row.size) bytes


            """
        FileHandle.standardOutput.write(Data(header.utf8) + Data(message.bytes))
    }
}
