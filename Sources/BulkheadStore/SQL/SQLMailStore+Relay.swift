public import BulkheadPolicy
public import Foundation

// UNFINISHED: placeholder so the package builds while the relay's SQL is written (branch relay-store);
// every call refuses. Replaced by the real implementation before the relay is wired.
extension SQLMailStore {
    private static var unbuilt: StoreError { .refused("the relay store is not built yet") }

    public func receiveRelayMessage(_ message: NewRelayMessage, breaker: SenderBreakerLimits) async throws -> RelayReceipt {
        throw Self.unbuilt
    }
    public func relayMessage(_ id: RelayMessageID) async throws -> RelayMessageRecord? { throw Self.unbuilt }
    public func relayMessageBytes(_ id: RelayMessageID) async throws -> [UInt8]? { throw Self.unbuilt }
    public func relayMessages(states: Set<RelayMessageState>?, before: RelayMessageID?, limit: Int) async throws -> [RelayMessageRecord] {
        throw Self.unbuilt
    }
    public func decideRelayMessage(_ id: RelayMessageID, _ decision: RelayDecision, actor: AuditActor) async throws -> RelayMessageRecord {
        throw Self.unbuilt
    }
    public func markRelaySenderNotified(_ id: RelayMessageID) async throws -> Bool { throw Self.unbuilt }
    public func claimRelayDeliveries(worker: String, limit: Int) async throws -> [RelayDelivery] { throw Self.unbuilt }
    public func completeRelayDeliveries(_ outcomes: [RelayDeliveryOutcome]) async throws -> Int { throw Self.unbuilt }
    public func recoverRelayDeliveries(worker: String) async throws -> Int { throw Self.unbuilt }
    public func relayBreakers() async throws -> [RelayBreaker] { throw Self.unbuilt }
    public func closeRelayBreaker(_ sender: RelaySender, actor: AuditActor) async throws -> Bool { throw Self.unbuilt }
}
