import ArgumentParser

/// `bulkhead token`: API tokens for the JSON API and for `BULKHEAD_TOKEN`.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (for the JSON API at /api and for BULKHEAD_TOKEN).",
        discussion: """
            A token belongs to a user and carries scopes within that user's roles: read (anyone), send (author), \
            approve (approver), admin (admin); a role the user loses later takes its scope away. The token is \
            printed once; only its SHA-256 is stored. Creating and revoking need an admin (--as ADMIN).

            Examples:
              BULKHEAD_PASSWORD=... bulkhead token create --user ann --scopes read,send --label "deploy script" --as root
              curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/api/campaigns
              BULKHEAD_TOKEN=$TOKEN bulkhead campaign send 7 --confirm 1234
              bulkhead token list
              bulkhead token revoke 3 --as root
            """,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self]
    )
}
