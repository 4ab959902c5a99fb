/// The events a webhook can receive (`webhooks[].events`), each read from the audit log.
///
/// ```swift
/// WebhookEventName(rawValue: "relay.held")  // .relayHeld
/// WebhookEventName.known                   // "campaign.state, brake.tripped, relay.held, relay.breaker_tripped, list.storm"
/// ```
public enum WebhookEventName: String, Sendable, Hashable, Codable, CaseIterable {
    /// A campaign changed state (every `campaign.transition`).
    case campaignState = "campaign.state"
    /// A brake paused a campaign.
    case brakeTripped = "brake.tripped"
    /// A relay message (or a list post) was filed as held.
    case relayHeld = "relay.held"
    /// A relay sender's breaker opened.
    case relayBreakerTripped = "relay.breaker_tripped"
    /// A reply storm blocked a hosted list's thread.
    case listStorm = "list.storm"

    /// Every name, in order, for messages.
    public static var known: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
