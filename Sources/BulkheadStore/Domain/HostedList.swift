public import BulkheadPolicy
public import Foundation

/// A list that has an address of its own: mail to it is accepted by the inbound listener and sent on
/// to each confirmed member as an individual message (see ``MailStore/receiveListPost(_:limits:)``).
public struct HostedList: Sendable, Hashable, Codable {
    /// The list (its members, consent and name are the list's).
    public var listID: ListID
    public var name: String
    /// The left part of the `List-Id` (see ``MailingList/listIDLabel``).
    public var listIDLabel: String
    /// The posting address, canonical (``NormalizedAddress``).
    public var address: String
    /// The policy given at creation; nil: the default by size (``ListPostPolicy/default(members:moderateFrom:)``).
    public var explicitPolicy: ListPostPolicy?
    /// Whether the list's emergency switch holds every post.
    public var emergency: Bool
    /// Who is alerted about storms (nil: `alerts.email`).
    public var owner: String?
    /// Who may post to an `announce` list, canonical.
    public var posters: [String]
    /// Confirmed members now.
    public var members: Int

    public init(
        listID: ListID, name: String, listIDLabel: String, address: String, explicitPolicy: ListPostPolicy?, emergency: Bool, owner: String?,
        posters: [String], members: Int
    ) {
        self.listID = listID
        self.name = name
        self.listIDLabel = listIDLabel
        self.address = address
        self.explicitPolicy = explicitPolicy
        self.emergency = emergency
        self.owner = owner
        self.posters = posters
        self.members = members
    }

    /// The policy in force: the explicit one, else the default for the list's size.
    ///
    /// ```swift
    /// list.policy(moderateFrom: 500)   // .moderated for a list of 840,000 created without --policy
    /// ```
    public func policy(moderateFrom: Int) -> ListPostPolicy {
        explicitPolicy ?? .default(members: members, moderateFrom: moderateFrom)
    }

    /// The `List-Id` value's identifier: `label.domain` of the posting address (RFC 2919).
    public var listIdentifier: String {
        let domain = address.split(separator: "@").last.map(String.init) ?? "invalid"
        return "\(listIDLabel).\(domain)"
    }
}

/// What a new hosted list gets (``MailStore/createHostedList(name:description:hosting:actor:)``).
public struct ListHosting: Sendable, Hashable {
    public var address: NormalizedAddress
    public var policy: ListPostPolicy?
    public var owner: NormalizedAddress?
    public var posters: [NormalizedAddress]

    public init(address: NormalizedAddress, policy: ListPostPolicy?, owner: NormalizedAddress? = nil, posters: [NormalizedAddress] = []) {
        self.address = address
        self.policy = policy
        self.owner = owner
        self.posters = posters
    }
}

/// A post to a hosted list, as the inbound listener read it.
public struct NewListPost: Sendable, Hashable {
    public var list: ListID
    /// The message as received (its `recipients` are not used: the list's members are).
    public var message: NewRelayMessage
    /// The author (the first `From:` mailbox), checked against the members and the posters.
    public var poster: NormalizedAddress
    /// Its `Message-ID` (without angle brackets), if any.
    public var messageID: String?
    /// The message ids of `In-Reply-To` and `References`, which tie it to an earlier post's thread.
    public var references: [String]
    /// Its normalised subject, the thread's key when no earlier post is referenced.
    public var subject: ThreadSubject

    public init(
        list: ListID, message: NewRelayMessage, poster: NormalizedAddress, messageID: String?, references: [String], subject: ThreadSubject
    ) {
        self.list = list
        self.message = message
        self.poster = poster
        self.messageID = messageID
        self.references = references
        self.subject = subject
    }

    /// Whether it answers something: it references a message, or its subject says `Re:`.
    public var isReply: Bool { !references.isEmpty || subject.isReply }
}

/// The limits a post is judged by (`lists:` in the configuration).
public struct ListPostLimits: Sendable, Hashable {
    public var storm: StormLimits
    /// Posts a member may make per day (0: no limit).
    public var memberPostsPerDay: Int
    /// The default policy's size threshold (`lists.moderate_from_members`).
    public var moderateFrom: Int

    public init(storm: StormLimits = StormLimits(), memberPostsPerDay: Int = 0, moderateFrom: Int = 500) {
        self.storm = storm
        self.memberPostsPerDay = memberPostsPerDay
        self.moderateFrom = moderateFrom
    }
}

/// A reply-all storm: further replies in the thread are refused until `blockedUntil`.
public struct ListStorm: Sendable, Hashable, Codable {
    public var id: Int64
    public var list: ListID
    public var threadKey: String
    public var startedAt: Date
    public var blockedUntil: Date

    public init(id: Int64, list: ListID, threadKey: String, startedAt: Date, blockedUntil: Date) {
        self.id = id
        self.list = list
        self.threadKey = threadKey
        self.startedAt = startedAt
        self.blockedUntil = blockedUntil
    }
}

/// What became of a post.
public enum ListPostReceipt: Sendable, Hashable {
    /// Filed: queued for every member, or held (the receipt says why), `recipients` copies.
    case filed(RelayReceipt, recipients: Int)
    /// Refused (nothing filed).
    case refused(ListPostRefusal)
}

/// Why a post was refused.
public enum ListPostRefusal: Sendable, Hashable {
    /// A `members` list, and the poster is not a confirmed member.
    case notMember
    /// An `announce` list, and the poster is not one of its posters.
    case notPoster
    /// The poster reached `lists.member_posts_per_day`.
    case dailyLimit(Int)
    /// A reply in a thread under a storm block. `notifySender` is true once per sender and storm,
    /// `alertOwner` once per storm (when this reply started it).
    case storm(ListStorm, notifySender: Bool, alertOwner: Bool)
}
