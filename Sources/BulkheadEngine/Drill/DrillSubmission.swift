import BulkheadSMTP

/// A message handed to one of the engine's SMTP listeners' delegates exactly as ``SMTPServer``
/// hands it over: the sender checked, each recipient checked, then the message (only to the accepted
/// recipients, only when one was accepted).
///
/// ```swift
/// let refused = try await DrillSubmission(from: "ann@shop.example", to: customers, bytes: newsletter)
///     .submit(to: gateway, session: session)   // the replies that were not 250
/// ```
struct DrillSubmission {
    var from: String
    var to: [String]
    var bytes: [UInt8]

    /// Submits to `delegate` and returns the refusals (empty: every recipient and the message accepted).
    func submit(to delegate: some SMTPServerDelegate, session: SMTPServerSessionInfo) async throws -> [SMTPReply] {
        var envelope = SMTPServerEnvelope(reversePath: from)
        if case .refuse(let reply) = try await delegate.checkSender(envelope, session: session) { return [reply] }
        var refusals: [SMTPReply] = []
        for recipient in to {
            switch try await delegate.checkRecipient(recipient, envelope: envelope, session: session) {
            case .accept: envelope.recipients.append(recipient)
            case .refuse(let reply): refusals.append(reply)
            }
        }
        guard !envelope.recipients.isEmpty else { return refusals }
        if case .refuse(let reply) = try await delegate.accept(message: SMTPReceivedMessage(envelope: envelope, bytes: bytes), session: session) {
            refusals.append(reply)
        }
        return refusals
    }

    /// A plain-text message: the header lines given (each `Name: value`), then `text`, with CRLF line ends.
    static func message(_ header: [String], text: String) -> [UInt8] {
        let lines =
            header + ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", ""]
            + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return Array(lines.joined(separator: "\r\n").utf8)
    }
}
