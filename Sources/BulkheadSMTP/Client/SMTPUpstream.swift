public import NIOSSL

/// TLS settings for STARTTLS.
///
/// ```swift
/// var tls = SMTPTLSSettings()
/// tls.trustRoots = .file("/etc/bulkhead/relay-ca.pem")
/// ```
public struct SMTPTLSSettings: Sendable {
    /// Which certificate authorities are trusted; the system's by default.
    public var trustRoots: NIOSSLTrustRoots = .default
    /// The name checked against the server's certificate (and sent as SNI); the upstream's host
    /// when nil. IP addresses are never sent as SNI.
    public var serverHostname: String?
    /// Accept any certificate. Only for tests against a throwaway server: it makes TLS worthless
    /// against an attacker on the path.
    public var insecureSkipCertificateVerification = false

    /// The system trust roots, full verification.
    public init() {}

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = trustRoots
        if insecureSkipCertificateVerification { configuration.certificateVerification = .none }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// One upstream SMTP server and how to talk to it.
///
/// ```swift
/// var relay = SMTPUpstream(host: "smtp.provider.example", port: 587, session: .init(heloName: "mailer.example.com"))
/// relay.session.tlsPolicy = .required
/// relay.maxConnections = 8
/// relay.rateLimits = [RateLimit(count: 50, per: .seconds(1)), RateLimit(count: 100_000, per: .seconds(3600))]
/// relay.idleTimeout = .seconds(30)
/// ```
public struct SMTPUpstream: Sendable {
    /// Host name or IP address.
    public var host: String
    /// TCP port (25, or 587 for submission).
    public var port: Int
    /// Session behaviour: EHLO name, TLS policy, credentials, timeouts.
    public var session: SMTPSessionConfiguration
    /// TLS trust settings.
    public var tls = SMTPTLSSettings()
    /// TCP connect timeout.
    public var connectTimeout: Duration = .seconds(30)
    /// Most connections open at once to this upstream.
    public var maxConnections = 4
    /// Messages sent on one connection before it is closed and a fresh one opened.
    public var maxMessagesPerConnection = 100
    /// Sending limits, all enforced together (a sliding window each).
    public var rateLimits: [RateLimit] = []
    /// Limits shared with other processes, asked with a connection in hand right before each message
    /// (after `rateLimits`); nil: none.
    public var sharedPermits: (any SharedSendPermits)?
    /// When the upstream counts as down (connection failures in a row) and for how long.
    public var breaker = CircuitBreakerPolicy()
    /// How long a connection may sit unused before the pool closes it (QUIT); nil keeps it until the
    /// server drops it or the pool shuts down.
    public var idleTimeout: Duration? = .seconds(60)
    /// How long a connection is used at most, counted from its setup; nil: no limit
    /// (`maxMessagesPerConnection` still applies).
    public var connectionLifetime: Duration?
    /// How long a message waits for a free connection before it is postponed (nothing sent); nil:
    /// as long as it takes.
    public var connectionWaitTimeout: Duration?

    /// An upstream with defaults for everything else.
    public init(host: String, port: Int, session: SMTPSessionConfiguration) {
        self.host = host
        self.port = port
        self.session = session
    }
}
