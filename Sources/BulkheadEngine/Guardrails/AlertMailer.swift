public import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// Mails an alert (a brake tripped, an emergency stop) to `alerts.email` through the configured
/// transport — the capture mailbox while no upstream is configured — as one short automatic message
/// (`Auto-Submitted: auto-generated`, RFC 3834, so that no auto-responder answers it). Alerts are
/// logged by their callers too; a mail that cannot be sent is logged, never thrown: an alert must not
/// stop the stop it reports.
///
/// ```swift
/// let mailer = AlertMailer(to: "ops@shop.example", from: identity.from, transport: transport, clock: clock, logger: logger)
/// await mailer.send(subject: "campaign 7 paused by its rejection brake", text: "…")
/// ```
public struct AlertMailer: Sendable {
    /// The one recipient (`alerts.email`).
    public let to: Mailbox
    /// The From and the envelope sender (the configured identity).
    public let from: Mailbox
    let transport: any MessageTransport
    let clock: any BulkheadClock
    let logger: Logger

    /// A mailer to `to`; nil when `to` is empty. An address that does not parse throws (the
    /// configuration check refuses it first).
    public init?(
        to: String, from: Mailbox, transport: any MessageTransport, clock: any BulkheadClock, logger: Logger
    ) throws {
        guard !to.isEmpty else { return nil }
        self.to = try NormalizedAddress(to).mailbox
        self.from = Mailbox(displayName: from.displayName, localPart: from.localPart, domain: from.domain)
        self.transport = transport
        self.clock = clock
        self.logger = logger
    }

    /// Sends one alert; returns whether the transport accepted it.
    @discardableResult
    public func send(subject: String, text: String) async -> Bool {
        do {
            var message = MessageBuilder(from: from)
            message.to = [.mailbox(to)]
            message.subject = "[bulkhead alert] " + subject
            message.textBody = text + "\n\n-- \nSent by Bulkhead to alerts.email; it is also in the log and the audit trail.\n"
            message.date = MessageDate(clock.date)
            try message.addHeader(name: "Auto-Submitted", value: "auto-generated")
            let bytes = try message.build()
            let envelope = try Envelope(mailFrom: from.address, recipient: to.address)
            let outcome = await transport.deliver(envelope, bytes)
            guard case .sent = outcome else {
                logger.error("alert not delivered to alerts.email", metadata: ["outcome": "\(outcome)"])
                return false
            }
            return true
        } catch {
            logger.error("alert could not be built", metadata: ["error": "\(error)"])
            return false
        }
    }
}
