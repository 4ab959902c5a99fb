// libFuzzer target: the SMTP server's framing and state machine: the input is what a client sends,
// framed by SMTPServerLineDecoder (in reads of 1...13 octets) and fed to SMTPServerSession, whose
// delegate questions are answered at once (accept, except a recipient or credentials containing
// "refuse"), STARTTLS handshakes succeed, timers never fire.
// Invariants: the framing never yields a line holding a LF, CR or NUL without the matching fault,
// nor more than the line limit; reads of any size frame the same lines; every reply written is one
// valid SMTP reply; a delivered message has only CRLF line ends, no NUL, and fits the size limit;
// no transaction goes over the recipient limit.
import BulkheadSMTP
import NIOCore
import NIOSSL

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private let maximumLineLength = 1000

private func checkLine(_ line: SMTPServerLine) {
    let bytes = line.bytes
    check(!bytes.contains(0x0A) || line.faults.contains(.bareLF), "a line holds a LF without the fault: \(bytes)")
    check(!bytes.contains(0x0D) || line.faults.contains(.bareCR), "a line holds a CR without the fault: \(bytes)")
    check(!bytes.contains(0) || line.faults.contains(.nul), "a line holds a NUL without the fault")
    check(bytes.count <= maximumLineLength - 2, "a line of \(bytes.count) octets")
    check(!line.faults.contains(.tooLong) || bytes.isEmpty, "a too-long line kept its octets")
    check(line.length >= bytes.count, "length \(line.length) below \(bytes.count) octets")
    check(!line.faults.contains(.tooLong) || line.length > maximumLineLength - 2, "tooLong on a line of \(line.length)")
}

/// The lines framed from `bytes` in reads whose sizes cycle through `1...period`.
private func frame(_ bytes: UnsafeRawBufferPointer, period: Int) -> [SMTPServerLine] {
    var decoder = SMTPServerLineDecoder(maximumLineLength: maximumLineLength)
    var buffer = ByteBufferAllocator().buffer(capacity: 256)
    var lines: [SMTPServerLine] = []
    var offset = 0
    var read = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + read)
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
        offset = end
        read = read % period + 1
        while let line = decoder.nextLine(from: &buffer) { lines.append(line) }
        // memory stays bounded by the line limit, whatever the input
        check(period > 100 || buffer.readableBytes <= maximumLineLength + period, "decoder holds \(buffer.readableBytes) octets")
    }
    return lines
}

private func checkMessage(_ message: [UInt8], limit: Int) {
    check(message.count <= limit, "message of \(message.count) octets over \(limit)")
    var index = 0
    while index < message.count {
        let byte = message[index]
        check(byte != 0, "NUL in a delivered message")
        if byte == 0x0D {
            check(index + 1 < message.count && message[index + 1] == 0x0A, "bare CR in a delivered message")
            index += 2
            continue
        }
        check(byte != 0x0A, "bare LF in a delivered message")
        index += 1
    }
    check(message.isEmpty || message.suffix(2) == [0x0D, 0x0A], "delivered message does not end with CRLF")
}

private func checkWrite(_ bytes: [UInt8]) {
    do {
        guard let (_, consumed) = try SMTPReplyParser.parse(bytes) else { fatalError("incomplete reply written: \(bytes)") }
        check(consumed == bytes.count, "more than one reply in one write")
    } catch {
        fatalError("invalid reply written: \(error) \(String(decoding: bytes, as: UTF8.self).debugDescription)")
    }
}

private let configuration: SMTPServerConfiguration = {
    var configuration = SMTPServerConfiguration(hostname: "mx.test")
    configuration.limits.maximumMessageSize = 4096
    configuration.limits.maximumRecipients = 5
    configuration.limits.maximumCommands = 200
    // the session only asks whether TLS is configured; the handshake is simulated below
    configuration.tls = SMTPServerTLS(configuration: .makeClientConfiguration())
    configuration.insecureAllowsAuthWithoutTLSOnLoopback = true
    return configuration
}()

private func contains(_ text: String, _ word: String) -> Bool { text.contains(word) }

private func run(_ lines: [SMTPServerLine]) {
    var session = SMTPServerSession(configuration: configuration, connection: SMTPServerConnectionInfo(remoteAddress: "127.0.0.1"))
    var queue = lines[...]
    func perform(_ actions: [SMTPServerSession.Action]) {
        var followUps: [SMTPServerSession.Action] = []
        for action in actions {
            switch action {
            case .write(let bytes): checkWrite(bytes)
            case .startTLS: followUps += session.tlsEstablished()
            case .authenticate(let credentials):
                followUps += session.authenticated(contains(credentials.password, "refuse") ? nil : credentials.username)
            case .checkSender(let envelope):
                check(envelope.recipients.isEmpty, "a new transaction with recipients")
                followUps += session.senderChecked(.accept)
            case .checkRecipient(let recipient, let envelope):
                check(envelope.recipients.count < configuration.limits.maximumRecipients, "recipient over the limit asked")
                let verdict: SMTPServerVerdict =
                    contains(recipient, "refuse") ? .refuse(SMTPReply(code: 550, lines: ["5.1.1 no such user"])) : .accept
                followUps += session.recipientChecked(verdict)
            case .deliverMessage(let envelope, let message):
                check(!envelope.recipients.isEmpty, "a message delivered without recipients")
                checkMessage(message, limit: configuration.limits.maximumMessageSize)
                followUps += session.messageStored(.accept)
            case .setTimer, .cancelTimer, .close: break
            }
        }
        if !followUps.isEmpty { perform(followUps) }
    }
    perform(session.connected())
    while let line = queue.popFirst(), !session.isClosed {
        check(session.isAcceptingLines, "session not accepting lines while idle")
        perform(session.lineReceived(line))
    }
    perform(session.shutdownRequested())
    perform(session.connectionClosed())
    check(session.isClosed, "session not closed after connectionClosed")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let lines = frame(bytes, period: 13)
    for line in lines { checkLine(line) }
    let whole = frame(bytes, period: Int.max - 1)
    let oneByOne = frame(bytes, period: 1)
    let strip = { (lines: [SMTPServerLine]) in lines.map { SMTPServerLine(bytes: $0.bytes, faults: $0.faults, length: $0.length) } }
    check(strip(whole) == strip(lines) && strip(oneByOne) == strip(lines), "lines differ by read size")
    run(lines)
    return 0
}
