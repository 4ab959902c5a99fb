public import BulkheadMail
import BulkheadPolicy
public import BulkheadSMTP
public import BulkheadStore
public import Foundation
public import Logging

/// What happens to mail for an auto-responder's address (the inbound listener's part for
/// `autoresponders:`). The mail itself is never swallowed: it is filed for delivery to `forward_to`
/// (as received, with the original envelope sender and an `X-Bulkhead-Loop` naming the responder) or
/// kept in the responder's Maildir. The reply is decided by ``AutoReplyRule`` (RFC 3834) and then by
/// the store (``MailStore/receiveAutoResponderMail(_:limits:)``: once per sender per period, never
/// backlog, never a Message-ID seen before, the global breaker) in the same transaction that files
/// the forward; it goes to the envelope sender only, from the null sender, through the relay's
/// delivery (ledger, retries, stop latch). A message that already carries this responder's loop mark
/// is not forwarded again but kept for a person. When the breaker trips, `alerts.email` is told once.
///
/// ```swift
/// let responding = try environment.autoResponding(doorbell: doorbell)
/// if let responder = responding.responder(for: try NormalizedAddress("support@shop.example")) {
///     let outcome = try await responding.receive(bytes, headers: entity?.headers, for: responder, mailFrom: "ann@example.org", clientAddress: nil)
/// }
/// ```
public struct AutoResponding: Sendable {
    /// One configured responder, ready to answer.
    public struct Responder: Sendable, Hashable {
        /// The responder's address, canonical.
        public let address: String
        /// The From of its replies.
        public let mailbox: Mailbox
        public let aliases: [String]
        public let subject: String?
        public let text: String
        public let destination: Destination
        public let limits: AutoReplyLimits

        public init(
            address: NormalizedAddress, mailbox: Mailbox, aliases: [String], subject: String?, text: String, destination: Destination,
            limits: AutoReplyLimits
        ) {
            self.address = address.value
            self.mailbox = mailbox
            self.aliases = aliases
            self.subject = subject
            self.text = text
            self.destination = destination
            self.limits = limits
        }
    }

    /// Where a responder's mail goes on to.
    public enum Destination: Sendable, Hashable {
        /// Delivered to this address through the delivery machinery.
        case forward(String)
        /// Kept in this Maildir directory.
        case maildir(String)
    }

    /// What became of one message.
    public enum Outcome: Sendable, Hashable {
        /// Filed: the reply decision and the forward (when there is one), durably.
        case filed(AutoResponderReceipt)
        /// Filed without a forward: keep it for a person for this reason (it came back to its responder).
        case kept(AutoResponderReceipt, reason: String)
        /// Not accepted for now (the Maildir is full): the sender retries.
        case refused(SMTPReply)
    }

    let store: any MailStore
    /// Every responder, by its address and each alias (canonical).
    let responders: [String: Responder]
    /// Signs replies from domains with a DKIM key.
    let signers: RelayCopyWriter?
    let doorbell: RelayDoorbell?
    let alerts: AlertMailer?
    let clock: any BulkheadClock
    let logger: Logger

    public init(
        store: any MailStore, responders: [Responder], signers: RelayCopyWriter?, doorbell: RelayDoorbell?, alerts: AlertMailer?,
        clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        var byAddress: [String: Responder] = [:]
        for responder in responders {
            for address in [responder.address] + responder.aliases {
                if let key = try? NormalizedAddress(address).value { byAddress[key] = responder }
            }
        }
        self.responders = byAddress
        self.signers = signers
        self.doorbell = doorbell
        self.alerts = alerts
        self.clock = clock
        self.logger = logger
    }

    /// The responder answering at `address`, or nil.
    public func responder(for address: NormalizedAddress) -> Responder? { responders[address.value] }

    /// Every responder once, by address.
    public var all: [Responder] { Set(responders.values).sorted { $0.address < $1.address } }

    /// Records the responders as enabled in the store (a responder enabled before keeps its time):
    /// mail written before that time is backlog, never answered.
    @discardableResult
    public func enable() async throws -> [String: Date] {
        try await store.enableAutoResponders(all.map(\.address))
    }

    /// Decides and files `bytes` (its header section `headers`, nil when it cannot be read), received
    /// from `mailFrom`, for `responder`.
    public func receive(
        _ bytes: [UInt8], headers: HeaderList?, for responder: Responder, mailFrom: String, clientAddress: String?
    ) async throws -> Outcome {
        let decision: AutoReplyDecision =
            headers.map {
                AutoReplyRule.decide(headers: $0, envelopeSender: mailFrom, responderAddress: responder.address, aliases: responder.aliases)
            } ?? .skip(.unreadable)
        let answer: NewAutoResponderMail.Answer
        switch decision {
        case .skip(let reason): answer = .skip(reason)
        case .reply(let to):
            do {
                answer = .reply(try reply(to: to, headers: headers ?? HeaderList(), responder: responder))
            } catch {
                logger.warning("auto-reply not built", metadata: ["responder": "\(responder.address)", "error": "\(error)"])
                answer = .skip(.invalidSender)
            }
        }
        let cameBack = headers.map { Self.carriesLoopMark($0, of: responder) } ?? false
        var forward: NewRelayMessage?
        switch responder.destination {
        case .forward(let address) where !cameBack:
            let marked = Array("\(BulkheadLoop.headerName): \(responder.address)\r\n".utf8) + bytes
            forward = NewRelayMessage(
                sender: .mailFrom(mailFrom), mailFrom: mailFrom, recipients: [address], clientAddress: clientAddress, bytes: marked,
                subject: headers?["Subject"].map(EncodedWords.decode) ?? "", findings: [], disposition: .relay(after: nil))
        case .forward:
            break
        case .maildir(let directory):
            do {
                _ = try await KeptMailbox(directory: directory).keep(bytes, reason: "mail for \(responder.address)", at: clock.date)
            } catch is KeptMailboxFull {
                logger.warning("auto-responder Maildir full: mail refused for now", metadata: ["directory": "\(directory)"])
                return .refused(SMTPReply(code: 452, lines: ["4.3.1 Mailbox full, try again later"]))
            }
        }
        let mail = NewAutoResponderMail(
            responder: responder.address, sender: mailFrom, messageID: headers.flatMap(MessageIDList.messageID(of:)),
            writtenAt: headers?["Date"].flatMap(MessageWrittenAt.parse), answer: answer, forward: forward)
        let receipt = try await store.receiveAutoResponderMail(mail, limits: responder.limits)
        logger.info(
            "auto-responder mail filed",
            metadata: [
                "responder": "\(responder.address)", "outcome": "\(receipt.outcome.code)",
                "forward": "\(receipt.forward.map { "\($0.id.rawValue)" } ?? "-")",
            ])
        if receipt.reply?.state == .queued || receipt.forward?.state == .queued { doorbell?.ring() }
        if receipt.outcome == .breakerTripped {
            logger.warning("auto-reply breaker tripped: every auto-responder is paused", metadata: ["responder": "\(responder.address)"])
            let limits = responder.limits
            let alerts = alerts
            Task {
                await alerts?.send(
                    subject: "auto-replies paused: more than \(limits.breakerReplies) within \(Int(limits.breakerWindow.seconds)) seconds",
                    text: """
                        The auto-reply breaker (autoreply_breaker) tripped at \(responder.address): every auto-responder is paused. \
                        Mail is still forwarded or kept; no replies go out.

                        Look at what the responders received (a loop with another responder, a flood of mail), then:   bulkhead autoreply resume
                        """)
            }
        }
        if cameBack, case .forward = responder.destination {
            return .kept(receipt, reason: "mail that came back to the auto-responder \(responder.address) (X-Bulkhead-Loop): not forwarded again")
        }
        return .filed(receipt)
    }

    /// Whether the message carries this responder's `X-Bulkhead-Loop` mark (it was forwarded by it).
    static func carriesLoopMark(_ headers: HeaderList, of responder: Responder) -> Bool {
        headers.values(for: BulkheadLoop.headerName).contains {
            $0.trimmingCharacters(in: .whitespaces).lowercased() == responder.address
        }
    }

    /// The reply as a relay message from the null sender to `recipient`, DKIM-signed when a key for
    /// the responder's domain is configured.
    private func reply(to recipient: String, headers: HeaderList, responder: Responder) throws -> NewRelayMessage {
        var builder = AutoReplyBuilder(responder: responder.mailbox, subject: responder.subject, text: responder.text)
        builder.date = MessageDate(clock.date)
        let reply = try builder.build(replyingTo: headers, envelopeSender: recipient)
        var bytes = reply.bytes
        if let signer = signers?.plan(forDomain: responder.mailbox.domain).signer { bytes = try signer.sign(bytes, at: clock.date) }
        return NewRelayMessage(
            sender: .mailFrom(responder.address), mailFrom: reply.mailFrom, recipients: [reply.recipient], clientAddress: nil, bytes: bytes,
            subject: responder.subject ?? AutoReplyBuilder.autoSubject(original: headers["Subject"]), findings: [],
            disposition: .relay(after: nil))
    }
}
