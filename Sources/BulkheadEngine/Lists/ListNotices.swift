public import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// What a hosted list tells people about a reply-all storm: the sender of a refused reply one short
/// notice per storm, the list's owner (else `alerts.email`) one alert per storm. Notices go straight
/// to the transport, marked `Auto-Submitted: auto-replied` (RFC 3834), from the null sender, never
/// to a suppressed address nor, the sender's notice, while the emergency stop holds (the owner's alert
/// goes, as alerts do); one that cannot be sent is logged (the refusal stands).
///
/// ```swift
/// let notices = ListNotices(store: store, from: identity.from, transport: transport, alerts: environment.alerts, clock: clock, logger: logger)
/// notices.storm(storm, list: list, subject: "Re: test", sender: "ann@example.org", alertOwner: true)
/// ```
public struct ListNotices: Sendable {
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

    /// Sends, in the background, the sender's notice (when `sender` is given) and the owner's alert.
    public func storm(_ storm: ListStorm, list: HostedList, subject: String, sender: String?, alertOwner: Bool) {
        Task { await send(storm, list: list, subject: subject, sender: sender, alertOwner: alertOwner) }
    }

    /// What ``storm(_:list:subject:sender:alertOwner:)`` sends, awaited.
    func send(_ storm: ListStorm, list: HostedList, subject: String, sender: String?, alertOwner: Bool) async {
        let until = ISO8601DateFormatter().string(from: storm.blockedUntil)
        if alertOwner {
            let text = """
                Replies to the thread "\(subject)" on \(list.address) (\(list.members) members) reached the storm limit \
                (lists.storm). Further replies in this thread are refused until \(until); each sender is told once.

                If the thread started by mistake, stop the list too:   bulkhead list emergency '\(list.name)' on
                """
            let title = "reply-all storm on \(list.address): replies refused until \(until)"
            if let owner = list.owner {
                await notify(owner, subject: "[bulkhead alert] " + title, text: text, autoSubmitted: "auto-generated", isAlert: true)
            } else {
                await alerts?.send(subject: title, text: text)
            }
        }
        if let sender, !sender.isEmpty {
            await notify(
                sender, subject: "Not delivered: " + (subject.isEmpty ? "(no subject)" : subject),
                text: """
                    Your reply to \(list.address) was not sent to the list: too many people replied to all in this thread \
                    within a short time (a reply-all storm), so replies to it are refused until \(until).

                    If you meant to answer one person, write to them directly. You get this notice once.
                    """, autoSubmitted: "auto-replied")
        }
    }

    /// Sends one notice (`isAlert`: the owner's alert, which goes even during the emergency stop).
    private func notify(_ recipient: String, subject: String, text: String, autoSubmitted: String, isAlert: Bool = false) async {
        do {
            switch try await PersonNotice.send(
                to: try NormalizedAddress(recipient), from: from, subject: subject, text: text + "\n\n-- \nBulkhead list service\n",
                autoSubmitted: autoSubmitted, isAlert: isAlert, store: store, transport: transport, clock: clock)
            {
            case .suppressed, .handedOver(.sent):
                return
            case .stopped:
                logger.info("list notice not sent: the emergency stop holds")
            case .handedOver(let outcome):
                logger.warning("list notice not delivered", metadata: ["outcome": "\(outcome)"])
            }
        } catch {
            logger.warning("list notice could not be sent", metadata: ["error": "\(error)"])
        }
    }
}
