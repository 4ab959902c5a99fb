/// Header text for addresses and unstructured fields, in RFC 2047 or RFC 6532 form.
///
/// ```swift
/// try AddressHeaders.list([.mailbox(Mailbox(displayName: "Zoë via all", localPart: "all", domain: "lists.example"))],
///                         field: "From", utf8Allowed: false)
/// // the display name as RFC 2047 encoded-words, then " <all@lists.example>"
/// ```
public enum AddressHeaders {
    /// Unstructured text (Subject, custom fields): kept as is when it can stand in a header,
    /// otherwise RFC 2047 encoded-words. With `utf8Allowed`, non-ASCII letters stay raw UTF-8.
    /// A run of more than 900 octets without white space is encoded too, so it can be folded, and
    /// so is text starting with white space (readers drop white space after the colon).
    static func unstructured(_ text: String, utf8Allowed: Bool) -> String {
        var previous: UInt8 = 0
        var run = 0
        var needs = text.utf8.first == 0x20 || text.utf8.first == 0x09
        for byte in text.utf8 {
            if byte >= 0x80 {
                if !utf8Allowed {
                    needs = true
                    break
                }
            } else if (byte < 0x20 && byte != 0x09) || byte == 0x7F || (previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?")) {
                needs = true
                break
            }
            run = (byte == 0x20 || byte == 0x09) ? 0 : run + 1
            if run > 900 {
                needs = true
                break
            }
            previous = byte
        }
        return needs ? EncodedWords.encode(text, context: .text) : text
    }

    /// An address list (`a, "B" <b@x>, group: c@y;`) as ``Address/formatted(utf8Allowed:)`` writes
    /// it, after checking every display name, group name, local part and domain for CR/LF/NUL.
    public static func list(_ addresses: [Address], field: String, utf8Allowed: Bool) throws(MessageBuildError) -> String {
        var value = ""
        for address in addresses {
            switch address {
            case .mailbox(let mailbox):
                try check(mailbox, field: field)
            case .group(let name, let members):
                try MessageBuilder.checkNoLineBreaks(name, field: "\(field) group name")
                for member in members { try check(member, field: field) }
            }
            if !value.isEmpty { value += ", " }
            value += address.formatted(utf8Allowed: utf8Allowed)
        }
        return value
    }

    static func check(_ mailbox: Mailbox, field: String) throws(MessageBuildError) {
        if let name = mailbox.displayName {
            try MessageBuilder.checkNoLineBreaks(name, field: "\(field) display name")
        }
        try MessageBuilder.checkNoLineBreaks(mailbox.localPart, field: "\(field) local part")
        try MessageBuilder.checkNoLineBreaks(mailbox.domain, field: "\(field) domain")
    }

    /// The From domain in ASCII (A-label) form, for the Message-ID.
    static func asciiDomain(of mailbox: Mailbox, field: String) throws(MessageBuildError) -> String {
        try MessageBuilder.checkNoLineBreaks(mailbox.domain, field: field)
        // Fast path: a lowercase letters-digits-hyphens name is already its own A-label form.
        let plain =
            !mailbox.domain.utf8.isEmpty
            && mailbox.domain.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
        if plain { return mailbox.domain }
        do {
            return try mailbox.asciiDomain
        } catch {
            throw MessageBuildError.invalidAddress(field: field, reason: String(describing: error))
        }
    }
}
