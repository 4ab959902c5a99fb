import BulkheadMail
public import BulkheadPolicy
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// The guard relay's policy (an ``SMTPServerDelegate`` for `relay.listen`): who may submit, what
/// happens to each message, and filing it durably before the `250`.
///
/// - **Never an open relay:** a recipient outside the local domains (`inbound.domains`) is accepted
///   only from a user with the `relay` role who authenticated, or from a client in
///   `relay.allow_networks`; everyone else gets `550 5.7.1`, also for a local address whose local part
///   routes on (`%`, `!`, `@`). A recipient the suppression list cannot be checked against (one
///   ``NormalizedAddress`` refuses) gets `553 5.1.3` from everyone.
/// - **Each message** gets a `Received:` field and loses its `Bcc:` and `Resent-Bcc:` fields, is checked by
///   ``RelayRules`` (exposure in To/Cc, test mail, audience size) and filed by
///   ``MailStore/receiveRelayMessage(_:breaker:)``, which also applies the per-sender breaker and the
///   emergency stop: it is then queued for delivery, waiting in the bulk undo window, or held. A
///   message that does not parse is held (`relay.message-unreadable`), never relayed unchecked.
/// - **Held mail** brings its sender one short notice (a breaker's trip: one notice and one alert to
///   `alerts.email`, later messages none) when the client was trusted; see ``RelayNotices``.
///
/// ```swift
/// let doorbell = RelayDoorbell()
/// let gateway = try environment.relayGateway(doorbell: doorbell)
/// let server = try SMTPServer(configuration: SMTPServerConfiguration(hostname: gateway.hostname), delegate: gateway)
/// ```
public struct RelayGateway: SMTPServerDelegate {
    public let store: any MailStore
    let settings: BulkheadConfiguration.Relay
    let thresholds: RelayThresholds
    let localDomains: LocalDomains
    let notices: RelayNotices
    let doorbell: RelayDoorbell
    /// The name this host gives in its greeting and trace fields.
    public let hostname: String
    let clock: any BulkheadClock
    let logger: Logger
    /// Holds and breaker trips are counted here.
    public var metrics = EngineMetrics.global

    public init(
        store: any MailStore, settings: BulkheadConfiguration.Relay, thresholds: RelayThresholds, localDomains: LocalDomains,
        notices: RelayNotices, doorbell: RelayDoorbell, hostname: String, clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        self.settings = settings
        self.thresholds = thresholds
        self.localDomains = localDomains
        self.notices = notices
        self.doorbell = doorbell
        self.hostname = hostname
        self.clock = clock
        self.logger = logger
    }

    public func authenticate(_ credentials: SMTPServerCredentials, session: SMTPServerSessionInfo) async throws -> String? {
        // RFC 4616: an authorization identity other than the user itself is not supported.
        guard credentials.authorizationIdentity.isEmpty || credentials.authorizationIdentity == credentials.username else { return nil }
        guard let user = try await UserAuthentication.authenticate(store, name: credentials.username, password: credentials.password),
            user.roles.contains(.relay)
        else {
            logger.notice(
                "relay authentication failed",
                metadata: ["user": "\(credentials.username)", "client": "\(session.connection.remoteAddress ?? "unknown")"])
            return nil
        }
        return user.name
    }

    /// True when the client may relay to external domains: it authenticated, or its address is in
    /// `relay.allow_networks`.
    func isTrusted(_ session: SMTPServerSessionInfo) -> Bool {
        if session.authenticatedUser != nil { return true }
        guard let address = session.connection.remoteAddress else { return false }
        return settings.allowNetworks.contains { $0.contains(address) }
    }

    public func checkSender(_ envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        guard envelope.reversePath.isEmpty || (try? Envelope(mailFrom: envelope.reversePath, recipient: "x@x.invalid")) != nil else {
            return .refuse(SMTPReply(code: 553, lines: ["5.1.7 That sender address cannot be relayed"]))
        }
        return .accept
    }

    public func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws
        -> SMTPServerVerdict
    {
        // Only an address the suppression list can be checked against (`NormalizedAddress`): one it
        // cannot key (`gone@example.org.`) would reach an opted-out person unseen.
        guard (try? Envelope(mailFrom: "", recipient: recipient)) != nil, let key = try? NormalizedAddress(recipient) else {
            return .refuse(SMTPReply(code: 553, lines: ["5.1.3 That recipient address is not valid"]))
        }
        let trusted = isTrusted(session)
        // A local part that routes on (`victim%example.net@`, `"victim@example.net"@`, `example.net!victim@`)
        // is an external address in disguise: the next hop may honour it.
        if !trusted && key.localPart.contains(where: { "%!@".contains($0) }) {
            return .refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied: no routing in the local part"]))
        }
        if !localDomains.contains(String(key.domain)) && !trusted {
            logger.notice(
                "relay refused: an external recipient from a client that did not authenticate",
                metadata: ["client": "\(session.connection.remoteAddress ?? "unknown")"])
            return .refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied: authenticate first (AUTH after STARTTLS)"]))
        }
        return .accept
    }

    public func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        let now = clock.date
        let sender = RelaySender(authenticatedUser: session.authenticatedUser, reversePath: message.envelope.reversePath)
        let received = ReceivedField.bytes(session: session, hostname: hostname, at: now) + message.bytes
        let recipients = message.envelope.recipients
        let thresholds = thresholds
        let localDomains = localDomains
        // Parsed and checked once, off the event loops.
        let checked: CheckedSubmission = await withTaskExecutorPreference(ComputeExecutor.shared) {
            CheckedSubmission(received, recipients: recipients, sender: sender, localDomains: localDomains, thresholds: thresholds)
        }
        let disposition: NewRelayMessage.Disposition =
            RelayRules.holds(checked.findings)
            ? .hold
            : .relay(after: checked.waitsForBulkUndo ? now.addingTimeInterval(TimeInterval(settings.bulkUndoSeconds)) : nil)
        let filed = NewRelayMessage(
            sender: sender, mailFrom: message.envelope.reversePath, recipients: recipients,
            clientAddress: session.connection.remoteAddress, bytes: checked.bytes, subject: checked.subject, findings: checked.findings,
            disposition: disposition)
        let receipt = try await store.receiveRelayMessage(filed, breaker: settings.breaker.limits)
        logger.info(
            "relay message filed",
            metadata: [
                "id": "\(receipt.id.rawValue)", "sender": "\(sender)", "recipients": "\(recipients.count)", "state": "\(receipt.state.rawValue)",
                "hold": "\(receipt.holdReason?.rawValue ?? "-")",
            ])
        if receipt.state == .queued { doorbell.ring() }
        if receipt.breakerTripped { metrics.relayBreakerTripped() }
        if receipt.state == .held {
            metrics.relayHeld()
            // A client that is not trusted can give anyone's address as MAIL FROM: no notice goes there
            // (the relay would send a stranger's text to a victim); the breaker's alert still goes.
            let noticeTo = isTrusted(session) ? message.envelope.reversePath : ""
            notices.held(receipt, sender: sender, mailFrom: noticeTo, subject: checked.subject, findings: checked.findings)
        }
        return .accept
    }
}

/// A submitted message after the relay's checks: the bytes to file (Bcc removed), the subject and
/// the findings. Built off the event loops.
struct CheckedSubmission: Sendable {
    /// The fields that name blind recipients, removed from every message before it is filed.
    static let blindFields = ["Bcc", "Resent-Bcc"]

    var bytes: [UInt8]
    var subject: String
    var findings: [Finding]
    var waitsForBulkUndo: Bool

    init(_ received: [UInt8], recipients: [String], sender: RelaySender, localDomains: LocalDomains, thresholds: RelayThresholds) {
        do {
            // Bcc'd addresses are never shown to anyone: the fields go before the message is filed
            // (RFC 5322 §3.6.6: Resent-Bcc is a Bcc too).
            var copy = try MessageCopy(received)
            copy.removeFields(named: Self.blindFields)
            bytes = copy.bytes
            let entity = try MIMEParser().parse(bytes)
            let relayMessage = RelayMessage(
                parsing: entity, envelopeRecipients: recipients, sender: sender, localDomains: localDomains)
            subject = relayMessage.subject
            findings = RelayRules.check(relayMessage, thresholds: thresholds)
            waitsForBulkUndo = RelayRules.waitsForBulkUndo(relayMessage, thresholds: thresholds)
        } catch {
            bytes = received
            subject = ""
            findings = [
                Finding(
                    code: "relay.message-unreadable", severity: .error,
                    message: "the message cannot be read (\(error)), so who can see whom cannot be checked", location: "message",
                    fix: "look at it with `bulkhead hold show ID --message` and discard it: no copy of it can be sent safely")
            ]
            waitsForBulkUndo = false
        }
    }
}
