import BulkheadPolicy
import BulkheadStore

extension BulkheadEnvironment {
    /// The inbound listener's policy (`inbound`, `bounces`, `lists`, `autoresponders`): what it accepts
    /// and where it files it; posts to hosted lists and auto-responders' replies and forwards ring
    /// `doorbell` (the relay deliverer sends them).
    /// Throws when a local domain has no ASCII form (the configuration check refuses it first).
    public func inboundRouter(doorbell: RelayDoorbell? = nil) throws -> InboundMailRouter {
        InboundMailRouter(
            store: store, unsubscribe: oneClickUnsubscribe, brakes: brakes,
            kept: KeptMailbox(directory: configuration.path("inbound"), maximumBytes: configuration.inbound.keptMaxBytes),
            domains: inboundDomains,
            softLimit: SoftBounceLimit(count: configuration.bounces.softLimit, days: configuration.bounces.softDays),
            hostname: listenerHostname, clock: clock, logger: logger, posting: try listPosting(doorbell: doorbell),
            responding: configuration.autoresponders.isEmpty ? nil : try autoResponding(doorbell: doorbell))
    }

    /// What happens to posts to hosted lists (`lists`, the guardrail thresholds, the relay's exposure limit).
    public func listPosting(doorbell: RelayDoorbell? = nil) throws -> ListPosting {
        ListPosting(
            store: store, limits: configuration.lists.postLimits,
            thresholds: configuration.relay.thresholds(campaign: configuration.guardrails.thresholds),
            localDomains: try LocalDomains(inboundDomains),
            notices: ListNotices(
                store: store, from: try configuration.fromMailbox, transport: transport, alerts: alerts, clock: clock, logger: logger),
            doorbell: doorbell, clock: clock, logger: logger)
    }

    /// Writes the members' copies of list posts (`lists.from_rewrite`, the unsubscribe base URL, the DKIM keys).
    public var listCopyWriter: ListCopyWriter {
        ListCopyWriter(
            keys: relayCopyWriter, tokens: tokens, unsubscribeBase: configuration.identity.unsubscribeBaseURL,
            fromRewrite: configuration.lists.fromRewrite == .always, moderateFrom: configuration.lists.moderateFromMembers)
    }
}
