import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead subscribers import FILE.csv --list NAME`.
struct SubscribersImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import subscribers from a CSV file into a list (streaming; any size).",
        discussion: """
            The header record names the columns: an e-mail column ("email", "Email Address", "E-mail", …) is \
            required; "name" or "first name" + "last name", "status", "attributes" (a JSON object) are used when \
            present, and every other column becomes a string attribute. Bulkhead's own export, listmonk and \
            Mailchimp exports are read as they are. Addresses that occur twice are imported once; people who \
            unsubscribed are never re-subscribed. Invalid rows are counted and the first 100 are listed with \
            their line numbers. A cell that starts with ' followed by =, +, -, @, TAB or CR (after any further \
            ') loses that first ': the guard the export writes against spreadsheet formulas, so an export \
            re-imports unchanged.

            Exit status: 0 the file was read (even with invalid rows), 1 the file cannot be read, has no e-mail \
            column, or the list does not exist.

            Examples:
              bulkhead subscribers import people.csv --list news
              bulkhead subscribers import mailchimp-export.csv --list news --status unconfirmed --source "Mailchimp 2026-05"
              bulkhead subscribers import fair.csv --list news --channel "trade fair stand" --consent-text "Send me the monthly news"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @Argument(help: "The CSV file (`,` `;` or tab separated, UTF-8).") var file: String
    @Option(help: "The list to import into.") var list: String
    @Option(help: "Status of rows without one: confirmed or unconfirmed.") var status: ImportStatusArgument = .confirmed
    @Option(help: "Where the consent was collected (recorded as consent evidence; default: the file name).") var source: String?
    @Option(help: "The consent text the people were shown when they signed up (recorded as consent evidence).")
    var consentText: String?
    @Option(help: "The channel consent came through, e.g. a sign-up form's URL (recorded as consent evidence).")
    var channel: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report = try await config.withStore { store, _ in
            _ = try await actor.authenticated(store, for: "import subscribers", required: true, roles: [.author, .admin])
            let target = try await store.existingList(named: list)
            let options = SubscriberImporter.Options(
                defaultStatus: status.status,
                source: source ?? (file as NSString).lastPathComponent,
                consentText: consentText, channel: channel)
            // Ctrl-C or SIGTERM stops after the batch under way: the rows read so far stay imported.
            let interrupted = InterruptFlag()
            let signals = StopSignals { _ = interrupted.raise() }
            defer { signals.cancel() }
            do {
                let report = try await SubscriberImporter(store: store, list: target.id, options: options)
                    .importFile(atPath: file, stopRequested: { interrupted.count > 0 })
                return (report, target.name)
            } catch {
                throw CLIError.fail("\(file): \(error)", code: 1)
            }
        }
        print(json ? CLIJSON.encode(report.0) : Self.describe(report.0, file: file, list: report.1))
        if report.0.interrupted {
            throw CLIError.fail(
                """
                interrupted after \(report.0.rowsRead) rows: those are imported, the rest of \(file) is not \
                (importing the whole file again is safe: rows already there are updated, never duplicated)
                """, code: 130)
        }
    }

    /// The text report: counts, then the first invalid rows with their lines.
    static func describe(_ report: SubscriberImportReport, file: String, list: String) -> String {
        var lines = [
            """
            imported \(file) into \(list): \(report.rowsRead) rows read, \(report.inserted) inserted, \
            \(report.updated) updated, \(report.duplicates) duplicates, \(report.keptUnsubscribed) kept unsubscribed, \
            \(report.invalid) invalid
            """
        ]
        if report.invalid > 0 {
            let shown = report.errors.count < report.invalid ? "first \(report.errors.count) of \(report.invalid)" : "\(report.invalid)"
            lines.append("invalid rows (\(shown)):")
            lines += report.errors.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
