import ArgumentParser
import BulkheadEngine
import BulkheadStore
import Foundation

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
        let count = try await config.withStore { store, _ in
            let target = try await store.existingList(named: list)
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
                out.write(
                    CSVText.record([member.subscriber.address.value, member.subscriber.name ?? "", member.membership.status.rawValue, attributes]))
                count += 1
            }
            out.flush()
            return count
        }
        if let output { FileHandle.standardError.write(Data("bulkhead: wrote \(count) members to \(output)\n".utf8)) }
    }
}
