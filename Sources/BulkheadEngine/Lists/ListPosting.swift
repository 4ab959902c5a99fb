public import BulkheadMail
public import BulkheadPolicy
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// What happens to a message sent to a hosted list's address (the inbound listener's part for lists):
/// a post that already went through this list (its `X-Bulkhead-Loop` or `List-Id`) is never sent out
/// again but kept for a person; the post is checked by ``ListPostRules`` (test mail against the
/// list's size, exposure, sensitive content) and handed to ``MailStore/receiveListPost(_:limits:)``,
/// which applies the posting policy, the daily limit, the emergency switch and storm protection,
/// and files it with one recipient per member. A refusal becomes a `550 5.7.1` with a human reason;
/// a storm also sends its sender one notice per storm and the list's owner (else `alerts.email`) one
/// alert per storm, in the background.
///
/// ```swift
/// let posting = environment.listPosting()
/// switch try await posting.post(bytes, entity: parsed, to: list, mailFrom: "ann@example.org", clientAddress: "192.0.2.1") {
/// case .filed(let receipt, let recipients): print(receipt.state, recipients)
/// case .refused(let reply): print(reply)
/// case .kept(let reason): print("kept for a person:", reason)
/// }
/// ```
public struct ListPosting: Sendable {
    let store: any MailStore
    let limits: ListPostLimits
    let thresholds: RelayThresholds
    let localDomains: LocalDomains
    let notices: ListNotices
    /// Rung when a post is queued (the relay deliverer sends the copies).
    let doorbell: RelayDoorbell?
    let clock: any BulkheadClock
    let logger: Logger
    /// Holds and storm blocks are counted here.
    public var metrics = EngineMetrics.global

    public init(
        store: any MailStore, limits: ListPostLimits, thresholds: RelayThresholds, localDomains: LocalDomains, notices: ListNotices,
        doorbell: RelayDoorbell? = nil, clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        self.limits = limits
        self.thresholds = thresholds
        self.localDomains = localDomains
        self.notices = notices
        self.doorbell = doorbell
        self.clock = clock
        self.logger = logger
    }

    /// What became of a post.
    public enum Outcome: Sendable, Hashable {
        /// Filed for `recipients` members: queued, or held (the receipt says why).
        case filed(RelayReceipt, recipients: Int)
        /// Refused with this reply (nothing filed).
        case refused(SMTPReply)
        /// Not a post to distribute (a loop, an unreadable message): kept for a person, for this reason.
        case kept(String)
    }

    /// Judges and files `bytes` (parsed as `entity`, nil when it does not parse) for `list`.
    public func post(
        _ bytes: [UInt8], entity: MIMEEntity?, to list: HostedList, mailFrom: String, clientAddress: String?
    ) async throws -> Outcome {
        guard let entity else { return .kept("a post to \(list.address) that cannot be read as MIME") }
        if Self.isLoop(entity, list: list) {
            logger.notice("list post came back to its list: not sent again", metadata: ["list": "\(list.name)"])
            return .kept("a post that already went through \(list.address) (X-Bulkhead-Loop or List-Id): never sent out again")
        }
        guard let from = entity.headers["From"], let mailbox = try? AddressList.parse(from).flatMap(\.mailboxes).first,
            let poster = try? NormalizedAddress(mailbox.address)
        else {
            return .refused(SMTPReply(code: 550, lines: ["5.6.0 A post to \(list.address) needs a From: address"]))
        }
        let sender = RelaySender.mailFrom(poster.value)
        let message = RelayMessage(parsing: entity, envelopeRecipients: [list.address], sender: sender, localDomains: localDomains)
        let findings = ListPostRules.check(message, members: list.members, thresholds: thresholds)
        let post = NewListPost(
            list: list.listID,
            message: NewRelayMessage(
                sender: sender, mailFrom: mailFrom, recipients: [list.address], clientAddress: clientAddress, bytes: bytes,
                subject: message.subject, findings: findings, disposition: RelayRules.holds(findings) ? .hold : .relay(after: nil)),
            poster: poster, messageID: entity.headers["Message-ID"].flatMap { Self.messageIDs(in: $0).first },
            references: Self.messageIDs(in: (entity.headers["In-Reply-To"] ?? "") + " " + (entity.headers["References"] ?? "")),
            subject: ThreadSubject(message.subject))
        switch try await store.receiveListPost(post, limits: limits) {
        case .filed(let receipt, let recipients):
            logger.info(
                "list post filed",
                metadata: [
                    "list": "\(list.name)", "id": "\(receipt.id.rawValue)", "state": "\(receipt.state.rawValue)",
                    "hold": "\(receipt.holdReason?.rawValue ?? "-")", "recipients": "\(recipients)",
                ])
            if receipt.state == .queued { doorbell?.ring() }
            if receipt.state == .held { metrics.relayHeld() }
            return .filed(receipt, recipients: recipients)
        case .refused(let refusal):
            logger.notice("list post refused", metadata: ["list": "\(list.name)", "reason": "\(refusal)"])
            if case .storm(let storm, let notifySender, let alertOwner) = refusal {
                metrics.listStormBlocked()
                notices.storm(storm, list: list, subject: message.subject, sender: notifySender ? mailFrom : nil, alertOwner: alertOwner)
            }
            return .refused(Self.reply(refusal, list: list))
        }
    }

    /// The `550 5.7.1` a refusal gets.
    static func reply(_ refusal: ListPostRefusal, list: HostedList) -> SMTPReply {
        let text: String =
            switch refusal {
            case .notMember: "Only members of \(list.address) may post to it"
            case .notPoster: "Only the list's own posters may post to \(list.address) (an announcement list)"
            case .dailyLimit(let limit): "You reached the limit of \(limit) posts a day to \(list.address); try again tomorrow"
            case .storm(let storm, _, _):
                "Reply-all storm on \(list.address): replies to this thread are refused until "
                    + "\(ISO8601DateFormatter().string(from: storm.blockedUntil)). Please do not reply to all"
            }
        return SMTPReply(code: 550, lines: ["5.7.1 " + text])
    }

    /// Whether the post carries this list's loop mark or List-Id.
    static func isLoop(_ entity: MIMEEntity, list: HostedList) -> Bool {
        let address = list.address.lowercased()
        let marks = entity.headers.filter { $0.hasName(BulkheadLoop.headerName) }.map { $0.value.trimmingCharacters(in: .whitespaces).lowercased() }
        if marks.contains(address) { return true }
        let identifier = "<\(list.listIdentifier.lowercased())>"
        return entity.headers.filter { $0.hasName("List-Id") }.contains { $0.value.lowercased().contains(identifier) }
    }

    /// The message ids in a field value (``MessageIDList``), in order, without their brackets; at most 100.
    static func messageIDs(in value: String) -> [String] {
        Array(MessageIDList.bare(value).prefix(100))
    }
}
