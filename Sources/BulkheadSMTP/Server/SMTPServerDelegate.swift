/// Who is on the other end of a connection, as the listener saw it.
public struct SMTPServerConnectionInfo: Sendable, Hashable {
    /// The client's IP address as text (`203.0.113.7`, `2001:db8::1`), nil when unknown.
    public var remoteAddress: String?
    /// The client's port, nil when unknown.
    public var remotePort: Int?

    /// Describes a client.
    public init(remoteAddress: String?, remotePort: Int? = nil) {
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
    }

    /// True when the client is on a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.x).
    public var isLoopback: Bool {
        guard let address = remoteAddress?.lowercased() else { return false }
        return address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127.")
    }
}

/// What the session knows about its client when it asks the delegate.
public struct SMTPServerSessionInfo: Sendable, Hashable {
    /// The connection.
    public var connection: SMTPServerConnectionInfo
    /// The name the client gave with EHLO or HELO.
    public var heloName: String?
    /// True when the client said EHLO (not HELO).
    public var isESMTP: Bool
    /// True once STARTTLS completed.
    public var isTLSActive: Bool
    /// The user name the delegate returned for a successful AUTH.
    public var authenticatedUser: String?

    /// Creates session info.
    public init(
        connection: SMTPServerConnectionInfo, heloName: String? = nil, isESMTP: Bool = false, isTLSActive: Bool = false,
        authenticatedUser: String? = nil
    ) {
        self.connection = connection
        self.heloName = heloName
        self.isESMTP = isESMTP
        self.isTLSActive = isTLSActive
        self.authenticatedUser = authenticatedUser
    }
}

/// The envelope of a message being received: the reverse path, the accepted recipients and the
/// MAIL parameters.
///
/// ```swift
/// // MAIL FROM:<a@example.org> SIZE=1200 BODY=8BITMIME  then  RCPT TO:<b@example.com>
/// envelope.reversePath   // "a@example.org"
/// envelope.recipients    // ["b@example.com"]
/// ```
public struct SMTPServerEnvelope: Sendable, Hashable {
    /// The body type the client declared with `BODY=` (RFC 6152).
    public enum Body: String, Sendable, Hashable {
        case sevenBit = "7BIT"
        case eightBitMIME = "8BITMIME"
    }

    /// The reverse path without angle brackets (source route dropped); "" is the null sender.
    public var reversePath: String
    /// The recipients accepted so far, without angle brackets, in order.
    public var recipients: [String]
    /// The size declared with `SIZE=`.
    public var declaredSize: Int?
    /// The body type declared with `BODY=`.
    public var body: Body?
    /// True when the client gave `SMTPUTF8` (RFC 6531): addresses and headers may be UTF-8.
    public var smtpUTF8: Bool

    /// Creates an envelope.
    public init(reversePath: String, recipients: [String] = [], declaredSize: Int? = nil, body: Body? = nil, smtpUTF8: Bool = false) {
        self.reversePath = reversePath
        self.recipients = recipients
        self.declaredSize = declaredSize
        self.body = body
        self.smtpUTF8 = smtpUTF8
    }
}

/// A complete message handed to the delegate: its envelope and its exact octets (dot-unstuffed, every
/// line CRLF-terminated, the final `.` line not included). The server adds no `Received:` trace
/// field: the delegate prepends it (RFC 5321 §4.4) from the envelope and `SMTPServerSessionInfo`.
public struct SMTPReceivedMessage: Sendable, Hashable {
    /// The envelope.
    public var envelope: SMTPServerEnvelope
    /// The message octets.
    public var bytes: [UInt8]

    /// Creates a message.
    public init(envelope: SMTPServerEnvelope, bytes: [UInt8]) {
        self.envelope = envelope
        self.bytes = bytes
    }
}

/// What a client sent to authenticate. The password is never printed.
public struct SMTPServerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The mechanism used.
    public var mechanism: SMTPServerAuthMechanism
    /// The authorization identity (PLAIN only; "" when the client gave none).
    public var authorizationIdentity: String
    /// The user name (authentication identity).
    public var username: String
    /// The password.
    public var password: String

    /// Creates credentials.
    public init(mechanism: SMTPServerAuthMechanism, authorizationIdentity: String = "", username: String, password: String) {
        self.mechanism = mechanism
        self.authorizationIdentity = authorizationIdentity
        self.username = username
        self.password = password
    }

    /// Mechanism and user name, never the password.
    public var description: String { "\(mechanism.rawValue) user \(username)" }
}

/// The delegate's answer to a sender, a recipient or a whole message.
///
/// ```swift
/// return .refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied"]))
/// ```
public enum SMTPServerVerdict: Sendable, Hashable {
    /// Go on (`250`; for a message: it is stored durably).
    case accept
    /// Refuse with this reply; it must be a 4xx or 5xx (anything else becomes `451 4.3.0`).
    case refuse(SMTPReply)
}

/// What the SMTP server asks of the rest of the system: authentication, the sender and recipient
/// policy, and storing a message. Every call is async; the session answers nothing else meanwhile.
/// A call that throws is answered with a temporary failure (`454 4.7.0` for AUTH, `451 4.3.0`
/// otherwise), never with success.
///
/// `checkRecipient` has no default: a server without a recipient policy would be an open relay.
///
/// ```swift
/// struct Inbound: SMTPServerDelegate {
///     func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
///         recipient.hasSuffix("@example.com") ? .accept : .refuse(SMTPReply(code: 550, lines: ["5.7.1 Relaying denied"]))
///     }
///     func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
///         try await store.save(message)   // durable before the 250
///         return .accept
///     }
/// }
/// ```
public protocol SMTPServerDelegate: Sendable {
    /// Checks credentials; returns the authenticated user name, or nil to refuse (`535 5.7.8`).
    /// Default: nil (nobody can authenticate).
    func authenticate(_ credentials: SMTPServerCredentials, session: SMTPServerSessionInfo) async throws -> String?
    /// Checks the reverse path of `MAIL` (`envelope.recipients` is empty). Default: accept.
    func checkSender(_ envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict
    /// Checks one `RCPT` (the envelope holds the recipients accepted before it).
    func checkRecipient(_ recipient: String, envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws
        -> SMTPServerVerdict
    /// Takes a complete message. Return `.accept` only once it is stored durably: the client gets its
    /// `250` then, and not before.
    func accept(message: SMTPReceivedMessage, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict
}

extension SMTPServerDelegate {
    public func authenticate(_ credentials: SMTPServerCredentials, session: SMTPServerSessionInfo) async throws -> String? {
        nil
    }

    public func checkSender(_ envelope: SMTPServerEnvelope, session: SMTPServerSessionInfo) async throws -> SMTPServerVerdict {
        .accept
    }
}
