/// STARTTLS (RFC 3207): asked for when the TLS policy wants TLS and the server offers it; after the
/// server's 220 the TLS handshake runs, then the session says EHLO again. A byte after that 220 in
/// the same read is plaintext injection (CVE-2011-0411 style) and ends the session. When the server
/// refuses, `.opportunistic` goes on in plaintext; `.required` (or a 421) ends the session.
///
/// ```swift
/// guard case .start(var phase, let command) = SMTPStartTLSPhase.begin(policy: .required, capabilities: caps, isTLSActive: false) else { … }
/// // write command ("STARTTLS\r\n"); on the reply:
/// phase.replyReceived(SMTPDecodedReply(reply: SMTPReply(code: 220, lines: ["go ahead"]), hasBufferedBytesAfter: false))   // .startHandshake
/// ```
struct SMTPStartTLSPhase: Sendable, Hashable {
    /// Where STARTTLS stands.
    enum Stage: Sendable, Hashable {
        /// STARTTLS written; its reply is awaited.
        case awaitingReply
        /// The server said 220; the TLS handshake runs.
        case handshaking
    }

    /// Whether the session asks for STARTTLS after EHLO.
    enum Begin: Sendable, Hashable {
        /// Write `command` and run the phase.
        case start(SMTPStartTLSPhase, command: [UInt8])
        /// No STARTTLS (policy off, TLS already on, or not offered and not required).
        case skip
        /// TLS is required and the server does not offer it.
        case failed(SMTPSessionError)
    }

    /// What the session does after a reply.
    enum Next: Sendable, Hashable {
        /// Insert the TLS handler now (nothing else is buffered).
        case startHandshake
        /// The server refused and the policy allows plaintext.
        case continueInPlaintext
        /// The session cannot go on.
        case failed(SMTPSessionError)
    }

    /// The policy the phase runs under (`.required` or `.opportunistic`).
    let policy: SMTPTLSPolicy
    /// Where STARTTLS stands.
    private(set) var stage: Stage = .awaitingReply

    private init(policy: SMTPTLSPolicy) {
        self.policy = policy
    }

    /// Decides after EHLO whether to ask for STARTTLS.
    static func begin(policy: SMTPTLSPolicy, capabilities: SMTPCapabilities, isTLSActive: Bool) -> Begin {
        switch policy {
        case .off:
            return .skip
        case .required, .opportunistic:
            if isTLSActive { return .skip }
            if capabilities.startTLS { return .start(SMTPStartTLSPhase(policy: policy), command: SMTPClientSession.line("STARTTLS")) }
            return policy == .required ? .failed(.tlsRequiredButNotOffered) : .skip
        }
    }

    /// A reply arrived; `decoded.hasBufferedBytesAfter` tells whether more bytes followed it.
    mutating func replyReceived(_ decoded: SMTPDecodedReply) -> Next {
        let reply = decoded.reply
        switch stage {
        case .handshaking:
            return .failed(.protocolViolation("reply received during the TLS handshake"))
        case .awaitingReply:
            if reply.code == 220 {
                if decoded.hasBufferedBytesAfter {
                    return .failed(.protocolViolation("the server sent more data after its 220 reply to STARTTLS (possible injection)"))
                }
                stage = .handshaking
                return .startHandshake
            }
            if reply.code == 421 { return .failed(.rejected(.startTLS, reply)) }
            switch policy {
            case .required: return .failed(.tlsRequiredButRefused(reply))
            case .opportunistic, .off: return .continueInPlaintext
            }
        }
    }

    /// Why the session ends when the connection closes during this phase: during the handshake it is
    /// the TLS layer that failed.
    func closed(reason: String) -> SMTPSessionError {
        switch stage {
        case .awaitingReply: .connectionClosed(reason)
        case .handshaking: .tlsFailed(reason)
        }
    }
}
