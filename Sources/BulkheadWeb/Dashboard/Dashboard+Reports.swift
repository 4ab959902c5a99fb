import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import Synchronization

extension Dashboard {
    /// `GET /campaigns/:id/incident`: the incident report (in a sandboxed frame) and its downloads.
    func incidentPage(_ call: Call) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        let values: [String: Any] = ["id": campaign.id.rawValue, "name": campaign.content.name]
        return page(.ok, title: "Incident report", template: "incident", values, session: call.session)
    }

    /// `GET /campaigns/:id/incident/:format`: `view` (the HTML for the frame), `markdown`, `html`,
    /// `json` (downloads, as `bulkhead incident report --format`) and `csv` (every recipient's outcome,
    /// as `--recipients`, streamed from the ledger).
    func incidentDownload(_ call: Call) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        let format = call.parameter("format") ?? ""
        let id = campaign.id
        let base = "campaign-\(id.rawValue)-incident"
        if format == "csv" {
            let store = self.store
            var headers: HTTPFields = [
                .contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(base)-recipients.csv\"",
            ]
            DashboardHeaders.apply(&headers)
            let body = ResponseBody { writer in
                var chunk = CSVText.record(["address", "outcome", "at"])
                for try await entry in store.ledgerEntries(campaign: id) {
                    chunk += CSVText.record([entry.address.value, IncidentOutcome(entry).rawValue, entry.updatedAt.formatted(.iso8601)])
                    if chunk.utf8.count >= 64 * 1_024 {
                        try await writer.write(ByteBuffer(string: chunk))
                        chunk = ""
                    }
                }
                try await writer.write(ByteBuffer(string: chunk))
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: headers, body: body)
        }
        let report = try await IncidentReportBuilder(environment: environment).report(for: id)
        let (text, type, attachment): (String, String, String?) =
            switch format {
            case "view": (IncidentHTML.render(report), "text/html; charset=utf-8", nil)
            case "markdown": (IncidentMarkdown.render(report), "text/markdown; charset=utf-8", "\(base).md")
            case "html": (IncidentHTML.render(report), "text/html; charset=utf-8", "\(base).html")
            case "json": (report.json(), "application/json", "\(base).json")
            default: ("", "", nil)
            }
        guard !type.isEmpty else { return notFound(call, "such format (markdown, html, json, csv)") }
        var headers: HTTPFields = [.contentType: type]
        DashboardHeaders.apply(&headers)
        if let attachment {
            headers[.contentDisposition] = "attachment; filename=\"\(attachment)\""
        } else {
            // The report's own page: inline style and SVG only, nothing runs, framed by this site only.
            headers[.contentSecurityPolicy] = Self.framedDocumentPolicy
            headers[.init("X-Frame-Options")!] = "SAMEORIGIN"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The policy of documents shown in the dashboard's sandboxed frames (a campaign's HTML preview,
    /// the incident report): their own inline style and inline images, no script, nothing fetched.
    static let framedDocumentPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"

    /// `GET /drill`: the button.
    func drillPage(_ call: Call) async throws -> Response {
        page(.ok, title: "Drill", template: "drill", [:], session: call.session)
    }

    /// `POST /drill`: `bulkhead drill` on this configuration (each story in a throwaway sandbox: nothing
    /// here is touched), one at a time; the table of what stopped each accident and what got through.
    func runDrill(_ call: Call) async throws -> Response {
        guard drills.start() else {
            return page(.conflict, title: "Drill", template: "drill", [:], session: call.session, problem: "A drill is already running: wait for it.")
        }
        defer { drills.finish() }
        let report: DrillReport
        do {
            report = try await Drill(configuration: environment.configuration).run()
        } catch {
            return page(.internalServerError, title: "Drill", template: "drill", [:], session: call.session, problem: "The drill failed: \(error)")
        }
        let stories: [[String: Any]] = report.stories.map { story in
            var row: [String: Any] = [
                "id": story.id, "title": story.title, "guardrail": story.guardrail, "left": story.messagesLeft, "exposed": story.peopleExposed,
                "harmful": story.isHarmful,
            ]
            if let note = story.scaledNote { row["note"] = note }
            return row
        }
        let values: [String: Any] = [
            "ran": true, "stories": stories, "left": report.messagesLeft, "exposed": report.peopleExposed, "harmful": report.harmful,
        ]
        return page(.ok, title: "Drill", template: "drill", values, session: call.session)
    }
}

/// One drill at a time per process: each runs thousands of messages through sandboxes.
final class DrillGate: Sendable {
    private let running = Mutex(false)

    /// Claims the gate; false when a drill is under way.
    func start() -> Bool {
        running.withLock { running in
            guard !running else { return false }
            running = true
            return true
        }
    }

    func finish() { running.withLock { $0 = false } }
}
