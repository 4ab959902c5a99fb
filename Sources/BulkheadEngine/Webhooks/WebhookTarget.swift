import Foundation

/// A configured webhook ready to use: its URL, its secret's octets, the events it receives.
///
/// ```swift
/// let targets = try configuration.webhooks.map { try WebhookTarget($0, configuration: configuration) }
/// ```
public struct WebhookTarget: Sendable, Hashable {
    public var url: String
    /// The HMAC key (never logged).
    public var secret: [UInt8]
    public var events: Set<WebhookEventName>

    public init(url: String, secret: [UInt8], events: Set<WebhookEventName> = Set(WebhookEventName.allCases)) {
        self.url = url
        self.secret = secret
        self.events = events
    }

    /// The webhook of `webhook`, its secret read from `secret_file` when it is not inline (one trailing
    /// line break dropped). The error names the file, never its content.
    public init(_ webhook: BulkheadConfiguration.Webhook, configuration: BulkheadConfiguration) throws(ConfigurationError) {
        var secret = webhook.secret ?? ""
        if let file = webhook.secretFile {
            let path = configuration.path(file)
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw .unreadable("webhook secret_file \(path) cannot be read as UTF-8 text")
            }
            secret = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
        }
        guard !secret.isEmpty else { throw .invalidValue("webhooks", reason: "the secret of \(webhook.url) is empty") }
        self.init(url: webhook.url, secret: Array(secret.utf8), events: webhook.eventNames)
    }

    /// The URL without user information and query, for log lines (either may hold a token).
    public var displayURL: String { Self.display(url) }

    /// `url` without user information and query.
    public static func display(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(unparsable URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(unparsable URL)"
    }
}
