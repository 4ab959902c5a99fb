import BulkheadMail

/// One address as the relay tells addresses apart: the local part exactly as written (RFC 5321
/// lets it be case-sensitive), the domain in its ASCII form, lowercased (`Bücher.DE` and
/// `xn--bcher-kva.de` are one). Display names do not count.
///
/// Deliberately not the store's key (`NormalizedAddress`, which also lowercases the local part): the
/// relay counts apart what might be two mailboxes, so `Ann@` and `ann@` are two recipients here.
///
/// ```swift
/// AddressKey(envelope: "Ann@Example.COM").text  // "Ann@example.com"
/// ```
public struct AddressKey: Hashable, Sendable {
    /// `local@domain`, split at the last `@` (a domain never holds one).
    public let text: String
    /// False when the text did not parse as an address and is kept exactly as given.
    public let parsed: Bool

    init(_ mailbox: Mailbox) {
        self.init(text: mailbox.localPart + "@" + Self.asciiDomain(mailbox.domain), parsed: true)
    }

    private init(text: String, parsed: Bool) {
        self.text = text
        self.parsed = parsed
    }

    /// The key of an envelope address (`RCPT TO`, `MAIL FROM` without the angle brackets); text that is
    /// not an addr-spec is kept exactly.
    public init(envelope: String) {
        if let mailbox = try? Mailbox(parsingAddrSpec: envelope) {
            self.init(mailbox)
        } else {
            self.init(text: envelope, parsed: false)
        }
    }

    /// The ASCII form of `domain`, lowercased; a name with no ASCII form is only lowercased.
    static func asciiDomain(_ domain: String) -> String {
        (try? IDNA.toASCII(domain)) ?? domain.lowercased()
    }
}
