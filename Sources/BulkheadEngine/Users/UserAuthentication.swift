public import BulkheadStore

/// Checks a user's password against the user table. Every failure looks the same to the caller (an
/// unknown user, a disabled user, a wrong password): nobody learns which names exist. An unknown
/// name still costs one bcrypt hash, so the time taken does not tell either.
///
/// ```swift
/// guard let user = try await UserAuthentication.authenticate(store, name: "ann", password: typed) else {
///     print("authentication failed for ann")
/// }
/// ```
public enum UserAuthentication {
    /// The enabled user `name` whose password is `password`, or nil.
    public static func authenticate(
        _ store: any MailStore, name: String, password: String, hasher: PasswordHasher = PasswordHasher()
    ) async throws -> User? {
        guard let user = try await store.user(named: name) else {
            _ = try? await hasher.hash("no such user")  // the same bcrypt work as a real check
            return nil
        }
        let matches = await hasher.verify(password, hash: user.passwordHash)
        return matches && !user.disabled ? user : nil
    }
}
