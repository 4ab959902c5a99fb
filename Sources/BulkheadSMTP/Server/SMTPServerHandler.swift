import DequeModule
import NIOCore
import NIOSSL
import NIOTLS

/// What the listener tells every open connection when it stops.
enum SMTPServerShutdownEvent: Sendable {
    /// Finish the mail transaction in progress, then say 421 and close (now, when there is none).
    case graceful
    /// Say 421 and close now.
    case now
}

/// The thin NIO side of `SMTPServerSession`: feeds it the lines from `SMTPServerLineDecoder`, one at
/// a time, and performs its actions. While the session waits for the delegate, further lines wait in
/// a queue (and the socket is not read) and are fed in order afterwards; replies are flushed once
/// the lines at hand are answered, so pipelined commands get their replies in order and in one write.
/// Every method runs on the channel's event loop.
final class SMTPServerHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPServerLine
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: SMTPServerSession
    private let delegate: any SMTPServerDelegate
    private let tlsContext: NIOSSLContext?
    private var context: ChannelHandlerContext?
    /// Lines received while the session could not take them.
    private var queue: Deque<SMTPServerLine> = []
    /// A read was asked for while lines wait: it is issued once they are fed.
    private var readHeld = false
    private var needsFlush = false
    /// The future of the latest write: a close waits for it.
    private var lastWrite: EventLoopFuture<Void>?
    /// The session's idle timeout (which timer id, how long) and when the last line arrived.
    private var idle: (id: Int, duration: TimeAmount)?
    private var lastInput = NIODeadline.now()
    /// The one NIO timer of the connection and the instant it fires.
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?

    init(
        configuration: SMTPServerConfiguration, connection: SMTPServerConnectionInfo, delegate: any SMTPServerDelegate,
        tlsContext: NIOSSLContext?
    ) {
        self.session = SMTPServerSession(configuration: configuration, connection: connection)
        self.delegate = delegate
        self.tlsContext = tlsContext
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    private func start() {
        run(session.connected())
        flushIfNeeded()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastInput = .now()
        queue.append(unwrapInboundIn(data))
        feed()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        // The TLS handshake must read; waiting for the delegate, the socket is left unread.
        if queue.isEmpty && !session.isAwaitingDelegate {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            run(session.tlsEstablished())
            feed()
            flushIfNeeded()
        } else if let event = event as? SMTPServerShutdownEvent {
            switch event {
            case .graceful: run(session.shutdownRequested())
            case .now: run(session.shutdownNow())
            }
            flushIfNeeded()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // I/O and TLS errors end the connection; the session hears of it in channelInactive
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(session.connectionClosed())
        queue.removeAll()
        stopTimer()
        context.fireChannelInactive()
    }

    /// Feeds queued lines while the session takes them, then lets reading go on.
    private func feed() {
        while session.isAcceptingLines, var line = queue.popFirst() {
            if !queue.isEmpty { line.hasBufferedBytesAfter = true }
            run(session.lineReceived(line))
        }
        if session.isClosed { queue.removeAll() }
        if readHeld && queue.isEmpty && !session.isAwaitingDelegate && !session.isClosed, let context {
            readHeld = false
            context.read()
        }
    }

    private func flushIfNeeded() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    private func run(_ actions: [SMTPServerSession.Action]) {
        guard let context else { return }
        for action in actions {
            switch action {
            case .write(let bytes):
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: promise)
                lastWrite = promise.futureResult
                needsFlush = true
            case .startTLS:
                flushIfNeeded()
                startTLS(context: context)
            case .setTimer(let id, let duration):
                let amount = TimeAmount(duration)
                idle = (id, amount)
                lastInput = .now()
                let deadline = lastInput + amount
                if let pending = timer, pending.firesAt <= deadline { break }
                schedule(at: deadline, context: context)
            case .cancelTimer:
                idle = nil
            case .authenticate(let credentials):
                let (delegate, info) = (delegate, session.info)
                ask {
                    try await delegate.authenticate(credentials, session: info)
                } then: { session, result in
                    switch result {
                    case .success(let user): session.authenticated(user)
                    case .failure: session.authenticationUnavailable()
                    }
                }
            case .checkSender(let envelope):
                let (delegate, info) = (delegate, session.info)
                ask {
                    try await delegate.checkSender(envelope, session: info)
                } then: { session, result in
                    session.senderChecked(Self.verdict(result))
                }
            case .checkRecipient(let recipient, let envelope):
                let (delegate, info) = (delegate, session.info)
                ask {
                    try await delegate.checkRecipient(recipient, envelope: envelope, session: info)
                } then: { session, result in
                    session.recipientChecked(Self.verdict(result))
                }
            case .deliverMessage(let envelope, let bytes):
                let (delegate, info) = (delegate, session.info)
                let message = SMTPReceivedMessage(envelope: envelope, bytes: bytes)
                ask {
                    try await delegate.accept(message: message, session: info)
                } then: { session, result in
                    session.messageStored(Self.verdict(result))
                }
            case .close:
                close(context: context)
            }
        }
    }

    /// A delegate that threw gets a temporary failure, never a success.
    private static func verdict(_ result: Result<SMTPServerVerdict, any Error>) -> SMTPServerVerdict {
        switch result {
        case .success(let verdict): verdict
        case .failure: .refuse(SMTPServerReplies.localError)
        }
    }

    /// Runs a delegate call off the event loop and feeds its answer to the session back on it.
    // UNFINISHED: no deadline on a delegate call; one that never returns holds its session until the
    // connection closes or `SMTPServer.stop` reaches its grace period.
    private func ask<Answer: Sendable>(
        _ call: @escaping @Sendable () async throws -> Answer,
        then: @escaping (inout SMTPServerSession, Result<Answer, any Error>) -> [SMTPServerSession.Action]
    ) {
        guard let context else { return }
        context.eventLoop.makeFutureWithTask(call).assumeIsolated().whenComplete { [self] result in
            guard self.context != nil else { return }
            run(then(&session, result))
            feed()
            flushIfNeeded()
        }
    }

    private func close(context: ChannelHandlerContext) {
        queue.removeAll()
        stopTimer()
        let written = lastWrite ?? context.eventLoop.makeSucceededVoidFuture()
        flushIfNeeded()
        written.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func startTLS(context: ChannelHandlerContext) {
        guard let tlsContext else {
            context.close(promise: nil)
            return
        }
        do {
            try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
        } catch {
            context.close(promise: nil)
        }
    }

    // MARK: the idle timer

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let idle else { return }
            let due = lastInput + idle.duration
            if NIODeadline.now() < due {
                schedule(at: due, context: context)
            } else {
                self.idle = nil
                run(session.timerFired(idle.id))
                flushIfNeeded()
            }
        }
        timer = (task, deadline)
    }

    private func stopTimer() {
        timer?.task.cancel()
        timer = nil
        idle = nil
    }
}
