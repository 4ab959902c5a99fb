/// Parsing and formatting of address lists (`To`, `Cc`, `From`, `Reply-To` values):
/// RFC 5322 §3.4 with RFC 6532 UTF-8, RFC 2047 encoded-word display names and the common
/// obsolete forms (dots in names, routes, empty list elements).
///
/// ```swift
/// let list = try AddressList.parse(#"Ann <ann@example.com>, "Doe, John" <john@example.com>, team:;"#)
/// AddressList.format(list, utf8Allowed: false)
/// // Ann <ann@example.com>, "Doe, John" <john@example.com>, team:;
/// ```
public enum AddressList {
    /// The longest input accepted, in UTF-8 octets (64 KiB); longer input is an error.
    public static let maximumInputLength = 65_536
    /// The deepest nesting of comments accepted.
    public static let maximumCommentDepth = 32

    /// Parses an address list. Empty elements are skipped, so `""` gives `[]`.
    ///
    /// Display names come back decoded (quoted-pairs undone, encoded-words decoded), local parts
    /// unquoted, comments dropped. Each error tells the UTF-8 offset and the reason.
    public static func parse(_ text: String) throws(AddressParseError) -> [Address] {
        var parser = try AddressParser(text)
        return try parser.parseList()
    }

    /// Formats addresses as one header value, separated by `", "`; see ``Mailbox/formatted(utf8Allowed:)``.
    public static func format(_ addresses: [Address], utf8Allowed: Bool = true) -> String {
        var output = ""
        for address in addresses {
            if !output.isEmpty { output.append(", ") }
            address.append(to: &output, utf8Allowed: utf8Allowed)
        }
        return output
    }
}

extension Mailbox {
    /// Parses one mailbox: `display name <local@domain>` or a bare `local@domain`, with CFWS around.
    ///
    /// ```swift
    /// let box = try Mailbox(parsing: "=?UTF-8?Q?J=C3=B6rg?= <jorg@example.com>")
    /// box.displayName // "Jörg"
    /// ```
    public init(parsing text: String) throws(AddressParseError) {
        var parser = try AddressParser(text)
        guard let address = try parser.parseAddress(allowGroup: true) else {
            throw AddressParseError(offset: parser.position, reason: .emptyAddress)
        }
        guard case .mailbox(let mailbox) = address else {
            throw AddressParseError(offset: 0, reason: .groupNotAllowed)
        }
        try parser.skipCFWS()
        if !parser.atEnd { throw parser.unexpectedHere() }
        self = mailbox
    }

    /// Parses a bare addr-spec `local@domain` (CFWS around allowed, no display name, no angle brackets).
    public init(parsingAddrSpec text: String) throws(AddressParseError) {
        var parser = try AddressParser(text)
        let (localPart, domain) = try parser.parseAddrSpec()
        try parser.skipCFWS()
        if !parser.atEnd { throw parser.unexpectedHere() }
        self.init(displayName: nil, localPart: localPart, domain: domain)
    }
}
