import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// One stop (pause, abort, cancel: the engine's ``MailStore`` calls), audited with the acting person.
/// The stop commands never need a password (an emergency must not wait for one), but `--as` given is
/// authenticated.
enum CampaignTransition {
    static func apply(
        _ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, action: String,
        _ stop: @escaping (any MailStore, AuditActor) async throws -> Campaign
    ) async throws -> Campaign {
        try await config.withStore { store, _ in
            do {
                let who = try await actor.authenticated(store, for: action, required: false)
                return try await stop(store, who)
            } catch StoreError.notFound(.campaign(let missing)) {
                throw CLIError.noSuchCampaign(missing)
            } catch let refused as ActionRefused {
                throw CLIError.fail(refused.reason, code: 1)
            } catch let error as StoreError {
                throw CLIError.fail("campaign \(id.rawValue): \(error)", code: 1)
            }
        }
    }
}
