import BulkheadMail

/// The addresses an auto-responder answers for (its own and its aliases), compared as mailboxes:
/// display names and comments ignored, the domain in ASCII form without case (`Bücher.example` is
/// `xn--bcher-kva.example`), and the local part without case too: these are our own mailboxes,
/// which Bulkhead's inbound listener takes in without case, so `Support@` in To names `support@`.
struct ResponderAddresses {
    private let keys: Set<String>

    /// The addresses `texts`, each an addr-spec or a mailbox with a display name; text that does not
    /// parse is kept lowercased, and matches only the same text.
    init(_ texts: [String]) {
        keys = Set(texts.map(Self.key(text:)))
    }

    /// True when `mailbox` is one of them.
    func contains(_ mailbox: Mailbox) -> Bool {
        keys.contains(Self.key(mailbox))
    }

    /// True when the addr-spec `text` is one of them.
    func contains(addrSpec text: String) -> Bool {
        keys.contains(Self.key(text: text))
    }

    static func key(_ mailbox: Mailbox) -> String {
        mailbox.localPart.lowercased() + "@" + AddressKey.asciiDomain(mailbox.domain)
    }

    static func key(text: String) -> String {
        if let mailbox = try? Mailbox(parsing: text) { return key(mailbox) }
        return text.lowercased()
    }
}
