import BulkheadMail
import Foundation

/// Where recipients unsubscribe: an HTTPS base for RFC 8058 one-click POSTs and a mail domain for
/// the `mailto:` alternative. Makes the two URIs of `List-Unsubscribe` for a token.
///
/// ```swift
/// let links = try UnsubscribeLinks(base: "https://lists.example.com", mailtoDomain: "lists.example.com")
/// links.httpsURL(token: "abc")    // "https://lists.example.com/u/abc"
/// links.mailtoURL(token: "abc")   // "mailto:unsubscribe+abc@lists.example.com"
/// ```
public struct UnsubscribeLinks: Sendable, Hashable {
    /// The base URL without a trailing slash, e.g. `https://lists.example.com` or `https://example.com/mail`.
    public let base: String
    /// The mailto domain in ASCII (A-label) form.
    public let mailtoDomain: String

    /// Checks `base` (HTTPS with a host; no query, fragment or user info) and `mailtoDomain`.
    /// An `http:` base is refused unless `insecureAllowHTTPUnsubscribe` is set (tests and local
    /// development only: RFC 8058 requires HTTPS and receivers ignore plain HTTP one-click links).
    public init(base: String, mailtoDomain: String, insecureAllowHTTPUnsubscribe: Bool = false) throws(CampaignMessageError) {
        var text = base
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw .invalidUnsubscribeBase(base, reason: "not an absolute URL with a host") }
        if scheme == "http" {
            guard insecureAllowHTTPUnsubscribe else {
                throw .invalidUnsubscribeBase(base, reason: "HTTPS is required (set insecureAllowHTTPUnsubscribe only for local testing)")
            }
        } else if scheme != "https" {
            throw .invalidUnsubscribeBase(base, reason: "scheme must be https")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil else {
            throw .invalidUnsubscribeBase(base, reason: "no query, fragment or user info allowed")
        }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" && $0 != "," }) else {
            throw .invalidUnsubscribeBase(base, reason: "only printable ASCII without <, > and , is allowed")
        }
        do {
            self.mailtoDomain = try IDNA.toASCII(mailtoDomain)
        } catch {
            throw .invalidDomain(mailtoDomain, reason: error.description)
        }
        self.base = text
    }

    /// `<base>/u/<token>`: the one-click URL (also the link for the body).
    public func httpsURL(token: String) -> String { base + "/u/" + token }

    /// `mailto:unsubscribe+<token>@<domain>`.
    public func mailtoURL(token: String) -> String { "mailto:unsubscribe+" + token + "@" + mailtoDomain }

    /// The `List-Unsubscribe` value: `<https…>, <mailto…>`.
    public func listUnsubscribeValue(token: String) -> String {
        "<" + httpsURL(token: token) + ">, <" + mailtoURL(token: token) + ">"
    }
}
