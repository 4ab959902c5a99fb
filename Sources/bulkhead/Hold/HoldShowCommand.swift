import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead hold show ID [--message]`.
struct HoldShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one relayed message: why it is held (its findings), its sender, its recipients and their delivery.",
        discussion: "Examples:\n  bulkhead hold show 12\n  bulkhead hold show 12 --message > held.eml"
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var message: RelayMessageArgument
    @Flag(name: .customLong("message"), help: "Write the message itself (as filed) to standard output instead.") var raw = false

    func run() async throws {
        let id = RelayMessageID(rawValue: message.id)
        let (record, bytes) = try await config.withStore { store, _ in
            guard let record = try await store.relayMessage(id) else { throw CLIError.fail("no relayed message \(message.id)", code: 1) }
            return (record, raw ? try await store.relayMessageBytes(id) : nil)
        }
        if let bytes {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        print(Self.describe(record))
    }

    static func describe(_ record: RelayMessageRecord) -> String {
        var lines = [
            "message \(record.id.rawValue): \(record.state.rawValue)" + (record.holdReason.map { " (\($0.rawValue))" } ?? ""),
            "  received   \(record.receivedAt.formatted(.iso8601)) from \(record.clientAddress ?? "unknown client")",
            "  sender     \(record.sender)",
            "  mail from  <\(record.mailFrom)>",
            "  subject    \(record.subject)",
            "  size       \(record.size) bytes",
        ]
        if let relayAfter = record.relayAfter, record.state == .waiting {
            lines.append("  goes out   \(relayAfter.formatted(.iso8601)) unless recalled (bulkhead hold recall \(record.id.rawValue))")
        }
        if let decidedBy = record.decidedBy, let decidedAt = record.decidedAt {
            lines.append("  decided    by \(decidedBy) at \(decidedAt.formatted(.iso8601)); copies: \(record.copyForm.rawValue)")
        }
        if record.findings.isEmpty {
            lines.append("findings: none")
        } else {
            lines.append("findings:")
            for finding in record.findings {
                lines.append("  \(finding.severity.rawValue): \(finding.code): \(finding.message)")
                if let fix = finding.fix { lines.append("    fix: \(fix)") }
            }
        }
        lines.append("recipients (\(record.recipients.count)):")
        for recipient in record.recipients {
            var line = "  \(recipient.address)  \(recipient.state.rawValue)"
            if recipient.attempts > 0 { line += ", \(recipient.attempts) attempt(s)" }
            if let reply = recipient.lastReply { line += ": \(reply.code) \(reply.text)" }
            lines.append(line)
        }
        if record.state == .held {
            lines.append(
                "decide: bulkhead hold release \(record.id.rawValue) [--split | --bcc]   or   bulkhead hold discard \(record.id.rawValue)")
        }
        return lines.joined(separator: "\n")
    }
}
