import BulkheadPolicy
import BulkheadStore

extension BulkheadEnvironment {
    /// The guard relay's policy (`relay`, the guardrail thresholds, the local domains of `inbound`).
    /// Throws when a local domain has no ASCII form (the configuration check refuses it first).
    public func relayGateway(doorbell: RelayDoorbell) throws -> RelayGateway {
        let from = try configuration.fromMailbox
        return RelayGateway(
            store: store, settings: configuration.relay,
            thresholds: configuration.relay.thresholds(campaign: configuration.guardrails.thresholds),
            localDomains: try LocalDomains(inboundDomains),
            notices: RelayNotices(store: store, from: from, transport: transport, alerts: alerts, clock: clock, logger: logger),
            doorbell: doorbell,
            hostname: listenerHostname, clock: clock, logger: logger)
    }

    /// Delivers what the relay queued, as `worker` (one name per process: its `sending` rows are
    /// recovered as `uncertain` when it starts again).
    public func relayDeliverer(worker: String) -> RelayDeliverer {
        RelayDeliverer(
            store: store, transport: transport, copies: relayCopyWriter, lists: listCopyWriter, settings: DeliverySettings(configuration.delivery),
            worker: worker, clock: clock, logger: logger)
    }

    /// Writes released copies, re-signed with this installation's DKIM keys (`dkim`, `dkim_keys`).
    public var relayCopyWriter: RelayCopyWriter {
        RelayCopyWriter(defaultSigner: signer, namedSigners: namedSigners)
    }
}
