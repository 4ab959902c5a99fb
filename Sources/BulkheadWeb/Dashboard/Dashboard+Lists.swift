import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /lists`: every list with its members by status; hosted lists with their policy and
    /// emergency switch; the address search.
    func lists(_ call: Call) async throws -> Response {
        let moderateFrom = environment.configuration.lists.moderateFromMembers
        var hosted: [ListID: HostedList] = [:]
        for list in try await store.hostedLists() { hosted[list.listID] = list }
        var rows: [[String: Any]] = []
        for list in try await store.allLists() {
            let counts = try await store.membershipCounts(list: list.id)
            var row: [String: Any] = [
                "id": list.id.rawValue, "name": list.name, "description": list.description,
                "confirmed": counts[.confirmed] ?? 0, "unconfirmed": counts[.unconfirmed] ?? 0, "unsubscribed": counts[.unsubscribed] ?? 0,
                "mayImport": DashboardPermission.importer.allows(call.user), "csrf": call.session.csrfToken,
            ]
            if let hostedList = hosted[list.id] {
                row["hosted"] = [
                    "address": hostedList.address, "policy": hostedList.policy(moderateFrom: moderateFrom).rawValue,
                    "emergency": hostedList.emergency,
                    "id": list.id.rawValue, "csrf": call.session.csrfToken,
                    "mayRelease": DashboardPermission.holdDecision.allows(call.user),
                ]
            }
            rows.append(row)
        }
        return page(.ok, title: "Lists", template: "lists", ["lists": rows], session: call.session, notice: Self.notice(call))
    }

    /// `POST /lists/:id/emergency` (`on` = 1 or 0): a hosted list's emergency switch. Anyone may turn it
    /// on (it only holds posts); turning it off lets posts through again: an approver or an admin, as in
    /// `bulkhead list emergency`.
    func listEmergency(_ call: Call) async throws -> Response {
        guard let id = call.parameter("id").flatMap(Int64.init).map(ListID.init(rawValue:)) else { return notFound(call, "such list") }
        let on = call.form["on"] == "1"
        guard on || DashboardPermission.holdDecision.allows(call.user) else {
            return page(
                .forbidden, title: "Not allowed", template: "error",
                ["heading": "Not allowed", "message": "Letting a list's posts through again needs an approver or an admin."], session: call.session)
        }
        do {
            try await store.setListEmergency(id, on: on, actor: call.actor)
        } catch StoreError.notFound {
            return notFound(call, "hosted list with that id")
        }
        return Self.redirect("/lists?done=\(on ? "emergency-on" : "emergency-off")")
    }

    /// `GET /subscribers?q=ADDRESS`: one person by address (spelt any way the address parser accepts).
    func searchSubscribers(_ call: Call) async throws -> Response {
        let query = (call.query("q") ?? "").trimmingCharacters(in: .whitespaces)
        var values: [String: Any] = ["q": query]
        if !query.isEmpty {
            if let address = try? NormalizedAddress(query) {
                if let subscriber = try await store.subscriber(address: address) {
                    return Self.redirect("/subscribers/\(subscriber.id.rawValue)")
                }
                values["result"] = "Nobody with the address \(address.value) is stored."
            } else {
                values["result"] = "That is not an address."
            }
        }
        return page(.ok, title: "Subscribers", template: "subscriberSearch", values, session: call.session)
    }

    /// `GET /subscribers/:id`: one person's lists, consent history and suppression.
    func subscriberPage(_ call: Call) async throws -> Response {
        guard let id = call.parameter("id").flatMap(Int64.init).map(SubscriberID.init(rawValue:)),
            let subscriber = try await store.subscriber(id: id)
        else { return notFound(call, "such subscriber") }
        var names: [ListID: String] = [:]
        for list in try await store.allLists() { names[list.id] = list.name }
        let memberships: [[String: Any]] = try await store.memberships(subscriber: id).map {
            ["list": names[$0.listID] ?? "?", "status": $0.status.rawValue, "updated": Self.when($0.updatedAt)]
        }
        let consent: [[String: Any]] = try await store.consentRecords(subscriber: id).map {
            [
                "at": Self.when($0.evidence.at), "list": names[$0.listID] ?? "?", "kind": $0.evidence.kind.rawValue,
                "method": $0.evidence.method.rawValue, "source": $0.evidence.source, "channel": $0.evidence.ipOrChannel ?? "",
            ]
        }
        var values: [String: Any] = [
            "address": subscriber.address.value, "name": subscriber.name ?? "", "memberships": memberships, "consent": consent,
            "created": Self.when(subscriber.createdAt),
        ]
        if let suppression = try await store.suppression(address: subscriber.address) {
            values["suppression"] = [
                "reason": suppression.reason.rawValue, "at": Self.when(suppression.at), "source": suppression.source, "note": suppression.note ?? "",
            ]
        }
        return page(.ok, title: subscriber.address.value, template: "subscriber", values, session: call.session)
    }

    /// `GET /suppressions?after=ADDRESS`: the suppression list, 200 a page, by address.
    func suppressions(_ call: Call) async throws -> Response {
        let after = call.query("after").flatMap { try? NormalizedAddress($0) }
        let page = try await store.suppressions(after: after, limit: 200)
        let rows: [[String: Any]] = page.map {
            ["address": $0.address.value, "reason": $0.reason.rawValue, "at": Self.when($0.at), "source": $0.source]
        }
        var values: [String: Any] = ["suppressions": rows]
        if page.count == 200, let last = page.last {
            values["next"] = last.address.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        }
        return self.page(.ok, title: "Suppressions", template: "suppressions", values, session: call.session)
    }
}
