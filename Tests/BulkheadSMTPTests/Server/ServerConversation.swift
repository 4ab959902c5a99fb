import NIOCore

@testable import BulkheadSMTP

/// The pure server core end to end, without a socket: raw client bytes are framed by
/// `SMTPServerLineDecoder` exactly as on a connection, fed to `SMTPServerSession` one line at a
/// time, and the delegate's questions are answered at once by `answer` (accept by default). What the
/// server wrote is kept as text, what it was asked to store as messages.
struct ServerConversation {
    var session: SMTPServerSession
    var decoder = SMTPServerLineDecoder()
    var buffer = ByteBufferAllocator().buffer(capacity: 0)
    /// Every action in order (timers included).
    var actions: [SMTPServerSession.Action] = []
    /// The messages handed over with `deliverMessage`.
    var delivered: [SMTPReceivedMessage] = []
    var answer: (SMTPServerSession.Action) -> SMTPServerVerdict = { _ in .accept }
    var authenticatedUser: String? = "ada"

    init(
        configuration: SMTPServerConfiguration = SMTPServerSessionTests.config(),
        connection: SMTPServerConnectionInfo = .init(remoteAddress: "192.0.2.7")
    ) {
        session = SMTPServerSession(configuration: configuration, connection: connection)
        actions += session.connected()
    }

    /// Sends raw bytes; returns what the server wrote in answer to them.
    @discardableResult
    mutating func send(_ text: String) -> String {
        send(bytes: Array(text.utf8))
    }

    @discardableResult
    mutating func send(bytes: [UInt8]) -> String {
        buffer.writeBytes(bytes)
        var written = ""
        var pending: [SMTPServerLine] = []
        while let line = decoder.nextLine(from: &buffer) { pending.append(line) }
        for (index, var line) in pending.enumerated() {
            if index < pending.count - 1 { line.hasBufferedBytesAfter = true }
            guard session.isAcceptingLines else { break }
            written += run(session.lineReceived(line))
        }
        return written
    }

    /// Performs the actions the way the handler does, answering the delegate at once.
    mutating func run(_ new: [SMTPServerSession.Action]) -> String {
        var written = ""
        var queue = new
        while !queue.isEmpty {
            let action = queue.removeFirst()
            actions.append(action)
            switch action {
            case .write(let bytes):
                written += String(decoding: bytes, as: UTF8.self)
            case .checkSender:
                queue += session.senderChecked(answer(action))
            case .checkRecipient:
                queue += session.recipientChecked(answer(action))
            case .authenticate:
                queue += session.authenticated(authenticatedUser)
            case .deliverMessage(let envelope, let bytes):
                delivered.append(SMTPReceivedMessage(envelope: envelope, bytes: bytes))
                queue += session.messageStored(answer(action))
            case .startTLS:
                queue += session.tlsEstablished()
            case .setTimer, .cancelTimer, .close:
                break
            }
        }
        return written
    }

    /// True once the session asked to close.
    var closed: Bool { actions.contains(.close) }
}
