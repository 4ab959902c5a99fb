import ArgumentParser

/// `bulkhead campaign`: create, inspect, send and stop campaigns.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create, show, send, pause, resume, abort campaigns; re-queue uncertain or failed recipients.",
        discussion: """
            A campaign sends one personalised message to each confirmed, non-suppressed member of a list.
            States: draft → scheduled → pending (undo window) → canary → canary-hold → sending → sent, with
            paused, cancelled (nothing sent) and aborted; every change is in the audit log.

            Examples:
              bulkhead campaign create --name spring --list news --subject "Spring offer for {{first_name}}" --text spring.txt --html spring.html
              bulkhead campaign test 1 --to me@example.org
              bulkhead campaign preflight 1
              bulkhead campaign send 1 --confirm 1234
              bulkhead campaign cancel 1         # in the undo window: nothing is sent
              bulkhead campaign abort 1          # from another terminal: delivery stops within a second
              bulkhead campaign show 1 --json
            """,
        subcommands: [
            CampaignCreateCommand.self, CampaignEditCommand.self, CampaignShowCommand.self, CampaignTestCommand.self, CampaignPreflightCommand.self,
            CampaignApproveCommand.self, CampaignRejectCommand.self, CampaignScheduleCommand.self, CampaignSendCommand.self,
            CampaignCancelCommand.self, CampaignPauseCommand.self, CampaignResumeCommand.self, CampaignPromoteCommand.self,
            CampaignAbortCommand.self, CampaignRetryUncertainCommand.self, CampaignRetryFailedCommand.self,
        ]
    )
}
