import BulkheadStore
import Foundation

/// The short summary of an incident report, in sentences a manager or a data protection officer can
/// read: how many people received it, what personal data it carried, when it was stopped, what
/// follow-up there was.
enum IncidentSummary {
    static func sentences(_ report: IncidentReport, auditTruncated: Bool) -> [String] {
        let c = report.campaign
        let w = report.toWhom
        var lines: [String] = []
        lines.append(
            "Campaign \(c.id) “\(c.name)” (\(c.kind)) from \(report.what.from) to the list \(c.list), created by \(c.createdBy.isEmpty ? "an unknown author" : c.createdBy) at \(IncidentText.time(report.when.created)); it is now \(c.state)."
        )
        lines.append(
            "\(people(w.delivered)) received it; \(people(w.uncertain)) may or may not have (the message was handed over but no reply was recorded); \(people(w.didNotReceive)) did not (not sent \(w.notSent), suppressed \(w.suppressed), failed \(w.failed), bounced \(w.bounced))."
        )
        let fields = report.what.personalFields.filter { $0 != "unsubscribe_url" && $0 != "campaign" && $0 != "email" }
        lines.append(
            "Each message went to one recipient only (no other address in it) and carried that recipient's address"
                + (fields.isEmpty ? "" : " and their \(fields.joined(separator: ", "))") + ".")
        if report.what.attachments.isEmpty {
            lines.append("It carried no attachment.")
        } else {
            let names = report.what.attachments.map { "\($0.name) (\($0.mediaType)\($0.size.map { ", \($0) bytes" } ?? ""))" }
            lines.append("It carried \(report.what.attachments.count) attachment(s): \(names.joined(separator: ", ")).")
        }
        let sensitive = report.what.findings.filter { $0.code.hasPrefix("dlp.") }
        if !sensitive.isEmpty {
            lines.append("Sensitive content found in it: " + sensitive.map(\.message).joined(separator: "; ") + ".")
        } else if report.what.sample != nil {
            lines.append("The sensitive-content check finds nothing in the copy of one recipient.")
        }
        if let stop = report.when.stops.first {
            lines.append("First stop: \(stop.what) by \(stop.actor) at \(IncidentText.time(stop.at)).")
        }
        if let last = report.when.lastDelivery {
            lines.append("The last message was accepted at \(IncidentText.time(last)).")
        }
        lines.append(
            "Of those who received it or may have, \(w.optedOutSince) opted out since; a follow-up would reach \(people(w.followUpWouldReach)) now\(w.alreadyFollowedUp > 0 ? " (\(w.alreadyFollowedUp) already had one)" : "")."
        )
        for followUp in report.followUps {
            lines.append("Follow-up: campaign \(followUp.id) “\(followUp.name)” is \(followUp.state), delivered to \(people(followUp.delivered)).")
        }
        if auditTruncated {
            lines.append("The audit log holds more than \(IncidentReportBuilder.maximumAuditEvents) events for it: only the first are shown.")
        }
        return lines
    }

    static func people(_ count: Int) -> String { count == 1 ? "1 person" : "\(count) people" }
}

/// Text shared by the renderings: times and audit details.
enum IncidentText {
    /// ISO 8601 in UTC, whole seconds.
    static func time(_ date: Date) -> String { date.formatted(.iso8601) }

    static func time(_ date: Date?) -> String { date.map(time) ?? "—" }

    /// `key=value key=value`, keys sorted.
    static func details(_ details: [String: JSONValue]) -> String {
        details.keys.sorted().map { "\($0)=\(details[$0].map(show) ?? "")" }.joined(separator: " ")
    }

    static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): text
        case .array(let items): "[" + items.map(show).joined(separator: ", ") + "]"
        case .object(let object): "{" + details(object) + "}"
        }
    }
}
