extension Mailbox {
    /// The domain in ASCII form: Unicode labels as `xn--` A-labels, every label lowercased
    /// (see ``IDNA/toASCII(_:)``). A domain literal `[192.0.2.1]` is returned unchanged.
    ///
    /// ```swift
    /// try Mailbox(localPart: "info", domain: "Bücher.example").asciiDomain // "xn--bcher-kva.example"
    /// ```
    public var asciiDomain: String {
        get throws(DomainError) { try IDNA.toASCII(domain) }
    }

    /// The domain in Unicode form: `xn--` labels decoded to U-labels (see ``IDNA/toUnicode(_:)``).
    public var unicodeDomain: String { IDNA.toUnicode(domain) }

    /// The addr-spec text `local-part@domain` as it goes in a header (RFC 5322 §3.4.1, RFC 6532):
    /// the local part as a dot-atom when it is one, otherwise as a quoted-string; the domain as held.
    ///
    /// ```swift
    /// Mailbox(localPart: "john.doe", domain: "example.com").address  // "john.doe@example.com"
    /// Mailbox(localPart: "john doe", domain: "example.com").address  // "\"john doe\"@example.com"
    /// ```
    public var address: String {
        var output = ""
        output.reserveCapacity(localPart.utf8.count + domain.utf8.count + 3)
        AddressSyntax.appendLocalPart(localPart, to: &output)
        output.append("@")
        output.append(domain)
        return output
    }

    /// The longest local part SMTP must accept, in octets (RFC 5321 §4.5.3.1.1).
    public static let maximumLocalPartLength = 64

    /// The address for the SMTP envelope (`MAIL FROM:<…>`, `RCPT TO:<…>`), without the angle brackets.
    ///
    /// The domain is always in A-label form (valid with or without SMTPUTF8). The local part is a
    /// dot-atom or an RFC 5321 quoted-string; a non-ASCII local part needs `smtputf8` (RFC 6531).
    /// Control characters, an empty or over-long local part, and an invalid domain are errors.
    ///
    /// ```swift
    /// let box = Mailbox(localPart: "jürgen", domain: "bücher.example")
    /// try box.envelopeAddress(smtputf8: true)   // "jürgen@xn--bcher-kva.example"
    /// // try box.envelopeAddress(smtputf8: false) throws MailboxError.nonASCIILocalPart
    /// ```
    public func envelopeAddress(smtputf8: Bool) throws(MailboxError) -> String {
        let bytes = localPart.utf8
        if bytes.isEmpty { throw .emptyLocalPart }
        if bytes.count > Mailbox.maximumLocalPartLength { throw .localPartTooLong(octets: bytes.count) }
        var offset = 0
        for byte in bytes {
            if byte >= 0x80 {
                if !smtputf8 { throw .nonASCIILocalPart(offset: offset) }
            } else if byte < 0x20 || byte == 0x7F {
                throw .controlCharacterInLocalPart(offset: offset)
            }
            offset += 1
        }
        let domainPart: String
        do {
            domainPart = try asciiDomain
        } catch {
            throw .invalidDomain(error)
        }
        var output = ""
        output.reserveCapacity(bytes.count + domainPart.utf8.count + 3)
        AddressSyntax.appendLocalPart(localPart, to: &output)
        output.append("@")
        output.append(domainPart)
        return output
    }
}

/// Why a mailbox cannot be written as an SMTP envelope address.
public enum MailboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The local part is empty.
    case emptyLocalPart
    /// The local part is longer than ``Mailbox/maximumLocalPartLength`` octets.
    case localPartTooLong(octets: Int)
    /// The local part holds a non-ASCII byte at this UTF-8 offset, and SMTPUTF8 is not in use.
    case nonASCIILocalPart(offset: Int)
    /// The local part holds a control character (CR, LF, NUL, TAB, DEL…) at this UTF-8 offset.
    case controlCharacterInLocalPart(offset: Int)
    /// The domain has no valid A-label form.
    case invalidDomain(DomainError)

    public var description: String {
        switch self {
        case .emptyLocalPart: "empty local part"
        case .localPartTooLong(let octets): "local part is \(octets) octets long (maximum \(Mailbox.maximumLocalPartLength))"
        case .nonASCIILocalPart(let offset): "offset \(offset): non-ASCII local part needs SMTPUTF8"
        case .controlCharacterInLocalPart(let offset): "offset \(offset): control character in local part"
        case .invalidDomain(let error): "invalid domain: \(error)"
        }
    }
}
