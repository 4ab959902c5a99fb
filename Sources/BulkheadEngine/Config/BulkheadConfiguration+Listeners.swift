import Foundation
public import NIOCore

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

        /// The address a listener really bound (its port when 0 was asked for), else the configured one.
        public init(bound socket: SocketAddress?, configured: ListenAddress) {
            self.init(host: socket?.ipAddress ?? configured.host, port: socket?.port ?? configured.port)
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

        /// Whether only this machine can reach it (`127.0.0.0/8`, `::1`, `localhost`).
        public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
    }

    /// The HTTP listener of `bulkhead serve`: the public one-click unsubscribe pages, the dashboard,
    /// the JSON API and the metrics. Off unless `listen` names an address. Plain HTTP is for loopback:
    /// an address beyond it needs `tls` (HTTPS with `listener_tls`) or `behind_tls_proxy` (a proxy that
    /// terminates TLS is the only way in), since passwords and session cookies cross it.
    public struct HTTP: Sendable, Hashable, Codable {
        /// Addresses to listen on (e.g. `127.0.0.1:8080`, behind a TLS reverse proxy that serves
        /// `identity.unsubscribe_base_url`); empty: no HTTP listener.
        public var listen: [ListenAddress]
        /// Requests one unsubscribe token may make per minute (a mailbox provider's POST, a person's
        /// clicks); more get 429. Limits are per token, never per client address (RFC 8058 POSTs come
        /// from the providers' servers).
        public var requestsPerTokenPerMinute: Int
        /// Serve HTTPS with the certificate and key of `listener_tls`.
        public var tls: Bool
        /// A reverse proxy terminates TLS in front of the listener: browsers use HTTPS, so the session
        /// cookie is `Secure`, and addresses beyond loopback are allowed.
        public var behindTLSProxy: Bool

        public init() {
            listen = []
            requestsPerTokenPerMinute = 10
            tls = false
            behindTLSProxy = false
        }

        /// Browsers reach the listener over HTTPS (the session cookie is then `Secure`).
        public var browsersUseTLS: Bool { tls || behindTLSProxy }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case listen
            case requestsPerTokenPerMinute = "requests_per_token_per_minute"
            case tls
            case behindTLSProxy = "behind_tls_proxy"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = HTTP()
            listen = try c.value(.listen, default: defaults.listen)
            requestsPerTokenPerMinute = try c.value(.requestsPerTokenPerMinute, default: defaults.requestsPerTokenPerMinute)
            tls = try c.value(.tls, default: defaults.tls)
            behindTLSProxy = try c.value(.behindTLSProxy, default: defaults.behindTLSProxy)
        }
    }
}

extension BulkheadConfiguration {
    /// The inbound SMTP listener of `bulkhead serve`: bounces (`bounces+TOKEN@`), complaints (ARF),
    /// unsubscribe mail (`unsubscribe+TOKEN@`) and postmaster/abuse mail for its own domains. Off
    /// unless `listen` names an address.
    public struct Inbound: Sendable, Hashable, Codable {
        /// Addresses to listen on (e.g. `127.0.0.1:2526`); empty: no inbound listener.
        public var listen: [ListenAddress]
        /// The domains it accepts mail for; empty: the identity's return-path, unsubscribe-mailto and
        /// From domains. Mail for any other domain gets `550 5.7.1` (never an open relay).
        public var domains: [String]
        /// The largest message accepted, in bytes.
        public var maxMessageBytes: Int
        /// The most the kept mailbox (`<data>/inbound`) may hold; past it, mail that would be kept
        /// gets a temporary failure (`452 4.3.1`) until a person clears some.
        public var keptMaxBytes: Int
        /// The most SMTP sessions open at once; one more gets `421 4.7.0` at connect.
        public var maxConnections: Int
        /// The most sessions open at once from one client IP address.
        public var maxConnectionsPerClient: Int

        public init() {
            listen = []
            domains = []
            maxMessageBytes = 10 * 1024 * 1024
            keptMaxBytes = 1 << 30
            maxConnections = 200
            maxConnectionsPerClient = 50
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case listen, domains
            case maxMessageBytes = "max_message_bytes"
            case keptMaxBytes = "kept_max_bytes"
            case maxConnections = "max_connections"
            case maxConnectionsPerClient = "max_connections_per_client"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Inbound()
            listen = try c.value(.listen, default: defaults.listen)
            domains = try c.value(.domains, default: defaults.domains)
            maxMessageBytes = try c.value(.maxMessageBytes, default: defaults.maxMessageBytes)
            keptMaxBytes = try c.value(.keptMaxBytes, default: defaults.keptMaxBytes)
            maxConnections = try c.value(.maxConnections, default: defaults.maxConnections)
            maxConnectionsPerClient = try c.value(.maxConnectionsPerClient, default: defaults.maxConnectionsPerClient)
        }
    }

    /// When soft bounces suppress an address: `soft_limit` soft bounces (or expiries) of different
    /// messages within `soft_days`. A hard bounce suppresses at once.
    public struct Bounces: Sendable, Hashable, Codable {
        public var softLimit: Int
        public var softDays: Int

        public init() {
            softLimit = 3
            softDays = 14
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case softLimit = "soft_limit"
            case softDays = "soft_days"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Bounces()
            softLimit = try c.value(.softLimit, default: defaults.softLimit)
            softDays = try c.value(.softDays, default: defaults.softDays)
        }
    }

    /// The certificate and key the SMTP listeners offer with STARTTLS (PEM files).
    public struct ListenerTLS: Sendable, Hashable, Codable {
        public var certificateFile: String
        public var privateKeyFile: String

        public init(certificateFile: String, privateKeyFile: String) {
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case certificateFile = "certificate_file"
            case privateKeyFile = "private_key_file"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            certificateFile = try c.decode(String.self, forKey: .certificateFile)
            privateKeyFile = try c.decode(String.self, forKey: .privateKeyFile)
        }
    }
}
