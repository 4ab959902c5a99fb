public import BulkheadPolicy
public import BulkheadStore
import Foundation
public import Logging

/// What one look at a campaign's brakes found.
public struct BrakeCheck: Sendable, Hashable {
    /// The outcomes judged.
    public var window: BrakeWindow
    /// The brake that trips on them, if any.
    public var trip: BrakeTrip?
    /// True when this look paused the campaign (it was under way: `canary`, `canary-hold` or `sending`).
    public var paused: Bool
}

/// The brakes of running campaigns: reads a campaign's most recent outcomes from the store, judges them
/// with ``BrakeRules``, and when a brake trips pauses the campaign (reason `brake:<metric>`, the
/// figures in the audit entry) and raises an alert (logged at `critical`; no address is logged).
///
/// The runner looks after each batch of outcomes; the inbound path (bounces, complaints, unsubscribes
/// arriving later by mail or HTTP) calls ``record(_:campaign:subscriber:)``, which feeds the same window.
///
/// ```swift
/// let brakes = CampaignBrakes(store: store, rules: BrakeRules(), logger: logger)
/// let look = try await brakes.check(campaignID)
/// if look.paused { print("paused:", look.trip!.reason) }
/// try await brakes.record(.complaint, campaign: campaignID, subscriber: subscriberID)
/// ```
public struct CampaignBrakes: Sendable {
    public let store: any MailStore
    public let rules: BrakeRules
    /// Mails each alert to `alerts.email` (nil: log only).
    public let alerts: AlertMailer?
    let logger: Logger
    /// Brake trips are counted here.
    public var metrics = EngineMetrics.global

    public init(store: any MailStore, rules: BrakeRules, alerts: AlertMailer? = nil, logger: Logger = Logger(label: "bulkhead.brakes")) {
        self.store = store
        self.rules = rules
        self.alerts = alerts
        self.logger = logger
    }

    /// The states a brake pauses.
    public static let running: Set<CampaignState> = [.canary, .canaryHold, .sending]

    /// Judges the campaign's window; pauses the campaign when a brake trips and it is still running.
    @discardableResult
    public func check(_ id: CampaignID) async throws -> BrakeCheck {
        let window = try await store.brakeWindow(campaign: id, size: rules.thresholds.window)
        guard let trip = rules.evaluate(window) else { return BrakeCheck(window: window, trip: nil, paused: false) }
        let details: [String: JSONValue] = [
            "reason": .string(trip.reason), "metric": .string(trip.metric.rawValue), "events": .number(Double(trip.events)),
            "outcomes": .number(Double(trip.outcomes)), "rate_percent": .number(Self.rounded(trip.ratePercent)),
            "threshold_percent": .number(trip.thresholdPercent), "window": .number(Double(rules.thresholds.window)),
        ]
        let paused: Campaign
        do {
            paused = try await store.transition(id, from: Self.running, to: .paused, actor: .system, details: details)
        } catch StoreError.invalidTransition {
            return BrakeCheck(window: window, trip: trip, paused: false)  // already paused, aborted or finished
        }
        metrics.brakeTripped(trip.metric.rawValue)
        await alert(trip, campaign: id, from: paused.pausedFrom)
        return BrakeCheck(window: window, trip: trip, paused: true)
    }

    /// Records an event that arrived after the send (by mail or HTTP) in the campaign's outcome log,
    /// then judges the window. Nil when the subscriber has no entry in the campaign.
    @discardableResult
    public func record(_ metric: BrakeMetric, campaign: CampaignID, subscriber: SubscriberID) async throws -> BrakeCheck? {
        guard try await store.recordBrakeEvent(metric, campaign: campaign, subscriber: subscriber) else { return nil }
        return try await check(campaign)
    }

    private func alert(_ trip: BrakeTrip, campaign: CampaignID, from state: CampaignState?) async {
        let text =
            "campaign \(campaign.rawValue) paused by its \(trip.metric.rawValue) brake: \(trip.events) of the last \(trip.outcomes) outcomes (\(Self.rounded(trip.ratePercent)) %) reach \(trip.thresholdPercent) %; look, then `bulkhead campaign resume \(campaign.rawValue)` or `abort`"
        logger.critical(
            "alert: \(text)", metadata: ["campaign": "\(campaign.rawValue)", "reason": "\(trip.reason)", "state": "\(state?.rawValue ?? "?")"])
        await alerts?.send(subject: "campaign \(campaign.rawValue) paused by its \(trip.metric.rawValue) brake", text: text)
    }

    private static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
