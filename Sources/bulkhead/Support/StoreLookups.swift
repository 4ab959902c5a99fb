import BulkheadStore

/// The store's records looked up by what was typed on the command line: one that does not exist
/// ends the command with the one message for it (``CLIError/noSuchCampaign(_:)``, ``CLIError/noSuchList(named:)``).
extension MailStore {
    /// The campaign with this id, or exit 1 with ``CLIError/noSuchCampaign(_:)``.
    func existingCampaign(_ id: CampaignID) async throws -> Campaign {
        guard let campaign = try await campaign(id: id) else { throw CLIError.noSuchCampaign(id) }
        return campaign
    }

    /// The list called `name`, or exit 1 with ``CLIError/noSuchList(named:)``.
    func existingList(named name: String) async throws -> MailingList {
        guard let list = try await list(named: name) else { throw CLIError.noSuchList(named: name) }
        return list
    }
}
