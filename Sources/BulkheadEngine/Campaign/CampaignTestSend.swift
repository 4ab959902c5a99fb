import BulkheadMail
public import BulkheadSMTP
public import BulkheadStore
import Foundation
import Logging

/// Why a test send cannot start.
public enum CampaignTestSendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No address was given.
    case noAddress
    /// More distinct addresses than `guardrails.test_send_max_addresses` allows.
    case tooManyAddresses(count: Int, maximum: Int)
    /// An address is not one.
    case invalidAddress(String, reason: String)

    public var description: String {
        switch self {
        case .noAddress: "give at least one --to address"
        case .tooManyAddresses(let count, let maximum):
            "\(count) addresses: a test goes to at most \(maximum) (guardrails.test_send_max_addresses); send the campaign itself to reach more"
        case .invalidAddress(let text, let reason): "\(text.debugDescription) is not an address: \(reason)"
        }
    }
}

/// `bulkhead campaign test ID --to ADDRESS…`: the campaign's message, built with its own templates,
/// sent to a few test addresses, each as its own message with `[TEST] ` before the subject, through
/// the environment's transport (the capture mailbox when no upstream is configured). Never touches the
/// ledger; audited as `campaign.test` with the number of addresses (the addresses themselves are only
/// logged at debug level).
///
/// Each message is personalised for the address it goes to: when a subscriber has that address, with
/// their name and attributes (so the tester sees what that person would get); otherwise with empty
/// fields. The unsubscribe link is a real token for that subscriber; an address that is nobody's yet
/// is stored as a person first (no list membership), so that using its link holds as a campaign
/// recipient's does. The return path carries the token `test`, which matches no ledger entry, so a
/// bounce of a test message changes nothing.
///
/// ```swift
/// let addresses = try CampaignTestSend.addresses(["me@example.org"], maximum: 25)
/// let results = try await CampaignTestSend(environment: environment).send(campaign: id, to: addresses, actor: .human("ann"))
/// ```
public struct CampaignTestSend: Sendable {
    /// The subject's prefix.
    public static let subjectPrefix = "[TEST] "
    /// The VERP token of test messages (no ledger entry has it).
    static let verpToken = "test"

    public let environment: BulkheadEnvironment

    public init(environment: BulkheadEnvironment) {
        self.environment = environment
    }

    /// What became of one test message.
    public struct Result: Sendable, Hashable {
        public var address: NormalizedAddress
        public var outcome: DeliveryOutcome
    }

    /// The distinct canonical addresses of `raw`, in the order given; throws when there are none,
    /// more than `maximum`, or one is not an address.
    public static func addresses(_ raw: [String], maximum: Int) throws(CampaignTestSendError) -> [NormalizedAddress] {
        var seen: Set<NormalizedAddress> = []
        var result: [NormalizedAddress] = []
        for text in raw {
            let address: NormalizedAddress
            do { address = try NormalizedAddress(text) } catch { throw .invalidAddress(text, reason: "\(error)") }
            if seen.insert(address).inserted { result.append(address) }
        }
        guard !result.isEmpty else { throw .noAddress }
        guard result.count <= maximum else { throw .tooManyAddresses(count: result.count, maximum: maximum) }
        return result
    }

    /// Builds and sends one test message per address, one after the other, and audits the test.
    /// A message that cannot be built for an address is a `failed` outcome for it; nothing is retried.
    /// An address that opted out (on the suppression list, or unsubscribed from the campaign's list) is
    /// never sent to, not even a test: a `failed` outcome saying so.
    public func send(campaign id: CampaignID, to addresses: [NormalizedAddress], actor: AuditActor) async throws -> [Result] {
        let store = environment.store
        guard var campaign = try await store.campaign(id: id) else { throw StoreError.notFound(.campaign(id)) }
        campaign.content.subjectTemplate = Self.subjectPrefix + campaign.content.subjectTemplate
        let factory = try await environment.messageFactory(for: campaign)
        var results: [Result] = []
        for address in addresses {
            var subscriber = try await store.subscriber(address: address)
            if let optOut = try await optOut(address, subscriber, list: campaign.content.listID) {
                results.append(Result(address: address, outcome: .failed(.note("not sent: \(optOut)"), hardBounce: false)))
                continue
            }
            // An address not yet known is stored as a person (no list membership): the test message's
            // unsubscribe link names them, so using it holds like a campaign recipient's.
            if subscriber == nil { subscriber = try await store.upsertSubscriber(address: address, name: nil, attributes: [:]) }
            let outcome: DeliveryOutcome
            do {
                let recipient = RecipientContext(
                    mailbox: try address.mailbox, name: subscriber?.name,
                    attributes: (subscriber?.attributes ?? [:]).mapValues(TemplateValue.init))
                let token = try environment.tokens.issue(campaignID: id.rawValue, subscriberID: subscriber?.id.rawValue ?? 0)
                let message = try factory.makeMessage(for: recipient, verpToken: Self.verpToken, unsubscribeToken: token.text)
                environment.logger.debug("test message", metadata: ["campaign": "\(id.rawValue)", "recipient": "\(address.value)"])
                outcome = await environment.transport.deliver(message.envelope, message.bytes)
            } catch {
                outcome = .failed(.note("not sent: \(error)"), hardBounce: false)
            }
            results.append(Result(address: address, outcome: outcome))
        }
        let sent = results.filter { if case .sent = $0.outcome { true } else { false } }.count
        try await store.appendAudit(
            NewAuditEvent(
                actor: actor, action: "campaign.test", subjectKind: "campaign", subjectID: "\(id.rawValue)",
                details: [
                    "count": .number(Double(addresses.count)), "sent": .number(Double(sent)),
                    "transport": .string(environment.configuration.upstreams.isEmpty ? "capture" : "smtp"),
                ]))
        return results
    }

    /// Why `address` must not get mail, or nil.
    private func optOut(_ address: NormalizedAddress, _ subscriber: Subscriber?, list: ListID) async throws -> String? {
        let store = environment.store
        if let suppression = try await store.suppression(address: address) {
            return "the address is suppressed (\(suppression.reason.rawValue))"
        }
        if let subscriber, try await store.membership(list: list, subscriber: subscriber.id)?.status == .unsubscribed {
            return "the address unsubscribed from the campaign's list"
        }
        return nil
    }
}
