import ArgumentParser

/// `bulkhead campaign`: create, inspect, send and stop campaigns.
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Create, show, send, pause, resume, abort campaigns; re-queue uncertain or failed recipients.",
        discussion: """
            A campaign sends one personalised message to each confirmed, non-suppressed member of a list.
            States: draft → scheduled → sending → paused → sent | aborted; every change is in the audit log.

            Examples:
              bulkhead campaign create --name spring --list news --subject "Spring offer for {{first_name}}" --text spring.txt --html spring.html
              bulkhead campaign send 1
              bulkhead campaign abort 1          # from another terminal: delivery stops within a second
              bulkhead campaign show 1 --json
            """,
        subcommands: [
            CampaignCreateCommand.self, CampaignShowCommand.self, CampaignScheduleCommand.self, CampaignSendCommand.self, CampaignPauseCommand.self,
            CampaignResumeCommand.self, CampaignAbortCommand.self, CampaignRetryUncertainCommand.self, CampaignRetryFailedCommand.self,
            CampaignEditCommand.self, CampaignApproveCommand.self, CampaignRejectCommand.self,
        ]
    )
}
