/// One mailbox: an optional display name and an address `local-part@domain`.
///
/// Values are held decoded: the display name as Unicode text (any RFC 2047 encoded-words already
/// decoded), the local part unquoted (it may be UTF-8, RFC 6531), the domain as written (an ASCII
/// name or a Unicode U-label form; the envelope uses its punycode A-label form).
///
/// ```swift
/// let shop = Mailbox(displayName: "Shop", localPart: "offers", domain: "example.com")
/// shop.address // "offers@example.com"
/// ```
public struct Mailbox: Sendable, Hashable, Codable {
    public var displayName: String?
    public var localPart: String
    public var domain: String

    public init(displayName: String? = nil, localPart: String, domain: String) {
        self.displayName = displayName
        self.localPart = localPart
        self.domain = domain
    }
}

/// An entry of an address list: a mailbox, or a named group of mailboxes (`undisclosed-recipients:;`).
public enum Address: Sendable, Hashable {
    case mailbox(Mailbox)
    case group(name: String, members: [Mailbox])

    /// Every mailbox this entry stands for (none for an empty group).
    public var mailboxes: [Mailbox] {
        switch self {
        case .mailbox(let mailbox): [mailbox]
        case .group(_, let members): members
        }
    }
}
