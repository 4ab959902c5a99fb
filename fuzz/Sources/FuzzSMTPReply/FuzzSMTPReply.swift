// libFuzzer target: the SMTP client's reply decoding (SMTPReplyParser, SMTPReplyScanner through
// SMTPReplyDecoder) and the client session fed with what it decodes.
// Invariants: decoding in small reads gives the same replies and the same error as decoding all at
// once (replies and whether it fails); a reply has a code in 200...599, 1...200 lines of at most 510 octets without CR or LF; the
// session gives every queued message exactly one outcome by the time the connection is closed.
import BulkheadSMTP
import NIOCore

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// All replies from `bytes`, in one buffer, and the error that stopped decoding, if any.
private func decodeWhole(_ bytes: UnsafeBufferPointer<UInt8>) -> ([SMTPReply], SMTPReplyError?) {
    var replies: [SMTPReply] = []
    var start = 0
    while start < bytes.count {
        do {
            guard let (reply, consumed) = try SMTPReplyParser.parse(bytes[start...].withoutIndexOffset) else { break }
            check(consumed > 0 && start + consumed <= bytes.count, "consumed \(consumed) at \(start) of \(bytes.count)")
            replies.append(reply)
            start += consumed
        } catch {
            return (replies, error)
        }
    }
    return (replies, nil)
}

/// All replies from `bytes` fed to one SMTPReplyDecoder in reads of 1, 2, 3... octets.
private func decodeInReads(_ bytes: UnsafeBufferPointer<UInt8>) -> ([SMTPDecodedReply], SMTPReplyError?) {
    var decoder = SMTPReplyDecoder()
    var buffer = ByteBufferAllocator().buffer(capacity: 64)
    var replies: [SMTPDecodedReply] = []
    var offset = 0
    var read = 1
    while offset < bytes.count {
        let end = min(bytes.count, offset + read)
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[offset..<end]))
        offset = end
        read = read % 7 + 1
        do {
            while let reply = try decoder.nextReply(from: &buffer) { replies.append(reply) }
        } catch {
            return (replies, error)
        }
    }
    return (replies, nil)
}

private func checkReply(_ reply: SMTPReply) {
    check((200...599).contains(reply.code), "reply code \(reply.code)")
    check(!reply.lines.isEmpty && reply.lines.count <= SMTPReplyParser.maximumLines, "\(reply.lines.count) lines")
    for line in reply.lines {
        check(line.utf8.count <= SMTPReplyParser.maximumLineLength * 3, "line of \(line.utf8.count) octets")
        check(!line.utf8.contains(0x0A) && !line.utf8.contains(0x0D), "reply line with CR or LF: \(line.debugDescription)")
    }
    _ = reply.enhancedStatus
    _ = reply.description
}

/// Feeds the replies to a client session sending two messages, as SMTPClientHandler would.
private func drive(_ replies: [SMTPDecodedReply], error: SMTPReplyError?) {
    var configuration = SMTPSessionConfiguration(heloName: "client.test")
    configuration.credentials = SMTPCredentials(username: "user", password: "secret")
    configuration.insecureAllowAuthWithoutTLS = true
    var session = SMTPClientSession(configuration: configuration)
    var outcomes: [SMTPClientSession.MessageID: Int] = [:]
    func perform(_ actions: [SMTPClientSession.Action]) {
        var followUps: [SMTPClientSession.Action] = []
        for action in actions {
            switch action {
            case .outcome(let id, _): outcomes[id, default: 0] += 1
            case .startTLS: followUps += session.tlsEstablished()
            case .writeBody: followUps += session.bodyWritten()
            default: break
            }
        }
        if !followUps.isEmpty { perform(followUps) }
    }
    guard let envelope = try? Envelope(mailFrom: "sender@client.test", recipient: "rcpt@server.test") else {
        fatalError("test envelope refused")
    }
    let message = Array("Subject: test\r\n\r\nbody\r\n".utf8)
    perform(session.connected())
    perform(session.messageQueued(id: 1, envelope: envelope, message: message))
    perform(session.messageQueued(id: 2, envelope: envelope, message: message))
    for reply in replies { perform(session.replyReceived(reply)) }
    if let error { perform(session.protocolError(error)) }
    perform(session.quitRequested())
    perform(session.connectionClosed(reason: "end of input"))
    check(session.isClosed, "session not closed after connectionClosed")
    check(outcomes[1] == 1 && outcomes[2] == 1 && outcomes.count == 2, "outcomes per message: \(outcomes)")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let (whole, wholeError) = decodeWhole(bytes)
    let (pieces, piecesError) = decodeInReads(bytes)
    check(whole == pieces.map(\.reply), "replies differ by read size: \(whole) vs \(pieces.map(\.reply))")
    // which fault is reported first may differ (a partial line's code is judged before its length)
    check(
        (wholeError == nil) == (piecesError == nil),
        "errors differ by read size: \(String(describing: wholeError)) vs \(String(describing: piecesError))")
    for reply in whole { checkReply(reply) }
    drive(pieces, error: piecesError)
    return 0
}

extension Slice where Base == UnsafeBufferPointer<UInt8> {
    /// The slice as a buffer whose indices start at 0.
    fileprivate var withoutIndexOffset: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: self) }
}
