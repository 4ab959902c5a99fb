import ArgumentParser

/// `bulkhead dkim`: make keys, sign and verify messages.
struct DKIMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim",
        abstract: "DKIM keys, signing and verification (RFC 6376, RFC 8463).",
        discussion: """
            Examples:
              bulkhead dkim keygen --algorithm ed25519 --domain example.com --selector s1 --out keys/
              bulkhead dkim sign --key keys/s1.private.pem --domain example.com --selector s1 message.eml
              bulkhead dkim verify message.eml --dns-record keys/s1.dns.txt
            """,
        subcommands: [DKIMKeygenCommand.self, DKIMSignCommand.self, DKIMVerifyCommand.self]
    )
}
