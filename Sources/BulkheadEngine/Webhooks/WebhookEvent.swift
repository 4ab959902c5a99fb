public import BulkheadStore
public import Foundation

/// One event for webhooks, made from an audit event: its name, the audit event's key and time, and
/// data without any recipient address (campaign id, name, state and reason; a relay message's id and
/// finding codes; the sender whose breaker tripped, who is the account holder).
///
/// ```swift
/// let events = WebhookEvent.events(from: audit, campaignName: "spring")
/// events.map(\.name)   // [.campaignState, .brakeTripped] for a brake's pause
/// String(decoding: try events[0].body(), as: UTF8.self)
/// // {"at":"2027-01-15T08:00:00Z","data":{…},"event":"campaign.state","id":"42-campaign.state"}
/// ```
public struct WebhookEvent: Sendable, Hashable {
    public var name: WebhookEventName
    /// The audit event it was made from.
    public var auditID: Int64
    /// When it happened.
    public var at: Date
    public var data: [String: JSONValue]

    public init(name: WebhookEventName, auditID: Int64, at: Date, data: [String: JSONValue]) {
        self.name = name
        self.auditID = auditID
        self.at = at
        self.data = data
    }

    /// The delivery id (`X-Bulkhead-Delivery`, the body's `id`): the same on every attempt and after
    /// a restart, so a receiver can drop a repeat.
    public var deliveryID: String { "\(auditID)-\(name.rawValue)" }

    /// The JSON body: `{"at":…,"data":{…},"event":…,"id":…}`, keys sorted.
    public func body() throws -> [UInt8] {
        let payload: [String: JSONValue] = [
            "id": .string(deliveryID), "event": .string(name.rawValue), "at": .string(at.formatted(.iso8601)), "data": .object(data),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(payload))
    }

    /// The audit actions webhooks are made from; others are passed over.
    public static let actions: Set<String> = ["campaign.transition", "relay.hold", "relay.breaker-trip", "list.storm"]

    /// The events an audit event makes (none for most): a campaign's transition is a `campaign.state`
    /// event, and also a `brake.tripped` one when a brake paused it. `campaignName` is the campaign's
    /// name for campaign events, `listName` the list's for storms (nil when unknown).
    public static func events(from audit: AuditEvent, campaignName: String? = nil, listName: String? = nil) -> [WebhookEvent] {
        let details = audit.event.details
        let subject = audit.event.subjectID
        func make(_ name: WebhookEventName, _ data: [String: JSONValue]) -> WebhookEvent {
            WebhookEvent(name: name, auditID: audit.id, at: audit.at, data: data)
        }
        func number(_ text: String) -> JSONValue { Double(text).map(JSONValue.number) ?? .string(text) }
        func pick(_ keys: [String]) -> [String: JSONValue] { details.filter { keys.contains($0.key) } }
        switch audit.event.action {
        case "campaign.transition":
            var data = pick(["from", "reason"])
            data["campaign"] = number(subject)
            data["state"] = details["to"]
            if let campaignName { data["name"] = .string(campaignName) }
            var events = [make(.campaignState, data)]
            if case .string(let reason)? = details["reason"], reason.hasPrefix("brake:"), details["to"] == .string("paused") {
                var brake = pick(["metric", "events", "outcomes", "rate_percent", "threshold_percent", "window", "reason"])
                brake["campaign"] = number(subject)
                if let campaignName { brake["name"] = .string(campaignName) }
                events.append(make(.brakeTripped, brake))
            }
            return events
        case "relay.hold":
            var data = pick(["reason", "codes"])
            data["message"] = number(subject)
            return [make(.relayHeld, data)]
        case "relay.breaker-trip":
            var data = pick(["message"])
            data["sender"] = .string(subject)
            return [make(.relayBreakerTripped, data)]
        case "list.storm":
            var data = pick(["storm", "blocked_until"])
            data["list"] = number(subject)
            if let listName { data["name"] = .string(listName) }
            return [make(.listStorm, data)]
        default:
            return []
        }
    }
}
