import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import Foundation

/// `bulkhead capture`: the local capture mailbox, where mail goes when no upstream is configured.
struct CaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "List and show the messages in the capture mailbox (<data directory>/capture).",
        discussion: """
        With no upstream configured, nothing leaves the machine: every message is written to the capture \
        mailbox instead, where these commands read it, like a development mail catcher.

        Examples:
          bulkhead capture list --limit 20
          bulkhead capture show 01763912345678901-0a1b2c3d
          bulkhead capture show 01763912345678901-0a1b2c3d --raw > message.eml
        """,
        subcommands: [CaptureListCommand.self, CaptureShowCommand.self]
    )

    /// The capture mailbox of the configuration at `path`.
    static func mailbox(config path: String?) throws(ExitCode) -> CaptureMailbox {
        let config = try StoreOpening.configuration(path)
        return CaptureMailbox(directory: config.path("capture"))
    }
}

/// `bulkhead capture list`.
struct CaptureListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List captured messages, newest first.",
        discussion: """
        Exit status: 0 listed (an empty or missing mailbox lists nothing), 1 the mailbox cannot be read.

        Examples:
          bulkhead capture list
          bulkhead capture list --limit 5 --json | jq '.[].recipient'
        """
    )

    @OptionGroup var config: ConfigOption
    @Option(help: "Show at most this many messages.") var limit = 50
    @Option(help: "Skip this many of the newest messages first.") var offset = 0
    @Flag(help: "Print JSON (an array) instead of text.") var json = false

    func run() async throws {
        guard limit >= 0, offset >= 0 else { throw CLIError.fail("--limit and --offset must not be negative", code: 1) }
        let mailbox = try CaptureCommand.mailbox(config: config.path)
        var items: [CapturedMessageInfo] = []
        var total = 0
        if FileManager.default.fileExists(atPath: mailbox.directory) {
            do {
                let page = try mailbox.list(offset: offset, limit: limit)
                items = page.items
                total = page.total
            } catch {
                throw CLIError.fail("\(error)", code: 1)
            }
        }
        let rows = items.map(CaptureRow.init)
        if json {
            print(CLIJSON.encode(rows))
            return
        }
        print("\(total) captured message\(total == 1 ? "" : "s") in \(mailbox.directory)")
        for row in rows {
            print("\(row.id)  \(row.capturedAt)  \(row.recipient)  from \(row.mailFrom)  \(row.size) bytes")
        }
    }
}

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
        let mailbox = try CaptureCommand.mailbox(config: config.path)
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

/// One captured message's envelope as printed.
struct CaptureRow: Encodable {
    var id: String
    var mailFrom: String
    var recipient: String
    var requiresSMTPUTF8: Bool
    var capturedAt: String
    var size: Int

    init(_ info: CapturedMessageInfo) {
        id = info.id
        mailFrom = info.mailFrom
        recipient = info.recipient
        requiresSMTPUTF8 = info.requiresSMTPUTF8
        capturedAt = CLITime.format(info.capturedAt)
        size = info.size
    }
}
