import BulkheadStore
import Foundation

/// The Markdown form of an ``IncidentReport``. Every value that came from a person (subject, names,
/// template text, audit details) is escaped: it shows as text in any Markdown viewer and can neither
/// break a table nor inject HTML; message bodies are fenced with a fence longer than any backtick run
/// inside them.
///
/// ```swift
/// let markdown = IncidentMarkdown.render(report)
/// ```
public enum IncidentMarkdown {
    public static func render(_ report: IncidentReport) -> String {
        let c = report.campaign
        let what = report.what
        let w = report.toWhom
        var out: [String] = []
        out.append("# Incident report: campaign \(c.id) “\(text(c.name))”")
        out.append("")
        out.append("Generated \(IncidentText.time(report.generatedAt)); campaign state: \(text(c.state)).")
        out.append("")
        out.append("## Summary")
        out.append("")
        out += report.summary.map { "- " + text($0) }
        out.append("")

        out.append("## What was sent")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        out.append("| Subject (template) | \(text(what.subject)) |")
        out.append("| From | \(text(what.from)) |")
        out.append("| Kind | \(text(c.kind)) |")
        out.append("| List | \(text(c.list)) |")
        out.append("| Created by | \(text(c.createdBy)) |")
        if let original = c.followUpOf { out.append("| Follow-up of | campaign \(original) |") }
        out.append("| Content SHA-256 | \(what.contentSHA256) |")
        out.append("| Personalised with | \(what.personalFields.isEmpty ? "nothing" : what.personalFields.map(text).joined(separator: ", ")) |")
        out.append("")
        out.append("### Attachments")
        out.append("")
        if what.attachments.isEmpty {
            out.append("None.")
        } else {
            out.append("| name | type | size (bytes) | SHA-256 | note |")
            out.append("|---|---|---:|---|---|")
            for a in what.attachments {
                out.append(
                    "| \(text(a.name)) | \(text(a.mediaType)) | \(a.size.map(String.init) ?? "—") | \(a.sha256.map(text) ?? "—") | \(a.note.map(text) ?? "") |"
                )
            }
        }
        out.append("")
        if let sample = what.sample {
            out.append("### The copy one recipient got (\(text(sample.recipient)), \(sample.outcome.rawValue))")
            out.append("")
            out.append("The recipient's unsubscribe token is masked.")
            out.append("")
            out.append("- To: \(text(sample.to))")
            out.append("- Subject: \(text(sample.subject))")
            out.append("")
            if let body = sample.text { out += fenced(body, language: "text") }
            if let html = sample.html {
                out.append("HTML part (source, not rendered):")
                out.append("")
                out += fenced(html, language: "html")
            }
        } else {
            out.append("### The copy one recipient got")
            out.append("")
            out.append(text(what.sampleUnavailable ?? "none"))
            out.append("")
        }
        out.append("### Preflight findings (computed now on that copy)")
        out.append("")
        if what.findings.isEmpty { out.append("None.") }
        for finding in what.findings {
            var line = "- \(finding.severity.rawValue) \(text(finding.code)): \(text(finding.message))"
            if let location = finding.location { line += " (\(text(location)))" }
            if let fix = finding.fix { line += "; fix: \(text(fix))" }
            out.append(line)
        }
        out.append("")
        out.append("### Approvals and overrides")
        out.append("")
        let decisions = (what.approvals + what.overrides).sorted { $0.id < $1.id }
        if decisions.isEmpty { out.append("None recorded.") }
        for action in decisions {
            out.append("- \(IncidentText.time(action.at)) \(text(action.actor)) \(text(action.action)) \(text(IncidentText.details(action.details)))")
        }
        out.append("")

        out.append("## To whom")
        out.append("")
        out.append("| outcome | recipients |")
        out.append("|---|---:|")
        out.append("| delivered | \(w.delivered) |")
        out.append("| uncertain (may or may not have arrived) | \(w.uncertain) |")
        out.append("| not sent (stopped, cancelled or not yet sent) | \(w.notSent) |")
        out.append("| suppressed (opted out before it was due; not sent) | \(w.suppressed) |")
        out.append("| bounced (came back after the 250) | \(w.bounced) |")
        out.append("| failed | \(w.failed) |")
        if let excluded = w.excluded {
            let parts = (w.excludedByStatus ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            let suppressed = (w.excludedSuppressed ?? 0) > 0 ? ", of the confirmed \(w.excludedSuppressed ?? 0) suppressed" : ""
            out.append(
                "| excluded (list members never queued: \(parts.isEmpty ? "none" : parts.joined(separator: ", "))\(suppressed)) | \(excluded) |")
        }
        out.append("| **queued in all** | **\(w.recipients)** |")
        out.append("")
        out.append(
            "Of those who received it or may have, \(w.optedOutSince) opted out since and \(w.alreadyFollowedUp) already had a follow-up; `bulkhead incident follow-up \(c.id)` would reach \(w.followUpWouldReach)."
        )
        out.append("The list of every recipient: `bulkhead incident report \(c.id) --recipients FILE.csv` (address,outcome,at).")
        out.append("")

        out.append("## When")
        out.append("")
        out.append("| moment | time (UTC) |")
        out.append("|---|---|")
        out.append("| created | \(IncidentText.time(report.when.created)) |")
        out.append("| approved | \(IncidentText.time(report.when.approved)) |")
        out.append("| send requested | \(IncidentText.time(report.when.sendRequested)) |")
        out.append("| undo window end | \(IncidentText.time(report.when.windowEnd)) |")
        out.append("| canary | \(IncidentText.time(report.when.canary)) |")
        out.append("| first delivery | \(IncidentText.time(report.when.firstDelivery)) |")
        out.append("| last delivery | \(IncidentText.time(report.when.lastDelivery)) |")
        for stop in report.when.stops {
            out.append("| \(text(stop.what)) by \(text(stop.actor)) | \(IncidentText.time(stop.at)) |")
        }
        out.append("")
        out.append("### Messages per minute")
        out.append("")
        if report.when.perMinute.isEmpty {
            out.append("No message was sent.")
        } else {
            out.append("| minute (UTC) | delivered | uncertain | failed |")
            out.append("|---|---:|---:|---:|")
            for minute in report.when.perMinute {
                out.append("| \(IncidentText.time(minute.minute)) | \(minute.delivered) | \(minute.uncertain) | \(minute.failed) |")
            }
        }
        out.append("")

        out.append("## What was done (audit log)")
        out.append("")
        out.append("| time (UTC) | actor | action | details |")
        out.append("|---|---|---|---|")
        for action in report.actions {
            out.append(
                "| \(IncidentText.time(action.at)) | \(text(action.actor)) (\(action.actorKind)) | \(text(action.action)) | \(text(IncidentText.details(action.details))) |"
            )
        }
        out.append("")
        if !report.followUps.isEmpty {
            out.append("## Follow-ups")
            out.append("")
            out.append("| campaign | state | delivered | uncertain | not sent | suppressed | failed |")
            out.append("|---|---|---:|---:|---:|---:|---:|")
            for f in report.followUps {
                out.append(
                    "| \(f.id) \(text(f.name)) | \(text(f.state)) | \(f.delivered) | \(f.uncertain) | \(f.notSent) | \(f.suppressed) | \(f.failed) |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    /// `raw` as Markdown text: one line, HTML characters as entities, Markdown's own characters escaped.
    static func text(_ raw: String) -> String {
        var out = ""
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r", "\n", "\t", "\u{0}": out += " "
            case "\\", "`", "*", "_", "[", "]", "|", "#", "~", "!", "{", "}":
                out += "\\" + String(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A fenced code block holding `body` as it is: the fence is longer than any backtick run in it.
    static func fenced(_ body: String, language: String) -> [String] {
        var longest = 0
        var run = 0
        for character in body {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        let normalized = body.replacingOccurrences(of: "\r\n", with: "\n")
        return [fence + language] + normalized.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) + [fence, ""]
    }
}
