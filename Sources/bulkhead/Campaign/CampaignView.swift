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
    /// The approvals and rejections, oldest first (absent when there are none).
    var decisions: [Decision]?
    /// The override requests, oldest first (absent when there are none).
    var overrides: [Override]?
    /// Where the campaign stands with its latest decision now (absent when there is none).
    var approval: String?

    struct Decision: Encodable {
        var at: Date
        var decision: String
        var by: String
        var comment: String?
        var eligible: Int
        var fingerprint: String
    }

    struct Override: Encodable {
        var at: Date
        var code: String
        var reason: String
        var by: String
    }

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
        audit = events.map { Event(at: $0.at, actor: Self.actor($0.event.actor), action: $0.event.action, details: $0.event.details) }
    }

    /// Adds the decisions, overrides and the current approval status (`status`: nil when there is no decision).
    mutating func add(decisions: [CampaignApproval], overrides: [OverrideRequest], status: String?) {
        self.decisions =
            decisions.isEmpty
            ? nil
            : decisions.map {
                Decision(
                    at: $0.at, decision: $0.decision.rawValue, by: $0.by, comment: $0.comment, eligible: $0.eligible, fingerprint: $0.fingerprint)
            }
        self.overrides = overrides.isEmpty ? nil : overrides.map { Override(at: $0.at, code: $0.code, reason: $0.reason, by: $0.by) }
        approval = status
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
        if let approval { lines.append("  approval: \(approval)") }
        if let decisions {
            lines.append("  decisions:")
            for decision in decisions {
                let comment = decision.comment.map { ": \($0)" } ?? ""
                lines.append(
                    "    \(decision.at.formatted(.iso8601)) \(decision.decision) by \(decision.by) (\(decision.eligible) eligible, \(decision.fingerprint))\(comment)"
                )
            }
        }
        if let overrides {
            lines.append("  overrides:")
            for item in overrides {
                lines.append("    \(item.at.formatted(.iso8601)) \(item.code) by \(item.by): \(item.reason)")
            }
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

    /// The actor as the audit trail shows it: `ann`, or `ann (os deploy)` when the OS account differs,
    /// or `deploy (os user, not authenticated)`.
    static func actor(_ actor: AuditActor) -> String {
        switch actor {
        case .system, .human: actor.displayName
        case .person(let user?, let osUser): user == osUser ? user : "\(user) (os \(osUser))"
        case .person(nil, let osUser): "\(osUser) (os user, not authenticated)"
        }
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
