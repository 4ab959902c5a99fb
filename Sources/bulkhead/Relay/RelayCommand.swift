import ArgumentParser

/// `bulkhead relay`: the guard relay's controls.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "The guard relay's per-sender breakers.",
        discussion: """
            A sender (the authenticated user, else the MAIL FROM address) who sends relay.breaker.messages
            messages or mail to relay.breaker.recipients distinct recipients within
            relay.breaker.window_seconds trips its breaker: its mail is held from then on, until a person
            closes the breaker. The held messages stay in `bulkhead hold list`.

            Examples:
              bulkhead relay breaker list
              bulkhead relay breaker close ann
              bulkhead relay breaker close reports@shop.example
            """,
        subcommands: [RelayBreakerCommand.self]
    )
}

/// `bulkhead relay breaker`.
struct RelayBreakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breaker",
        abstract: "List open breakers, close one.",
        subcommands: [RelayBreakerListCommand.self, RelayBreakerCloseCommand.self]
    )
}
