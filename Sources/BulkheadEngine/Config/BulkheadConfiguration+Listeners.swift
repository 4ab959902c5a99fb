import Foundation

extension BulkheadConfiguration {
    /// One address a listener binds: an IP literal (or `localhost`) and a port, written `HOST:PORT`
    /// (`[::1]:8080` for IPv6).
    ///
    /// ```swift
    /// let address = try ListenAddress(parsing: "127.0.0.1:8080")   // host "127.0.0.1", port 8080
    /// ```
    public struct ListenAddress: Sendable, Hashable, Codable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `HOST:PORT`; the reason when it is not one.
        public init(parsing text: String) throws(ConfigurationError) {
            func invalid(_ why: String) -> ConfigurationError { .invalidValue("listen", reason: "\(text.debugDescription): \(why)") }
            var rest = Substring(text)
            let host: Substring
            if rest.hasPrefix("[") {
                guard let close = rest.firstIndex(of: "]") else { throw invalid("an IPv6 address needs its closing ]") }
                host = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
            } else {
                guard let colon = rest.lastIndex(of: ":") else { throw invalid("expected HOST:PORT") }
                host = rest[..<colon]
                rest = rest[colon...]
            }
            guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()), (1...65_535).contains(port) else {
                throw invalid("the port must be 1 to 65535")
            }
            guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw invalid("expected an IP address or localhost") }
            self.init(host: String(host), port: port)
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            self = try ListenAddress(parsing: text)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// True for 127.0.0.0/8, ::1 and `localhost`.
        public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
    }

    /// The HTTP listener of `bulkhead serve`: the public one-click unsubscribe pages now, the dashboard
    /// later. Off unless `listen` names an address.
    public struct HTTP: Sendable, Hashable, Codable {
        /// Addresses to listen on (e.g. `127.0.0.1:8080`, behind a TLS reverse proxy that serves
        /// `identity.unsubscribe_base_url`); empty: no HTTP listener.
        public var listen: [ListenAddress]
        /// Requests one unsubscribe token may make per minute (a mailbox provider's POST, a person's
        /// clicks); more get 429. Limits are per token, never per client address (RFC 8058 POSTs come
        /// from the providers' servers).
        public var requestsPerTokenPerMinute: Int

        public init() {
            listen = []
            requestsPerTokenPerMinute = 10
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case listen
            case requestsPerTokenPerMinute = "requests_per_token_per_minute"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = HTTP()
            listen = try c.value(.listen, default: defaults.listen)
            requestsPerTokenPerMinute = try c.value(.requestsPerTokenPerMinute, default: defaults.requestsPerTokenPerMinute)
        }
    }
}
