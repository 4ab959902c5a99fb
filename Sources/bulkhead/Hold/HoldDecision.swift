import BulkheadStore

/// A hold queue decision, with the store's refusals as the CLI's messages.
enum HoldDecision {
    static func apply(_ decision: RelayDecision, to id: Int64, store: any MailStore, actor: AuditActor) async throws -> RelayMessageRecord {
        do {
            return try await store.decideRelayMessage(RelayMessageID(rawValue: id), decision, actor: actor)
        } catch StoreError.notFound {
            throw CLIError.fail("no relayed message \(id)", code: 1)
        } catch StoreError.refused(let why) {
            throw CLIError.fail(why, code: 1)
        }
    }
}
