import BulkheadMail
import BulkheadSMTP
import BulkheadStore

/// One short automatic message to a person (a held relay message, a reply refused in a list's storm):
/// straight to the transport, from the null sender, marked `Auto-Submitted` (RFC 3834) so that no
/// auto-responder answers it, never to a suppressed address, and never while the emergency stop
/// (`stop --all`) holds: nothing leaves then, a notice included. An alert (`isAlert`: to the person
/// who runs the thing, such as a list's owner) goes during the stop, as those to `alerts.email` do.
///
/// ```swift
/// let result = try await PersonNotice.send(
///     to: try NormalizedAddress("ann@example.org"), from: identity.from, subject: "Held: Newsletter", text: "…",
///     store: store, transport: transport, clock: clock)   // .suppressed: nothing sent
/// ```
enum PersonNotice {
    /// What became of a notice.
    enum Result: Sendable, Hashable {
        /// The address is suppressed: an opted-out person never gets another message, a notice included.
        case suppressed
        /// The emergency stop holds: not sent (and not kept for later).
        case stopped
        /// Handed to the transport, with its outcome.
        case handedOver(DeliveryOutcome)
    }

    /// Sends the notice unless the address is suppressed or (unless `isAlert`) the emergency stop holds.
    static func send(
        to address: NormalizedAddress, from: Mailbox, subject: String, text: String, autoSubmitted: String = "auto-replied",
        isAlert: Bool = false, store: any MailStore, transport: any MessageTransport, clock: any BulkheadClock
    ) async throws -> Result {
        if try await store.suppression(address: address) != nil { return .suppressed }
        if !isAlert, try await store.latch(named: Latch.emergencyStop) != nil { return .stopped }
        var message = MessageBuilder(from: from)
        let recipient = try address.mailbox
        message.to = [.mailbox(recipient)]
        message.subject = subject
        message.textBody = text
        message.date = MessageDate(clock.date)
        try message.addHeader(name: "Auto-Submitted", value: autoSubmitted)
        return .handedOver(await transport.deliver(try Envelope(mailFrom: "", recipient: recipient.address), try message.build()))
    }
}
