import BulkheadEngine
import BulkheadStore

/// The guard relay's hold queue: list, release, discard (as `bulkhead hold list|release|discard`).
extension APIHandler {
    func listHolds(_ input: Operations.ListHolds.Input) async throws -> Operations.ListHolds.Output {
        let records = try await store.relayMessages(states: [.held, .waiting], before: nil, limit: Self.holdsListed)
        return .ok(.init(body: .json(records.map(Components.Schemas.Hold.init))))
    }

    func releaseHold(_ input: Operations.ReleaseHold.Input) async throws -> Operations.ReleaseHold.Output {
        let actor = APICaller.actor(try APICaller.current())
        let mode: Components.Schemas.ReleaseRequest.ModePayload
        if case .json(let body) = input.body { mode = body.mode ?? .asIs } else { mode = .asIs }
        let form: RelayCopyForm =
            switch mode {
            case .asIs: .original
            case .split: .split
            case .bcc: .bcc
            }
        let released = try await environment.releaseHeld(RelayMessageID(rawValue: input.path.id), form: form, actor: actor)
        return .ok(.init(body: .json(.init(hold: .init(released.record), signing: released.signing))))
    }

    func discardHold(_ input: Operations.DiscardHold.Input) async throws -> Operations.DiscardHold.Output {
        let actor = APICaller.actor(try APICaller.current())
        let record = try await store.decideRelayMessage(RelayMessageID(rawValue: input.path.id), .discard, actor: actor)
        return .ok(.init(body: .json(.init(hold: .init(record)))))
    }

    /// At most this many messages per `GET /api/holds` (as `hold list`'s default limit).
    static let holdsListed = 1_000
}
