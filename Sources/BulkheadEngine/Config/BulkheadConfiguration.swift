import Foundation

/// Everything Bulkhead can be told, read from one YAML file (`bulkhead.yaml`; a commented sample is in
/// `docs/bulkhead.sample.yaml`). Every setting has a default, so an empty file is a valid
/// configuration: SQLite in `.bulkhead/` and the capture mailbox, so nothing leaves the machine until
/// an upstream is configured. Secrets can come from environment variables instead of the file.
///
/// ```swift
/// let config = try BulkheadConfiguration.load(yaml: "delivery:\n  connections: 4\n", environment: [:])
/// config.delivery.connections // 4
/// config.upstreams.isEmpty     // true: the capture transport is used
/// ```
public struct BulkheadConfiguration: Sendable, Hashable, Codable {
    /// Where state lives: the SQLite file, the capture mailbox, generated secrets. Relative paths in
    /// other settings are relative to it.
    public var dataDirectory: String
    public var storage: Storage
    public var identity: Identity
    public var dkim: DKIM?
    /// More DKIM keys by name, for campaigns that sign with another domain or selector
    /// (`bulkhead campaign create --dkim-key NAME`); campaigns without a name use `dkim`.
    public var dkimKeys: [String: DKIM]
    public var delivery: Delivery
    /// Real SMTP upstreams. Empty (the default) means the capture transport: nothing leaves the machine.
    public var upstreams: [Upstream]
    public var logging: Logging
    /// The guardrails every campaign passes.
    public var guardrails: Guardrails
    /// Where alerts go.
    public var alerts: Alerts
    /// The HTTP listener (one-click unsubscribe).
    public var http: HTTP
    /// The inbound SMTP listener (bounces, complaints, unsubscribe mail).
    public var inbound: Inbound
    /// The guard relay (submission in front of the upstreams).
    public var relay: Relay
    /// Hosted lists (their posts arrive at the inbound listener).
    public var lists: Lists
    /// Auto-responders (acknowledgements, out of office) at addresses of the inbound listener.
    public var autoresponders: [AutoResponder]
    /// The global auto-reply breaker.
    public var autoreplyBreaker: AutoReplyBreaker
    /// When soft bounces suppress an address.
    public var bounces: Bounces
    /// STARTTLS for the SMTP listeners (nil: no STARTTLS offered).
    public var listenerTLS: ListenerTLS?
    /// Event webhooks (signed POSTs of campaign states, brakes, holds, breaker trips and storms).
    public var webhooks: [Webhook]

    public init() {
        dataDirectory = ".bulkhead"
        storage = Storage()
        identity = Identity()
        dkim = nil
        dkimKeys = [:]
        delivery = Delivery()
        upstreams = []
        logging = Logging()
        guardrails = Guardrails()
        alerts = Alerts()
        http = HTTP()
        inbound = Inbound()
        relay = Relay()
        lists = Lists()
        autoresponders = []
        autoreplyBreaker = AutoReplyBreaker()
        bounces = Bounces()
        listenerTLS = nil
        webhooks = []
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDirectory = "data_directory"
        case storage, identity, dkim
        case dkimKeys = "dkim_keys"
        case delivery, upstreams, logging, guardrails, alerts, http, inbound, bounces, relay, lists, autoresponders
        case autoreplyBreaker = "autoreply_breaker"
        case listenerTLS = "listener_tls"
        case webhooks
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = BulkheadConfiguration()
        dataDirectory = try c.value(.dataDirectory, default: defaults.dataDirectory)
        storage = try c.value(.storage, default: defaults.storage)
        identity = try c.value(.identity, default: defaults.identity)
        dkim = try c.decodeIfPresent(DKIM.self, forKey: .dkim)
        dkimKeys = try c.value(.dkimKeys, default: defaults.dkimKeys)
        delivery = try c.value(.delivery, default: defaults.delivery)
        upstreams = try c.value(.upstreams, default: defaults.upstreams)
        logging = try c.value(.logging, default: defaults.logging)
        guardrails = try c.value(.guardrails, default: defaults.guardrails)
        alerts = try c.value(.alerts, default: defaults.alerts)
        http = try c.value(.http, default: defaults.http)
        inbound = try c.value(.inbound, default: defaults.inbound)
        relay = try c.value(.relay, default: defaults.relay)
        lists = try c.value(.lists, default: defaults.lists)
        autoresponders = try c.value(.autoresponders, default: defaults.autoresponders)
        autoreplyBreaker = try c.value(.autoreplyBreaker, default: defaults.autoreplyBreaker)
        bounces = try c.value(.bounces, default: defaults.bounces)
        listenerTLS = try c.decodeIfPresent(ListenerTLS.self, forKey: .listenerTLS)
        webhooks = try c.value(.webhooks, default: defaults.webhooks)
    }

    /// Which database holds lists, campaigns and the ledger.
    public struct Storage: Sendable, Hashable, Codable {
        public enum Backend: String, Sendable, Hashable, Codable, CaseIterable { case sqlite, postgres }
        public var backend: Backend
        /// The SQLite file (relative to the data directory).
        public var sqlitePath: String
        /// `postgres://user@host:port/database`; a secret: `BULKHEAD_POSTGRES_URL` overrides it.
        public var postgresURL: String?

        public init() {
            backend = .sqlite
            sqlitePath = "bulkhead.sqlite"
            postgresURL = nil
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case backend
            case sqlitePath = "sqlite_path"
            case postgresURL = "postgres_url"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Storage()
            backend = try c.value(.backend, default: defaults.backend)
            sqlitePath = try c.value(.sqlitePath, default: defaults.sqlitePath)
            postgresURL = try c.decodeIfPresent(String.self, forKey: .postgresURL)
        }
    }

    /// Who campaign mail comes from and where bounces and unsubscribes go.
    public struct Identity: Sendable, Hashable, Codable {
        /// The From of campaign mail, e.g. `Example Shop <news@shop.example>`.
        public var from: String
        /// The domain of VERP return paths (`bounces+TOKEN@domain`); defaults to the From domain.
        public var returnPathDomain: String?
        /// Base of one-click unsubscribe links (`BASE/u/TOKEN`); must be https.
        public var unsubscribeBaseURL: String
        /// The domain of `mailto:unsubscribe+TOKEN@domain`; defaults to the From domain.
        public var unsubscribeMailtoDomain: String?
        /// The postal address CAN-SPAM requires in commercial mail.
        public var postalAddress: String?
        /// The HMAC key for unsubscribe tokens (≥ 32 bytes, base64); a secret:
        /// `BULKHEAD_UNSUBSCRIBE_KEY` overrides it. When absent one is generated into the data directory.
        public var unsubscribeKey: String?

        public init() {
            from = "Bulkhead <bulkhead@localhost.localdomain>"
            returnPathDomain = nil
            unsubscribeBaseURL = "https://localhost.localdomain"
            unsubscribeMailtoDomain = nil
            postalAddress = nil
            unsubscribeKey = nil
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case from
            case returnPathDomain = "return_path_domain"
            case unsubscribeBaseURL = "unsubscribe_base_url"
            case unsubscribeMailtoDomain = "unsubscribe_mailto_domain"
            case postalAddress = "postal_address"
            case unsubscribeKey = "unsubscribe_key"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Identity()
            from = try c.value(.from, default: defaults.from)
            returnPathDomain = try c.decodeIfPresent(String.self, forKey: .returnPathDomain)
            unsubscribeBaseURL = try c.value(.unsubscribeBaseURL, default: defaults.unsubscribeBaseURL)
            unsubscribeMailtoDomain = try c.decodeIfPresent(String.self, forKey: .unsubscribeMailtoDomain)
            postalAddress = try c.decodeIfPresent(String.self, forKey: .postalAddress)
            unsubscribeKey = try c.decodeIfPresent(String.self, forKey: .unsubscribeKey)
        }
    }

    /// The DKIM key campaign mail is signed with.
    public struct DKIM: Sendable, Hashable, Codable {
        public var domain: String
        public var selector: String
        /// A PEM file (relative to the data directory), as `bulkhead dkim keygen` writes it.
        public var privateKeyFile: String

        public init(domain: String, selector: String, privateKeyFile: String) {
            self.domain = domain
            self.selector = selector
            self.privateKeyFile = privateKeyFile
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case domain, selector
            case privateKeyFile = "private_key_file"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            domain = try c.decode(String.self, forKey: .domain)
            selector = try c.decode(String.self, forKey: .selector)
            privateKeyFile = try c.decode(String.self, forKey: .privateKeyFile)
        }
    }

    /// How the delivery loop behaves.
    public struct Delivery: Sendable, Hashable, Codable {
        /// Messages sent in parallel (connections across all upstreams).
        public var concurrency: Int
        /// Ledger entries claimed per database transaction.
        public var batchSize: Int
        /// Attempts before a deferred message is failed.
        public var maxAttempts: Int
        /// First retry delay; doubles each attempt, with jitter.
        public var retryBaseSeconds: Double
        /// Longest retry delay.
        public var retryMaxSeconds: Double
        /// How often a sender looks at the campaign's state for pause and abort (the kill switch).
        public var controlPollMilliseconds: Int
        /// How long a worker's lease in the store lasts (renewed every third of it): a worker silent for
        /// longer is taken as gone and its in-flight recipients are recovered as `uncertain`.
        public var leaseSeconds: Int

        public init() {
            leaseSeconds = 60
            concurrency = 10
            batchSize = 50
            maxAttempts = 5
            retryBaseSeconds = 60
            retryMaxSeconds = 6 * 3600
            controlPollMilliseconds = 200
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case concurrency
            case batchSize = "batch_size"
            case maxAttempts = "max_attempts"
            case retryBaseSeconds = "retry_base_seconds"
            case retryMaxSeconds = "retry_max_seconds"
            case controlPollMilliseconds = "control_poll_milliseconds"
            case leaseSeconds = "lease_seconds"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Delivery()
            concurrency = try c.value(.concurrency, default: defaults.concurrency)
            batchSize = try c.value(.batchSize, default: defaults.batchSize)
            maxAttempts = try c.value(.maxAttempts, default: defaults.maxAttempts)
            retryBaseSeconds = try c.value(.retryBaseSeconds, default: defaults.retryBaseSeconds)
            retryMaxSeconds = try c.value(.retryMaxSeconds, default: defaults.retryMaxSeconds)
            controlPollMilliseconds = try c.value(.controlPollMilliseconds, default: defaults.controlPollMilliseconds)
            leaseSeconds = try c.value(.leaseSeconds, default: defaults.leaseSeconds)
        }
    }

    /// One real SMTP server mail is handed to.
    public struct Upstream: Sendable, Hashable, Codable {
        public enum TLSPolicy: String, Sendable, Hashable, Codable, CaseIterable { case required, opportunistic, off }
        public var name: String
        public var host: String
        public var port: Int
        public var tls: TLSPolicy
        public var username: String?
        /// A secret: `BULKHEAD_UPSTREAM_<NAME>_PASSWORD` overrides it (NAME upper-cased, `-` as `_`).
        public var password: String?
        public var maxConnections: Int
        public var messagesPerConnection: Int
        /// Sliding-window limits; 0 means unlimited.
        public var messagesPerSecond: Int
        public var messagesPerHour: Int
        /// Share of traffic relative to the other upstreams.
        public var weight: Int
        /// Test setups only: accept any certificate.
        public var insecureSkipCertificateVerification: Bool
        /// When this upstream counts as down: connection failures in a row open the breaker, no
        /// message is charged an attempt while it is open.
        public var breaker: Breaker

        /// `upstreams[].breaker`: after `failures` failed connections in a row the upstream is left alone
        /// for `open_seconds`, doubling after each failed probe up to `max_open_seconds`.
        public struct Breaker: Sendable, Hashable, Codable {
            public var failures: Int
            public var openSeconds: Int
            public var maxOpenSeconds: Int

            public init() {
                failures = 5
                openSeconds = 60
                maxOpenSeconds = 900
            }

            enum CodingKeys: String, CodingKey, CaseIterable {
                case failures
                case openSeconds = "open_seconds"
                case maxOpenSeconds = "max_open_seconds"
            }

            public init(from decoder: any Decoder) throws {
                try decoder.rejectUnknownKeys(CodingKeys.self)
                let c = try decoder.container(keyedBy: CodingKeys.self)
                let defaults = Breaker()
                failures = try c.value(.failures, default: defaults.failures)
                openSeconds = try c.value(.openSeconds, default: defaults.openSeconds)
                maxOpenSeconds = try c.value(.maxOpenSeconds, default: max(defaults.maxOpenSeconds, openSeconds))
            }
        }

        public init(name: String, host: String, port: Int = 25) {
            self.name = name
            self.host = host
            self.port = port
            tls = .opportunistic
            username = nil
            password = nil
            maxConnections = 10
            messagesPerConnection = 1_000
            messagesPerSecond = 0
            messagesPerHour = 0
            weight = 1
            insecureSkipCertificateVerification = false
            breaker = Breaker()
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, host, port, tls, username, password
            case maxConnections = "max_connections"
            case messagesPerConnection = "messages_per_connection"
            case messagesPerSecond = "messages_per_second"
            case messagesPerHour = "messages_per_hour"
            case weight
            case insecureSkipCertificateVerification = "insecure_skip_certificate_verification"
            case breaker
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(name: try c.decode(String.self, forKey: .name), host: try c.decode(String.self, forKey: .host))
            port = try c.value(.port, default: port)
            tls = try c.value(.tls, default: tls)
            username = try c.decodeIfPresent(String.self, forKey: .username)
            password = try c.decodeIfPresent(String.self, forKey: .password)
            maxConnections = try c.value(.maxConnections, default: maxConnections)
            messagesPerConnection = try c.value(.messagesPerConnection, default: messagesPerConnection)
            messagesPerSecond = try c.value(.messagesPerSecond, default: messagesPerSecond)
            messagesPerHour = try c.value(.messagesPerHour, default: messagesPerHour)
            weight = try c.value(.weight, default: weight)
            insecureSkipCertificateVerification = try c.value(.insecureSkipCertificateVerification, default: false)
            breaker = try c.value(.breaker, default: Breaker())
        }
    }

    /// Log output: one line per event. Recipient addresses appear only at `debug`.
    public struct Logging: Sendable, Hashable, Codable {
        public enum Level: String, Sendable, Hashable, Codable, CaseIterable { case trace, debug, info, notice, warning, error, critical }
        public enum Format: String, Sendable, Hashable, Codable, CaseIterable { case text, json }
        public var level: Level
        public var format: Format

        public init() {
            level = .info
            format = .text
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case level, format }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            level = try c.value(.level, default: .info)
            format = try c.value(.format, default: .text)
        }
    }
}
