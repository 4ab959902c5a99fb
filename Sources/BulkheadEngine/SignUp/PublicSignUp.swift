public import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
public import Logging

/// The public sign-up of lists with double opt-in (`bulkhead list sign-up NAME --double-opt-in`): the
/// form's request stores nothing that counts as consent and mails one confirmation link
/// (`BASE/c/TOKEN`); only a POST of that link makes the person a confirmed member, with a consent
/// record. Answers never say what state an address is in; suppressed addresses get no mail, and
/// nobody does while the emergency stop holds (the request is counted; the person can ask again).
///
/// ```swift
/// let signUp = try environment.publicSignUp()
/// _ = try await signUp.signUp(listName: "news", address: "ann@example.org", name: nil, client: "192.0.2.1")
/// // … the person opens BASE/c/TOKEN and presses the button:
/// _ = try await signUp.confirm(token: token, channel: "POST from 192.0.2.1")
/// ```
public struct PublicSignUp: Sendable {
    /// What a sign-up request came to. `accepted` whether or not a mail went out.
    public enum Outcome: Sendable, Hashable {
        /// Taken (the page says: if the address can sign up, a link is on its way).
        case accepted
        /// No list of that name takes public sign-ups.
        case noSuchList
        /// The address is not one address (control characters, CRLF, no `@`, too long, …).
        case invalidAddress
        /// The name is too long or holds control characters.
        case invalidName
        /// This client asked for too many confirmation mails in the last hour.
        case tooMany
    }

    /// What a confirmation POST came to.
    public enum Confirmation: Sendable, Hashable {
        /// Confirmed (now or before) on `listName`; `suppressed`: the address still gets nothing.
        case confirmed(listName: String, suppressed: Bool)
        /// Tampered with, expired, or overtaken by an unsubscribe: nothing changed.
        case invalidLink
    }

    /// The longest name accepted, in characters.
    public static let maximumNameLength = 200

    let store: any MailStore
    let transport: any MessageTransport
    let from: Mailbox
    let base: String
    let tokens: SignUpTokenIssuer
    let limits: SignUpLimits
    let clock: any BulkheadClock
    let logger: Logger

    /// A sign-up service mailing from `from` with links under `base` (`identity.unsubscribe_base_url`).
    public init(
        store: any MailStore, transport: any MessageTransport, from: Mailbox, base: String, tokens: SignUpTokenIssuer,
        limits: SignUpLimits = SignUpLimits(), clock: any BulkheadClock, logger: Logger
    ) {
        self.store = store
        self.transport = transport
        self.from = from
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.tokens = tokens
        self.limits = limits
        self.clock = clock
        self.logger = logger
    }

    /// The list named `name` when it takes public sign-ups, else nil.
    public func openList(named name: String) async throws -> MailingList? {
        guard let list = try await store.list(named: name), try await store.listSignUp(list.id) == .doubleOptIn else { return nil }
        return list
    }

    /// Files a sign-up and, when the store says so, sends the one confirmation mail.
    public func signUp(listName: String, address: String, name: String?, client: String) async throws -> Outcome {
        guard let list = try await openList(named: listName) else { return .noSuchList }
        guard let normalized = try? NormalizedAddress(address.trimmingCharacters(in: .whitespaces)) else { return .invalidAddress }
        let name = name?.trimmingCharacters(in: .whitespaces)
        if let name, name.count > Self.maximumNameLength || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return .invalidName
        }
        let request = SignUpRequest(list: list.id, address: normalized, name: name?.isEmpty == false ? name : nil, client: client)
        switch try await store.requestSignUp(request, limits: limits) {
        case .sendConfirmation(let subscriber):
            try await sendConfirmation(to: normalized, subscriber: subscriber, list: list)
        case .throttled(.client):
            return .tooMany
        case .closed:
            return .noSuchList
        case .throttled(let limit):
            logger.info("sign-up confirmation not sent: rate limit", metadata: ["list": "\(list.id.rawValue)", "limit": "\(limit.rawValue)"])
        case .alreadyConfirmed, .suppressed:
            break
        }
        return .accepted
    }

    /// The list a confirmation link leads to, when the link is valid (nothing changes).
    public func preview(token: String) async throws -> MailingList? {
        guard let claim = try? tokens.verify(token, now: clock.date) else { return nil }
        return try await openList(id: ListID(rawValue: claim.listID))
    }

    /// Confirms the sign-up of a valid link; `channel` (how the POST came) goes in the consent record.
    public func confirm(token: String, channel: String) async throws -> Confirmation {
        guard let claim = try? tokens.verify(token, now: clock.date), let list = try await openList(id: ListID(rawValue: claim.listID)) else {
            return .invalidLink
        }
        let evidence = ConsentEvidence(
            kind: .given, at: clock.date, method: .doubleOptIn, source: "sign-up form \(base)/s/\(list.name)", ipOrChannel: channel,
            textShown: Self.consentText(list.name))
        switch try await store.confirmSignUp(
            list: list.id, subscriber: SubscriberID(rawValue: claim.subscriberID), issuedAt: claim.issuedAt, evidence: evidence)
        {
        case .confirmed(let suppressed):
            logger.info("sign-up confirmed", metadata: ["list": "\(list.id.rawValue)"])
            return .confirmed(listName: list.name, suppressed: suppressed)
        case .alreadyConfirmed(let suppressed):
            return .confirmed(listName: list.name, suppressed: suppressed)
        case .stale, .closed:
            return .invalidLink
        }
    }

    /// The sentence on the confirmation page's button, kept verbatim in the consent record.
    public static func consentText(_ listName: String) -> String {
        "Yes, send me the messages of \(listName). I can unsubscribe with the link in every message."
    }

    private func openList(id: ListID) async throws -> MailingList? {
        guard let list = try await store.list(id: id), try await store.listSignUp(id) == .doubleOptIn else { return nil }
        return list
    }

    private func sendConfirmation(to address: NormalizedAddress, subscriber: SubscriberID, list: MailingList) async throws {
        // Nothing leaves while the emergency stop holds; the person can ask again after the interval.
        if try await store.latch(named: Latch.emergencyStop) != nil {
            logger.info("sign-up confirmation not sent: the emergency stop holds", metadata: ["list": "\(list.id.rawValue)"])
            return
        }
        let token = try tokens.issue(listID: list.id.rawValue, subscriberID: subscriber.rawValue, at: clock.date)
        let recipient = try address.mailbox
        var message = MessageBuilder(from: from)
        message.to = [.mailbox(recipient)]
        message.subject = "Confirm: \(list.name)"
        message.textBody = """
            Someone (we hope you) asked to get the messages of \(list.name) at this address.

            To confirm, open this link and press the button:
            \(base)/c/\(token.text)

            If it was not you, do nothing: without the button you get nothing more from us.
            The link works for 7 days.

            """
        message.date = MessageDate(clock.date)
        try message.addHeader(name: "Auto-Submitted", value: "auto-generated")
        let outcome = await transport.deliver(try Envelope(mailFrom: from.address, recipient: recipient.address), try message.build())
        if case .sent = outcome { return }
        // The request is counted already: the person can ask again after the per-address interval. Only
        // the reply code is logged: a server's reply text may quote the address.
        let code = outcome.detail.reply.map { "\($0.code)" } ?? "none"
        logger.warning("sign-up confirmation not delivered", metadata: ["list": "\(list.id.rawValue)", "reply_code": "\(code)"])
    }
}
