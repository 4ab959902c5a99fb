import ArgumentParser
import BulkheadEngine
import BulkheadStore

/// What `campaign approve` and `campaign reject` share: an approver who is not the author decides on
/// the campaign as it is now (its content fingerprint, audience and eligible count are recorded).
enum CampaignDecision {
    static func record(
        _ decision: ApprovalDecision, _ config: ConfigOption, _ actor: ActorOption, _ id: CampaignID, comment: String?
    ) async throws {
        let verb = decision == .approve ? "approve" : "reject"
        try await config.withStore { store, configuration in
            guard try await !store.allUsers().isEmpty else {
                throw CLIError.fail("to \(verb) a campaign, a second person needs a user: \(UserHints.createUsers)", code: 1)
            }
            let who = try await actor.authenticated(store, for: "\(verb) campaigns", required: true, roles: [.approver])
            let recorded: CampaignApproval
            do {
                recorded = try await BulkheadEnvironment.decide(
                    decision, campaign: id, comment: comment, actor: who, store: store, configuration: configuration)
            } catch let refused as ActionRefused {
                throw CLIError.fail(refused.reason, code: 1)
            }
            let fingerprint = recorded.fingerprint
            let eligible = recorded.eligible
            switch decision {
            case .approve:
                print(
                    "campaign \(id.rawValue) approved by \(recorded.by) for \(eligible) eligible recipients (\(fingerprint)); "
                        + "an author sends it: bulkhead campaign send \(id.rawValue)")
            case .reject:
                print("campaign \(id.rawValue) rejected by \(recorded.by)")
            }
        }
    }
}

/// `bulkhead campaign approve ID [--comment TEXT]`.
struct CampaignApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a campaign that needs a second person: an approver other than its author. Approval does not send.",
        discussion: """
            The approval binds to the content (subject, bodies, attachments' bytes, From, DKIM key) and to the \
            audience and its eligible count now: an edit voids it, and so does an audience that grew by 10 % or more.

            Example:
              BULKHEAD_PASSWORD=... bulkhead campaign approve 7 --as bob --comment "checked the links"
            """
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "A note for the audit log and `campaign show`.") var comment: String?

    func run() async throws {
        try await CampaignDecision.record(.approve, config, actor, campaign.campaignID, comment: comment)
    }
}

/// `bulkhead campaign reject ID [--comment TEXT]`.
struct CampaignRejectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a campaign that needs a second person (an approver other than its author); it cannot be sent until approved.",
        discussion: "Example:\n  BULKHEAD_PASSWORD=... bulkhead campaign reject 7 --as bob --comment \"wrong list\""
    )

    @OptionGroup var config: ConfigOption
    @OptionGroup var actor: ActorOption
    @OptionGroup var campaign: CampaignIDArgument
    @Option(help: "Why, for the author, the audit log and `campaign show`.") var comment: String?

    func run() async throws {
        try await CampaignDecision.record(.reject, config, actor, campaign.campaignID, comment: comment)
    }
}
