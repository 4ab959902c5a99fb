public import NIOCore
public import NIOPosix
public import NIOSSL

/// TLS settings for STARTTLS.
///
/// ```swift
/// var tls = SMTPTLSSettings()
/// tls.trustRoots = .file("/etc/bulkhead/relay-ca.pem")
/// ```
public struct SMTPTLSSettings: Sendable {
    /// Which certificate authorities are trusted; the system's by default.
    public var trustRoots: NIOSSLTrustRoots = .default
    /// The name checked against the server's certificate (and sent as SNI); the upstream's host
    /// when nil. IP addresses are never sent as SNI.
    public var serverHostname: String?
    /// Accept any certificate. Only for tests against a throwaway server: it makes TLS worthless
    /// against an attacker on the path.
    public var insecureSkipCertificateVerification = false

    /// The system trust roots, full verification.
    public init() {}

    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = trustRoots
        if insecureSkipCertificateVerification { configuration.certificateVerification = .none }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// One upstream SMTP server and how to talk to it.
///
/// ```swift
/// var relay = SMTPUpstream(host: "smtp.provider.example", port: 587, session: .init(heloName: "mailer.example.com"))
/// relay.session.tlsPolicy = .required
/// relay.maxConnections = 8
/// relay.rateLimits = [RateLimit(count: 50, per: .seconds(1)), RateLimit(count: 100_000, per: .seconds(3600))]
/// ```
public struct SMTPUpstream: Sendable {
    /// Host name or IP address.
    public var host: String
    /// TCP port (25, or 587 for submission).
    public var port: Int
    /// Session behaviour: EHLO name, TLS policy, credentials, timeouts.
    public var session: SMTPSessionConfiguration
    /// TLS trust settings.
    public var tls = SMTPTLSSettings()
    /// TCP connect timeout.
    public var connectTimeout: Duration = .seconds(30)
    /// Most connections open at once to this upstream.
    public var maxConnections = 4
    /// Messages sent on one connection before it is closed and a fresh one opened.
    public var maxMessagesPerConnection = 100
    /// Sending limits, all enforced together (a sliding window each).
    public var rateLimits: [RateLimit] = []
    /// When the upstream counts as down (connection failures in a row) and for how long.
    public var breaker = CircuitBreakerPolicy()

    /// An upstream with defaults for everything else.
    public init(host: String, port: Int, session: SMTPSessionConfiguration) {
        self.host = host
        self.port = port
        self.session = session
    }
}

/// One SMTP client connection: set up on `connect` (greeting, EHLO, STARTTLS, AUTH), then any
/// number of messages, one after the other.
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
    public func send(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        let promise = channel.eventLoop.makePromise(of: DeliveryOutcome.self)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.enqueue(envelope, message, promise: promise)
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
