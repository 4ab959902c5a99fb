/// Why a message could not be read as a delivery status notification.
///
/// `recipient` is the 0-based index of the per-recipient block a problem was found in (nil for the
/// per-message block).
public enum DSNParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No `message/delivery-status` (or `message/global-delivery-status`) part in the message's
    /// multipart tree: it is not a DSN. `mediaType` is the top-level media type.
    case notADeliveryStatusNotification(mediaType: String)
    /// The delivery-status part has no leaf body (only possible in a hand-built ``MIMEEntity``).
    case deliveryStatusPartNotText(mediaType: String)
    /// The delivery-status text could not be split into field blocks (a parser limit was exceeded).
    case malformedFieldBlocks(reason: MIMEParseError)
    /// The delivery-status part holds no field block at all.
    case emptyDeliveryStatus
    /// The delivery-status part holds the per-message block but no per-recipient block.
    case noRecipientBlock
    /// A required field is absent (`Reporting-MTA`, `Final-Recipient`, `Action`, `Status`).
    case missingField(name: String, recipient: Int?)
    /// A `Status:` that is not an RFC 3463 code.
    case malformedStatusCode(value: String, recipient: Int, reason: EnhancedStatusCodeError)
    /// An `Action:` other than failed, delayed, delivered, relayed or expanded.
    case unknownAction(value: String, recipient: Int)
    /// A `type; value` field (an address, an MTA name, a diagnostic) that does not parse.
    case malformedTypedField(name: String, recipient: Int?, reason: DSNTypedValueError)

    /// The returned message's header section (`text/rfc822-headers`) exceeds the parser's limits.
    case malformedReturnedHeaders(reason: MIMEParseError)

    /// A readable explanation, naming the field or value concerned.
    public var description: String {
        switch self {
        case .notADeliveryStatusNotification(let mediaType):
            return "not a delivery status notification: no message/delivery-status part (top-level type \(mediaType))"
        case .deliveryStatusPartNotText(let mediaType):
            return "the delivery-status part is parsed as \(mediaType) content, not as text fields"
        case .malformedFieldBlocks(let reason):
            return "malformed delivery-status fields: \(reason)"
        case .emptyDeliveryStatus:
            return "the delivery-status part is empty"
        case .noRecipientBlock:
            return "the delivery-status part has no per-recipient field block"
        case .missingField(let name, let recipient):
            return "missing \(name) field in \(DSNParseError.place(recipient))"
        case .malformedStatusCode(let value, let recipient, let reason):
            return "malformed Status \"\(value)\" in \(DSNParseError.place(recipient)): \(reason)"
        case .unknownAction(let value, let recipient):
            return "unknown Action \"\(value)\" in \(DSNParseError.place(recipient))"
        case .malformedTypedField(let name, let recipient, let reason):
            return "malformed \(name) field in \(DSNParseError.place(recipient)): \(reason)"
        case .malformedReturnedHeaders(let reason):
            return "unreadable returned header section: \(reason)"
        }
    }

    private static func place(_ recipient: Int?) -> String {
        recipient.map { "recipient block \($0 + 1)" } ?? "the per-message block"
    }
}
