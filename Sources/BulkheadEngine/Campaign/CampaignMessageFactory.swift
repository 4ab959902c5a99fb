public import BulkheadMail
import BulkheadSMTP
public import BulkheadStore
public import Foundation

/// Makes each recipient's own campaign message: rendered templates, exactly one recipient, RFC 8058
/// one-click unsubscribe, bulk markers, a VERP return path and a DKIM signature.
///
/// Build one factory per campaign (templates compiled, identity checked, attachments kept) and call
/// ``makeMessage(for:verpToken:unsubscribeToken:)`` once per recipient; the factory is `Sendable`
/// and can be shared by concurrent delivery tasks.
///
/// Every message has `To:` with only the recipient, one envelope recipient, no Cc or Bcc,
/// `List-Unsubscribe: <https…>, <mailto…>`, `List-Unsubscribe-Post: List-Unsubscribe=One-Click`,
/// `Precedence: bulk`, `Auto-Submitted: auto-generated`, Message-ID and Date. A final check parses
/// the built header section and refuses the message unless its To is exactly the recipient.
///
/// ```swift
/// let factory = try CampaignMessageFactory(identity: identity, templates: templates,
///                                          attachments: [], signer: signer)
/// let issuer = try UnsubscribeTokenIssuer(secret: secret)
/// let recipient = try RecipientContext(address: "zoe@example.org", name: "Zoë Martin")
/// let token = try issuer.issue(campaignID: identity.campaignID, subscriberID: 1_234)
/// let message = try factory.makeMessage(for: recipient, verpToken: "4f1c0a9e", unsubscribeToken: token.text)
/// // message.envelope.mailFrom == "bounces+4f1c0a9e@bounce.shop.example"
/// // message.envelope.recipient == "zoe@example.org"
/// ```
public struct CampaignMessageFactory: Sendable {
    /// The campaign's sender identity and links.
    public let identity: CampaignIdentity
    /// The compiled templates.
    public let templates: CampaignTemplates
    /// The DKIM signer, if messages are signed.
    public let signer: DKIMSigner?

    /// The clock that dates and signs messages made without an explicit time.
    public let clock: any BulkheadClock
    /// The builder with everything that is the same for every recipient.
    private let base: MessageBuilder
    private let postalAddress: String?

    /// Checks the identity (return-path domain, List-Id), that the signer covers `List-Unsubscribe`
    /// and `List-Unsubscribe-Post` (RFC 8058 §4 requires both signed), and builds one probe message so that a bad
    /// From, Reply-To, attachment name or media type fails here, once, not for every recipient.
    public init(
        identity: CampaignIdentity, templates: CampaignTemplates, attachments: [Attachment] = [], signer: DKIMSigner? = nil,
        clock: any BulkheadClock = SystemClock()
    ) throws(CampaignMessageError) {
        self.clock = clock
        if let signer {
            let covered = (signer.configuration.signedHeaders + signer.configuration.overSignedHeaders).map { $0.lowercased() }
            for name in ["List-Unsubscribe", "List-Unsubscribe-Post"] where !covered.contains(name.lowercased()) {
                throw .unsignedUnsubscribeHeader(name)
            }
        }
        _ = try VERPAddress.make(token: "probe", localPart: identity.returnPathLocalPart, domain: identity.returnPathDomain)
        var base = MessageBuilder(from: identity.from)
        if let replyTo = identity.replyTo { base.replyTo = [.mailbox(replyTo)] }
        base.attachments = attachments
        if let listID = identity.listID {
            do {
                _ = try MessageID(left: listID, right: "x")
            } catch {
                throw .invalidListID(listID)
            }
            let value: String
            if let description = identity.listDescription, !description.isEmpty {
                // Non-ASCII descriptions ("Café news") travel as RFC 2047 encoded-words in the phrase.
                guard !description.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
                    throw .invalidListDescription(description)
                }
                var phrase = Mailbox(displayName: description, localPart: "x", domain: "x").formatted(utf8Allowed: false)
                phrase.removeLast(" <x@x>".utf8.count)
                value = phrase + " <" + listID + ">"
            } else {
                value = "<" + listID + ">"
            }
            do { try base.addFormattedHeader(name: "List-Id", value: value) } catch { throw .build(error) }
        }
        self.identity = identity
        self.templates = templates
        self.signer = signer
        self.base = base
        self.postalAddress = identity.postalAddress.flatMap { $0.isEmpty ? nil : $0 }

        var probe = base
        probe.to = [.mailbox(Mailbox(localPart: "probe", domain: "example.invalid"))]
        probe.subject = "probe"
        probe.textBody = ""
        do { _ = try probe.build() } catch { throw .build(error) }
    }

    /// The message for one recipient, with a fresh Message-ID and boundary and the current time.
    ///
    /// - Parameters:
    ///   - recipient: the one recipient (its name is already free of line breaks).
    ///   - verpToken: the ledger entry's VERP token (lowercase letters and digits).
    ///   - unsubscribeToken: the recipient's ``UnsubscribeToken/text``.
    public func makeMessage(for recipient: RecipientContext, verpToken: String, unsubscribeToken: String) throws(CampaignMessageError)
        -> CampaignMessage
    {
        var generator = SystemRandomNumberGenerator()
        let now = clock.date
        return try makeMessage(
            for: recipient, verpToken: verpToken, unsubscribeToken: unsubscribeToken,
            date: MessageDate(now), signingTime: now, using: &generator)
    }

    /// The message for one recipient with the Date, DKIM signing time and randomness given: with a
    /// deterministic generator the output is byte-exact (for tests and reproducible previews).
    public func makeMessage(
        for recipient: RecipientContext, verpToken: String, unsubscribeToken: String,
        date: MessageDate, signingTime: Date, using generator: inout some RandomNumberGenerator
    ) throws(CampaignMessageError) -> CampaignMessage {
        guard VERPAddress.isToken(unsubscribeToken, maximumLength: UnsubscribeTokenIssuer.maximumTokenLength) else {
            throw .invalidUnsubscribeToken(unsubscribeToken)
        }
        let mailFrom = try VERPAddress.make(token: verpToken, localPart: identity.returnPathLocalPart, domain: identity.returnPathDomain)
        let nonASCIILocal = recipient.mailbox.localPart.utf8.contains { $0 >= 0x80 }
        let rcpt: String
        do {
            rcpt = try recipient.mailbox.envelopeAddress(smtputf8: nonASCIILocal)
        } catch {
            throw .invalidEnvelopeAddress(recipient.address, error)
        }

        let unsubscribeURL = identity.unsubscribe.httpsURL(token: unsubscribeToken)
        let context = CampaignTemplateContext(
            recipient: recipient, unsubscribeURL: unsubscribeURL, campaignName: identity.name, postalAddress: postalAddress)
        let content: RenderedCampaignContent
        do { content = try templates.render(context) } catch { throw .template(error) }

        var builder = base
        builder.allowsUTF8Headers = nonASCIILocal
        builder.to = [.mailbox(Mailbox(displayName: recipient.name, localPart: recipient.mailbox.localPart, domain: recipient.mailbox.domain))]
        builder.subject = content.subject
        builder.textBody = content.text
        builder.htmlBody = content.html
        if let postalAddress {
            let footer = CampaignFooter(postalAddress: postalAddress, unsubscribeURL: unsubscribeURL)
            builder.textBody = footer.appended(toText: content.text ?? (content.html == nil ? "" : nil))
            builder.htmlBody = content.html.map(footer.appended(toHTML:))
        }
        builder.date = date
        let bytes: [UInt8]
        do {
            try builder.addFormattedHeader(name: "List-Unsubscribe", value: identity.unsubscribe.listUnsubscribeValue(token: unsubscribeToken))
            try builder.addFormattedHeader(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")
            try builder.addFormattedHeader(name: "Precedence", value: "bulk")
            try builder.addFormattedHeader(name: "Auto-Submitted", value: "auto-generated")
            bytes = try builder.build(using: &generator)
        } catch {
            throw .build(error)
        }
        try SingleRecipientCheck.verify(bytes, recipient: recipient.mailbox)

        let signed: [UInt8]
        if let signer {
            do { signed = try signer.sign(bytes, at: signingTime) } catch { throw .signing(error) }
        } else {
            signed = bytes
        }
        let envelope: Envelope
        do {
            envelope = try Envelope(mailFrom: mailFrom, recipient: rcpt, requiresSMTPUTF8: nonASCIILocal)
        } catch {
            throw .invalidEnvelope(error)
        }
        return CampaignMessage(envelope: envelope, bytes: signed)
    }
}
