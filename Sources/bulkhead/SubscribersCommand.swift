import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

/// `bulkhead subscribers`: import, export and show subscribers.
struct SubscribersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers",
        abstract: "Import, export and show subscribers.",
        discussion: """
        Examples:
          bulkhead subscribers import people.csv --list news --source "signup form export 2026-05"
          bulkhead subscribers export --list news --output news.csv
          bulkhead subscribers show ann@example.com
        """,
        subcommands: [SubscribersImportCommand.self, SubscribersExportCommand.self, SubscribersShowCommand.self, SubscribersUnsubscribeCommand.self]
    )
}

/// The `--status` values of an import.
enum ImportStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case confirmed, unconfirmed

    var status: MembershipStatus { self == .confirmed ? .confirmed : .unconfirmed }
}

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
        let report = try await StoreOpening.withStore(config: config.path) { store, _ in
            let target = try await StoreOpening.list(named: list, in: store)
            let options = SubscriberImporter.Options(defaultStatus: status.status,
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
            throw CLIError.fail("""
                interrupted after \(report.0.rowsRead) rows: those are imported, the rest of \(file) is not \
                (importing the whole file again is safe: rows already there are updated, never duplicated)
                """, code: 130)
        }
    }

    /// The text report: counts, then the first invalid rows with their lines.
    static func describe(_ report: SubscriberImportReport, file: String, list: String) -> String {
        var lines = ["""
            imported \(file) into \(list): \(report.rowsRead) rows read, \(report.inserted) inserted, \
            \(report.updated) updated, \(report.duplicates) duplicates, \(report.keptUnsubscribed) kept unsubscribed, \
            \(report.invalid) invalid
            """]
        if report.invalid > 0 {
            let shown = report.errors.count < report.invalid ? "first \(report.errors.count) of \(report.invalid)" : "\(report.invalid)"
            lines.append("invalid rows (\(shown)):")
            lines += report.errors.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// `bulkhead subscribers export --list NAME`.
struct SubscribersExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a list's members as CSV (email,name,status,attributes), re-importable.",
        discussion: """
        Streams the list by subscriber, any size. Attributes are written as one JSON object per row. A value \
        that would start a spreadsheet formula (=, +, -, @, TAB or CR first, after any ') is written with \
        one more ' in front, so a spreadsheet shows it as text (OWASP CSV injection); the import removes \
        it again. With --output, the file is created with mode 0600 (it holds personal data).

        Examples:
          bulkhead subscribers export --list news --output news.csv
          bulkhead subscribers export --list news --status confirmed | wc -l
        """
    )

    @OptionGroup var config: ConfigOption
    @Option(help: "The list to export.") var list: String
    @Option(help: "Write here instead of stdout.") var output: String?
    @Option(help: "Only members in this status (confirmed, unconfirmed, unsubscribed); repeatable.")
    var status: [MembershipStatusArgument] = []

    func run() async throws {
        let statuses = status.isEmpty ? nil : Set(status.map(\.status))
        let count = try await StoreOpening.withStore(config: config.path) { store, _ in
            let target = try await StoreOpening.list(named: list, in: store)
            let handle: FileHandle
            if let output {
                do {
                    handle = try PrivateFiles.openForWriting(atPath: output)  // mode 0600: personal data
                } catch {
                    throw CLIError.fail("\(error)", code: 1)
                }
            } else {
                handle = FileHandle.standardOutput
            }
            defer { if output != nil { try? handle.close() } }
            var out = BufferedOutput(handle)
            out.write(CSVText.record(["email", "name", "status", "attributes"]))
            var count = 0
            for try await member in store.members(of: target.id, statuses: statuses) {
                let attributes = try SubscriberJSON.text(member.subscriber.attributes)
                out.write(CSVText.record([member.subscriber.address.value, member.subscriber.name ?? "", member.membership.status.rawValue, attributes]))
                count += 1
            }
            out.flush()
            return count
        }
        if let output { FileHandle.standardError.write(Data("bulkhead: wrote \(count) members to \(output)\n".utf8)) }
    }
}

/// The membership statuses as arguments.
enum MembershipStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case confirmed, unconfirmed, unsubscribed

    var status: MembershipStatus { MembershipStatus(rawValue: rawValue) ?? .unconfirmed }
}

/// Attributes as compact JSON with sorted keys.
enum SubscriberJSON {
    static func text(_ attributes: [String: JSONValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(attributes), as: UTF8.self)
    }
}
