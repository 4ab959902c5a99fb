public import Foundation

/// What became of one attempt to deliver a webhook event.
public enum WebhookAttemptStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The receiver answered 2xx: delivered, the webhook's cursor moved past the event.
    case delivered
    /// It failed and will be tried again after a backoff.
    case retrying
    /// It failed on the last attempt: given up, the cursor moved past the event.
    case failed
}

/// One attempt to append to the webhook delivery log.
///
/// ```swift
/// let attempt = NewWebhookAttempt(
///     delivery: "42-campaign.state", url: "https://hooks.example/bulkhead", event: "campaign.state",
///     auditID: 42, attempt: 1, statusCode: 200, error: nil, status: .delivered)
/// try await store.recordWebhookAttempt(attempt, advancingCursor: true)
/// ```
public struct NewWebhookAttempt: Sendable, Hashable {
    /// The delivery's id (`X-Bulkhead-Delivery`): the same for every attempt of one event.
    public var delivery: String
    /// The webhook's URL (the receiver).
    public var url: String
    /// The event's name (`campaign.state`, …).
    public var event: String
    /// The audit event it was made from.
    public var auditID: Int64
    /// 1 for the first attempt.
    public var attempt: Int
    /// The receiver's HTTP status, nil when no answer came (refused, timed out).
    public var statusCode: Int?
    /// Why it failed (no secret, no body), nil when delivered.
    public var error: String?
    /// What became of it.
    public var status: WebhookAttemptStatus

    /// Describes one attempt.
    public init(
        delivery: String, url: String, event: String, auditID: Int64, attempt: Int, statusCode: Int?, error: String?,
        status: WebhookAttemptStatus
    ) {
        self.delivery = delivery
        self.url = url
        self.event = event
        self.auditID = auditID
        self.attempt = attempt
        self.statusCode = statusCode
        self.error = error
        self.status = status
    }
}

/// A row of the webhook delivery log.
public struct WebhookAttempt: Sendable, Hashable, Identifiable {
    /// Increasing key (the order of attempts).
    public var id: Int64
    /// When the attempt ended.
    public var at: Date
    /// What was attempted and what came of it.
    public var attempt: NewWebhookAttempt
}

/// How much is waiting to be delivered: what `/metrics` reports as queue depth.
public struct QueueDepth: Sendable, Hashable {
    /// Campaign ledger entries in `queued` or `deferred` (waiting for their turn or their retry).
    public var campaignQueued: Int
    /// Relay (and list) copies waiting to be delivered.
    public var relayQueued: Int
    /// Relay messages held for a person.
    public var relayHeld: Int

    public init(campaignQueued: Int, relayQueued: Int, relayHeld: Int) {
        self.campaignQueued = campaignQueued
        self.relayQueued = relayQueued
        self.relayHeld = relayHeld
    }
}
