/// What an automated message arriving in the bounce mailbox is: a delivery status notification, a
/// feedback (complaint) report, a report of either kind that could not be read, a bounce in qmail's
/// plain-text format, or none of these.
///
/// ```swift
/// switch InboundReport.classify(try MIMEParser().parse(bytes)) {
/// case let .deliveryStatus(report): record(report.recipients)
/// case let .feedback(report): unsubscribe(report.originalRcptTo)
/// case let .malformedDeliveryStatus(error): quarantine(reason: error.description)
/// case let .malformedFeedback(error): quarantine(reason: error.description)
/// case let .qmailBounce(bounce): record(bounce.recipients)
/// case .notAReport: forwardToHuman()
/// }
/// ```
public enum InboundReport: Sendable {
    /// A readable RFC 3464 delivery status notification.
    case deliveryStatus(DeliveryStatusReport)
    /// A readable RFC 5965 feedback report.
    case feedback(FeedbackReport)
    /// The message looks like a DSN (it has a delivery-status part) but could not be read.
    case malformedDeliveryStatus(DSNParseError)
    /// The message looks like a feedback report (`report-type=feedback-report`, or a
    /// `message/feedback-report` part) but could not be read.
    case malformedFeedback(FeedbackReportParseError)
    /// A bounce in qmail's plain-text format (QSBMF), which carries no report part.
    case qmailBounce(QmailBounce)
    /// None of these: a human reply, an auto-responder, another non-standard bounce...
    case notAReport

    /// Sorts a message. A feedback report is recognised by a top-level `report-type=feedback-report`
    /// or a `message/feedback-report` part anywhere in its multipart tree; a DSN by a
    /// `message/delivery-status` (or `message/global-delivery-status`) part. Parts of embedded
    /// messages are not looked at, so a returned or forwarded report does not count. A message with
    /// neither is a qmail bounce when ``QmailBounce/parse(_:)`` reads one.
    public static func classify(_ message: MIMEEntity) -> InboundReport {
        let reportType = message.contentType.parameters["report-type"]?.dsnLowercasedASCII()
        if reportType == "feedback-report" || ReportParts.find(["message/feedback-report"], in: message) != nil {
            do {
                return .feedback(try FeedbackReport.parse(message))
            } catch {
                return .malformedFeedback(error)
            }
        }
        if ReportParts.find(DeliveryStatusReport.statusTypes, in: message) != nil {
            do {
                return .deliveryStatus(try DeliveryStatusReport.parse(message))
            } catch {
                return .malformedDeliveryStatus(error)
            }
        }
        if let bounce = QmailBounce.parse(message) { return .qmailBounce(bounce) }
        return .notAReport
    }
}
