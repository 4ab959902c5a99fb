/// A delivery status notification (RFC 3464): who reported, and the outcome for each recipient.
///
/// ```swift
/// let bounce = try MIMEParser().parse(bytes)
/// let report = try DeliveryStatusReport.parse(bounce)
/// for recipient in report.recipients where recipient.bounceClass == .hard {
///     suppress(recipient.address, messageID: report.originalMessageID)
/// }
/// ```
public struct DeliveryStatusReport: Sendable, Hashable {
    /// `Reporting-MTA`: the MTA that made the report (`dns; mx.example.com`).
    public var reportingMTA: DSNTypedValue
    /// `Original-Envelope-Id`: the sender's `ENVID=` (RFC 3461), when it was given and kept.
    public var originalEnvelopeID: String?
    /// `Arrival-Date`, as written (an RFC 5322 date-time).
    public var arrivalDate: String?
    /// `Received-From-MTA`: the MTA the message came from.
    public var receivedFromMTA: DSNTypedValue?
    /// Every per-message field in order, extension fields (`X-Postfix-Sender`...) included.
    public var perMessageFields: HeaderList
    /// One entry per per-recipient block, in order.
    public var recipients: [RecipientStatus]
    /// The header section of the returned message (from its `message/rfc822` or
    /// `text/rfc822-headers` part), to map the bounce back to what was sent; nil when not returned.
    public var originalHeaders: HeaderList?

    /// Interprets the field blocks of a delivery-status body: the per-message block first, then one
    /// block per recipient.
    public init(fieldBlocks: [HeaderList], originalHeaders: HeaderList? = nil) throws(DSNParseError) {
        guard let perMessage = fieldBlocks.first else { throw .emptyDeliveryStatus }
        guard fieldBlocks.count > 1 else { throw .noRecipientBlock }
        guard let reportingText = perMessage["Reporting-MTA"] else {
            throw .missingField(name: "Reporting-MTA", recipient: nil)
        }
        self.reportingMTA = try RecipientStatus.typed(reportingText, field: "Reporting-MTA", index: nil)
        self.originalEnvelopeID = perMessage["Original-Envelope-Id"]?.dsnTrimmingWhitespace()
        self.arrivalDate = perMessage["Arrival-Date"]?.dsnTrimmingWhitespace()
        self.receivedFromMTA = try perMessage["Received-From-MTA"].map { (text) throws(DSNParseError) in
            try RecipientStatus.typed(text, field: "Received-From-MTA", index: nil)
        }
        self.perMessageFields = perMessage
        var recipients: [RecipientStatus] = []
        recipients.reserveCapacity(fieldBlocks.count - 1)
        for (index, block) in fieldBlocks.dropFirst().enumerated() {
            recipients.append(try RecipientStatus(fields: block, index: index))
        }
        self.recipients = recipients
        self.originalHeaders = originalHeaders
    }

    /// The returned message's `Message-ID`, as written (angle brackets included).
    public var originalMessageID: String? { originalHeaders?["Message-ID"]?.dsnTrimmingWhitespace() }

    /// The envelope sender the original was sent with, the address a VERP scheme encodes: the
    /// returned message's `Return-Path` (angle brackets removed), else Postfix's per-message
    /// `X-Postfix-Sender` address; nil when the report carries neither.
    public var originalEnvelopeSender: String? {
        if let returnPath = originalHeaders?["Return-Path"] {
            var path = Substring(returnPath.dsnTrimmingWhitespace())
            if path.hasPrefix("<"), path.hasSuffix(">"), path.count >= 2 { path = path.dropFirst().dropLast() }
            return String(path)
        }
        if let sender = perMessageFields["X-Postfix-Sender"], let typed = try? DSNTypedValue(address: sender) {
            return typed.value
        }
        return nil
    }
}

extension DeliveryStatusReport {
    /// Media types of the machine-readable part: RFC 3464 and its RFC 6533 UTF-8 form.
    static let statusTypes: Set<String> = ["message/delivery-status", "message/global-delivery-status"]

    /// Reads a bounce: finds the `message/delivery-status` (or `message/global-delivery-status`)
    /// part anywhere in the multipart tree (Postfix sends `multipart/report`, OpenSMTPD
    /// `multipart/mixed`), interprets its field blocks, and takes the header section of the returned
    /// message from the `message/rfc822` or `text/rfc822-headers` part next to it, and what the
    /// human-readable part before it says about each recipient (``RecipientStatus/explanation``).
    ///
    /// ```swift
    /// let report = try DeliveryStatusReport.parse(try MIMEParser().parse(bytes))
    /// report.recipients[0].status        // 5.1.1
    /// report.recipients[0].bounceClass   // .hard
    /// report.originalMessageID           // "<offer-42@shop.example>"
    /// ```
    public static func parse(_ message: MIMEEntity) throws(DSNParseError) -> DeliveryStatusReport {
        guard let location = ReportParts.find(statusTypes, in: message) else {
            throw .notADeliveryStatusNotification(mediaType: message.contentType.mediaType)
        }
        guard let bytes = location.part.decodedBody else {
            throw .deliveryStatusPartNotText(mediaType: location.part.contentType.mediaType)
        }
        let blocks: [HeaderList]
        do {
            blocks = try HeaderSectionParser.parseBlocks(bytes)
        } catch {
            throw .malformedFieldBlocks(reason: error)
        }
        var report = try DeliveryStatusReport(fieldBlocks: blocks)
        if let text = ReportParts.humanReadableText(near: location) {
            let addresses = Set(
                report.recipients.flatMap { [$0.address, $0.originalRecipient?.value].compactMap { $0 } }
                    .map { $0.dsnLowercasedASCII() })
            let explanations = ReportParts.explanations(in: text, for: addresses)
            for index in report.recipients.indices {
                let recipient = report.recipients[index]
                report.recipients[index].explanation =
                    explanations[recipient.address.dsnLowercasedASCII()]
                    ?? recipient.originalRecipient.flatMap { explanations[$0.value.dsnLowercasedASCII()] }
            }
        }
        if let returned = ReportParts.returnedContent(near: location) {
            do {
                report.originalHeaders = try ReportParts.headers(of: returned)
            } catch {
                throw .malformedReturnedHeaders(reason: error)
            }
        }
        return report
    }
}
