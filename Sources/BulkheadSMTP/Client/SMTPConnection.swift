public import NIOCore
public import NIOPosix
import NIOSSL

/// One SMTP client connection: set up on `connect` (greeting, EHLO, STARTTLS, AUTH), then any
/// number of messages, one after the other (with PIPELINING, the next one's commands behind the
/// body of the one before).
///
/// ```swift
/// let connection = try await SMTPConnection.connect(to: upstream)
/// let outcome = await connection.send(envelope, messageBytes)
/// await connection.quit()
/// ```
public final class SMTPConnection: Sendable {
    private let channel: any Channel
    private let handler: NIOLoopBound<SMTPClientHandler>
    /// The server's extensions after setup.
    public let capabilities: SMTPCapabilities

    private init(channel: any Channel, handler: NIOLoopBound<SMTPClientHandler>, capabilities: SMTPCapabilities) {
        self.channel = channel
        self.handler = handler
        self.capabilities = capabilities
    }

    /// Connects and sets up the session. Throws `SMTPSessionError` when the server cannot be
    /// reached or the session cannot be set up as configured (for example TLS required and not
    /// offered).
    public static func connect(
        to upstream: SMTPUpstream,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(SMTPSessionError) -> SMTPConnection {
        let tlsContext: NIOSSLContext?
        if upstream.session.tlsPolicy == .off {
            tlsContext = nil
        } else {
            do {
                tlsContext = try upstream.tls.makeContext()
            } catch {
                throw .tlsFailed("TLS configuration: \(error)")
            }
        }
        let hostname = upstream.tls.serverHostname ?? upstream.host
        let sniName: String? = Self.isIPAddress(hostname) ? nil : hostname
        let eventLoop = group.next()
        let ready = eventLoop.makePromise(of: SMTPCapabilities.self)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(upstream.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = SMTPClientHandler(
                        configuration: upstream.session, tlsContext: tlsContext,
                        serverHostname: sniName, readyPromise: ready
                    )
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: upstream.host, port: upstream.port).get()
        } catch {
            ready.fail(SMTPSessionError.connectFailed("\(error)"))
            throw .connectFailed("\(upstream.host):\(upstream.port): \(error)")
        }
        let capabilities: SMTPCapabilities
        do {
            capabilities = try await ready.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw (error as? SMTPSessionError) ?? .connectionClosed("\(error)")
        }
        let handler: NIOLoopBound<SMTPClientHandler>
        do {
            handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPClientHandler.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            channel.close(promise: nil)
            throw .connectionClosed("\(error)")
        }
        return SMTPConnection(channel: channel, handler: handler, capabilities: capabilities)
    }

    /// Sends one message to its one recipient. Never throws: every failure is an outcome.
    ///
    /// With PIPELINING, `pipelineOpen` (if given) is called once the message's body is going out and
    /// nothing follows it yet: a message sent on this connection from then on is pipelined behind it
    /// (its commands written at once), while this one waits for the reply to its final dot. It is
    /// called at most once, on the connection's event loop, before this returns.
    ///
    /// ```swift
    /// let outcome = await connection.send(envelope, bytes, pipelineOpen: { pool.giveBack(connection) })
    /// ```
    public func send(_ envelope: Envelope, _ message: [UInt8], pipelineOpen: (@Sendable () -> Void)? = nil) async -> DeliveryOutcome {
        let promise = channel.eventLoop.makePromise(of: DeliveryOutcome.self)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.enqueue(envelope, message, promise: promise, pipelineOpen: pipelineOpen)
        }
        do {
            return try await promise.futureResult.get()
        } catch {
            return .deferred(.note("internal error: \(error)"))
        }
    }

    /// True while the connection is open.
    public var isActive: Bool { channel.isActive }

    /// Says QUIT after any queued messages and waits until the connection is closed.
    public func quit() async {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.quit() }
        try? await channel.closeFuture.get()
    }

    /// Closes the connection at once (a message in flight becomes uncertain or deferred).
    public func close() async {
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    private static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}
