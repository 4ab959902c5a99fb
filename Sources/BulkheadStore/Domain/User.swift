public import Foundation

/// What a user may do. A user holds any set of roles; `admin` does not imply the others (an admin who
/// may approve must also hold `approver`: four eyes hold for admins too).
public enum UserRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Creates, edits, schedules and sends campaigns.
    case author
    /// Approves or rejects other people's campaigns.
    case approver
    /// Creates and disables users.
    case admin
    /// Sends through the relay (a later issue).
    case relay

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses `author,approver` (comma-separated, spaces ignored); throws ``StoreError/invalidData(_:)``
    /// naming the unknown role, or when none is given.
    ///
    /// ```swift
    /// try UserRole.parseList("author, admin")  // [.author, .admin]
    /// ```
    public static func parseList(_ text: String) throws(StoreError) -> Set<UserRole> {
        var roles = Set<UserRole>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let role = UserRole(rawValue: name) else {
                throw .invalidData(
                    "unknown role \(name.debugDescription) (roles: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            roles.insert(role)
        }
        return roles
    }
}

/// A person who may act through Bulkhead: the one user table the CLI's `--as`, the dashboard and (later)
/// API tokens share. The store keeps only the password's bcrypt hash, made by the engine.
///
/// ```swift
/// let user = try await store.createUser(
///     NewUser(name: "ann", roles: [.author, .admin], passwordHash: hash), actor: .system)
/// ```
public struct User: Sendable, Hashable, Codable {
    /// The user's name (see ``UserName``), unique.
    public var name: String
    /// What the user may do.
    public var roles: Set<UserRole>
    /// The password's bcrypt hash (`$2b$12$…`).
    public var passwordHash: String
    /// A disabled user cannot authenticate; the record stays (the audit log names it).
    public var disabled: Bool
    /// When the user was created.
    public var createdAt: Date

    /// Describes a stored user.
    public init(name: String, roles: Set<UserRole>, passwordHash: String, disabled: Bool, createdAt: Date) {
        self.name = name
        self.roles = roles
        self.passwordHash = passwordHash
        self.disabled = disabled
        self.createdAt = createdAt
    }

    /// Whether the user holds at least one of `roles` (an empty set: any user).
    public func holdsAny(of roles: Set<UserRole>) -> Bool {
        roles.isEmpty || !self.roles.isDisjoint(with: roles)
    }
}

/// A user to create.
public struct NewUser: Sendable, Hashable {
    /// The name (see ``UserName/check(_:)``).
    public var name: String
    /// At least one role.
    public var roles: Set<UserRole>
    /// The password's bcrypt hash.
    public var passwordHash: String

    /// Describes a user to create.
    public init(name: String, roles: Set<UserRole>, passwordHash: String) {
        self.name = name
        self.roles = roles
        self.passwordHash = passwordHash
    }
}

/// The rule for user names: 1 to 64 characters, ASCII letters, digits, `.`, `-` and `_`.
///
/// ```swift
/// try UserName.check("ann.smith")  // fine
/// try UserName.check("ann smith")  // throws StoreError.invalidData
/// ```
public enum UserName {
    /// The longest name.
    public static let maximumLength = 64

    /// Throws ``StoreError/invalidData(_:)`` saying what is wrong with `name`.
    public static func check(_ name: String) throws(StoreError) {
        guard !name.isEmpty else { throw .invalidData("a user name cannot be empty") }
        guard name.utf8.count <= maximumLength else {
            throw .invalidData("a user name has at most \(maximumLength) characters")
        }
        guard name.utf8.allSatisfy(isAllowed) else {
            throw .invalidData(
                "user name \(name.debugDescription): only letters a-z A-Z, digits, '.', '-' and '_' are allowed")
        }
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"): true
        default: false
        }
    }
}
