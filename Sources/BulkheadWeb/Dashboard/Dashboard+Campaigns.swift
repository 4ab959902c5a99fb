import BulkheadEngine
import BulkheadMail
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /campaigns/new`: the form for a draft (an author).
    func newCampaign(_ call: Call) async throws -> Response {
        let lists = try await store.allLists().map { ["id": $0.id.rawValue, "name": $0.name, "selected": false] as [String: Any] }
        return page(.ok, title: "New campaign", template: "campaignNew", ["lists": lists], session: call.session)
    }

    /// `POST /campaigns`: creates the draft (From from the configuration's identity), as `campaign create`.
    func createCampaign(_ call: Call) async throws -> Response {
        let form = call.form
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let subject = form["subject"] ?? ""
        let text = (form["text"] ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        let html = form["html"].flatMap {
            $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0.replacingOccurrences(of: "\r\n", with: "\n")
        }
        let listID = form["list"].flatMap(Int64.init).map(ListID.init(rawValue:))
        func again(_ problem: String) async throws -> Response {
            let lists = try await store.allLists().map { ["id": $0.id.rawValue, "name": $0.name, "selected": $0.id == listID] as [String: Any] }
            return page(
                .unprocessableContent, title: "New campaign", template: "campaignNew",
                ["lists": lists, "name": name, "subject": subject, "text": text, "html": html ?? ""], session: call.session, problem: problem)
        }
        guard !name.isEmpty else { return try await again("A campaign needs a name.") }
        guard let listID, try await store.list(id: listID) != nil else { return try await again("Choose a list.") }
        do {
            _ = try CampaignTemplates(subject: subject, text: text, html: html)
        } catch {
            return try await again("Template: \(error)")
        }
        let content = CampaignContent(
            name: name, listID: listID, from: environment.configuration.identity.from, subjectTemplate: subject, textTemplate: text,
            htmlTemplate: html, kind: form["transactional"] == "1" ? .transactional : .commercial)
        let campaign: Campaign
        do {
            campaign = try await store.createCampaign(content, actor: call.actor)
        } catch let error as StoreError {
            return try await again("\(error)")
        }
        return Self.redirect("/campaigns/\(campaign.id.rawValue)?done=created")
    }

    /// The campaign of the `:id` parameter, or nil.
    func campaign(_ call: Call) async throws -> Campaign? {
        guard let raw = call.parameter("id"), let id = Int64(raw) else { return nil }
        return try await store.campaign(id: CampaignID(rawValue: id))
    }

    func notFound(_ call: Call, _ what: String) -> Response {
        page(.notFound, title: "Not found", template: "error", ["heading": "Not found", "message": "There is no \(what)."], session: call.session)
    }

    /// `GET /campaigns/:id`: state and live counts, the actions its state allows, the audience, the
    /// preflight (before the send), the approval and its history, a preview for a chosen recipient, the
    /// messages per minute and the audit history.
    func campaignPage(_ call: Call, status: HTTPResponse.Status = .ok, problem: String? = nil) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        let id = campaign.id
        let counts = try await store.ledgerCounts(campaign: id)
        let audience = try await store.audience(campaign: id)
        var values: [String: Any] = [
            "id": id.rawValue, "name": campaign.content.name, "state": campaign.state.rawValue, "createdBy": campaign.createdBy,
            "listName": try await store.list(id: campaign.content.listID)?.name ?? "?",
            "counts": Self.countKeys.map { ["key": $0.rawValue, "label": $0.rawValue, "value": counts[$0]] as [String: Any] }
                + [["key": "bounced", "label": "bounced (of sent)", "value": try await store.bounceCounts(campaign: id).values.reduce(0, +)]],
            "total": counts.total, "eligible": audience.eligible,
            "unconfirmed": audience.excluded[.unconfirmed] ?? 0, "unsubscribed": audience.excluded[.unsubscribed] ?? 0,
            "suppressed": audience.excluded[.suppressed] ?? 0, "noConsent": audience.excluded[.noConsentRecord] ?? 0,
            "actions": actions(for: campaign, user: call.user, csrf: call.session.csrfToken),
            "chart": Self.chart(try await store.ledgerTimeline(campaign: id)),
            "sampleAddress": BulkheadEnvironment.previewAddress,
        ]
        if let reason = campaign.pauseReason { values["reason"] = reason }
        if campaign.state == .pending, let deadline = campaign.stateDeadline { values["deadline"] = deadline.formatted(.iso8601) }
        // The preflight reads the whole audience: shown only before a send, when it decides something.
        if [.draft, .scheduled, .paused].contains(campaign.state) {
            do {
                let report = try await CampaignPreflight(environment: environment).run(campaign)
                values["hasFindings"] = true
                values["findings"] = report.findings.map {
                    ["severity": $0.severity.rawValue, "code": $0.code, "message": $0.message, "fix": $0.fix ?? ""] as [String: Any]
                }
                values["unmet"] = report.requirements.unmet
            } catch {
                values["hasFindings"] = true
                values["unmet"] = ["The preflight could not run: \(error)"]
            }
        }
        values["approval"] = try await environment.approvalStatus(for: campaign, eligible: audience.eligible).description
        values["fingerprint"] = try? environment.fingerprint(of: campaign)
        values["approvals"] = try await store.approvals(campaign: id).map { approval in
            var row: [String: Any] = ["at": Self.when(approval.at), "decision": approval.decision.rawValue, "by": approval.by]
            if let comment = approval.comment, !comment.isEmpty { row["comment"] = comment }
            return row
        }
        values["mayDecide"] =
            DashboardPermission.approver.allows(call.user) && call.user.name != campaign.createdBy
            && [.draft, .scheduled, .paused].contains(campaign.state)
        values.merge(try await preview(campaign, recipient: call.query("recipient"))) { _, new in new }
        let history = try await store.auditEvents(AuditQuery(subjectKind: "campaign", subjectID: "\(id.rawValue)"))
        // The delivery's own record of a stop: what was in flight and completed after it.
        if let stop = history.last(where: { $0.event.details["completed_after_stop"] != nil }) {
            values["stopFigures"] = [
                "by": stop.event.actor.displayName, "at": Self.when(stop.at),
                "completed": Self.plain(stop.event.details["completed_after_stop"]!),
                "released": stop.event.details["released_unsent"].map(Self.plain) ?? "0",
            ]
        }
        values["history"] = history.map {
            ["at": Self.when($0.at), "action": $0.event.action, "actor": $0.event.actor.displayName, "details": Self.details($0.event.details)]
                as [String: Any]
        }
        return page(
            status, title: "Campaign \(id.rawValue)", template: "campaign", values, session: call.session, notice: Self.notice(call), problem: problem
        )
    }

    /// The ledger states shown as live counts, in this order.
    static let countKeys: [LedgerState] = [.queued, .sending, .sent, .deferred, .failed, .uncertain, .suppressed]

    /// The buttons a campaign's state allows this user (the server checks again on each POST).
    private func actions(for campaign: Campaign, user: User, csrf: String) -> [[String: Any]] {
        var actions: [[String: Any]] = []
        func add(_ verb: String, _ label: String, _ permission: DashboardPermission, style: String = "", confirmField: Bool = false) {
            guard permission.allows(user) else { return }
            actions.append(["id": campaign.id.rawValue, "verb": verb, "label": label, "style": style, "csrf": csrf, "confirmField": confirmField])
        }
        switch campaign.state {
        case .draft, .scheduled:
            add("send", "Send", .author, confirmField: true)
            add("cancel", "Cancel", .stop, style: "danger")
        case .pending:
            add("cancel", "Cancel (undo)", .stop, style: "danger")
            add("pause", "Pause", .stop)
        case .canaryHold:
            add("promote", "Promote", .author)
            add("pause", "Pause", .stop)
            add("abort", "Stop", .stop, style: "danger")
        case .canary, .sending:
            add("pause", "Pause", .stop)
            add("abort", "Stop", .stop, style: "danger")
        case .paused:
            add("abort", "Stop", .stop, style: "danger")
            add("cancel", "Cancel", .stop, style: "danger")
        case .sent, .cancelled, .aborted:
            break
        }
        return actions
    }

    /// The preview's values: the recipient asked for (a subscriber's address), else a sample.
    private func preview(_ campaign: Campaign, recipient: String?) async throws -> [String: Any] {
        var values: [String: Any] = [:]
        var subscriber: Subscriber?
        if let recipient, !recipient.isEmpty {
            values["recipient"] = recipient
            values["previewQuery"] = "?recipient=" + (recipient.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            if let address = try? NormalizedAddress(recipient) { subscriber = try await store.subscriber(address: address) }
            if subscriber == nil { values["previewProblem"] = "No subscriber has that address: the preview shows a sample recipient." }
        }
        do {
            let rendered = try environment.preview(campaign, for: subscriber)
            values["previewSubject"] = rendered.subject
            values["previewText"] = rendered.text ?? ""
            values["hasHTML"] = rendered.html != nil
        } catch {
            values["previewProblem"] = "The template does not render: \(error)"
        }
        return values
    }

    /// `GET /campaigns/:id/preview.html`: the HTML body alone, for the page's sandboxed iframe. Its
    /// policy allows no script and nothing from anywhere (remote images do not load), inline style only.
    func previewHTML(_ call: Call) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        var subscriber: Subscriber?
        if let recipient = call.query("recipient"), let address = try? NormalizedAddress(recipient) {
            subscriber = try await store.subscriber(address: address)
        }
        let html = (try? environment.preview(campaign, for: subscriber).html) ?? nil
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        DashboardHeaders.apply(&headers)
        headers[.contentSecurityPolicy] = Self.framedDocumentPolicy
        headers[.init("X-Frame-Options")!] = "SAMEORIGIN"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html ?? "<p>No HTML body.</p>")))
    }

    // MARK: Actions

    /// `POST /campaigns/:id/send`: the gate (`requestSend`, the same as `campaign send`), then the
    /// undo window or the launch; `bulkhead serve` delivers.
    func send(_ call: Call) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        guard [.draft, .scheduled].contains(campaign.state) else {
            return try await campaignPage(
                call, status: .conflict, problem: "Campaign \(campaign.id.rawValue) is \(campaign.state.rawValue); send needs draft or scheduled.")
        }
        let typed = call.form["confirm"].flatMap { $0.isEmpty ? nil : $0 }
        var confirmed: Int?
        if let typed {
            guard let number = Int(typed.trimmingCharacters(in: .whitespaces)) else {
                return try await campaignPage(call, status: .unprocessableContent, problem: "Type the eligible count as a number.")
            }
            confirmed = number
        }
        do {
            let requested = try await environment.requestSend(campaign, actor: call.actor, confirmed: confirmed)
            if requested.undoDeadline == nil {
                do {
                    _ = try await environment.launch(campaign.id, actor: call.actor, details: ["reason": "launched"])
                } catch StoreError.invalidTransition {
                    // Cancelled or paused at the very moment: the page shows where it is.
                }
            }
        } catch let refused as SendRefused {
            return try await campaignPage(call, status: .unprocessableContent, problem: refused.reason)
        }
        return Self.redirect("/campaigns/\(campaign.id.rawValue)?done=sent")
    }

    /// `POST /campaigns/:id/promote`: ends the canary hold early.
    func promote(_ call: Call) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        do {
            _ = try await environment.promote(campaign.id, actor: call.actor)
        } catch StoreError.invalidTransition(_, let now, _) {
            return try await campaignPage(
                call, status: .conflict, problem: "The campaign is \(now.rawValue); only one in canary-hold can be promoted.")
        }
        return Self.redirect("/campaigns/\(campaign.id.rawValue)?done=promoted")
    }

    /// `POST /campaigns/:id/pause|abort|cancel`: the engine's stopping calls, as the CLI and the API
    /// make them (abort in the undo window is a cancel; cancel only before anything was sent).
    func stopCampaign(_ call: Call, to target: CampaignState) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        let id = campaign.id
        let stopped: Campaign
        do {
            switch target {
            case .paused: stopped = try await store.pauseCampaign(id, actor: call.actor, reason: "dashboard")
            case .aborted: stopped = try await store.abortCampaign(id, actor: call.actor, reason: "dashboard")
            default: stopped = try await store.cancelCampaign(id, actor: call.actor, reason: "dashboard")
            }
        } catch let refused as ActionRefused {
            return try await campaignPage(call, status: .conflict, problem: refused.reason)
        } catch StoreError.invalidTransition(_, let now, _) {
            return try await campaignPage(call, status: .conflict, problem: "The campaign is \(now.rawValue): it cannot become \(target.rawValue).")
        }
        return Self.redirect("/campaigns/\(id.rawValue)?done=\(stopped.state.rawValue)")
    }

    /// `POST /campaigns/:id/approve|reject`: the engine's decision (four eyes as in the CLI and the API;
    /// the store refuses the author, an editor and whoever asked for an override).
    func decide(_ call: Call, _ decision: ApprovalDecision) async throws -> Response {
        guard let campaign = try await campaign(call) else { return notFound(call, "such campaign") }
        let comment = call.form["comment"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        guard [.draft, .scheduled, .paused].contains(campaign.state) else {
            return try await campaignPage(
                call, status: .conflict,
                problem: "The campaign is \(campaign.state.rawValue): only one not yet sent (draft, scheduled, paused) can be decided.")
        }
        do {
            _ = try await environment.decide(decision, campaign: campaign.id, comment: comment, actor: call.actor)
        } catch StoreError.refused(let why) {
            return try await campaignPage(call, status: .forbidden, problem: why)
        } catch let refused as ActionRefused {
            return try await campaignPage(call, status: .conflict, problem: refused.reason)
        }
        return Self.redirect("/campaigns/\(campaign.id.rawValue)?done=\(decision == .approve ? "approved" : "rejected")")
    }

    // MARK: Small renderings

    /// Audit details as `key: value` pairs.
    static func details(_ details: [String: JSONValue]) -> String {
        details.keys.sorted().map { key in "\(key): \(plain(details[key]!))" }.joined(separator: ", ")
    }

    /// One audit detail's value as text.
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let string): string
        case .array(let values): "[" + values.map(plain).joined(separator: ", ") + "]"
        case .object(let members): "{" + details(members) + "}"
        }
    }

    /// Messages per minute as an inline SVG bar chart (no script, no remote request).
    static func chart(_ timeline: LedgerTimeline) -> String {
        let minutes = timeline.minutes.suffix(120)
        guard !minutes.isEmpty else { return "<p>Nothing delivered yet.</p>" }
        let peak = max(1, minutes.map { $0.delivered + $0.failed + $0.uncertain }.max() ?? 1)
        let width = 600.0
        let height = 120.0
        let bar = width / Double(minutes.count)
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"140\" viewBox=\"0 0 600 140\" role=\"img\" aria-label=\"messages per minute, peak \(peak)\">"
        for (index, minute) in minutes.enumerated() {
            let total = minute.delivered + minute.failed + minute.uncertain
            let h = height * Double(total) / Double(peak)
            svg +=
                "<rect x=\"\(Int(Double(index) * bar))\" y=\"\(Int(height - h))\" width=\"\(max(1, Int(bar) - 1))\" height=\"\(Int(h))\" fill=\"#0366d6\"><title>\(total)</title></rect>"
        }
        svg += "<text x=\"0\" y=\"136\" font-size=\"11\">peak \(peak)/min over \(minutes.count) min</text></svg>"
        return svg
    }
}
