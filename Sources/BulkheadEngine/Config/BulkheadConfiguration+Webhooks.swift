import Foundation

extension BulkheadConfiguration {
    /// One event webhook (`webhooks:`): `bulkhead serve` POSTs each event to ``url`` as JSON signed
    /// with HMAC-SHA256 (`X-Bulkhead-Signature: sha256=<hex>`), retrying with backoff.
    ///
    /// ```yaml
    /// webhooks:
    ///   - url: https://hooks.shop.example/bulkhead
    ///     secret_file: webhook.secret          # or secret: "…" (never logged, masked by config check)
    ///     events: [campaign.state, brake.tripped]   # default: every event
    /// ```
    public struct Webhook: Sendable, Hashable, Codable {
        /// Where events are POSTed (`https://` or `http://`).
        public var url: String
        /// The HMAC key, inline.
        public var secret: String?
        /// A file holding the HMAC key (relative paths are relative to the data directory; one
        /// trailing line break is ignored).
        public var secretFile: String?
        /// The event names it receives (``WebhookEventName``); all when not given.
        public var events: [String]

        public init(url: String, secret: String? = nil, secretFile: String? = nil, events: [String] = WebhookEventName.allCases.map(\.rawValue)) {
            self.url = url
            self.secret = secret
            self.secretFile = secretFile
            self.events = events
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case url, secret, events
            case secretFile = "secret_file"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            secret = try c.decodeIfPresent(String.self, forKey: .secret)
            secretFile = try c.decodeIfPresent(String.self, forKey: .secretFile)
            events = try c.value(.events, default: WebhookEventName.allCases.map(\.rawValue))
        }

        /// The events it receives.
        public var eventNames: Set<WebhookEventName> { Set(events.compactMap(WebhookEventName.init(rawValue:))) }
    }

    /// Each webhook has an http(s) URL with a host (each URL once), one secret, and known event names.
    func validateWebhooks() throws(ConfigurationError) {
        func require(_ condition: Bool, _ path: String, _ reason: String) throws(ConfigurationError) {
            if !condition { throw .invalidValue(path, reason: reason) }
        }
        var urls = Set<String>()
        for (index, webhook) in webhooks.enumerated() {
            let path = "webhooks[\(index)]"
            let scheme = webhook.url.lowercased()
            let components = URLComponents(string: webhook.url)
            try require(
                (scheme.hasPrefix("https://") || scheme.hasPrefix("http://")) && components?.host?.isEmpty == false, "\(path).url",
                "must be an https:// or http:// URL with a host")
            try require(urls.insert(webhook.url).inserted, "\(path).url", "is listed twice")
            try require(
                (webhook.secret != nil) != (webhook.secretFile != nil), "\(path).secret",
                "give the HMAC key as secret or secret_file (exactly one)")
            try require(webhook.secret?.isEmpty != true && webhook.secretFile?.isEmpty != true, "\(path).secret", "must not be empty")
            try require(!webhook.events.isEmpty, "\(path).events", "must name at least one event (leave it out for all)")
            for event in webhook.events where WebhookEventName(rawValue: event) == nil {
                throw .invalidValue("\(path).events", reason: "unknown event \"\(event)\" (known: \(WebhookEventName.known))")
            }
        }
    }
}
