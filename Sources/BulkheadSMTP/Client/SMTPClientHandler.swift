import NIOCore
import NIOSSL
import NIOTLS

#if canImport(Glibc)
import Glibc
#endif

/// The thin NIO side of `SMTPClientSession`: feeds it channel events and performs its actions.
/// Every method runs on the channel's event loop.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPDecodedReply
    typealias OutboundOut = ByteBuffer

    private var session: SMTPClientSession
    private let tlsContext: NIOSSLContext?
    private let serverHostname: String?
    private var readyPromise: EventLoopPromise<SMTPCapabilities>?
    /// A queued message's caller: the promise of its outcome, and what to call (once) when its body is
    /// going out and a next message would be pipelined behind it.
    private struct Caller {
        var outcome: EventLoopPromise<DeliveryOutcome>
        var pipelineOpen: (@Sendable () -> Void)?
    }

    private var callers: [SMTPClientSession.MessageID: Caller] = [:]
    private var nextID: SMTPClientSession.MessageID = 0
    /// The one NIO timer of the connection and the instant it fires.
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?
    /// The session's current timeout: which timer id and when, or nil when none is armed.
    private var timeout: (id: Int, deadline: NIODeadline)?
    private var context: ChannelHandlerContext?
    private var closeReason: String?

    init(
        configuration: SMTPSessionConfiguration,
        tlsContext: NIOSSLContext?,
        serverHostname: String?,
        readyPromise: EventLoopPromise<SMTPCapabilities>
    ) {
        self.session = SMTPClientSession(configuration: configuration)
        self.tlsContext = tlsContext
        self.serverHostname = serverHostname
        self.readyPromise = readyPromise
    }

    /// Queues a message; `promise` receives its outcome. `pipelineOpen`, if given, is called (on the
    /// event loop, at most once, before the outcome) when the message's body is going out and a
    /// message queued next would be pipelined behind it.
    func enqueue(
        _ envelope: Envelope, _ message: [UInt8], promise: EventLoopPromise<DeliveryOutcome>,
        pipelineOpen: (@Sendable () -> Void)? = nil
    ) {
        nextID += 1
        callers[nextID] = Caller(outcome: promise, pipelineOpen: pipelineOpen)
        run(session.messageQueued(id: nextID, envelope: envelope, message: message))
    }

    /// QUIT once idle.
    func quit() {
        run(session.quitRequested())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { run(session.connected()) }
    }

    func channelActive(context: ChannelHandlerContext) {
        run(session.connected())
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        run(session.replyReceived(unwrapInboundIn(data)))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            run(session.tlsEstablished())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? SMTPReplyError {
            run(session.protocolError(error))
        } else {
            if closeReason == nil { closeReason = "\(error)" }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run(session.connectionClosed(reason: closeReason ?? "closed by the server"))
        timer?.task.cancel()
        timer = nil
        timeout = nil
        // the session reports every message; this only guards against a promise left behind
        readyPromise?.fail(SMTPSessionError.connectionClosed(closeReason ?? "closed by the server"))
        readyPromise = nil
        for (_, caller) in callers {
            caller.outcome.succeed(.deferred(.note("connection closed; nothing was sent")))
        }
        callers = [:]
        context.fireChannelInactive()
    }

    /// Performs the session's actions. Writes are flushed together at the end (a body and the next
    /// message's commands behind it go out in one system call), and before a TLS start or a close.
    private func run(_ actions: [SMTPClientSession.Action]) {
        guard let context else { return }
        var unflushed = false
        defer { if unflushed { context.flush() } }
        for action in actions {
            switch action {
            case .write(let bytes):
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
                unflushed = true
            case .writeBody(let bytes):
                let written = context.eventLoop.makePromise(of: Void.self)
                context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: written)
                unflushed = true
                written.futureResult.assumeIsolated().whenSuccess { [self] _ in
                    run(session.bodyWritten())
                }
            case .startTLS:
                if unflushed { context.flush() }
                unflushed = false
                startTLS(context: context)
            case .setTimer(let id, let duration):
                // Every step of every message re-arms the timeout: keep one NIO timer and move only the
                // deadline, rescheduling just when the new deadline comes before the pending timer.
                let deadline = NIODeadline.now() + TimeAmount(duration)
                timeout = (id, deadline)
                if let pending = timer, pending.firesAt <= deadline { break }
                schedule(at: deadline, context: context)
            case .cancelTimer:
                timeout = nil
            case .sessionReady(let capabilities):
                readyPromise?.succeed(capabilities)
                readyPromise = nil
            case .sessionFailed(let error):
                readyPromise?.fail(error)
                readyPromise = nil
            case .outcome(let id, let outcome):
                callers.removeValue(forKey: id)?.outcome.succeed(outcome)
            case .pipelineOpen(let id):
                let open = callers[id]?.pipelineOpen
                callers[id]?.pipelineOpen = nil
                open?()
            case .acknowledgeNow:
                Self.acknowledgeNow(context.channel)
            case .close:
                if unflushed { context.flush() }
                unflushed = false
                context.close(promise: nil)
            }
        }
    }

    /// Sends the pending ACK at once: on Linux (Glibc), setting TCP_QUICKACK flushes a delayed ACK (and
    /// leaves delayed-ACK mode for a while). Elsewhere nothing (the stall is then the server's
    /// Nagle wait, as before this option). A failure changes nothing but the timing.
    private static func acknowledgeNow(_ channel: any Channel) {
        #if canImport(Glibc)
        let quickAck = ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: CInt(TCP_QUICKACK)))
        try? channel.syncOptions?.setOption(quickAck, value: 1)
        #endif
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            guard let timeout else { return }
            if NIODeadline.now() < timeout.deadline {
                schedule(at: timeout.deadline, context: context)
            } else {
                self.timeout = nil
                run(session.timerFired(timeout.id))
            }
        }
        timer = (task, deadline)
    }

    private func startTLS(context: ChannelHandlerContext) {
        guard let tlsContext else {
            closeReason = "STARTTLS accepted but no TLS context is configured"
            context.close(promise: nil)
            return
        }
        do {
            let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
            try context.pipeline.syncOperations.addHandler(handler, position: .first)
        } catch {
            closeReason = "TLS setup failed: \(error)"
            context.close(promise: nil)
        }
    }
}
