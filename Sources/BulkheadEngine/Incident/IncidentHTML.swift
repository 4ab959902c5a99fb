import BulkheadStore
import Foundation

/// The HTML form of an ``IncidentReport``: one self-contained file — inline CSS, the timeline as
/// inline SVG, no script, no remote content (the message's HTML part is shown as escaped source, never
/// rendered, so it cannot load anything). Every value is HTML-escaped.
///
/// ```swift
/// try IncidentHTML.render(report).write(toFile: "incident-7.html", atomically: true, encoding: .utf8)
/// ```
public enum IncidentHTML {
    public static func render(_ report: IncidentReport) -> String {
        let c = report.campaign
        let what = report.what
        let w = report.toWhom
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <title>Incident report: campaign \(c.id) \(e(c.name))</title>
            <style>
            body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
            table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
            td.n{text-align:right}pre{background:#f6f6f6;padding:.75rem;overflow:auto;white-space:pre-wrap}
            .summary{background:#fff8e1;border-left:4px solid #f0a000;padding:.5rem 1rem}
            </style></head><body>

            """
        h += "<h1>Incident report: campaign \(c.id) “\(e(c.name))”</h1>\n"
        h += "<p>Generated \(e(IncidentText.time(report.generatedAt))); campaign state: <b>\(e(c.state))</b>.</p>\n"
        h += "<h2>Summary</h2>\n<ul class=\"summary\">\n" + report.summary.map { "<li>\(e($0))</li>\n" }.joined() + "</ul>\n"

        h += "<h2>What was sent</h2>\n<table>\n"
        var rows: [(String, String)] = [
            ("Subject (template)", what.subject), ("From", what.from), ("Kind", c.kind), ("List", c.list), ("Created by", c.createdBy),
        ]
        if let original = c.followUpOf { rows.append(("Follow-up of", "campaign \(original)")) }
        rows += [
            ("Content SHA-256", what.contentSHA256),
            ("Personalised with", what.personalFields.isEmpty ? "nothing" : what.personalFields.joined(separator: ", ")),
        ]
        h += rows.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>\n" }.joined() + "</table>\n"
        h += "<h3>Attachments</h3>\n"
        if what.attachments.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            h += "<table><tr><th>name</th><th>type</th><th>size (bytes)</th><th>SHA-256</th><th>note</th></tr>\n"
            for a in what.attachments {
                h +=
                    "<tr><td>\(e(a.name))</td><td>\(e(a.mediaType))</td><td class=\"n\">\(a.size.map(String.init) ?? "—")</td><td>\(e(a.sha256 ?? "—"))</td><td>\(e(a.note ?? ""))</td></tr>\n"
            }
            h += "</table>\n"
        }
        if let sample = what.sample {
            h += "<h3>The copy one recipient got (\(e(sample.recipient)), \(e(sample.outcome.rawValue)))</h3>\n"
            h += "<p>The recipient's unsubscribe token is masked.</p>\n"
            h += "<table><tr><th>To</th><td>\(e(sample.to))</td></tr><tr><th>Subject</th><td>\(e(sample.subject))</td></tr></table>\n"
            if let text = sample.text { h += "<pre>\(e(text))</pre>\n" }
            if let html = sample.html { h += "<p>HTML part (source, not rendered):</p>\n<pre>\(e(html))</pre>\n" }
        } else {
            h += "<h3>The copy one recipient got</h3>\n<p>\(e(what.sampleUnavailable ?? "none"))</p>\n"
        }
        h += "<h3>Preflight findings (computed now on that copy)</h3>\n"
        if what.findings.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            h += "<table><tr><th>severity</th><th>code</th><th>message</th><th>where</th><th>fix</th></tr>\n"
            for f in what.findings {
                h +=
                    "<tr><td>\(e(f.severity.rawValue))</td><td>\(e(f.code))</td><td>\(e(f.message))</td><td>\(e(f.location ?? ""))</td><td>\(e(f.fix ?? ""))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "<h3>Approvals and overrides</h3>\n"
        let decisions = (what.approvals + what.overrides).sorted { $0.id < $1.id }
        h += decisions.isEmpty ? "<p>None recorded.</p>\n" : actionTable(decisions)

        h += "<h2>To whom</h2>\n<table><tr><th>outcome</th><th>recipients</th></tr>\n"
        var outcomes: [(String, Int)] = [
            ("delivered", w.delivered), ("uncertain (may or may not have arrived)", w.uncertain),
            ("not sent (stopped, cancelled or not yet sent)", w.notSent), ("suppressed (opted out before it was due; not sent)", w.suppressed),
            ("bounced (came back after the 250)", w.bounced), ("failed", w.failed),
        ]
        if let excluded = w.excluded {
            let parts = (w.excludedByStatus ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            outcomes.append(("excluded (list members never queued: \(parts.isEmpty ? "none" : parts.joined(separator: ", ")))", excluded))
        }
        outcomes.append(("queued in all", w.recipients))
        h += outcomes.map { "<tr><td>\(e($0.0))</td><td class=\"n\">\($0.1)</td></tr>\n" }.joined() + "</table>\n"
        h +=
            "<p>Of those who received it or may have, \(w.optedOutSince) opted out since and \(w.alreadyFollowedUp) already had a follow-up; a follow-up would reach \(w.followUpWouldReach).</p>\n"

        h += "<h2>When</h2>\n<table><tr><th>moment</th><th>time (UTC)</th></tr>\n"
        var moments: [(String, Date?)] = [
            ("created", report.when.created), ("approved", report.when.approved), ("send requested", report.when.sendRequested),
            ("undo window end", report.when.windowEnd), ("canary", report.when.canary), ("first delivery", report.when.firstDelivery),
            ("last delivery", report.when.lastDelivery),
        ]
        moments += report.when.stops.map { ("\($0.what) by \($0.actor)", $0.at) }
        h += moments.map { "<tr><td>\(e($0.0))</td><td>\(e(IncidentText.time($0.1)))</td></tr>\n" }.joined() + "</table>\n"
        h += "<h3>Messages per minute</h3>\n" + IncidentTimelineSVG.render(report.when) + "\n"

        h += "<h2>What was done (audit log)</h2>\n" + actionTable(report.actions)
        if !report.followUps.isEmpty {
            h +=
                "<h2>Follow-ups</h2>\n<table><tr><th>campaign</th><th>state</th><th>delivered</th><th>uncertain</th><th>not sent</th><th>suppressed</th><th>failed</th></tr>\n"
            for f in report.followUps {
                h +=
                    "<tr><td>\(f.id) \(e(f.name))</td><td>\(e(f.state))</td><td class=\"n\">\(f.delivered)</td><td class=\"n\">\(f.uncertain)</td><td class=\"n\">\(f.notSent)</td><td class=\"n\">\(f.suppressed)</td><td class=\"n\">\(f.failed)</td></tr>\n"
            }
            h += "</table>\n"
        }
        return h + "</body></html>\n"
    }

    private static func actionTable(_ actions: [IncidentReport.Action]) -> String {
        "<table><tr><th>time (UTC)</th><th>actor</th><th>action</th><th>details</th></tr>\n"
            + actions.map {
                "<tr><td>\(e(IncidentText.time($0.at)))</td><td>\(e($0.actor)) (\(e($0.actorKind)))</td><td>\(e($0.action))</td><td>\(e(IncidentText.details($0.details)))</td></tr>\n"
            }.joined() + "</table>\n"
    }

    /// `raw` with `&`, `<`, `>`, `"` and `'` as entities (safe in text, attributes and SVG), and NUL and
    /// other C0 controls but TAB and LF removed (they are not allowed in HTML).
    static func e(_ raw: String) -> String {
        var out = ""
        out.reserveCapacity(raw.utf8.count)
        for scalar in raw.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// The per-minute timeline as an inline SVG bar chart: delivered, uncertain and failed stacked per
/// minute, every stop as a red line with its label as a tooltip.
enum IncidentTimelineSVG {
    static func render(_ when: IncidentReport.When) -> String {
        guard let first = when.perMinute.first?.minute, let last = when.perMinute.last?.minute else {
            return "<p>No message was sent.</p>"
        }
        let width = 720.0
        let height = 220.0
        let left = 50.0
        let bottom = 30.0
        let plotWidth = width - left - 10
        let plotHeight = height - bottom - 10
        let stopTimes = when.stops.map(\.at)
        let start = min(first, stopTimes.min() ?? first)
        let end = max(last.addingTimeInterval(60), stopTimes.max() ?? last)
        let span = max(60, end.timeIntervalSince(start))
        let peak = max(1, when.perMinute.map { $0.delivered + $0.uncertain + $0.failed }.max() ?? 1)
        func x(_ date: Date) -> Double { left + plotWidth * date.timeIntervalSince(start) / span }
        let barWidth = max(1, plotWidth * 60 / span - 1)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"messages per minute\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(10 + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(10 + plotHeight)\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(left - 5)\" y=\"16\" font-size=\"11\" text-anchor=\"end\">\(peak)</text>\n"
        svg += "<text x=\"\(left - 5)\" y=\"\(10 + plotHeight)\" font-size=\"11\" text-anchor=\"end\">0</text>\n"
        for minute in when.perMinute {
            var y = 10 + plotHeight
            for (count, colour, label) in [
                (minute.delivered, "#2e7d32", "delivered"), (minute.uncertain, "#f9a825", "uncertain"), (minute.failed, "#c62828", "failed"),
            ] where count > 0 {
                let barHeight = plotHeight * Double(count) / Double(peak)
                y -= barHeight
                svg +=
                    "<rect x=\(q(x(minute.minute))) y=\(q(y)) width=\(q(barWidth)) height=\(q(barHeight)) fill=\"\(colour)\"><title>\(IncidentHTML.e(IncidentText.time(minute.minute))): \(count) \(label)</title></rect>\n"
            }
        }
        for stop in when.stops {
            let at = x(stop.at)
            svg +=
                "<line x1=\(q(at)) y1=\"10\" x2=\(q(at)) y2=\(q(10 + plotHeight)) stroke=\"#c62828\" stroke-dasharray=\"4 3\"><title>\(IncidentHTML.e("\(IncidentText.time(stop.at)) \(stop.what) by \(stop.actor)"))</title></line>\n"
        }
        svg +=
            "<text x=\"\(left)\" y=\"\(height - 8)\" font-size=\"11\">\(IncidentHTML.e(IncidentText.time(start)))</text>\n"
            + "<text x=\"\(left + plotWidth)\" y=\"\(height - 8)\" font-size=\"11\" text-anchor=\"end\">\(IncidentHTML.e(IncidentText.time(end)))</text>\n"
        return svg + "</svg>"
    }

    /// A quoted SVG number with two decimals.
    private static func q(_ value: Double) -> String { "\"" + String(format: "%.2f", value) + "\"" }
}
