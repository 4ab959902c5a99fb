/// How the columns of a subscriber CSV map to Bulkhead's fields, worked out from the header record.
///
/// Accepts Bulkhead's own export (`email,name,status,attributes`) and the layouts other tools export:
/// listmonk (`email,name,attributes` with a JSON attributes column), Mailchimp (`Email Address`,
/// `First Name`, `Last Name`, `OPTIN_TIME`, `OPTIN_IP`, …), and generic spreadsheets (`E-mail`,
/// `Full name`, `first_name`, …). Column names are compared ignoring case, spaces, `-` and `_`.
/// Every column that is not recognised becomes a string attribute under its original name.
///
/// ```swift
/// let columns = try SubscriberColumns(header: ["Email Address", "First Name", "Last Name", "City"])
/// columns.email      // 0
/// columns.extra      // [3: "City"]
/// ```
public struct SubscriberColumns: Sendable, Hashable {
    public var email: Int
    public var name: Int?
    public var firstName: Int?
    public var lastName: Int?
    public var status: Int?
    /// A column holding a JSON object of attributes (listmonk, Bulkhead exports).
    public var attributesJSON: Int?
    /// When and from where consent was given, if the export says (Mailchimp's OPTIN_TIME / OPTIN_IP).
    public var consentTime: Int?
    public var consentIP: Int?
    /// Every other column, by index, with its header text: each becomes a string attribute.
    public var extra: [Int: String]

    /// Maps a header record; throws when no column holds e-mail addresses or a known column appears twice.
    public init(header: [String]) throws(SubscriberImportError) {
        var found: [Role: Int] = [:]
        var extra: [Int: String] = [:]
        for (index, title) in header.enumerated() {
            let key = SubscriberColumns.normalise(title)
            guard let role = SubscriberColumns.roles[key] else {
                if !key.isEmpty { extra[index] = title.trimmingSpaces }
                continue
            }
            if let previous = found[role] {
                throw .duplicateColumn(title, firstAt: previous + 1, againAt: index + 1)
            }
            found[role] = index
        }
        guard let email = found[.email] else { throw .noEmailColumn(header: header) }
        self.email = email
        name = found[.name]
        firstName = found[.firstName]
        lastName = found[.lastName]
        status = found[.status]
        attributesJSON = found[.attributes]
        consentTime = found[.consentTime]
        consentIP = found[.consentIP]
        self.extra = extra
    }

    enum Role: Hashable { case email, name, firstName, lastName, status, attributes, consentTime, consentIP }

    static let roles: [String: Role] = {
        var roles: [String: Role] = [:]
        for key in ["email", "emailaddress", "mail", "e-mail", "subscriberemail", "emailaddr"] { roles[normalise(key)] = .email }
        for key in ["name", "fullname", "displayname", "subscribername"] { roles[normalise(key)] = .name }
        for key in ["firstname", "fname", "givenname", "forename"] { roles[normalise(key)] = .firstName }
        for key in ["lastname", "lname", "surname", "familyname"] { roles[normalise(key)] = .lastName }
        for key in ["status", "subscriptionstatus", "memberstatus"] { roles[normalise(key)] = .status }
        for key in ["attributes", "attribs", "customfields"] { roles[normalise(key)] = .attributes }
        for key in ["optintime", "optin_time", "consenttime", "consentdate", "subscribedat"] { roles[normalise(key)] = .consentTime }
        for key in ["optinip", "consentip", "signupip"] { roles[normalise(key)] = .consentIP }
        return roles
    }()

    static func normalise(_ title: String) -> String {
        String(title.lowercased().unicodeScalars.filter { !" -_\t.\u{FEFF}".unicodeScalars.contains($0) }.map(Character.init))
    }
}

extension String {
    var trimmingSpaces: String {
        // Most cells start and end with a printable ASCII character: nothing to trim, no look at
        // Unicode properties.
        if let first = utf8.first, let last = utf8.last, (0x21...0x7E).contains(first), (0x21...0x7E).contains(last) {
            return self
        }
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
