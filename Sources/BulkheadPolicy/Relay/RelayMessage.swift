public import BulkheadMail

/// What the relay rules look at in one submitted message: who can see whom (To/Cc, and the
/// Resent-To/Resent-Cc fields of a resent message, which every recipient sees too), who gets it
/// (the envelope), who sends it, which domains are local, and the text the test-mail rule reads.
///
/// ```swift
/// let entity = try MIMEParser().parse(received.bytes)
/// let message = RelayMessage(
///     parsing: entity, envelopeRecipients: received.envelope.recipients,
///     sender: RelaySender(authenticatedUser: session.authenticatedUser, reversePath: received.envelope.reversePath),
///     localDomains: try LocalDomains(["example.com"]))
/// let findings = RelayRules.check(message, thresholds: RelayThresholds())
/// ```
public struct RelayMessage: Sendable, Hashable {
    /// The mailboxes in the ``visibleRecipientFields`` (To, Cc, Reply-To, …), in order, as written (duplicates and local
    /// ones included; group members included, an empty group such as `undisclosed-recipients:;` adds none).
    public var visibleRecipients: [Mailbox]
    /// One entry per field of ``visibleRecipientFields`` that does not parse, `NAME: why` (`To: offset 4: missing @ in address`).
    /// Its mailboxes are unknown, so the exposure rule cannot count them.
    public var unreadableRecipientFields: [String]
    /// The envelope recipients (`RCPT TO`, without angle brackets).
    public var envelopeRecipients: [String]
    /// Who sends it.
    public var sender: RelaySender
    /// The domains the relay receives for (`inbound.domains`).
    public var localDomains: LocalDomains
    /// The subject, encoded-words decoded ("" when there is none).
    public var subject: String
    /// The first text/plain body that is not an attachment ("" when there is none).
    public var text: String
    /// The first text/html body that is not an attachment, if any.
    public var html: String?
    /// The file names of the parts that have one (attachments), for the sensitive-content rule.
    public var attachmentNames: [String]

    /// Describes a message from its parts.
    public init(
        visibleRecipients: [Mailbox], unreadableRecipientFields: [String] = [], envelopeRecipients: [String], sender: RelaySender,
        localDomains: LocalDomains, subject: String, text: String, html: String? = nil, attachmentNames: [String] = []
    ) {
        self.visibleRecipients = visibleRecipients
        self.unreadableRecipientFields = unreadableRecipientFields
        self.envelopeRecipients = envelopeRecipients
        self.sender = sender
        self.localDomains = localDomains
        self.subject = subject
        self.text = text
        self.html = html
        self.attachmentNames = attachmentNames
    }

    /// The fields whose mailboxes every recipient sees: To and Cc, the resent ones, and the other
    /// fields that name addresses (a reply-all list in `Reply-To` or `Mail-Followup-To`, the read
    /// receipts' fields, the trace fields of a forwarded message). Not From and Sender: the author.
    public static let visibleRecipientFields = [
        "To", "Cc", "Resent-To", "Resent-Cc", "Reply-To", "Resent-Reply-To", "Mail-Followup-To", "Mail-Reply-To",
        "Disposition-Notification-To", "Return-Receipt-To", "X-Confirm-Reading-To", "Apparently-To", "X-Apparently-To",
        "Delivered-To", "X-Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Forwarded-To",
    ]

    /// Reads the ``visibleRecipientFields``, the subject and the bodies of a parsed message (a field that does
    /// not parse becomes an entry of ``unreadableRecipientFields``; a body not valid in its charset is
    /// read as UTF-8 with replacement characters, enough for the test-mail rule).
    public init(
        parsing message: MIMEEntity, envelopeRecipients: [String], sender: RelaySender, localDomains: LocalDomains
    ) {
        var visible: [Mailbox] = []
        var unreadable: [String] = []
        for field in message.headers where Self.visibleRecipientFields.contains(where: field.hasName) {
            do {
                visible += try AddressList.parse(field.value).flatMap(\.mailboxes)
            } catch {
                unreadable.append("\(field.name): \(error)")
            }
        }
        self.init(
            visibleRecipients: visible, unreadableRecipientFields: unreadable, envelopeRecipients: envelopeRecipients,
            sender: sender, localDomains: localDomains, subject: message.decodedHeader("Subject") ?? "",
            text: Self.body(of: message, mediaType: "text/plain") ?? "", html: Self.body(of: message, mediaType: "text/html"),
            attachmentNames: message.allLeaves.compactMap(\.filename))
    }

    private static func body(of message: MIMEEntity, mediaType: String) -> String? {
        let leaf = message.allLeaves.first { $0.contentType.mediaType == mediaType && $0.contentDisposition?.type != "attachment" }
        guard let leaf, let bytes = leaf.decodedBody else { return nil }
        return (try? leaf.text()) ?? String(decoding: bytes, as: UTF8.self)
    }
}
