import ArgumentParser
import BulkheadStore

/// One state change, audited with the acting person. Used by the stop commands (pause, abort): they
/// never need a password (an emergency must not wait for one), but `--as` given is authenticated.
enum CampaignTransition {
    static func apply(
        _ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, from: Set<CampaignState>, to: CampaignState,
        reason: String?
    ) async throws -> Campaign {
        try await config.withStore { store, _ in
            do {
                let who = try await actor.authenticated(store, for: "stop campaigns", required: false)
                var details: [String: JSONValue] = [:]
                if let reason { details["reason"] = .string(reason) }
                return try await store.transition(id, from: from, to: to, actor: who, details: details)
            } catch StoreError.notFound(.campaign(let missing)) {
                throw CLIError.noSuchCampaign(missing)
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(id.rawValue): \(error)", code: 1)
            }
        }
    }
}
