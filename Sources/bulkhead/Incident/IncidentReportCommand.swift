import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead incident report ID`.
struct IncidentReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "What was sent, to whom, when, and what was done about it: one campaign's incident report.",
        discussion: """
            What: subject, From, content SHA-256, the copy one real recipient got (unsubscribe token masked), \
            attachments, the preflight's findings on that copy, approvals and overrides. To whom: counts by \
            outcome (delivered, uncertain, not sent, suppressed, bounced, failed, excluded) and, with \
            --recipients, one CSV row per recipient: address,outcome,at (outcome: delivered, uncertain, \
            not-sent, suppressed, bounced, failed; at: when the entry last changed). When: created, approved, \
            send requested, undo window end, canary, first and last delivery, every stop, messages per minute. \
            Actions: the audit log with actors, and a short summary for a manager or a data protection officer.

            `bounced` stays 0 until bounces are recorded in the ledger (inbound processing, a later issue). \
            The HTML form is one self-contained file (no script, no remote content; the timeline is inline SVG). \
            Files written with --output and --recipients get mode 0600: they hold personal data. Any campaign \
            size: the recipients are streamed and the timeline is aggregated by the database.

            Examples:
              bulkhead incident report 7
              bulkhead incident report 7 --format html --output incident-7.html --recipients incident-7.csv
              bulkhead incident report 7 --format json | jq .to_whom
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case markdown, html, json
    }

    @OptionGroup var config: ConfigOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "markdown (default), html or json.") var format: Format = .markdown
    @Option(help: "Write the report here (mode 0600) instead of stdout.") var output: String?
    @Option(help: "Write every recipient's outcome here as CSV (address,outcome,at; mode 0600).") var recipients: String?

    func run() async throws {
        try await config.withEnvironment { environment in
            let report = try await IncidentReportBuilder(environment: environment).report(for: campaign.campaignID)
            let text =
                switch format {
                case .markdown: IncidentMarkdown.render(report)
                case .html: IncidentHTML.render(report)
                case .json: report.json()
                }
            if let output {
                let handle = try Self.create(output)
                handle.write(Data(text.utf8))
                try? handle.close()
                FileHandle.standardError.write(Data("bulkhead: wrote the incident report to \(output)\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            if let recipients {
                let count = try await Self.writeRecipients(environment.store, campaign.campaignID, to: recipients)
                FileHandle.standardError.write(Data("bulkhead: wrote \(count) recipients to \(recipients)\n".utf8))
            }
        }
    }

    /// Streams the ledger as `address,outcome,at`, one row per recipient, in ledger order.
    static func writeRecipients(_ store: any MailStore, _ id: CampaignID, to path: String) async throws -> Int {
        let handle = try create(path)
        defer { try? handle.close() }
        var out = BufferedOutput(handle)
        out.write(CSVText.record(["address", "outcome", "at"]))
        var count = 0
        for try await entry in store.ledgerEntries(campaign: id) {
            out.write(CSVText.record([entry.address.value, IncidentOutcome(entry).rawValue, CLITime.format(entry.updatedAt)]))
            count += 1
        }
        out.flush()
        return count
    }

    private static func create(_ path: String) throws -> FileHandle {
        do {
            return try PrivateFiles.openForWriting(atPath: path)  // mode 0600: personal data
        } catch {
            throw CLIError.fail("\(error)", code: 1)
        }
    }
}
