public import Foundation

/// Who did something: a named human or the system itself.
///
/// ```swift
/// AuditActor.person(user: "ann", osUser: "deploy").displayName  // "ann"
/// AuditActor.person(user: nil, osUser: "deploy").displayName    // "deploy" (nobody authenticated)
/// ```
public enum AuditActor: Sendable, Hashable, Codable {
    /// An automatic action (engine, bounce processing, recovery).
    case system
    /// A human, by name (no operating-system account known: library callers, events before version 4).
    case human(String)
    /// A person at the command line: `user` is the Bulkhead user they authenticated as (`--as`), nil
    /// when nobody authenticated (no user exists yet, or a stop command ran without `--as`); `osUser`
    /// is the operating-system account that ran the command. Both are kept in the audit log.
    case person(user: String?, osUser: String)

    /// `"system"`, the human's name, the authenticated user, or else the operating-system account.
    public var displayName: String {
        switch self {
        case .system: "system"
        case .human(let name): name
        case .person(let user, let osUser): user ?? osUser
        }
    }

    /// The operating-system account, when known.
    public var osUser: String? {
        if case .person(_, let osUser) = self { osUser } else { nil }
    }

    /// The Bulkhead user who authenticated, nil when nobody did.
    public var authenticatedUser: String? {
        if case .person(let user, _) = self { user } else { nil }
    }
}

/// An audit event to append.
public struct NewAuditEvent: Sendable, Hashable, Codable {
    /// Who.
    public var actor: AuditActor
    /// What, as a dotted verb (`campaign.transition`, `ledger.requeue-uncertain`, …).
    public var action: String
    /// The kind of thing acted on (`campaign`, `list`, `suppression`, …).
    public var subjectKind: String
    /// The key of the thing acted on.
    public var subjectID: String
    /// Free-form details.
    public var details: [String: JSONValue]

    /// Describes one event.
    public init(actor: AuditActor, action: String, subjectKind: String, subjectID: String, details: [String: JSONValue] = [:]) {
        self.actor = actor
        self.action = action
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.details = details
    }
}

/// A stored audit event. The audit log is append-only: there is no API to change or delete events,
/// and the database itself refuses UPDATE and DELETE on it.
public struct AuditEvent: Sendable, Hashable, Codable, Identifiable {
    /// Increasing key (the order of appends).
    public var id: Int64
    /// When it was recorded.
    public var at: Date
    /// Who, what, on what.
    public var event: NewAuditEvent
}

/// Which audit events to return.
public struct AuditQuery: Sendable, Hashable {
    /// Only this subject kind (nil: all).
    public var subjectKind: String?
    /// Only this subject key (nil: all); used with `subjectKind`.
    public var subjectID: String?
    /// Only this action (nil: all).
    public var action: String?
    /// Only events with a key greater than this (paging).
    public var afterID: Int64?
    /// At most this many events.
    public var limit: Int

    /// Describes a query.
    public init(
        subjectKind: String? = nil, subjectID: String? = nil, action: String? = nil,
        afterID: Int64? = nil, limit: Int = 1000
    ) {
        self.subjectKind = subjectKind
        self.subjectID = subjectID
        self.action = action
        self.afterID = afterID
        self.limit = limit
    }
}
