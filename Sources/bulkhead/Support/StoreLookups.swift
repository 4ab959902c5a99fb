import BulkheadStore

/// The store's records looked up by what was typed on the command line: one that does not exist
/// ends the command with the one message for it (``CLIError/noSuchList(named:)``).
extension MailStore {
    /// The list called `name`, or exit 1 with ``CLIError/noSuchList(named:)``.
    func existingList(named name: String) async throws -> MailingList {
        guard let list = try await list(named: name) else { throw CLIError.noSuchList(named: name) }
        return list
    }
}
