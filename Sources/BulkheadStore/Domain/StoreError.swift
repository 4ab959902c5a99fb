/// Errors thrown by a ``MailStore``.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such record exists.
    case notFound(StoreRecordID)
    /// A record of `kind` with this unique key already exists.
    case duplicate(kind: String, key: String)
    /// An e-mail address that cannot be stored; `reason` says why.
    case invalidAddress(String, reason: String)
    /// The campaign is in `current`, from which the requested move to `to` is not allowed (by the
    /// transition rules or by the caller's `from` set).
    case invalidTransition(campaign: CampaignID, current: CampaignState, to: CampaignState)
    /// The campaign's content can be edited only as a draft; it is in `state`.
    case campaignNotEditable(campaign: CampaignID, state: CampaignState)
    /// The campaign is finished (`sent` or `aborted`); no recipients can be queued.
    case campaignFinished(campaign: CampaignID, state: CampaignState)
    /// A segment filter that cannot be evaluated; the message says why.
    case invalidSegment(String)
    /// A value that the database refused (a constraint); the message is the database's.
    case constraintViolation(String)
    /// Stored data that cannot be decoded into a domain value.
    case invalidData(String)
    /// A configuration that cannot be used (connection URL, path, …).
    case invalidConfiguration(String)
    /// The database cannot write: the disk holding it is full (SQLite's `SQLITE_FULL`, PostgreSQL's
    /// SQLSTATE 53100 `disk_full`); the message is the database's. Nothing of the refused transaction
    /// was written; it can be tried again once space is freed.
    case storageFull(String)
    /// A database error without a more specific case.
    case database(String)
    /// A rule of the store refused the request (the author approving their own campaign, disabling the
    /// last admin, …); the message says which and what to do.
    case refused(String)

    /// A one-line human-readable description.
    public var description: String {
        switch self {
        case .notFound(let record): "no \(record)"
        case .duplicate(let kind, let key): "\(kind) \(key) already exists"
        case .invalidAddress(let address, let reason): "invalid address \(address.debugDescription): \(reason)"
        case .invalidTransition(let campaign, let current, let to):
            "campaign \(campaign.rawValue) cannot move from \(current.rawValue) to \(to.rawValue)"
        case .campaignNotEditable(let campaign, let state):
            "campaign \(campaign.rawValue) is \(state.rawValue); only drafts can be edited"
        case .campaignFinished(let campaign, let state):
            "campaign \(campaign.rawValue) is \(state.rawValue); no recipients can be queued"
        case .invalidSegment(let message): "invalid segment: \(message)"
        case .constraintViolation(let message): "refused by the database: \(message)"
        case .invalidData(let message): "invalid stored data: \(message)"
        case .invalidConfiguration(let message): "invalid store configuration: \(message)"
        case .storageFull(let message): "the store's disk is full, nothing more can be written until space is freed: \(message)"
        case .database(let message): "database error: \(message)"
        case .refused(let message): message
        }
    }
}

/// The identifier of one stored record, as ``StoreError/notFound(_:)`` names it.
///
/// ```swift
/// throw StoreError.notFound(.campaign(id))  // "no campaign 42"
/// ```
public enum StoreRecordID: Sendable, Hashable, CustomStringConvertible {
    /// A mailing list.
    case list(ListID)
    /// A subscriber.
    case subscriber(SubscriberID)
    /// A campaign.
    case campaign(CampaignID)
    /// A user, by name.
    case user(String)
    /// A message the guard relay received.
    case relayMessage(RelayMessageID)
    /// An API token, by id.
    case apiToken(Int64)

    /// The kind and the key, e.g. `list 7`.
    public var description: String {
        switch self {
        case .list(let id): "list \(id.rawValue)"
        case .subscriber(let id): "subscriber \(id.rawValue)"
        case .campaign(let id): "campaign \(id.rawValue)"
        case .user(let name): "user \(name)"
        case .relayMessage(let id): "relayed message \(id.rawValue)"
        case .apiToken(let id): "API token \(id)"
        }
    }
}
