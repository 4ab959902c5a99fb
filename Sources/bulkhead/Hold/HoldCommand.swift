import ArgumentParser

/// `bulkhead hold`: the guard relay's hold queue.
struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "The guard relay's hold queue: list, show, release, discard, recall.",
        discussion: """
            The relay holds a message when a rule finds a problem (customers visible to each other in To/Cc,
            a test to many, a large audience), when its sender's breaker is open, or while `bulkhead stop
            --all` is latched. Held mail never expires: a person releases or discards it. Messages with many
            recipients wait relay.bulk_undo_seconds before they go out and can be recalled meanwhile.
            Every decision is in the audit log.

            Examples:
              bulkhead hold list --json
              bulkhead hold show 12
              bulkhead hold release 12 --split      # one copy per recipient, To naming only them
              bulkhead hold release 12 --bcc        # To: undisclosed-recipients:;
              bulkhead hold discard 12
              bulkhead hold recall 13               # still in its undo window
            """,
        subcommands: [
            HoldListCommand.self, HoldShowCommand.self, HoldReleaseCommand.self, HoldDiscardCommand.self, HoldRecallCommand.self,
        ]
    )
}

/// The id of a relayed message, as typed.
struct RelayMessageArgument: ParsableArguments {
    @Argument(help: "The message's id (from `bulkhead hold list`).") var id: Int64
}
