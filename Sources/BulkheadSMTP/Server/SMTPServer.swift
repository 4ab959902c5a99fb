public import NIOCore
public import NIOPosix
import NIOSSL
import Synchronization

/// The SMTP listener: binds addresses, runs one `SMTPServerSession` per connection (through
/// `SMTPServerLineDecoder` and `SMTPServerHandler`), enforces the connection limits and stops
/// gracefully.
///
/// A connection over `maximumConnections`, or over `maximumConnectionsPerClient` from one IP
/// address, is answered `421 4.7.0` and closed before any session starts. `stop(gracePeriod:)` stops
/// accepting, tells sessions outside a mail transaction to say `421 4.3.2` and close, lets the others
/// finish their transaction until the grace period ends, then closes the rest with `421`.
///
/// ```swift
/// let server = try SMTPServer(configuration: .init(hostname: "mx.example.com"), delegate: inbound)
/// let address = try await server.bind(host: "127.0.0.1", port: 2525)
/// …
/// await server.stop(gracePeriod: .seconds(30))
/// ```
public final class SMTPServer: Sendable {
    /// The configuration every session runs with.
    public let configuration: SMTPServerConfiguration
    private let delegate: any SMTPServerDelegate
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?
    private let state = Mutex(State())

    private struct Connection {
        var channel: any Channel
        var client: String
    }

    private struct State {
        var listeners: [any Channel] = []
        var connections: [ObjectIdentifier: Connection] = [:]
        var perClient: [String: Int] = [:]
        var stopping = false
        /// Callers of `stop` waiting for the last connection to close: resumed with true then, false at
        /// their deadline.
        var drainWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }

    private enum Admission {
        case admit(SMTPServerConnectionInfo)
        case refuse(SMTPReply)
    }

    /// A server that has not bound yet. Throws when the TLS configuration cannot be used.
    public init(
        configuration: SMTPServerConfiguration, delegate: any SMTPServerDelegate,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.delegate = delegate
        self.group = group
        self.tlsContext = try configuration.tls.map { try NIOSSLContext(configuration: $0.configuration) }
    }

    /// Listens on `host:port` (port 0: any free port) and returns the bound address. May be called
    /// for several addresses.
    @discardableResult
    public func bind(host: String, port: Int) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { [self] channel in initialize(channel) }
            .bind(host: host, port: port).get()
        let stopping = state.withLock { state in
            if !state.stopping { state.listeners.append(channel) }
            return state.stopping
        }
        guard !stopping, let address = channel.localAddress else {
            try? await channel.close()
            throw SMTPServerError.notListening
        }
        return address
    }

    /// The addresses the server listens on.
    public var localAddresses: [SocketAddress] {
        state.withLock { $0.listeners.compactMap(\.localAddress) }
    }

    /// How many connections are open (refused ones not counted).
    public var connectionCount: Int {
        state.withLock { $0.connections.count }
    }

    /// Stops: no new connection is accepted; idle sessions say `421 4.3.2` and close at once, those in
    /// a mail transaction finish it first; after `gracePeriod` the rest say `421` and close. Returns once
    /// every connection is closed.
    public func stop(gracePeriod: Duration = .seconds(30)) async {
        let (listeners, open) = state.withLock { state in
            state.stopping = true
            defer { state.listeners = [] }
            return (state.listeners, state.connections.values.map(\.channel))
        }
        for listener in listeners { try? await listener.close() }
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(SMTPServerShutdownEvent.graceful) }
        if await connectionsClosed(within: gracePeriod) { return }
        for channel in remaining() { channel.pipeline.fireUserInboundEventTriggered(SMTPServerShutdownEvent.now) }
        if await connectionsClosed(within: .seconds(2)) { return }
        for channel in remaining() { channel.close(promise: nil) }
        _ = await connectionsClosed(within: .seconds(2))
    }

    private func remaining() -> [any Channel] {
        state.withLock { $0.connections.values.map(\.channel) }
    }

    /// Waits until no connection is open (true) or `duration` passed (false).
    private func connectionsClosed(within duration: Duration) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let waiter = state.withLock { state -> Int? in
                if state.connections.isEmpty { return nil }
                state.nextWaiter += 1
                state.drainWaiters[state.nextWaiter] = continuation
                return state.nextWaiter
            }
            guard let waiter else {
                continuation.resume(returning: true)
                return
            }
            group.next().scheduleTask(in: TimeAmount(duration)) { [self] in
                state.withLock { $0.drainWaiters.removeValue(forKey: waiter) }?.resume(returning: false)
            }
        }
    }

    // MARK: connections

    private func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        let info = SMTPServerConnectionInfo(remoteAddress: channel.remoteAddress?.ipAddress, remotePort: channel.remoteAddress?.port)
        let client = info.remoteAddress ?? "unknown"
        let id = ObjectIdentifier(channel)
        let limits = configuration.limits
        let hostname = configuration.hostname
        let admission: Admission = state.withLock { state in
            if state.stopping { return .refuse(SMTPServerReplies.shuttingDown(hostname)) }
            if state.connections.count >= limits.maximumConnections { return .refuse(SMTPServerReplies.tooManyConnections(hostname)) }
            if state.perClient[client, default: 0] >= limits.maximumConnectionsPerClient {
                return .refuse(SMTPServerReplies.tooManyConnectionsFromClient(hostname))
            }
            state.connections[id] = Connection(channel: channel, client: client)
            state.perClient[client, default: 0] += 1
            return .admit(info)
        }
        if case .admit = admission {
            channel.closeFuture.whenComplete { [self] _ in unregister(id) }
        }
        return channel.eventLoop.makeCompletedFuture {
            let handlers = channel.pipeline.syncOperations
            switch admission {
            case .refuse(let reply):
                try handlers.addHandler(SMTPServerRefusalHandler(reply: reply))
            case .admit(let info):
                try handlers.addHandler(ByteToMessageHandler(SMTPServerLineDecoder(maximumLineLength: SMTPServerLimits.dataLineLength)))
                try handlers.addHandler(
                    SMTPServerHandler(configuration: configuration, connection: info, delegate: delegate, tlsContext: tlsContext))
            }
        }
    }

    private func unregister(_ id: ObjectIdentifier) {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard let connection = state.connections.removeValue(forKey: id) else { return [] }
            let left = state.perClient[connection.client, default: 1] - 1
            state.perClient[connection.client] = left > 0 ? left : nil
            guard state.connections.isEmpty else { return [] }
            defer { state.drainWaiters = [:] }
            return Array(state.drainWaiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }
}

/// Why the server cannot do what was asked.
public enum SMTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `bind` was called on a server that is stopping (or the socket has no address).
    case notListening

    /// A readable explanation.
    public var description: String {
        switch self {
        case .notListening: "the SMTP server is stopping or could not listen"
        }
    }
}

/// Answers a connection the server does not take (a limit, or the server stopping) with its 421
/// and closes it.
final class SMTPServerRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reply: SMTPReply
    private var answered = false

    init(reply: SMTPReply) {
        self.reply = reply
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // whatever the client sends is not read
    }

    private func answer(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: reply.serverBytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
