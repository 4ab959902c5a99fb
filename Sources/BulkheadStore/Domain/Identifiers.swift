/// The identifier of a ``MailingList``.
public struct ListID: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    /// The database key.
    public var rawValue: Int64
    /// Wraps a database key.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by key.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identifier of a ``Subscriber``.
public struct SubscriberID: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    /// The database key.
    public var rawValue: Int64
    /// Wraps a database key.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by key.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identifier of a ``Campaign``.
public struct CampaignID: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    /// The database key.
    public var rawValue: Int64
    /// Wraps a database key.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by key.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The identifier of one ``LedgerEntry`` (one recipient of one campaign).
public struct LedgerEntryID: RawRepresentable, Hashable, Sendable, Codable, Comparable {
    /// The database key.
    public var rawValue: Int64
    /// Wraps a database key.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// Orders by key.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
