import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /`: campaigns by state with their counts, the relay, hosted lists, the emergency stop.
    func overview(_ call: Call) async throws -> Response {
        var campaigns: [[String: Any]] = []
        for campaign in try await store.allCampaigns().sorted(by: { $0.id.rawValue > $1.id.rawValue }) {
            let counts = try await store.ledgerCounts(campaign: campaign.id)
            var row: [String: Any] = [
                "id": campaign.id.rawValue, "name": campaign.content.name, "state": campaign.state.rawValue,
                "sent": counts.byState[.sent] ?? 0, "queued": counts.byState[.queued] ?? 0, "failed": counts.byState[.failed] ?? 0,
                "total": counts.total,
            ]
            if let reason = campaign.pauseReason { row["reason"] = reason }
            campaigns.append(row)
        }
        let relay = try await store.relayMessages(states: [.held, .waiting, .queued], before: nil, limit: 10_000)
        let breakers = try await store.relayBreakers()
        let moderateFrom = environment.configuration.lists.moderateFromMembers
        let storms = try await store.activeListStorms()
        let lists: [[String: Any]] = try await store.hostedLists().map { list in
            var row: [String: Any] = [
                "name": list.name, "address": list.address, "policy": list.policy(moderateFrom: moderateFrom).rawValue, "emergency": list.emergency,
            ]
            let blocks = storms.filter { $0.list == list.listID }
            if !blocks.isEmpty {
                row["storms"] = blocks.map { ["thread": $0.threadKey, "until": Self.when($0.blockedUntil)] }
            }
            return row
        }
        var values: [String: Any] = [
            "campaigns": campaigns, "mayAuthor": DashboardPermission.author.allows(call.user),
            "held": relay.count(where: { $0.state == .held }), "waiting": relay.count(where: { $0.state == .waiting }),
            "queued": relay.count(where: { $0.state == .queued }), "breakers": breakers.count, "lists": lists,
        ]
        if let latch = try await store.latch(named: Latch.emergencyStop) {
            values["stopped"] = [
                "since": Self.when(latch.setAt), "by": latch.setBy, "reason": latch.reason,
                "mayRelease": DashboardPermission.admin.allows(call.user), "csrf": call.session.csrfToken,
            ]
        }
        return page(.ok, title: "Overview", template: "overview", values, session: call.session, notice: Self.notice(call))
    }

    /// `POST /stop-all`: the engine's emergency stop (as `bulkhead stop --all` and the API), after the
    /// typed confirmation `STOP`.
    func stopAll(_ call: Call) async throws -> Response {
        guard call.form["confirm"] == "STOP" else {
            return Self.redirect("/?done=stop-unconfirmed")
        }
        let reason = (call.form["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await environment.stopAll(reason: reason.isEmpty ? "emergency stop" : reason, actor: call.actor)
        return Self.redirect("/?done=stopped")
    }

    /// `POST /stop-all/release`: `bulkhead stop --release` (an admin).
    func releaseStop(_ call: Call) async throws -> Response {
        _ = try await store.releaseLatch(named: Latch.emergencyStop, actor: call.actor)
        return Self.redirect("/?done=released")
    }

    /// `GET /approvals`: campaigns before their send, with the state of their approval.
    func approvals(_ call: Call) async throws -> Response {
        var rows: [[String: Any]] = []
        for campaign in try await store.allCampaigns() where [.draft, .scheduled, .paused].contains(campaign.state) {
            let eligible = try await store.audience(campaign: campaign.id).eligible
            let status = try await environment.approvalStatus(for: campaign, eligible: eligible)
            rows.append([
                "id": campaign.id.rawValue, "name": campaign.content.name, "state": campaign.state.rawValue, "createdBy": campaign.createdBy,
                "eligible": eligible, "approval": status.description,
            ])
        }
        return page(.ok, title: "Approvals", template: "approvals", ["campaigns": rows], session: call.session)
    }

    /// The notice for `?done=CODE` after an action (fixed sentences: a link cannot put words on the page).
    static func notice(_ call: Call) -> String? {
        switch call.query("done") {
        case "stopped": "Everything is stopped: campaigns under way are paused and the relay holds all mail."
        case "released": "The emergency stop is lifted. Paused campaigns stay paused: resume them one by one."
        case "stop-unconfirmed": "Nothing was stopped: type STOP to confirm."
        case "sent": "Send requested: the campaign is queued."
        case "paused": "Paused: no new message starts; the rest stays queued."
        case "aborted": "Stopped: no new message starts."
        case "cancelled": "Cancelled: nothing more will be sent."
        case "promoted": "Promoted: the canary hold is over, the rest of the audience goes now."
        case "approved": "Approved."
        case "rejected": "Rejected."
        case "created": "Draft created. Check the preflight and the preview below."
        case "held-released": "Released: `bulkhead serve` delivers the copies."
        case "held-discarded": "Discarded: nobody gets it."
        case "held-recalled": "Recalled: it waits in the hold queue."
        case "emergency-on": "The list's emergency switch is on: every post is held."
        case "emergency-off": "The list's emergency switch is off: posts follow the list's policy again."
        default: nil
        }
    }
}
