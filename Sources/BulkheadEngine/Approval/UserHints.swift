/// The advice printed where users are needed but none exists.
///
/// ```swift
/// print("no users exist: \(UserHints.createUsers)")
/// ```
public enum UserHints {
    /// How to create the first users (an admin and author, then an approver).
    public static let createUsers =
        "create users first: bulkhead user create NAME --role admin,author --password-stdin, "
        + "then an approver: bulkhead user create OTHER --role approver --password-stdin --as NAME"
}
