import ArgumentParser

/// `bulkhead config`: check the configuration file.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check the configuration.",
        discussion: """
            Example:
              bulkhead config check --config /etc/bulkhead.yaml
            """,
        subcommands: [ConfigCheckCommand.self]
    )
}
