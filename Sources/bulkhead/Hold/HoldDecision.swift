import BulkheadEngine
import BulkheadStore

/// A hold queue decision, with the store's and the engine's refusals as the CLI's messages.
enum HoldDecision {
    static func apply(_ decision: RelayDecision, to id: Int64, store: any MailStore, actor: AuditActor) async throws -> RelayMessageRecord {
        try await apply(to: id) { id in try await store.decideRelayMessage(id, decision, actor: actor) }
    }

    /// `decide` on message `id`; an unknown id or a refusal exits 1 with its message.
    static func apply<T>(to id: Int64, _ decide: (RelayMessageID) async throws -> T) async throws -> T {
        do {
            return try await decide(RelayMessageID(rawValue: id))
        } catch StoreError.notFound {
            throw CLIError.fail("no relayed message \(id)", code: 1)
        } catch StoreError.refused(let why) {
            throw CLIError.fail(why, code: 1)
        } catch let refused as ActionRefused {
            throw CLIError.fail(refused.reason, code: 1)
        }
    }
}
