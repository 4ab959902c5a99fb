/// Who sends a message through the relay, as the breaker and the hold records key it: the
/// authenticated user name when the client authenticated, else the `MAIL FROM` address.
///
/// User names are kept exactly; a `MAIL FROM` address is lowercased, its domain in ASCII form, so
/// `Ann@Example.COM` and `ann@example.com` are one sender: a script cannot dodge its breaker by
/// varying the case of its address.
///
/// ```swift
/// RelaySender(authenticatedUser: "ann", reversePath: "news@example.com").description  // "user ann"
/// RelaySender(authenticatedUser: nil, reversePath: "Ann@Example.COM").description     // "mail-from ann@example.com"
/// RelaySender(authenticatedUser: nil, reversePath: "").description                    // "mail-from <>"
/// ```
public struct RelaySender: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Where the identity comes from.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// An SMTP AUTH user name.
        case user
        /// The envelope's reverse path (`MAIL FROM`).
        case mailFrom = "mail-from"
    }

    /// Where the identity comes from.
    public let kind: Kind
    /// The user name, or the normalised reverse path ("" for the null sender `<>`).
    public let name: String

    /// The authenticated user `name`, exactly as given.
    public static func user(_ name: String) -> RelaySender {
        RelaySender(kind: .user, name: name)
    }

    /// The sender of the reverse path `reversePath` (without angle brackets; "" is the null sender):
    /// lowercased, the domain in ASCII form; text that is not an address is only lowercased.
    public static func mailFrom(_ reversePath: String) -> RelaySender {
        RelaySender(kind: .mailFrom, name: reversePath.isEmpty ? "" : AddressKey(envelope: reversePath.lowercased()).text)
    }

    /// The authenticated user when there is one, else the reverse path.
    public init(authenticatedUser: String?, reversePath: String) {
        self = authenticatedUser.map(Self.user) ?? Self.mailFrom(reversePath)
    }

    /// The sender a person names: the form ``description`` prints (`user NAME`, `mail-from ADDRESS`,
    /// `mail-from <>`), which says the kind, so a user name may hold an `@`; or a bare name, taken as a
    /// `MAIL FROM` address when it has an `@` (or is `<>`), else as a user name.
    ///
    /// ```swift
    /// RelaySender(named: "user ann@corp")            // .user("ann@corp")
    /// RelaySender(named: "mail-from Ann@Example.COM") // .mailFrom("ann@example.com")
    /// RelaySender(named: "reports@shop.example")      // .mailFrom("reports@shop.example")
    /// RelaySender(named: "ann")                       // .user("ann")
    /// ```
    public init(named text: String) {
        for kind in Kind.allCases where text.hasPrefix(kind.rawValue + " ") {
            let name = String(text.dropFirst(kind.rawValue.count + 1))
            self = kind == .user ? Self.user(name) : Self.mailFrom(name == "<>" ? "" : name)
            return
        }
        self = text == "<>" ? Self.mailFrom("") : (text.contains("@") ? Self.mailFrom(text) : Self.user(text))
    }

    /// A sender exactly as a store kept it (``kind`` and ``name`` read back, not normalised again).
    public init(stored kind: Kind, name: String) {
        self.init(kind: kind, name: name)
    }

    private init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    /// `user NAME`, `mail-from ADDRESS` or `mail-from <>`.
    public var description: String { "\(kind.rawValue) \(kind == .mailFrom && name.isEmpty ? "<>" : name)" }

    /// Users first, then reverse paths, each by name.
    public static func < (lhs: RelaySender, rhs: RelaySender) -> Bool {
        (lhs.kind == .mailFrom ? 1 : 0, lhs.name) < (rhs.kind == .mailFrom ? 1 : 0, rhs.name)
    }
}
