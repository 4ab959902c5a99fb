public import NIOSSL

/// The server's limits, each answered with its own reply (RFC 5321 §4.5.3.1, RFC 3463 codes).
///
/// ```swift
/// var limits = SMTPServerLimits()
/// limits.maximumMessageSize = 10_000_000   // announced as SIZE 10000000; more: 552 5.3.4
/// limits.maximumRecipients = 50            // the 51st RCPT: 452 4.5.3
/// ```
public struct SMTPServerLimits: Sendable, Hashable {
    /// Open connections at once; one more is answered `421 4.7.0` and closed.
    public var maximumConnections = 200
    /// Open connections at once from one client IP address; one more is answered `421 4.7.0` and closed.
    /// 50, as Postfix's `smtpd_client_connection_count_limit`: a sending MTA that runs 20 sessions
    /// and reconnects at once after each `221` briefly holds more than 20 (the server counts a
    /// connection until its close completes).
    public var maximumConnectionsPerClient = 50
    /// Recipients per message; one more RCPT is answered `452 4.5.3`.
    public var maximumRecipients = 100
    /// Message size in octets (announced with SIZE): a larger `SIZE=` is refused at MAIL, a larger
    /// message at its end (`552 5.3.4`), after it was read to its end but not stored past the limit.
    public var maximumMessageSize = 25 * 1024 * 1024
    /// Command lines per session (AUTH continuation lines included); the next is answered
    /// `421 4.7.0` and the connection closed.
    public var maximumCommands = 1000
    /// Refused commands per session (unknown, malformed, out of sequence, failed AUTH); the next one
    /// is answered `421 4.7.0` and the connection closed.
    public var maximumInvalidCommands = 10

    /// The longest command line, CRLF included (RFC 5321 §4.5.3.1.4); longer: `500 5.5.2`.
    public static let commandLineLength = 512
    /// The longest DATA line, CRLF included (RFC 5321 §4.5.3.1.6); longer: the message is refused.
    public static let dataLineLength = 1000

    /// The defaults above.
    public init() {}
}

/// The server's timeouts (RFC 5321 §4.5.3.2.7: 5 minutes for a command; Bulkhead allows 3 minutes
/// of silence inside DATA). A timeout answers `421 4.4.2` and closes. Tests use short ones.
public struct SMTPServerTimeouts: Sendable, Hashable {
    /// Waiting for the next command line (also the TLS handshake after STARTTLS).
    public var command: Duration = .seconds(300)
    /// Waiting for the next line inside DATA.
    public var dataBlock: Duration = .seconds(180)

    /// The defaults above.
    public init() {}

    /// Every timeout set to `all`.
    public init(all: Duration) {
        command = all
        dataBlock = all
    }
}

/// An AUTH mechanism the server accepts (RFC 4954).
public enum SMTPServerAuthMechanism: String, Sendable, Hashable, CaseIterable {
    /// RFC 4616: authorization identity, user name and password in one response.
    case plain = "PLAIN"
    /// The user name and the password, each after a `334` prompt.
    case login = "LOGIN"
}

/// The certificate and key for STARTTLS: a NIOSSL server configuration, or PEM files.
///
/// ```swift
/// let tls = try SMTPServerTLS(certificateChainFile: "/etc/bulkhead/cert.pem", privateKeyFile: "/etc/bulkhead/key.pem")
/// ```
public struct SMTPServerTLS: Sendable {
    /// The TLS configuration the server handshakes with.
    public var configuration: TLSConfiguration

    /// Uses `configuration` as it is (it must be a server configuration, with certificate and key).
    public init(configuration: TLSConfiguration) {
        self.configuration = configuration
    }

    /// Reads a PEM certificate chain (leaf first) and a PEM private key.
    public init(certificateChainFile: String, privateKeyFile: String) throws {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        self.configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}

/// How the SMTP server behaves.
///
/// ```swift
/// var configuration = SMTPServerConfiguration(hostname: "mx.example.com")
/// configuration.tls = try SMTPServerTLS(certificateChainFile: certPath, privateKeyFile: keyPath)
/// configuration.limits.maximumMessageSize = 10_000_000
/// ```
public struct SMTPServerConfiguration: Sendable {
    /// The name the server gives in its greeting and EHLO reply.
    public var hostname: String
    /// Limits (connections, recipients, size, commands, errors).
    public var limits = SMTPServerLimits()
    /// Timeouts.
    public var timeouts = SMTPServerTimeouts()
    /// STARTTLS: offered when set.
    public var tls: SMTPServerTLS?
    /// AUTH mechanisms offered, in this order, once the connection is encrypted; empty: no AUTH.
    public var authMechanisms: [SMTPServerAuthMechanism] = [.plain, .login]
    /// Offer and accept AUTH without TLS, but only to clients on a loopback address. Dangerous
    /// outside tests and local submission: passwords then cross the wire in the clear.
    public var insecureAllowsAuthWithoutTLSOnLoopback = false

    /// A configuration with the given host name and defaults elsewhere.
    public init(hostname: String) {
        self.hostname = hostname
    }
}
