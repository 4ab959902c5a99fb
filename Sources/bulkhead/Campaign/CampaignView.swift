import BulkheadStore
import Foundation

/// What `campaign show` (and `--json` of other campaign commands) prints.
struct CampaignView: Encodable {
    struct Event: Encodable {
        var at: Date
        var actor: String
        var action: String
        var details: [String: JSONValue]
    }

    var id: Int64
    var name: String
    var state: String
    var listID: Int64
    var from: String
    var subject: String
    var attachments: [String]
    var createdAt: Date
    var updatedAt: Date
    var kind: String?
    var author: String?
    var pauseReason: String?
    var pausedFrom: String?
    var deadline: Date?
    var ledger: [String: Int]?
    var audit: [Event]

    init(campaign: Campaign, counts: LedgerCounts?, events: [AuditEvent]) {
        id = campaign.id.rawValue
        name = campaign.content.name
        state = campaign.state.rawValue
        listID = campaign.content.listID.rawValue
        from = campaign.content.from
        subject = campaign.content.subjectTemplate
        attachments = campaign.content.attachments.map(\.path)
        createdAt = campaign.createdAt
        updatedAt = campaign.updatedAt
        kind = campaign.content.kind == .transactional ? "transactional" : nil
        author = campaign.createdBy.isEmpty ? nil : campaign.createdBy
        pauseReason = campaign.pauseReason
        pausedFrom = campaign.pausedFrom?.rawValue
        deadline = campaign.stateDeadline
        ledger = counts.map { counts in
            Dictionary(uniqueKeysWithValues: LedgerState.allCases.map { ($0.rawValue, counts[$0]) })
        }
        audit = events.map { Event(at: $0.at, actor: $0.event.actor.displayName, action: $0.event.action, details: $0.event.details) }
    }

    var text: String {
        var lines = ["campaign \(id): \(name)", "  state: \(state)"]
        if let pauseReason { lines.append("  paused: \(pauseReason)" + (pausedFrom.map { " (was \($0))" } ?? "")) }
        if let deadline { lines.append("  \(state == "pending" ? "undo window ends" : "hold ends"): \(deadline.formatted(.iso8601))") }
        if let kind { lines.append("  kind: \(kind)") }
        lines += ["  list: \(listID)", "  from: \(from)", "  subject: \(subject)"]
        if !attachments.isEmpty { lines.append("  attachments: \(attachments.joined(separator: ", "))") }
        if let ledger {
            let total = ledger.values.reduce(0, +)
            lines.append(
                "  ledger: \(total) recipients: " + LedgerState.allCases.map { "\($0.rawValue) \(ledger[$0.rawValue] ?? 0)" }.joined(separator: ", "))
        }
        if !audit.isEmpty {
            lines.append("  audit:")
            for event in audit {
                let details = event.details.keys.sorted().map { "\($0)=\(event.details[$0].map(Self.show) ?? "")" }.joined(separator: " ")
                lines.append("    \(event.at.formatted(.iso8601)) \(event.actor) \(event.action) \(details)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let number): number == number.rounded() ? String(Int64(number)) : "\(number)"
        case .string(let text): text
        case .array, .object: CLIJSON.encodeCompact(value)
        }
    }
}
