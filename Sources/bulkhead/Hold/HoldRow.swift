import BulkheadStore
import Foundation

/// One relayed message as `hold list` prints it (and its `--json` element).
struct HoldRow: Encodable, Equatable {
    var id: Int64
    var receivedAt: Date
    var sender: String
    var mailFrom: String
    var recipients: Int
    var state: String
    var holdReason: String?
    /// The codes of the findings that hold it (`approval` and `error`), most severe first.
    var findings: [String]
    var subject: String
    /// When a `waiting` message goes out.
    var relayAfter: Date?

    init(_ record: RelayMessageRecord) {
        id = record.id.rawValue
        receivedAt = record.receivedAt
        sender = record.sender.description
        mailFrom = record.mailFrom
        recipients = record.recipients.count
        state = record.state.rawValue
        holdReason = record.holdReason?.rawValue
        findings = record.findings.filter { $0.severity >= .approval }.map(\.code)
        subject = record.subject
        relayAfter = record.state == .waiting ? record.relayAfter : nil
    }

    enum CodingKeys: String, CodingKey {
        case id, sender, recipients, state, findings, subject
        case receivedAt = "received_at"
        case mailFrom = "mail_from"
        case holdReason = "hold_reason"
        case relayAfter = "relay_after"
    }

    /// Columns ID, RECEIVED, STATE, REASON, RCPTS, SENDER, FINDINGS, SUBJECT.
    static func table(_ rows: [HoldRow]) -> String {
        let cells =
            [["ID", "RECEIVED", "STATE", "REASON", "RCPTS", "SENDER", "FINDINGS", "SUBJECT"]]
            + rows.map {
                [
                    String($0.id), $0.receivedAt.formatted(.iso8601), $0.state, $0.holdReason ?? "-", String($0.recipients), $0.sender,
                    $0.findings.isEmpty ? "-" : $0.findings.joined(separator: ","), $0.subject,
                ]
            }
        let widths = (0..<8).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            row.enumerated().map { column, cell in
                column == 7 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
