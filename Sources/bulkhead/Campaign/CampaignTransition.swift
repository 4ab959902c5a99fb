import ArgumentParser
import BulkheadStore

/// One state change, audited with the acting person.
enum CampaignTransition {
    static func apply(
        _ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, from: Set<CampaignState>, to: CampaignState,
        reason: String?
    ) async throws -> Campaign {
        try await config.withStore { store, _ in
            do {
                var details: [String: JSONValue] = [:]
                if let reason { details["reason"] = .string(reason) }
                return try await store.transition(id, from: from, to: to, actor: actor.audit, details: details)
            } catch StoreError.notFound(.campaign(let missing)) {
                throw CLIError.noSuchCampaign(missing)
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(id.rawValue): \(error)", code: 1)
            }
        }
    }
}
