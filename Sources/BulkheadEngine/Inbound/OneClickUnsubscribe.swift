public import BulkheadStore
import Foundation
public import Logging

/// Carries out the unsubscribe link of a message (RFC 8058 one-click over HTTP; the mailto form uses it
/// too): the token names the campaign and the subscriber, the subscriber leaves the campaign's list
/// with a consent record (withdrawn, method one-click) in one transaction, and the campaign's
/// `unsubscribe` brake hears of it. The token is the only authentication; the answer never says
/// whether the address exists or was still subscribed.
///
/// ```swift
/// let unsubscribe = OneClickUnsubscribe(store: store, tokens: issuer, brakes: brakes, logger: logger)
/// switch try await unsubscribe.confirm(token: text, channel: "https POST from 192.0.2.1") {
/// case .done: print("unsubscribed")
/// case .invalidToken: print("not a link of ours")
/// }
/// ```
public struct OneClickUnsubscribe: Sendable {
    /// What a request came to. Deliberately coarse: "done" whether the person was on the list or not.
    public enum Result: Sendable, Hashable {
        /// The person is off the list (now, or already).
        case done
        /// Not a token of this installation (malformed, tampered with, another secret).
        case invalidToken
    }

    /// What the confirmation page may show about a token before anything changes.
    public struct Preview: Sendable, Hashable {
        /// The list's name ("the mailing list" when the campaign is gone).
        public var listName: String
    }

    public let store: any MailStore
    public let tokens: UnsubscribeTokenIssuer
    /// Told of every unsubscribe of a campaign's recipient (nil: no brakes).
    public let brakes: CampaignBrakes?
    let logger: Logger

    public init(store: any MailStore, tokens: UnsubscribeTokenIssuer, brakes: CampaignBrakes?, logger: Logger) {
        self.store = store
        self.tokens = tokens
        self.brakes = brakes
        self.logger = logger
    }

    /// Whether `token` is one of ours, and the list it leads off (nothing changes).
    public func preview(token: String) async throws -> Preview? {
        guard let claim = try? tokens.verify(token) else { return nil }
        let listID: ListID? =
            switch claim.scope {
            case .campaign(let id): try await store.campaign(id: CampaignID(rawValue: id))?.content.listID
            case .list(let id): ListID(rawValue: id)
            }
        guard let listID, let list = try await store.list(id: listID) else { return Preview(listName: "the mailing list") }
        return Preview(listName: list.name)
    }

    /// Unsubscribes the token's subscriber from the token's list (a campaign's token: the campaign's
    /// list; a list post's token: that hosted list). `channel` (how the request came: "https POST from
    /// 192.0.2.1", "mail from …") is kept in the consent record. When the campaign or the list no longer
    /// exists, the address is suppressed instead (reason `unsubscribed`): an opt-out is never dropped
    /// for want of a list.
    public func confirm(token: String, channel: String) async throws -> Result {
        guard let claim = try? tokens.verify(token) else { return .invalidToken }
        let subscriberID = SubscriberID(rawValue: claim.subscriberID)
        guard let subscriber = try await store.subscriber(id: subscriberID) else {
            // A person erased since the message went out: nobody is left to mail.
            logger.notice("one-click unsubscribe for a person no longer stored", metadata: ["subscriber": "\(subscriberID.rawValue)"])
            return .done
        }
        let now = store.clock.date
        let (listID, campaignID, origin): (ListID?, CampaignID?, String)
        switch claim.scope {
        case .campaign(let id):
            (listID, campaignID, origin) = (
                try await store.campaign(id: CampaignID(rawValue: id))?.content.listID, CampaignID(rawValue: id), "campaign \(id)"
            )
        case .list(let id):
            (listID, campaignID, origin) = (try await store.list(id: ListID(rawValue: id))?.id, nil, "list post of list \(id)")
        }
        guard let list = listID else {
            let suppression = Suppression(
                address: subscriber.address, reason: .unsubscribed, at: now, source: "one-click",
                note: "unsubscribe link of \(origin), which no longer exists; \(channel)")
            try await store.addSuppression(suppression, actor: .system)
            logger.notice("one-click unsubscribe whose campaign or list is gone: suppressed", metadata: ["origin": "\(origin)"])
            return .done
        }
        if let membership = try await store.membership(list: list, subscriber: subscriberID), membership.status == .unsubscribed {
            return .done
        }
        let evidence = ConsentEvidence(
            kind: .withdrawn, at: now, method: .oneClick, source: "unsubscribe link of \(origin)", ipOrChannel: channel)
        _ = try await store.setMembership(list: list, subscriber: subscriberID, status: .unsubscribed, consent: evidence)
        logger.info("one-click unsubscribe", metadata: ["origin": "\(origin)", "list": "\(list.rawValue)"])
        guard let campaignID else { return .done }
        do {
            try await brakes?.record(.unsubscribe, campaign: campaignID, subscriber: subscriberID)
        } catch {
            // The opt-out itself is stored; only the brake's count missed it.
            logger.warning("cannot count an unsubscribe for the brakes", metadata: ["campaign": "\(campaignID.rawValue)", "error": "\(error)"])
        }
        return .done
    }
}
