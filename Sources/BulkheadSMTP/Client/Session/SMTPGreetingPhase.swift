/// The opening exchange of a client session: wait for the server's 220 greeting, say EHLO, and fall
/// back to HELO when EHLO is refused permanently (an old server: no extensions). After STARTTLS the
/// phase runs again from EHLO, as RFC 3207 requires (the extensions may differ under TLS).
///
/// ```swift
/// var phase = SMTPGreetingPhase(heloName: "mailer.example.com")
/// phase.replyReceived(SMTPReply(code: 220, lines: ["mx.example ESMTP"]))   // .send("EHLO mailer.example.com\r\n")
/// phase.replyReceived(SMTPReply(code: 250, lines: ["mx.example", "PIPELINING"]))   // .done(capabilities)
/// ```
struct SMTPGreetingPhase: Sendable, Hashable {
    /// Which reply the phase waits for.
    enum Stage: Sendable, Hashable {
        case greeting, ehlo, helo
    }

    /// What the session does next.
    enum Next: Sendable, Hashable {
        /// Write this command and wait for its reply.
        case send([UInt8])
        /// The server accepted EHLO (with these extensions) or HELO (none).
        case done(SMTPCapabilities)
        /// The session cannot go on.
        case failed(SMTPSessionError)
    }

    /// The name sent with EHLO and HELO.
    let heloName: String
    /// Which reply the phase waits for.
    private(set) var stage: Stage

    /// The phase at the start of a session: waiting for the greeting.
    init(heloName: String) {
        self.heloName = heloName
        self.stage = .greeting
    }

    /// The phase after the TLS handshake: EHLO again. Returns the phase and the command to write.
    static func afterTLS(heloName: String) -> (phase: SMTPGreetingPhase, command: [UInt8]) {
        var phase = SMTPGreetingPhase(heloName: heloName)
        phase.stage = .ehlo
        return (phase, SMTPClientSession.line("EHLO \(heloName)"))
    }

    /// The step whose reply is awaited (for timeouts and errors).
    var step: SMTPStep {
        switch stage {
        case .greeting: .greeting
        case .ehlo: .ehlo
        case .helo: .helo
        }
    }

    /// A reply arrived.
    mutating func replyReceived(_ reply: SMTPReply) -> Next {
        switch stage {
        case .greeting:
            guard reply.code == 220 else { return .failed(.rejected(.greeting, reply)) }
            let name = heloName.utf8
            guard !name.isEmpty, name.count <= 255, name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failed(.invalidConfiguration("EHLO name must be 1-255 printable ASCII characters without spaces"))
            }
            stage = .ehlo
            return .send(SMTPClientSession.line("EHLO \(heloName)"))
        case .ehlo:
            if reply.code == 250 { return .done(SMTPCapabilities(ehloReply: reply)) }
            guard reply.isPermanentFailure, reply.code != 421 else { return .failed(.rejected(.ehlo, reply)) }
            stage = .helo
            return .send(SMTPClientSession.line("HELO \(heloName)"))
        case .helo:
            guard reply.code == 250 else { return .failed(.rejected(.helo, reply)) }
            return .done(SMTPCapabilities())
        }
    }
}
