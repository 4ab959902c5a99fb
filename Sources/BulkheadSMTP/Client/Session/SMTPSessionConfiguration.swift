/// The SMTP client timeouts of RFC 5321 §4.5.3.2 (the RFC's values are the defaults).
/// Tests use short ones.
public struct SMTPTimeouts: Sendable, Hashable {
    /// Waiting for the 220 greeting (RFC: 5 minutes).
    public var greeting: Duration = .seconds(300)
    /// EHLO/HELO, STARTTLS, AUTH, RSET and QUIT replies (5 minutes).
    public var command: Duration = .seconds(300)
    /// MAIL reply (5 minutes).
    public var mail: Duration = .seconds(300)
    /// RCPT reply (5 minutes).
    public var rcpt: Duration = .seconds(300)
    /// The 354 reply to DATA (2 minutes).
    public var dataInitiation: Duration = .seconds(120)
    /// Writing the message body, per block (3 minutes; Bulkhead writes the body as one block).
    public var dataBlock: Duration = .seconds(180)
    /// The reply after the final "." (10 minutes).
    public var dataTermination: Duration = .seconds(600)

    /// The RFC 5321 values.
    public init() {}

    /// Every timeout set to `all` (handy in tests).
    public init(all: Duration) {
        greeting = all
        command = all
        mail = all
        rcpt = all
        dataInitiation = all
        dataBlock = all
        dataTermination = all
    }
}

/// When to use STARTTLS (RFC 3207).
public enum SMTPTLSPolicy: String, Sendable, Hashable, Codable {
    /// TLS or nothing: if the server does not offer STARTTLS or refuses it, no message is sent and
    /// every message is deferred with that reason.
    case required
    /// Use STARTTLS when offered; otherwise (or if the server refuses it) continue in plaintext.
    case opportunistic
    /// Never start TLS.
    case off
}

/// A username and password for AUTH PLAIN / LOGIN (RFC 4954).
public struct SMTPCredentials: Sendable, Hashable {
    /// The user name.
    public var username: String
    /// The password (never logged).
    public var password: String

    /// Creates credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// How an SMTP client session behaves.
///
/// ```swift
/// var config = SMTPSessionConfiguration(heloName: "mailer.example.com")
/// config.tlsPolicy = .required
/// config.credentials = SMTPCredentials(username: "bulk", password: secret)
/// ```
public struct SMTPSessionConfiguration: Sendable, Hashable {
    /// The name sent with EHLO/HELO (this machine's fully qualified name).
    public var heloName: String
    /// STARTTLS policy; `.opportunistic` by default.
    public var tlsPolicy: SMTPTLSPolicy = .opportunistic
    /// Credentials for AUTH, if the upstream needs them.
    public var credentials: SMTPCredentials?
    /// Send credentials over a connection without TLS. Dangerous: anyone on the path reads them.
    public var insecureAllowAuthWithoutTLS = false
    /// Timeouts.
    public var timeouts = SMTPTimeouts()

    /// A configuration with the given EHLO name and defaults elsewhere.
    public init(heloName: String) {
        self.heloName = heloName
    }
}

/// Why an SMTP session could not be set up (or broke outside a message). Every message waiting on
/// such a session is deferred with this as the reason.
public enum SMTPSessionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// TCP connect failed.
    case connectFailed(String)
    /// The server refused the session at `step` (greeting, EHLO+HELO, AUTH, RSET).
    case rejected(SMTPStep, SMTPReply)
    /// TLS is required and the server does not offer STARTTLS.
    case tlsRequiredButNotOffered
    /// TLS is required and the server refused STARTTLS.
    case tlsRequiredButRefused(SMTPReply)
    /// The TLS handshake or the TLS layer failed.
    case tlsFailed(String)
    /// Credentials are configured, the connection is not encrypted and
    /// `insecureAllowAuthWithoutTLS` is off.
    case authRequiresTLS
    /// Credentials are configured but the server offers neither PLAIN nor LOGIN.
    case authMechanismNotOffered(offered: [String])
    /// No reply in time at `step`.
    case timeout(SMTPStep)
    /// The server broke the protocol (malformed reply, unexpected reply, data after STARTTLS's 220).
    case protocolViolation(String)
    /// The connection closed.
    case connectionClosed(String)
    /// The configuration cannot be used (for example an EHLO name with spaces or controls).
    case invalidConfiguration(String)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .connectFailed(let why): "could not connect: \(why)"
        case .rejected(let step, let reply): "server refused the session at \(step.rawValue): \(reply)"
        case .tlsRequiredButNotOffered: "TLS is required but the server does not offer STARTTLS"
        case .tlsRequiredButRefused(let reply): "TLS is required but the server refused STARTTLS: \(reply)"
        case .tlsFailed(let why): "TLS failed: \(why)"
        case .authRequiresTLS: "refusing to send credentials without TLS (insecureAllowAuthWithoutTLS is off)"
        case .authMechanismNotOffered(let offered):
            "the server offers no usable AUTH mechanism (offered: \(offered.isEmpty ? "none" : offered.joined(separator: " ")))"
        case .timeout(let step): "timeout waiting for the reply to \(step.rawValue)"
        case .protocolViolation(let why): "SMTP protocol violation: \(why)"
        case .connectionClosed(let why): "connection closed: \(why)"
        case .invalidConfiguration(let why): "invalid SMTP configuration: \(why)"
        }
    }
}

extension SMTPTimeouts {
    /// How long to wait for the reply to `step`.
    func waitingForReply(to step: SMTPStep) -> Duration {
        switch step {
        case .greeting: greeting
        case .ehlo, .helo, .startTLS, .auth, .rset, .quit: command
        case .mail: mail
        case .rcpt: rcpt
        case .data: dataInitiation
        case .endOfData: dataTermination
        }
    }
}
