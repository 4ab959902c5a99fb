import NIOCore
import NIOSSL
import NIOTLS

/// The thin NIO side of `SMTPClientSession`: feeds it channel events and performs its actions.
/// Every method runs on the channel's event loop.
final class SMTPClientHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPDecodedReply
    typealias OutboundOut = ByteBuffer

    private var session: SMTPClientSession
    private let tlsContext: NIOSSLContext?
    private let serverHostname: String?
    private var readyPromise: EventLoopPromise<SMTPCapabilities>?
    private var outcomePromises: [SMTPClientSession.MessageID: EventLoopPromise<DeliveryOutcome>] = [:]
    private var nextID: SMTPClientSession.MessageID = 0
    private var timer: Scheduled<Void>?
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

    /// Queues a message; `promise` receives its outcome.
    func enqueue(_ envelope: Envelope, _ message: [UInt8], promise: EventLoopPromise<DeliveryOutcome>) {
        nextID += 1
        outcomePromises[nextID] = promise
        run(session.messageQueued(id: nextID, envelope: envelope, message: message))
    }

    /// QUIT once idle.
    func quit() {
        run(session.quitRequested())
    }

    var isIdle: Bool { session.isIdle }

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
        timer?.cancel()
        timer = nil
        // the session reports every message; this only guards against a promise left behind
        readyPromise?.fail(SMTPSessionError.connectionClosed(closeReason ?? "closed by the server"))
        readyPromise = nil
        for (_, promise) in outcomePromises {
            promise.succeed(.deferred(.note("connection closed; nothing was sent")))
        }
        outcomePromises = [:]
        context.fireChannelInactive()
    }

    private func run(_ actions: [SMTPClientSession.Action]) {
        guard let context else { return }
        for action in actions {
            switch action {
            case let .write(bytes):
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            case let .writeBody(bytes):
                let written = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: written)
                written.futureResult.assumeIsolated().whenSuccess { [self] _ in
                    run(session.bodyWritten())
                }
            case .startTLS:
                startTLS(context: context)
            case let .setTimer(id, duration):
                timer?.cancel()
                timer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(duration)) { [self] in
                    run(session.timerFired(id))
                }
            case .cancelTimer:
                timer?.cancel()
                timer = nil
            case let .sessionReady(capabilities):
                readyPromise?.succeed(capabilities)
                readyPromise = nil
            case let .sessionFailed(error):
                readyPromise?.fail(error)
                readyPromise = nil
            case let .outcome(id, outcome):
                outcomePromises.removeValue(forKey: id)?.succeed(outcome)
            case .close:
                context.close(promise: nil)
            }
        }
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
