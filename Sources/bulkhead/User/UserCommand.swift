import ArgumentParser

/// `bulkhead user`: the people who may act, with their roles.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create, list and disable users (author, approver, admin, relay).",
        discussion: """
            While no user exists, anyone who can run bulkhead against the configuration acts, recorded as the OS user. \
            The first user must be an admin. Once users exist, commands that act take --as NAME (the password from \
            BULKHEAD_PASSWORD or a prompt), a second person with the approver role approves campaigns that need it, \
            and only admins create or disable users. Stopping never needs a password.

            Examples:
              printf '%s\\n' "$PASSWORD" | bulkhead user create ann --role admin,author --password-stdin
              printf '%s\\n' "$PASSWORD" | BULKHEAD_PASSWORD=... bulkhead user create bob --role approver --password-stdin --as ann
              bulkhead user list
              bulkhead user disable bob --as ann
            """,
        subcommands: [UserCreateCommand.self, UserListCommand.self, UserDisableCommand.self]
    )
}
