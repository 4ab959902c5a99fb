public import Foundation

/// What an API token may do, always within the roles of the user it belongs to: `read` (any user
/// but a relay-only one), `send` (an author), `approve` (an approver), `admin` (an admin).
///
/// ```swift
/// try APIScope.parseList("read,send")      // [.read, .send]
/// APIScope.allowed(for: [.author])         // [.read, .send]
/// ```
public enum APIScope: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Reads campaigns, the ledger's counts, holds, lists, captured mail.
    case read
    /// Creates, edits, sends, pauses and stops campaigns (the author's work).
    case send
    /// Approves or rejects other people's campaigns, decides held mail.
    case approve
    /// Users, tokens, the emergency stop's release.
    case admin

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The scopes a user with `roles` may give a token. A user with only the `relay` role gets none:
    /// they send through the relay and are kept out of the dashboard, and `read` would show them other
    /// people's addresses (held mail's senders, a preflight's examples).
    public static func allowed(for roles: Set<UserRole>) -> Set<APIScope> {
        let work = Set(roles.compactMap(APIScope.init(role:)))
        return work.isEmpty ? [] : work.union([.read])
    }

    /// The scope of a role's work: author → `send`, approver → `approve`, admin → `admin`; nil for
    /// `relay` (no API scope sends through the relay).
    ///
    /// ```swift
    /// APIScope(role: .approver)   // .approve
    /// ```
    public init?(role: UserRole) {
        switch role {
        case .author: self = .send
        case .approver: self = .approve
        case .admin: self = .admin
        case .relay: return nil
        }
    }

    /// Parses `read,send` (comma-separated, spaces ignored); throws naming an unknown scope.
    public static func parseList(_ text: String) throws(StoreError) -> Set<APIScope> {
        var scopes = Set<APIScope>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let scope = APIScope(rawValue: name) else {
                throw .invalidData(
                    "unknown scope \(name.debugDescription) (scopes: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            scopes.insert(scope)
        }
        return scopes
    }

    /// `read,send` in the order of ``allCases``.
    public static func text(_ scopes: Set<APIScope>) -> String {
        scopes.sorted().map(\.rawValue).joined(separator: ",")
    }
}

/// A dashboard log-in: the store keeps the SHA-256 of the session cookie (never the cookie), the
/// session's CSRF token and when it ends. A restart of `serve` keeps everyone logged in.
///
/// ```swift
/// try await store.createWebSession(NewWebSession(tokenHash: hash, userName: "ann", csrfToken: csrf, expiresAt: end))
/// let session = try await store.webSession(tokenHash: hash)   // nil once expired, ended or the user disabled
/// ```
public struct WebSession: Sendable, Hashable {
    /// The user logged in (enabled, as read with the session).
    public var user: User
    /// The token every form of this session carries.
    public var csrfToken: String
    /// When the log-in happened.
    public var createdAt: Date
    /// When the session ends.
    public var expiresAt: Date

    /// Describes a session.
    public init(user: User, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.user = user
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// A session to record at log-in.
public struct NewWebSession: Sendable, Hashable {
    /// Hex SHA-256 of the cookie's value.
    public var tokenHash: String
    /// Who logged in.
    public var userName: String
    /// The session's CSRF token.
    public var csrfToken: String
    /// When it ends.
    public var expiresAt: Date

    /// Describes a session to record.
    public init(tokenHash: String, userName: String, csrfToken: String, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userName = userName
        self.csrfToken = csrfToken
        self.expiresAt = expiresAt
    }
}

/// An API token as stored: its id, owner, scopes and label; the token itself is shown once, at
/// creation, and only its SHA-256 is kept.
public struct APIToken: Sendable, Hashable, Codable {
    /// The token's id (for `token revoke`).
    public var id: Int64
    /// The user it acts for.
    public var userName: String
    /// What it may do (within the user's roles at each use).
    public var scopes: Set<APIScope>
    /// A free-text label ("deploy script").
    public var label: String
    /// When it was made.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    /// Describes a stored token.
    public init(id: Int64, userName: String, scopes: Set<APIScope>, label: String, createdAt: Date, revokedAt: Date?) {
        self.id = id
        self.userName = userName
        self.scopes = scopes
        self.label = label
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// A token to record.
public struct NewAPIToken: Sendable, Hashable {
    /// Hex SHA-256 of the token.
    public var tokenHash: String
    /// The user it acts for.
    public var userName: String
    /// At least one scope, each allowed by the user's roles.
    public var scopes: Set<APIScope>
    /// A free-text label.
    public var label: String

    /// Describes a token to record.
    public init(tokenHash: String, userName: String, scopes: Set<APIScope>, label: String) {
        self.tokenHash = tokenHash
        self.userName = userName
        self.scopes = scopes
        self.label = label
    }
}

/// A token presented with a request, once checked: the token and its user as they are now.
public struct APIGrant: Sendable, Hashable {
    /// The token.
    public var token: APIToken
    /// Its user (enabled).
    public var user: User
    /// The scopes in force: the token's, cut to what the user's roles allow today.
    public var scopes: Set<APIScope> { token.scopes.intersection(APIScope.allowed(for: user.roles)) }

    /// Describes a checked token.
    public init(token: APIToken, user: User) {
        self.token = token
        self.user = user
    }
}
