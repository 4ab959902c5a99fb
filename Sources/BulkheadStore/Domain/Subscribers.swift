public import Foundation

/// A mailing list: subscribers join it (``Membership``), campaigns go to it.
public struct MailingList: Sendable, Hashable, Codable, Identifiable {
    /// The list's key.
    public var id: ListID
    /// The unique name used on the command line (`--list NAME`).
    public var name: String
    /// A free-form description.
    public var description: String
    /// When the list was created.
    public var createdAt: Date
    /// The left part of the list's `List-Id` identifier (`news` in `<news.shop.example>`): made from
    /// the name when the list is created and kept when it is renamed, since RFC 2919 means the
    /// identifier to be permanent (people's filters rely on it).
    public var listIDLabel: String

    /// A List-Id label from a list name: lowercase ASCII letters and digits, every other run of
    /// characters one hyphen (`Café news` → `caf-news`); `list` when nothing is left.
    ///
    /// ```swift
    /// MailingList.listIDLabel(forName: "Shop News!") // "shop-news"
    /// ```
    public static func listIDLabel(forName name: String) -> String {
        let mapped = name.lowercased().unicodeScalars.map { scalar -> Character in
            (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "-"
        }
        let label = String(mapped).split(separator: "-").joined(separator: "-")
        return label.isEmpty ? "list" : String(label.prefix(40))
    }
}

/// A person who can receive mail; one per normalised address, shared by all lists.
public struct Subscriber: Sendable, Hashable, Codable, Identifiable {
    /// The subscriber's key.
    public var id: SubscriberID
    /// The unique, normalised address.
    public var address: NormalizedAddress
    /// The display name, if known.
    public var name: String?
    /// Free-form attributes (merge fields for templates, segment keys).
    public var attributes: [String: JSONValue]
    /// When the subscriber was first stored.
    public var createdAt: Date
    /// When name or attributes last changed.
    public var updatedAt: Date
}

/// A subscriber's status on one list.
public enum MembershipStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Signed up but not confirmed (double opt-in pending): never mailed by campaigns.
    case unconfirmed
    /// Consent given: campaigns to the list reach this subscriber (unless suppressed).
    case confirmed
    /// Consent withdrawn: never mailed by campaigns to the list.
    case unsubscribed
}

/// A subscriber's membership of one list.
public struct Membership: Sendable, Hashable, Codable {
    /// The list.
    public var listID: ListID
    /// The subscriber.
    public var subscriberID: SubscriberID
    /// The current status.
    public var status: MembershipStatus
    /// The import that last touched this membership, if any.
    public var lastImportID: String?
    /// When the status last changed.
    public var updatedAt: Date
}

/// Whether a consent record grants or withdraws consent.
public enum ConsentKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Consent given.
    case given
    /// Consent withdrawn.
    case withdrawn
}

/// How consent was given or withdrawn.
public enum ConsentMethod: Sendable, Hashable, Codable, RawRepresentable {
    /// A sign-up or unsubscribe form.
    case form
    /// A bulk import (the evidence is the import's source).
    case `import`
    /// The JSON API.
    case api
    /// The confirmation link of a double opt-in.
    case doubleOptIn
    /// A one-click unsubscribe (RFC 8058) or `List-Unsubscribe` mailto.
    case oneClick
    /// An operator acting on a request (phone, letter, …).
    case manual
    /// Any other method, named by the caller (must not be empty: the database refuses it).
    case other(String)

    /// The stored name.
    public var rawValue: String {
        switch self {
        case .form: "form"
        case .import: "import"
        case .api: "api"
        case .doubleOptIn: "double-opt-in"
        case .oneClick: "one-click"
        case .manual: "manual"
        case .other(let name): name
        }
    }

    /// Parses a stored name (unknown names become ``other(_:)``).
    public init(rawValue: String) {
        switch rawValue {
        case "form": self = .form
        case "import": self = .import
        case "api": self = .api
        case "double-opt-in": self = .doubleOptIn
        case "one-click": self = .oneClick
        case "manual": self = .manual
        default: self = .other(rawValue)
        }
    }
}

/// Evidence of consent given or withdrawn (GDPR Art. 7): what is recorded, before it is stored.
public struct ConsentEvidence: Sendable, Hashable, Codable {
    /// Given or withdrawn.
    public var kind: ConsentKind
    /// When it happened.
    public var at: Date
    /// How.
    public var method: ConsentMethod
    /// Where (the form's URL, the import file, the API client, …).
    public var source: String
    /// The IP address or the channel (e-mail, phone, …) it came through.
    public var ipOrChannel: String?
    /// The consent text shown to the person, verbatim.
    public var textShown: String?

    /// Describes one consent event.
    public init(
        kind: ConsentKind, at: Date, method: ConsentMethod, source: String,
        ipOrChannel: String? = nil, textShown: String? = nil
    ) {
        self.kind = kind
        self.at = at
        self.method = method
        self.source = source
        self.ipOrChannel = ipOrChannel
        self.textShown = textShown
    }
}

/// A stored consent record of one subscriber for one list.
public struct ConsentRecord: Sendable, Hashable, Codable, Identifiable {
    /// The record's key (records are append-only).
    public var id: Int64
    /// Whose consent.
    public var subscriberID: SubscriberID
    /// For which list.
    public var listID: ListID
    /// What was recorded.
    public var evidence: ConsentEvidence
}

/// Why an address is on the global suppression list.
public enum SuppressionReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The person unsubscribed from everything.
    case unsubscribed
    /// A permanent delivery failure (5xx or a DSN `failed`).
    case hardBounce = "hard-bounce"
    /// A spam complaint (ARF feedback report).
    case complaint
    /// Blocked by an operator.
    case manual
}

/// One address that no send path may mail.
public struct Suppression: Sendable, Hashable, Codable {
    /// The suppressed address.
    public var address: NormalizedAddress
    /// Why.
    public var reason: SuppressionReason
    /// When it was suppressed.
    public var at: Date
    /// Where the reason came from (a campaign's bounce, a feedback loop, an operator, …).
    public var source: String
    /// A free-form note.
    public var note: String?

    /// Describes one suppression.
    public init(address: NormalizedAddress, reason: SuppressionReason, at: Date, source: String, note: String? = nil) {
        self.address = address
        self.reason = reason
        self.at = at
        self.source = source
        self.note = note
    }
}

/// A subscriber together with its membership of one list (for exports and list views).
public struct ListMember: Sendable, Hashable, Codable {
    /// The subscriber.
    public var subscriber: Subscriber
    /// Its membership of the list.
    public var membership: Membership
}
