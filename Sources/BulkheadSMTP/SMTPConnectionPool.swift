public import Logging
public import NIOCore
public import NIOPosix

/// Delivers messages to one upstream over a pool of reused connections: at most
/// `maxConnections` open at once, each used for up to `maxMessagesPerConnection` messages, the
/// upstream's rate limits enforced across the pool. If a session cannot be set up (server down,
/// TLS required but not offered, AUTH refused…) the message is deferred with that reason.
/// `shutdown()` stops new sends at once (they are deferred, nothing sent); messages already on a
/// connection complete. Logs name the upstream, never a recipient above debug level.
///
/// ```swift
/// let pool = try SMTPConnectionPool(upstream: upstream)
/// let outcome = await pool.deliver(envelope, messageBytes)
/// await pool.shutdown()
/// ```
public actor SMTPConnectionPool: MessageTransport {
    private struct Lease: Sendable {
        let connection: SMTPConnection
        var sent: Int
    }

    /// The upstream this pool talks to.
    public nonisolated let upstream: SMTPUpstream
    private let group: any EventLoopGroup
    private var limiter: SlidingWindowRateLimiter<ContinuousClock.Instant>
    private var idle: [Lease] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isShutDown = false
    private var closing: [UInt64: Task<Void, Never>] = [:]
    private var closingCounter: UInt64 = 0
    private let logger: Logger

    /// A pool for `upstream`. Throws when a rate limit is invalid.
    public init(
        upstream: SMTPUpstream,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "bulkhead.smtp")
    ) throws(RateLimitError) {
        self.upstream = upstream
        self.group = group
        self.limiter = try SlidingWindowRateLimiter(limits: upstream.rateLimits)
        var logger = logger
        logger[metadataKey: "upstream"] = "\(upstream.host):\(upstream.port)"
        self.logger = logger
    }

    /// Number of connections currently open (idle or in use).
    public var openConnections: Int { open }

    /// Waits for the rate limit, takes a connection and sends the message.
    public func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        if let stop = await waitForRateLimit() { return .deferred(.note(stop)) }
        var lease: Lease
        switch await acquire() {
        case let .success(acquired): lease = acquired
        case let .failure(error):
            logger.warning("SMTP session failed", metadata: ["reason": "\(error)"])
            return .deferred(.note(error.description))
        }
        let outcome = await lease.connection.send(envelope, message)
        lease.sent += 1
        release(lease)
        logger.debug("delivery", metadata: ["recipient": "\(envelope.recipient)", "outcome": "\(outcome)"])
        return outcome
    }

    /// Closes every idle connection politely (QUIT); connections in use close when released.
    public func shutdown() async {
        isShutDown = true
        let idleLeases = idle
        idle = []
        open -= idleLeases.count
        for waiter in waiters { waiter.resume() }
        waiters = []
        for lease in idleLeases { await lease.connection.quit() }
        for task in closing.values { await task.value }
    }

    /// Waits until the rate limits allow a send. Returns why not to send when the pool shuts down or
    /// the task is cancelled meanwhile (checked at least every second, so an abort takes effect fast).
    private func waitForRateLimit() async -> String? {
        while true {
            if isShutDown { return "the SMTP pool is shut down; nothing was sent" }
            if Task.isCancelled { return "delivery cancelled; nothing was sent" }
            switch limiter.acquire(at: .now) {
            case .granted: return nil
            case let .retry(at: instant):
                let slice = ContinuousClock.now.advanced(by: .seconds(1))
                try? await Task.sleep(until: min(instant, slice), clock: .continuous)
            }
        }
    }

    private func acquire() async -> Result<Lease, SMTPSessionError> {
        while true {
            if isShutDown { return .failure(.connectionClosed("the SMTP pool is shut down")) }
            while let lease = idle.popLast() {
                if lease.connection.isActive { return .success(lease) }
                open -= 1
            }
            if open < upstream.maxConnections {
                open += 1
                do {
                    let connection = try await SMTPConnection.connect(to: upstream, group: group)
                    logger.debug("SMTP connection opened", metadata: ["open": "\(open)"])
                    return .success(Lease(connection: connection, sent: 0))
                } catch {
                    open -= 1
                    wakeOne()
                    return .failure(error)
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    private func release(_ lease: Lease) {
        if !isShutDown && lease.connection.isActive && lease.sent < upstream.maxMessagesPerConnection {
            idle.append(lease)
        } else {
            open -= 1
            let connection = lease.connection
            closingCounter += 1
            let id = closingCounter
            closing[id] = Task {
                await connection.quit()
                self.closed(id)
            }
        }
        wakeOne()
    }

    private func closed(_ id: UInt64) {
        closing[id] = nil
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
