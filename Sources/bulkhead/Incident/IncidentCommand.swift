import ArgumentParser

/// `bulkhead incident`: what to do after a campaign went wrong.
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "After a mistake: report what was sent, to whom, when and what was done; follow up with those affected.",
        discussion: """
            Examples:
              bulkhead incident report 7 --format html --output incident-7.html --recipients incident-7.csv
              bulkhead incident follow-up 7 --subject "Please disregard our last message" --text apology.txt
            """,
        subcommands: [IncidentReportCommand.self, IncidentFollowUpCommand.self]
    )
}
