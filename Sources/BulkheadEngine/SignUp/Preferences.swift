public import BulkheadStore
public import Logging

/// The preference page behind the unsubscribe token every message carries (`BASE/p/TOKEN`): the
/// lists that person is a member of, with their status, and unsubscribing from chosen ones or from
/// all. The token is the authentication (like RFC 8058's one-click). Nothing here subscribes anyone:
/// joining again needs the double opt-in.
///
/// ```swift
/// let preferences = environment.preferences
/// let lists = try await preferences.lists(token: token)          // nil: not a token of ours
/// _ = try await preferences.leave(token: token, lists: [news], channel: "POST from 192.0.2.1")
/// ```
public struct Preferences: Sendable {
    /// One of the person's lists.
    public struct Entry: Sendable, Hashable {
        /// The list.
        public var listID: ListID
        /// Its name.
        public var listName: String
        /// The person's status on it.
        public var status: MembershipStatus
    }

    let store: any MailStore
    let tokens: UnsubscribeTokenIssuer
    let logger: Logger

    /// A preference service over `store` accepting `tokens`' unsubscribe tokens.
    public init(store: any MailStore, tokens: UnsubscribeTokenIssuer, logger: Logger) {
        self.store = store
        self.tokens = tokens
        self.logger = logger
    }

    /// The lists of the token's subscriber, by name; nil when the token is not ours.
    public func lists(token: String) async throws -> [Entry]? {
        guard let claim = try? tokens.verify(token) else { return nil }
        var entries: [Entry] = []
        for membership in try await store.memberships(subscriber: SubscriberID(rawValue: claim.subscriberID)) {
            guard let list = try await store.list(id: membership.listID) else { continue }
            entries.append(Entry(listID: list.id, listName: list.name, status: membership.status))
        }
        return entries.sorted { $0.listName < $1.listName }
    }

    /// Unsubscribes the token's subscriber from `lists` (nil: all of theirs), one consent record
    /// (withdrawn, method `preference-page`) each; returns the names of the lists left, nil when
    /// the token is not ours. Lists the person is not a member of are ignored.
    public func leave(token: String, lists: Set<ListID>?, channel: String) async throws -> [String]? {
        guard let claim = try? tokens.verify(token) else { return nil }
        let evidence = ConsentEvidence(
            kind: .withdrawn, at: store.clock.date, method: .other("preference-page"), source: "preference page", ipOrChannel: channel)
        let left = try await store.leaveLists(subscriber: SubscriberID(rawValue: claim.subscriberID), lists: lists, evidence: evidence)
        if !left.isEmpty { logger.info("unsubscribed on the preference page", metadata: ["lists": "\(left.map(\.rawValue))"]) }
        var names: [String] = []
        for id in left { if let list = try await store.list(id: id) { names.append(list.name) } }
        return names
    }
}
