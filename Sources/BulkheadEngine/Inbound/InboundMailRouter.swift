import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// The inbound listener's policy (an ``SMTPServerDelegate``): it accepts mail only for its own
/// domains (`inbound.domains`; anything else gets `550 5.7.1`: never an open relay), and only for
/// `bounces+TOKEN@`, `unsubscribe+TOKEN@`, `postmaster@` and `abuse@`. What arrives is filed before
/// the `250`, so a crash after it loses nothing and a crash before it makes the sender retry (every
/// filing is idempotent):
/// - a DSN at `bounces+TOKEN@` marks that ledger entry bounced (``MailStore/recordBounce(_:softLimit:)``:
///   hard bounces, and repeated soft ones, suppress the address) and lets the campaign's brakes judge;
/// - an ARF complaint (at the bounce address, or at abuse/postmaster with our VERP return path in the
///   reported message) suppresses the address (reason complaint);
/// - mail to `unsubscribe+TOKEN@` unsubscribes as the one-click link does;
/// - everything else (human replies, non-standard bounces, unknown tokens) is kept in the
///   ``KeptMailbox`` for a person.
///
/// ```swift
/// let router = InboundMailRouter(store: store, unsubscribe: environment.oneClickUnsubscribe, brakes: environment.brakes,
///                                kept: KeptMailbox(directory: configuration.path("inbound")), domains: ["shop.example"],
///                                softLimit: SoftBounceLimit(), hostname: "mx.shop.example", clock: SystemClock(), logger: logger)
/// let server = try SMTPServer(configuration: SMTPServerConfiguration(hostname: "mx.shop.example"), delegate: router)
/// ```
public struct InboundMailRouter: SMTPServerDelegate {
    public let store: any MailStore
    let unsubscribe: OneClickUnsubscribe
    let brakes: CampaignBrakes?
    let kept: KeptMailbox
    /// Lowercased ASCII (IDNA) domain names.
    let domains: Set<String>
    let softLimit: SoftBounceLimit
    /// The name this host gives in its greeting and trace fields.
    public let hostname: String
    let clock: any BulkheadClock
    let logger: Logger
    /// Bounces are counted here.
    public var metrics = EngineMetrics.global
    /// The local part of the VERP return path (`bounces`).
    let bounceLocalPart: String
    /// Posts to hosted lists (nil: a post to a list is kept for a person, not distributed).
    let posting: ListPosting?
    /// The auto-responders (nil or none: their addresses are refused like any unknown mailbox).
    let responding: AutoResponding?

    public init(
        store: any MailStore, unsubscribe: OneClickUnsubscribe, brakes: CampaignBrakes?, kept: KeptMailbox, domains: [String],
        softLimit: SoftBounceLimit, hostname: String, clock: any BulkheadClock, logger: Logger, bounceLocalPart: String = "bounces",
        posting: ListPosting? = nil, responding: AutoResponding? = nil
    ) {
        self.store = store
        self.unsubscribe = unsubscribe
        self.brakes = brakes
        self.kept = kept
        self.domains = Set(domains.map(Self.canonicalDomain))
        self.softLimit = softLimit
        self.hostname = hostname
        self.clock = clock
        self.logger = logger
        self.bounceLocalPart = bounceLocalPart
        self.posting = posting
        self.responding = responding
    }

    /// What a recipient address of ours is for.
    enum Mailbox: Hashable {
        case bounces(token: String)
        case unsubscribe(token: String)
        /// postmaster@ or abuse@.
        case role
        /// A hosted list's posting address.
        case list(HostedList)
        /// `LOCAL-bounces@DOMAIN` of the hosted list `LOCAL@DOMAIN` (its copies' envelope sender).
        case listBounces(String)
        /// An auto-responder's address (or alias).
        case responder(AutoResponding.Responder)
    }

    /// Where a recipient leads: one of our mailboxes, or a refusal.
    enum Routing: Hashable {
        case mailbox(Mailbox)
        case refused(SMTPReply)

        var mailbox: Mailbox? {
            if case .mailbox(let mailbox) = self { mailbox } else { nil }
        }
    }

    /// The mailbox a recipient names (a hosted list's addresses are looked up in the store), or the
    /// refusal it gets.
    func route(_ recipient: String) async throws -> Routing {
        if let address = try? NormalizedAddress(recipient), let responder = responding?.responder(for: address) {
            return .mailbox(.responder(responder))
        }
        let routing = routeOwn(recipient)
        guard case .refused = routing, let address = try? NormalizedAddress(recipient), domains.contains(String(address.domain)) else {
            return routing
        }
        if let list = try await store.hostedList(address: address) { return .mailbox(.list(list)) }
        let local = String(address.localPart)
        if local.lowercased().hasSuffix("-bounces"), let listAddress = try? NormalizedAddress(String(local.dropLast(8)) + "@" + address.domain),
            let list = try await store.hostedList(address: listAddress)
        {
            return .mailbox(.listBounces(list.address))
        }
        return routing
    }

    /// The mailbox of ours (not a list) a recipient names, or the refusal it gets.
    func routeOwn(_ recipient: String) -> Routing {
        // RFC 5321 §4.5.1: the bare <Postmaster> must be accepted.
        if recipient.lowercased() == "postmaster" { return .mailbox(.role) }
        guard let address = try? NormalizedAddress(recipient) else {
            return .refused(SMTPReply(code: 553, lines: ["5.1.3 That address is not valid"]))
        }
        guard domains.contains(String(address.domain)) else {
            return .refused(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied: this server takes mail only for its own domains"]))
        }
        let local = address.localPart.lowercased()
        if local == "postmaster" || local == "abuse" { return .mailbox(.role) }
        if let token = VERPAddress.parse(address.value, localPart: bounceLocalPart), !token.isEmpty { return .mailbox(.bounces(token: token)) }
        if let token = VERPAddress.parse(address.value, localPart: "unsubscribe"), !token.isEmpty {
            return .mailbox(.unsubscribe(token: token))
        }
        return .refused(SMTPReply(code: 550, lines: ["5.1.1 No such mailbox here"]))
    }

    public func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws
        -> SMTPServerVerdict
    {
        switch try await route(recipient) {
        case .mailbox: .accept
        case .refused(let reply): .refuse(reply)
        }
    }

    public func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        let bytes = ReceivedField.bytes(session: session, hostname: hostname, at: clock.date) + message.bytes
        var mailboxes = Set<Mailbox>()
        for recipient in message.envelope.recipients {
            if let mailbox = try await route(recipient).mailbox { mailboxes.insert(mailbox) }
        }
        // Parsed once per message, off the event loops (a message of many parts costs a second of CPU).
        let parsed: Result<(MIMEEntity, InboundReport), MIMEParseError> = await withTaskExecutorPreference(ComputeExecutor.shared) {
            Result { () throws(MIMEParseError) in
                let entity = try MIMEParser().parse(bytes)
                return (entity, InboundReport.classify(entity))
            }
        }
        var keepReasons: [String] = []
        var refusals: [SMTPReply] = []
        var filedPosts = 0
        for mailbox in mailboxes {
            if case .responder(let responder) = mailbox, let responding {
                switch try await responding.receive(
                    bytes, headers: try? parsed.get().0.headers, for: responder, mailFrom: message.envelope.reversePath,
                    clientAddress: session.connection.remoteAddress)
                {
                case .filed: filedPosts += 1
                case .kept(_, let reason): keepReasons.append(reason)
                case .refused(let reply): refusals.append(reply)
                }
                continue
            }
            guard case .list(let list) = mailbox else {
                if let reason = try await file(parsed.map(\.1), for: mailbox, sender: message.envelope.reversePath) { keepReasons.append(reason) }
                continue
            }
            guard let posting else {
                keepReasons.append("a post to \(list.address), but hosted lists are not served here")
                continue
            }
            switch try await posting.post(
                bytes, entity: try? parsed.get().0, to: list, mailFrom: message.envelope.reversePath, clientAddress: session.connection.remoteAddress)
            {
            case .filed: filedPosts += 1
            case .refused(let reply): refusals.append(reply)
            case .kept(let reason): keepReasons.append(reason)
            }
        }
        // A message only for lists that refused it is refused (one reply for all its recipients); one
        // that was also filed or kept elsewhere is accepted, and the refused list's sender learns why
        // from the log and, in a storm, from its notice.
        if let refusal = refusals.first, filedPosts == 0, keepReasons.isEmpty, mailboxes.count == refusals.count {
            return .refuse(refusal)
        }
        if !keepReasons.isEmpty {
            let name: String
            do {
                name = try await kept.keep(bytes, reason: keepReasons.sorted().joined(separator: "; "), at: clock.date)
            } catch is KeptMailboxFull {
                logger.warning("kept mailbox full: inbound mail refused for now (the sender retries)", metadata: ["directory": "\(kept.directory)"])
                return .refuse(SMTPReply(code: 452, lines: ["4.3.1 Mailbox for unfiled mail is full, try again later"]))
            }
            logger.notice("inbound mail kept for a person", metadata: ["file": "\(name)", "reason": "\(keepReasons.sorted())"])
        }
        return .accept
    }

    /// Files the message for one of our mailboxes; returns why it must be kept for a person, if so.
    private func file(_ parsed: Result<InboundReport, MIMEParseError>, for mailbox: Mailbox, sender: String) async throws -> String? {
        switch (mailbox, parsed) {
        case (.unsubscribe(let token), _):
            // The envelope address decides an unsubscribe: what the body holds, or whether it parses, never matters.
            let channel = "mail from <\(sender)>"
            return try await unsubscribe.confirm(token: token, channel: channel) == .done ? nil : "unsubscribe token not valid"
        case (_, .failure(let error)):
            return "unreadable MIME: \(error)"
        case (.bounces(let token), .success(.deliveryStatus(let dsn))):
            return try await bounce(dsn, token: token)
        case (.bounces(let token), .success(.qmailBounce(let bounce))):
            return try await qmailBounce(bounce, token: token)
        case (.bounces(let token), .success(.feedback(let arf))):
            return try await complaint(arf, token: token)
        case (.bounces, .success(.malformedDeliveryStatus(let error))):
            return "unreadable DSN: \(error)"
        case (.bounces, .success(.malformedFeedback(let error))):
            return "unreadable feedback report: \(error)"
        case (.bounces, .success(.notAReport)):
            return "not a bounce"
        case (.role, .success(.feedback(let arf))):
            // Original-Mail-From is optional (RFC 5965): the reported message's Return-Path says the same.
            let returnPath = arf.originalMailFrom ?? arf.originalHeaders["Return-Path"]
            guard let token = returnPath.flatMap({ VERPAddress.parse($0, localPart: bounceLocalPart) }) else {
                return try await listComplaint(arf)
            }
            return try await complaint(arf, token: token)
        case (.role, .success):
            return "postmaster/abuse mail"
        case (.listBounces, .success(.feedback(let arf))):
            return try await listComplaint(arf)
        case (.listBounces(let address), _):
            return "mail to the bounce address of \(address) (bounces of list copies are kept for a person, not processed)"
        case (.list, _):
            preconditionFailure("list posts are filed by ListPosting")
        case (.responder, _):
            preconditionFailure("auto-responder mail is filed by AutoResponding")
        }
    }

    /// The most severe outcome in a DSN for the entry of `token` (our messages have one recipient).
    private func bounce(_ dsn: DeliveryStatusReport, token: String) async throws -> String? {
        // A delay warning says the MTA still tries: nothing to record (an expiry worded as "delayed",
        // OpenSMTPD's 4.4.7, is classified expired and is recorded).
        let recorded = dsn.recipients.filter { !($0.action == .delayed && $0.bounceClass == .soft) }
        let failures = recorded.map { ($0.bounceClass, $0.specificStatus.description, $0.diagnosticCode.map { "\($0.type); \($0.value)" }) }
        return try await recordBounce(failures, token: token, source: "dsn")
    }

    /// A qmail bounce counts only by its paragraphs about the address the message of `token` went to:
    /// a qmail that forwarded the message reports the forward's failure under another address, which
    /// says nothing about this person's (kept for a person then).
    private func qmailBounce(_ bounce: QmailBounce, token: String) async throws -> String? {
        guard let entry = try await store.ledgerEntry(verpToken: token) else { return "bounce for an unknown VERP token" }
        let own = bounce.recipients.filter { Self.qmailAddress($0.address) == entry.address }
        guard !own.isEmpty else { return "qmail bounce that names no address its message was sent to" }
        return try await recordBounce(
            own.map { ($0.bounceClass, $0.status.description, Self.qmailDiagnostic($0.explanation)) }, token: token, source: "qsbmf")
    }

    /// An address as qmail prints it: unquoted, so a local part with a space or parentheses is taken
    /// word for word (split at the last `@`), never read as an addr-spec with comments.
    static func qmailAddress(_ printed: String) -> NormalizedAddress? {
        guard let at = printed.lastIndex(of: "@") else { return nil }
        return try? NormalizedAddress(BulkheadMail.Mailbox(localPart: String(printed[..<at]), domain: String(printed[printed.index(after: at)...])))
    }

    /// Records the most severe of a report's outcomes (class, status, diagnostic) on the entry of
    /// `token`; nothing when none is a failure (a success, relay or delay notice).
    private func recordBounce(_ failures: [(BounceClass, String, String?)], token: String, source: String) async throws -> String? {
        let severity: [(BounceClass, BounceKind)] = [(.hard, .hard), (.expired, .expired), (.soft, .soft), (.rejectedMessage, .rejectedMessage)]
        guard
            let (kind, failure) = severity.lazy.compactMap({ bounceClass, kind in
                failures.first { $0.0 == bounceClass }.map { (kind, $0) }
            }).first
        else {
            return nil
        }
        let bounce = InboundBounce(verpToken: token, kind: kind, status: failure.1, diagnostic: failure.2, at: clock.date, source: source)
        guard let result = try await store.recordBounce(bounce, softLimit: softLimit) else { return "bounce for an unknown VERP token" }
        metrics.message(.bounced, .campaign)
        logger.info(
            "bounce recorded",
            metadata: [
                "campaign": "\(result.entry.campaignID.rawValue)", "entry": "\(result.entry.id.rawValue)", "kind": "\(kind.rawValue)",
                "status": "\(bounce.status)", "suppressed": "\(result.suppressed)",
            ])
        if kind == .hard { try await judgeBrakes(result.entry.campaignID) }
        return nil
    }

    /// A qmail recipient paragraph's explanation as a one-line diagnostic (`qmail; …`): control
    /// characters become spaces, runs of spaces one, and at most 1,000 Unicode scalars are kept.
    static func qmailDiagnostic(_ explanation: String) -> String {
        var text = String.UnicodeScalarView()
        var count = 0
        for scalar in explanation.unicodeScalars {
            guard count < 1_000 else { break }
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == " " {
                guard let last = text.last, last != " " else { continue }
                text.append(" ")
            } else {
                text.append(scalar)
            }
            count += 1
        }
        while text.last == " " { text.removeLast() }
        return "qmail; " + String(text)
    }

    private func complaint(_ arf: FeedbackReport, token: String) async throws -> String? {
        guard arf.feedbackType.isComplaint else { return "feedback report that is not a complaint (\(arf.feedbackType.fieldValue))" }
        guard let result = try await store.recordComplaint(verpToken: token, at: clock.date, source: "arf") else {
            return "complaint for an unknown VERP token"
        }
        logger.notice("complaint recorded", metadata: ["campaign": "\(result.entry.campaignID.rawValue)", "entry": "\(result.entry.id.rawValue)"])
        try await judgeBrakes(result.entry.campaignID)
        return nil
    }

    /// A complaint about a hosted list's copy (sent to the list's bounce address, or to abuse@): list
    /// copies carry no VERP token, but each carries its member's own `List-Unsubscribe` token, signed
    /// with our key. The member is suppressed (reason `complaint`), as a campaign's complaint does;
    /// a report whose headers hold no valid list token is kept for a person.
    private func listComplaint(_ arf: FeedbackReport) async throws -> String? {
        guard arf.feedbackType.isComplaint else { return "feedback report that is not a complaint (\(arf.feedbackType.fieldValue))" }
        guard let field = arf.originalHeaders["List-Unsubscribe"], let token = Self.unsubscribeToken(in: field),
            let claim = try? unsubscribe.tokens.verify(token), case .list(let list) = claim.scope
        else { return "complaint about a message that is not ours" }
        guard let member = try await store.subscriber(id: SubscriberID(rawValue: claim.subscriberID)) else {
            return "complaint about a list copy whose member is no longer stored"
        }
        let suppression = Suppression(
            address: member.address, reason: .complaint, at: clock.date, source: "arf", note: "complaint about a copy of list \(list)")
        _ = try await store.addSuppression(suppression, actor: .system)
        logger.notice("complaint about a list copy recorded: the member is suppressed", metadata: ["list": "\(list)"])
        return nil
    }

    /// The token of a `List-Unsubscribe` value we wrote: `<https://…/u/TOKEN>` or `<mailto:unsubscribe+TOKEN@…>`.
    static func unsubscribeToken(in field: String) -> String? {
        for item in field.split(separator: ",") {
            let link = item.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "<>"))
            if let range = link.range(of: "/u/", options: .backwards), link.hasPrefix("https://") {
                let token = link[range.upperBound...].prefix { !"?#/".contains($0) }
                if !token.isEmpty { return String(token) }
            }
            if link.lowercased().hasPrefix("mailto:unsubscribe+"), let at = link.lastIndex(of: "@") {
                let token = link[link.index(link.startIndex, offsetBy: "mailto:unsubscribe+".count)..<at]
                if !token.isEmpty { return String(token) }
            }
        }
        return nil
    }

    /// The campaign's brakes look at the window the event just joined (they may pause it).
    private func judgeBrakes(_ campaign: CampaignID) async throws {
        do {
            try await brakes?.check(campaign)
        } catch {
            // The event is stored: only this look failed; the next outcome or event looks again.
            logger.warning("cannot judge the brakes after an inbound event", metadata: ["campaign": "\(campaign.rawValue)", "error": "\(error)"])
        }
    }

    /// The lowercased ASCII form of a domain name.
    static func canonicalDomain(_ domain: String) -> String {
        (try? NormalizedAddress("x@" + domain)).map { String($0.domain) } ?? domain.lowercased()
    }
}
