import BulkheadStore

/// What a dashboard route needs of the logged-in user, enforced on the server for every route
/// (``Dashboard/route(_:_:_:handler:)``). Roles are the user table's; an admin does not imply the
/// others (four eyes hold for admins too).
enum DashboardPermission: String, Sendable, CaseIterable {
    /// Any person with a role that works in the dashboard (author, approver or admin).
    case view
    /// Writes and sends campaigns: an author.
    case author
    /// Approves or rejects other people's campaigns: an approver.
    case approver
    /// Stops things (pause, abort, cancel, the emergency stop): anyone who may view. Stopping never
    /// waits for a particular role, as in the CLI.
    case stop
    /// Decides held relay mail: an approver or an admin (as `bulkhead hold release`).
    case holdDecision
    /// Lifts the emergency stop: an admin.
    case admin
    /// Imports subscribers: an author or an admin (as `bulkhead subscribers import`).
    case importer

    /// The roles of which a user needs one.
    var roles: Set<UserRole> {
        switch self {
        case .view, .stop: [.author, .approver, .admin]
        case .author: [.author]
        case .approver: [.approver]
        case .holdDecision: [.approver, .admin]
        case .admin: [.admin]
        case .importer: [.author, .admin]
        }
    }

    /// Whether `user` may.
    func allows(_ user: User) -> Bool { !user.disabled && !user.roles.isDisjoint(with: roles) }
}
