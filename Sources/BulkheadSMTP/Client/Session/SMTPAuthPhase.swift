import BulkheadMail

/// AUTH (RFC 4954) with the configured credentials: PLAIN when offered, else LOGIN (username and
/// password each after a 334), done on 235. Credentials go only over TLS unless
/// `insecureAllowAuthWithoutTLS` is set.
///
/// ```swift
/// guard case .start(var phase, let command) = SMTPAuthPhase.begin(configuration: config, capabilities: caps, isTLSActive: true) else { … }
/// // write command ("AUTH PLAIN AHVzZXIAcGFzcw==\r\n"); on the reply:
/// phase.replyReceived(SMTPReply(code: 235, lines: ["2.7.0 ok"]))   // .authenticated
/// ```
struct SMTPAuthPhase: Sendable, Hashable {
    /// Which reply the phase waits for.
    enum Stage: Sendable, Hashable {
        /// 235 to AUTH PLAIN with the token.
        case plain
        /// 334 to AUTH LOGIN (the username prompt).
        case loginUsername
        /// 334 to the username (the password prompt).
        case loginPassword
        /// 235 to the password.
        case loginDone
    }

    /// Whether the session authenticates after EHLO (and STARTTLS).
    enum Begin: Sendable, Hashable {
        /// No credentials configured.
        case notNeeded
        /// Write `command` and run the phase.
        case start(SMTPAuthPhase, command: [UInt8])
        /// Credentials cannot be sent (no TLS, or no mechanism in common).
        case failed(SMTPSessionError)
    }

    /// What the session does after a reply.
    enum Next: Sendable, Hashable {
        /// Write this line and wait for its reply.
        case send([UInt8])
        /// Authenticated.
        case authenticated
        /// The server refused.
        case failed(SMTPSessionError)
    }

    private let credentials: SMTPCredentials
    /// Which reply the phase waits for.
    private(set) var stage: Stage

    /// Decides whether and how to authenticate.
    static func begin(configuration: SMTPSessionConfiguration, capabilities: SMTPCapabilities, isTLSActive: Bool) -> Begin {
        guard let credentials = configuration.credentials else { return .notNeeded }
        if !isTLSActive && !configuration.insecureAllowAuthWithoutTLS { return .failed(.authRequiresTLS) }
        if capabilities.authMechanisms.contains("PLAIN") {
            let token = Base64Encoder.line([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
            return .start(SMTPAuthPhase(credentials: credentials, stage: .plain), command: SMTPClientSession.line("AUTH PLAIN \(token)"))
        }
        if capabilities.authMechanisms.contains("LOGIN") {
            return .start(SMTPAuthPhase(credentials: credentials, stage: .loginUsername), command: SMTPClientSession.line("AUTH LOGIN"))
        }
        return .failed(.authMechanismNotOffered(offered: capabilities.authMechanisms.sorted()))
    }

    /// A reply arrived.
    mutating func replyReceived(_ reply: SMTPReply) -> Next {
        switch stage {
        case .plain, .loginDone:
            return reply.code == 235 ? .authenticated : .failed(.rejected(.auth, reply))
        case .loginUsername:
            guard reply.code == 334 else { return .failed(.rejected(.auth, reply)) }
            stage = .loginPassword
            return .send(SMTPClientSession.line(Base64Encoder.line(Array(credentials.username.utf8))))
        case .loginPassword:
            guard reply.code == 334 else { return .failed(.rejected(.auth, reply)) }
            stage = .loginDone
            return .send(SMTPClientSession.line(Base64Encoder.line(Array(credentials.password.utf8))))
        }
    }
}
