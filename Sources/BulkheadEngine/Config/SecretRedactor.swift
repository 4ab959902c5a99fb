import BulkheadMail
import Foundation

/// Replaces every secret of a configuration by `********` in text meant for people: error messages and
/// log lines. The secrets are the password of the PostgreSQL URL (as written, percent-decoded, and
/// whatever a malformed URL holds between `user:` and its last `@`), the upstreams' AUTH passwords
/// (also as AUTH PLAIN and AUTH LOGIN send them, base64), the unsubscribe key and the webhooks' secrets.
///
/// ```swift
/// let redactor = SecretRedactor(configuration)
/// redactor.redact("no user in postgres://:S3cret@db/bulkhead")   // "no user in postgres://:********@db/bulkhead"
/// ```
public struct SecretRedactor: Sendable, Hashable {
    /// What a secret is replaced with.
    public static let mask = "********"
    /// Secrets shorter than this are weak, and their text is likely to occur as other text too
    /// (`config check` warns about them).
    public static let shortLength = 8

    /// The texts replaced, longest first (so a secret containing another is replaced whole).
    public let secrets: [String]

    /// A redactor for `secrets` (empty strings are ignored).
    public init(secrets: some Sequence<String>) {
        self.secrets = Set(secrets.filter { !$0.isEmpty && $0 != Self.mask }).sorted { ($0.count, $0) > ($1.count, $1) }
    }

    /// A redactor that changes nothing.
    public static let none = SecretRedactor(secrets: [String]())

    /// The secrets of `configuration` (the environment's overrides are already applied to it).
    public init(_ configuration: BulkheadConfiguration) {
        var secrets: [String] = []
        if let url = configuration.storage.postgresURL { secrets += Self.urlPasswords(url) }
        for upstream in configuration.upstreams {
            guard let password = upstream.password else { continue }
            secrets.append(password)
            secrets.append(Base64Encoder.line(Array(password.utf8)))
            let plain = [0] + Array((upstream.username ?? "").utf8) + [0] + Array(password.utf8)
            secrets.append(Base64Encoder.line(plain))
        }
        if let key = configuration.identity.unsubscribeKey { secrets.append(key) }
        secrets += configuration.webhooks.compactMap(\.secret)
        self.init(secrets: secrets)
    }

    /// Secrets found in a configuration that could not be decoded: the values of `password`,
    /// `postgres_url`, `unsubscribe_key` and `secret` lines of the YAML text, and the environment's overrides,
    /// so that even a parse error quoting the file shows none of them.
    public init(unparsedYAML yaml: String, environment: [String: String]) {
        var secrets: [String] = []
        for line in yaml.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "-" }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = trimmed[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
            guard ["password", "postgres_url", "unsubscribe_key", "secret"].contains(key) else { continue }
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let unquoted = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            secrets += [value, unquoted]
            if key == "postgres_url" { secrets += Self.urlPasswords(unquoted) }
        }
        for (name, value) in environment
        where name == "BULKHEAD_POSTGRES_URL" || name == "BULKHEAD_UNSUBSCRIBE_KEY"
            || (name.hasPrefix("BULKHEAD_UPSTREAM_") && name.hasSuffix("_PASSWORD"))
        {
            secrets.append(value)
            if name == "BULKHEAD_POSTGRES_URL" { secrets += Self.urlPasswords(value) }
        }
        self.init(secrets: secrets)
    }

    /// `text` with every secret replaced by ``mask``.
    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return result
    }

    /// The same redactor with the secrets of `other` added.
    public func merging(_ other: SecretRedactor) -> SecretRedactor {
        SecretRedactor(secrets: secrets + other.secrets)
    }

    /// The password of a `scheme://user:password@host/…` URL in every form it may be printed in: as
    /// written between the first `:` of the user part and the last `@` (a malformed URL's password may
    /// hold `@` or `/`), percent-decoded, and as `URLComponents` reads it.
    static func urlPasswords(_ url: String) -> [String] {
        guard let scheme = url.range(of: "://") else { return [] }
        let rest = url[scheme.upperBound...]
        var passwords: [String] = []
        if let at = rest.lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
            let password = String(rest[rest.index(after: colon)..<at])
            passwords.append(password)
            if let decoded = password.removingPercentEncoding { passwords.append(decoded) }
        }
        if let components = URLComponents(string: url) {
            passwords += [components.password, components.percentEncodedPassword].compactMap { $0 }
        }
        return passwords
    }
}
