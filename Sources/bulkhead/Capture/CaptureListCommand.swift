import ArgumentParser
import BulkheadEngine
import BulkheadSMTP
import Foundation

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
        let mailbox = try CaptureCommand.mailbox(config)
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
