public import BulkheadMail
public import BulkheadPolicy
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// What the relay tells people about held mail: the sender gets one short notice per held message
/// (a breaker's trip: one notice for the trip, none for the messages held after it), and
/// `alerts.email` one alert per trip. Notices go straight to the transport (never through the relay
/// again), are marked `Auto-Submitted: auto-replied` (RFC 3834) so that no auto-responder answers, are
/// never sent to the null sender nor to a suppressed address nor while the emergency stop holds (a
/// message held by `stop --all` brings no notice), and are sent at most once per message even with several workers
/// (``MailStore/markRelaySenderNotified(_:)``). A notice that cannot be sent is logged; the hold stands.
///
/// ```swift
/// let notices = RelayNotices(store: store, from: identity.from, transport: transport, alerts: environment.alerts, clock: clock, logger: logger)
/// notices.held(receipt, sender: sender, mailFrom: "ann@shop.example", subject: "Newsletter", findings: findings)
/// ```
public struct RelayNotices: Sendable {
    let store: any MailStore
    let from: Mailbox
    let transport: any MessageTransport
    let alerts: AlertMailer?
    let clock: any BulkheadClock
    let logger: Logger

    public init(
        store: any MailStore, from: Mailbox, transport: any MessageTransport, alerts: AlertMailer?, clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        self.from = from
        self.transport = transport
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    /// Sends, in the background, what a held message calls for (the client's `250` does not wait).
    public func held(_ receipt: RelayReceipt, sender: RelaySender, mailFrom: String, subject: String, findings: [Finding]) {
        guard receipt.holdReason != .breakerOpen else { return }
        Task { await send(receipt, sender: sender, mailFrom: mailFrom, subject: subject, findings: findings) }
    }

    /// What ``held(_:sender:mailFrom:subject:findings:)`` sends, awaited.
    func send(_ receipt: RelayReceipt, sender: RelaySender, mailFrom: String, subject: String, findings: [Finding]) async {
        let id = receipt.id.rawValue
        if receipt.breakerTripped {
            await alerts?.send(
                subject: "relay breaker opened for \(sender)",
                text: """
                    The guard relay's breaker for \(sender) opened at message \(id): it sent more than relay.breaker allows \
                    within the window. Its further mail is held until a person closes the breaker.

                    See what was held:   bulkhead hold list
                    Close the breaker:   bulkhead relay breaker close '\(sender.name)'
                    """)
        }
        guard !mailFrom.isEmpty else { return }
        do {
            // Not even marked while the stop holds: the notice is not used up by a message it never reached.
            if try await store.latch(named: Latch.emergencyStop) != nil {
                logger.info("relay hold notice not sent: the emergency stop holds", metadata: ["id": "\(id)"])
                return
            }
            guard try await store.markRelaySenderNotified(receipt.id) else { return }
            let reason =
                receipt.breakerTripped
                ? "You sent more mail in a short time than this relay lets one sender send (relay.breaker). This message and the ones you send after it are held until an administrator looks at them."
                : (receipt.holdReason == .stopped
                    ? "All sending is stopped at the moment (an emergency stop). Your message is kept and goes out when an administrator releases it."
                    : "Your message was held before it went out, for this reason:\n\n"
                        + findings.filter { $0.severity >= .approval }.map { "  - \($0.message)" }.joined(separator: "\n"))
            let text = """
                \(reason)

                It has not been sent to anyone. Nothing is lost: an administrator can release it (for example as \
                individual copies, so that recipients do not see each other) or discard it. Its number is \(id).

                -- 
                Bulkhead guard relay
                """
            switch try await PersonNotice.send(
                to: try NormalizedAddress(mailFrom), from: from, subject: "Held: " + (subject.isEmpty ? "(no subject)" : subject), text: text,
                store: store, transport: transport, clock: clock)
            {
            case .suppressed, .handedOver(.sent):
                return
            case .stopped:
                logger.info("relay hold notice not sent: the emergency stop holds", metadata: ["id": "\(id)"])
            case .handedOver(let outcome):
                logger.warning("relay hold notice not delivered", metadata: ["id": "\(id)", "outcome": "\(outcome)"])
            }
        } catch {
            logger.warning("relay hold notice could not be sent", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }
}
