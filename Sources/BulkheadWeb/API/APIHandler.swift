import BulkheadEngine
import BulkheadStore

/// The generated `APIProtocol`, implemented on the engine: every operation calls the same engine or
/// store function as the CLI command it mirrors (split by concern: `APIHandler+Campaigns.swift`,
/// `+CampaignActions`, `+Holds`, `+Stop`, `+Tokens`). The caller is ``APICaller/current()``; errors
/// are thrown and rendered by ``APIErrorMiddleware``.
///
/// ```swift
/// try APIHandler(environment: environment).registerHandlers(on: router.group("api"), serverURL: URL(string: "/")!)
/// ```
struct APIHandler: APIProtocol {
    let environment: BulkheadEnvironment

    var store: any MailStore { environment.store }

    /// The campaign, or a 404.
    func campaign(_ id: Int64) async throws -> Campaign {
        guard let campaign = try await store.campaign(id: CampaignID(rawValue: id)) else {
            throw APIError.notFound("no campaign \(id)")
        }
        return campaign
    }
}
