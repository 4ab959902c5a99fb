import ArgumentParser
import BulkheadEngine
import BulkheadMail
import BulkheadStore

/// `bulkhead autoreply import ADDRESS --mbox FILE | --maildir DIR [--dry-run] [--json]`.
struct AutoReplyImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Record a mailbox's messages for an auto-responder without a single reply.",
        discussion: """
            A mailbox connected to a responder later is backlog: every message is recorded (its sender seen,
            its Message-ID known, so the same message arriving again is not answered either), none is
            answered. The once-per-sender period counts from the last reply sent, so an import does not
            keep anyone from a reply to their next new message.

            The report says what answering the backlog would have cost: a naive responder (one reply per
            message, to its sender and everyone in To and Cc) and an RFC 3834 responder without backlog
            protection (once per sender); Bulkhead sends 0. --dry-run records nothing.

            Exit status: 0 done, 1 the archive or the store cannot be read, 2 ADDRESS is not a configured responder.

            Example:
              bulkhead autoreply import support@shop.example --mbox backlog.mbox --dry-run
            """
    )

    @OptionGroup var config: ConfigOption
    @Argument(help: "The responder's address (autoresponders[].address or an alias).") var address: String
    @Option(help: "An mbox file to import.") var mbox: String?
    @Option(help: "A Maildir directory to import (cur/ and new/).") var maildir: String?
    @Flag(help: "Count only: record nothing.") var dryRun = false
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        guard (mbox == nil) != (maildir == nil) else { throw ValidationError("give exactly one of --mbox FILE or --maildir DIR") }
    }

    func run() async throws {
        try await config.withEnvironment { environment in
            let responders = try environment.autoResponding()
            guard let key = try? NormalizedAddress(address), let responder = responders.responder(for: key) else {
                throw CLIError.fail("\(address) is not a configured auto-responder (autoresponders in the configuration)", code: 2)
            }
            if !dryRun { try await responders.enable() }
            let reader: any ArchiveReader
            do {
                reader = try mbox.map { try MboxReader(path: $0) } ?? MaildirReader(path: maildir ?? "")
            } catch {
                throw CLIError.fail("cannot read \(mbox ?? maildir ?? ""): \(error)", code: 1)
            }
            let report = try await MailboxImport(store: environment.store, responder: responder).run(reader, dryRun: dryRun)
            if json {
                print(CLIJSON.encode(report))
                return
            }
            print(
                "\(report.messages) messages from \(report.senders) senders read for \(responder.address) (\(report.skipped) skipped: too large or unreadable)"
            )
            print(
                "a naive responder would have sent \(report.naiveReplies) replies to \(report.naivePeople) people (each sender and everyone in To and Cc)"
            )
            print("an RFC 3834 responder without backlog protection would have sent \(report.ruleReplies) replies")
            print("Bulkhead sends \(report.bulkheadReplies) replies: an import is recorded, never answered")
            print(dryRun ? "dry run: nothing recorded" : "recorded \(report.recorded) messages")
        }
    }
}
