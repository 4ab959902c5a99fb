import BulkheadMail
import BulkheadSMTP
import BulkheadStore

/// One short automatic message to a person (a held relay message, a reply refused in a list's storm):
/// straight to the transport, from the null sender, marked `Auto-Submitted` (RFC 3834) so that no
/// auto-responder answers it, and never to a suppressed address.
///
/// ```swift
/// let outcome = try await PersonNotice.send(
///     to: try NormalizedAddress("ann@example.org"), from: identity.from, subject: "Held: Newsletter", text: "…",
///     store: store, transport: transport, clock: clock)   // nil: suppressed, nothing sent
/// ```
enum PersonNotice {
    /// Sends the notice; nil when the address is suppressed (an opted-out person never gets another
    /// message, a notice included), else the transport's outcome.
    static func send(
        to address: NormalizedAddress, from: Mailbox, subject: String, text: String, autoSubmitted: String = "auto-replied",
        store: any MailStore, transport: any MessageTransport, clock: any BulkheadClock
    ) async throws -> DeliveryOutcome? {
        if try await store.suppression(address: address) != nil { return nil }
        var message = MessageBuilder(from: from)
        let recipient = try address.mailbox
        message.to = [.mailbox(recipient)]
        message.subject = subject
        message.textBody = text
        message.date = MessageDate(clock.date)
        try message.addHeader(name: "Auto-Submitted", value: autoSubmitted)
        return await transport.deliver(try Envelope(mailFrom: "", recipient: recipient.address), try message.build())
    }
}
