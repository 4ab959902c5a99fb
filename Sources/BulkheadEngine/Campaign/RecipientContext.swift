public import BulkheadMail

/// One recipient of a campaign, as the message factory needs it: plain values the delivery runner
/// maps from the store's subscriber and ledger entry.
///
/// ```swift
/// let recipient = try RecipientContext(address: "zoe@example.org", name: "Zoë Martin", attributes: ["city": "Lyon"])
/// ```
public struct RecipientContext: Sendable, Hashable {
    /// The recipient's mailbox (without display name: the name is kept in ``name``).
    public let mailbox: Mailbox
    /// The display name, if any, with control characters (CR, LF, TAB, NUL…) turned into single spaces
    /// so that it can never break a header line.
    public let name: String?
    /// Subscriber attributes, reached in templates as `{{attributes.key}}`.
    public let attributes: [String: TemplateValue]

    /// A recipient from an addr-spec `local@domain`; refuses anything else (display names, lists, groups).
    public init(address: String, name: String? = nil, attributes: [String: TemplateValue] = [:]) throws(CampaignMessageError) {
        let mailbox: Mailbox
        do {
            mailbox = try Mailbox(parsingAddrSpec: address)
        } catch {
            throw .invalidRecipientAddress(address, reason: error.description)
        }
        self.init(mailbox: mailbox, name: name, attributes: attributes)
    }

    /// A recipient from a parsed mailbox; its display name is ignored in favour of `name`.
    public init(mailbox: Mailbox, name: String? = nil, attributes: [String: TemplateValue] = [:]) {
        self.mailbox = Mailbox(displayName: nil, localPart: mailbox.localPart, domain: mailbox.domain)
        self.name = name.map(RecipientContext.sanitizedName).flatMap { $0.isEmpty ? nil : $0 }
        self.attributes = attributes
    }

    /// The address text `local@domain` (local part quoted when it must be).
    public var address: String { mailbox.address }

    /// The first word of the name (empty when there is no name).
    public var firstName: String {
        guard let name else { return "" }
        return name.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
    }

    /// `name` with every run of control characters and white space made one space, trimmed.
    static func sanitizedName(_ name: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in name.unicodeScalars {
            let isBreak =
                scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar == " "
            if isBreak {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(" ") }
                pendingSpace = false
                output.append(scalar)
            }
        }
        return String(output)
    }
}
