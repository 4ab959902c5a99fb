import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead ledger CAMPAIGN-ID`: who got what, when — the per-recipient delivery ledger, streamed.
struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Print a campaign's delivery ledger (address, state, attempts, last reply, updated at).",
        discussion: """
            Streams the ledger in key order, any size, as CSV (default) or JSON (one array). States: queued, \
            sending, sent, deferred, failed, uncertain, suppressed (opted out before its turn came). Times are ISO 8601 UTC.

            Exit status: 0 printed, 1 no such campaign or the store cannot be opened.

            Examples:
              bulkhead ledger 12 > campaign-12.csv
              bulkhead ledger 12 --state uncertain --state failed
              bulkhead ledger 12 --format json --state sent,deferred | jq length
            """
    )

    /// The `--format` values.
    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json }

    @OptionGroup var config: ConfigOption
    @Argument(help: "The campaign's id (see bulkhead campaign show).") var campaign: Int64
    @Option(help: "csv or json.") var format: Format = .csv
    @Option(help: "Only entries in these states (repeatable, or comma-separated).") var state: [String] = []

    func run() async throws {
        var states = Set<LedgerState>()
        for name in state.flatMap({ $0.split(separator: ",") }) {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard let value = LedgerState(rawValue: trimmed) else {
                throw CLIError.fail("unknown state \"\(trimmed)\" (use \(LedgerState.allCases.map(\.rawValue).joined(separator: ", ")))", code: 1)
            }
            states.insert(value)
        }
        try await config.withStore { store, _ in
            let id = CampaignID(rawValue: campaign)
            _ = try await store.existingCampaign(id)
            var out = BufferedOutput(FileHandle.standardOutput)
            switch format {
            case .csv:
                out.write(CSVText.record(["address", "state", "attempts", "last_reply_code", "last_reply_text", "updated_at"]))
            case .json:
                out.write("[")
            }
            var first = true
            let encoder = LedgerRow.makeEncoder()
            for try await entry in store.ledgerEntries(campaign: id, states: states.isEmpty ? nil : states) {
                let row = LedgerRow(entry)
                switch format {
                case .csv:
                    out.write(
                        CSVText.record([
                            row.address, row.state, String(row.attempts), row.lastReplyCode.map(String.init) ?? "",
                            row.lastReplyText ?? "", row.updatedAt,
                        ]))
                case .json:
                    out.write((first ? "\n" : ",\n") + (try row.json(encoder)))
                }
                first = false
            }
            if format == .json { out.write(first ? "]\n" : "\n]\n") }
            out.flush()
        }
    }
}
