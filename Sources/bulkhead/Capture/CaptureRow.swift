import BulkheadSMTP

/// One captured message's envelope as printed.
struct CaptureRow: Encodable {
    var id: String
    var mailFrom: String
    var recipient: String
    var requiresSMTPUTF8: Bool
    var capturedAt: String
    var size: Int

    init(_ info: CapturedMessageInfo) {
        id = info.id
        mailFrom = info.mailFrom
        recipient = info.recipient
        requiresSMTPUTF8 = info.requiresSMTPUTF8
        capturedAt = CLITime.format(info.capturedAt)
        size = info.size
    }
}
