// libFuzzer target: the DSN (RFC 3464), ARF (RFC 5965) and qmail bounce (QSBMF) parsers, on messages
// parsed by MIMEParser (as the bounce mailbox reads them). Invariants: InboundReport.classify agrees
// with the parsers it calls, a qmail bounce names at least one recipient, and every derived value
// (bounce class, specific status, original sender and Message-ID) is computed without trapping.
import BulkheadMail

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func exercise(_ report: DeliveryStatusReport) {
    _ = report.originalMessageID
    _ = report.originalEnvelopeSender
    for recipient in report.recipients {
        _ = recipient.bounceClass
        _ = recipient.specificStatus
        _ = recipient.status.description
    }
}

private func exercise(_ report: FeedbackReport) {
    _ = report.feedbackType.fieldValue
    _ = report.feedbackType.isComplaint
    check(report.incidents >= 0, "negative incident count \(report.incidents)")
    for recipient in report.originalRcptTo { _ = try? Mailbox(parsingAddrSpec: recipient) }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

private let parser = MIMEParser(limits: .init(maxMessageBytes: 1024 * 1024), base64Policy: .lenient)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let message = try? parser.parse(UnsafeBufferPointer(start: data, count: size)) else { return 0 }
    let dsn = Result { () throws(DSNParseError) in try DeliveryStatusReport.parse(message) }
    let arf = Result { () throws(FeedbackReportParseError) in try FeedbackReport.parse(message) }
    if case .success(let report) = dsn { exercise(report) }
    if case .success(let report) = arf { exercise(report) }
    switch InboundReport.classify(message) {
    case .deliveryStatus(let report):
        check(dsn == .success(report), "classify's DSN differs from DeliveryStatusReport.parse")
    case .malformedDeliveryStatus(let error):
        check(dsn == .failure(error), "classify's DSN error differs from DeliveryStatusReport.parse")
    case .feedback(let report):
        check(report.userAgent == (try? arf.get())?.userAgent, "classify's ARF differs from FeedbackReport.parse")
    case .malformedFeedback(let error):
        if case .failure(let direct) = arf {
            check(direct == error, "classify's ARF error differs")
        } else {
            fatalError("classify says malformed ARF, parse succeeded")
        }
    case .qmailBounce(let bounce):
        check(bounce == QmailBounce.parse(message), "classify's qmail bounce differs from QmailBounce.parse")
        check(!bounce.recipients.isEmpty, "a qmail bounce without recipients")
        for recipient in bounce.recipients {
            _ = recipient.bounceClass
            check(!recipient.address.isEmpty, "a qmail recipient without an address")
        }
    case .notAReport:
        check(QmailBounce.parse(message) == nil || dsn.isSuccess || arf.isSuccess, "classify missed a qmail bounce")
    }
    return 0
}
