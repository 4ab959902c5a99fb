import ArgumentParser
import BulkheadStore
import Foundation

/// `bulkhead campaign cancel ID`: call off a campaign before anything was sent.
struct CampaignCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Call off a campaign before anything is sent: a draft, a scheduled one, one in its undo window, or a paused one that sent nothing.",
        discussion: """
            The campaign becomes `cancelled` (final) with 0 sent. Once messages have gone out, use
            `bulkhead campaign abort ID` instead. Needs no password: stopping never waits.

            Example:
              bulkhead campaign cancel 1 --reason "wrong list"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the audit log.") var reason: String?

    func run() async throws {
        let id = campaign.campaignID
        try await config.withStore { store, _ in
            // Stopping never waits for a password: the OS user, unless --as is given (then checked).
            let who = try await actor.authenticated(store, for: "cancel campaigns", required: false)
            let current = try await store.existingCampaign(id)
            if current.state == .paused {
                let counts = try await store.ledgerCounts(campaign: id)
                let untouched = counts[.queued] + counts[.suppressed]
                guard counts.total == untouched else {
                    throw CLIError.fail(
                        "campaign \(id.rawValue) has already sent to some recipients; stop it for good with `bulkhead campaign abort \(id.rawValue)`",
                        code: 1)
                }
            }
            guard [.draft, .scheduled, .pending, .paused].contains(current.state) else {
                let hint = current.state.isTerminal ? "" : "; messages have gone out: use `bulkhead campaign abort \(id.rawValue)`"
                throw CLIError.fail("campaign \(id.rawValue) is \(current.state.rawValue) and cannot be cancelled\(hint)", code: 1)
            }
            var details: [String: JSONValue] = [:]
            if let reason { details["reason"] = .string(reason) }
            do {
                _ = try await store.transition(id, from: [current.state], to: .cancelled, actor: who, details: details)
            } catch StoreError.invalidTransition(_, let now, _) {
                throw CLIError.fail("campaign \(id.rawValue) became \(now.rawValue) meanwhile; nothing was cancelled", code: 1)
            }
        }
        print("campaign \(campaign.id) cancelled: nothing was sent")
    }
}
