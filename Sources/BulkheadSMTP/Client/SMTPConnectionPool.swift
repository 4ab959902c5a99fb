public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// Delivers messages to one upstream over a pool of reused connections: at most
/// `maxConnections` open at once, each used for up to `maxMessagesPerConnection` messages, the
/// upstream's rate limits enforced across the pool. If a session cannot be set up (server down,
/// TLS required but not offered, AUTH refused…) the message is `postponed` with that reason: nothing
/// was sent, and it says nothing about this message, so no attempt is charged; after
/// `upstream.breaker.failures` such failures in a row the circuit breaker opens and no connection is
/// tried until its open period ends (see ``CircuitBreaker``). `shutdown()` stops new sends at once
/// (postponed, nothing sent); messages already on a connection complete. Logs name the upstream, never a recipient above debug level.
///
/// The pool's bookkeeping sits behind a lock rather than in an actor: taking and returning a
/// connection costs no hop between executors, only the send itself goes to the connection's
/// event loop.
///
/// ```swift
/// let pool = try SMTPConnectionPool(upstream: upstream)
/// let outcome = await pool.deliver(envelope, messageBytes)
/// await pool.shutdown()
/// ```
public final class SMTPConnectionPool: MessageTransport, Sendable {
    private struct Lease: Sendable {
        let connection: SMTPConnection
        var sent: Int
    }

    private struct State {
        var limiter: SlidingWindowRateLimiter<ContinuousClock.Instant>
        var idle: [Lease] = []
        var open = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var isShutDown = false
        var closing: [UInt64: Task<Void, Never>] = [:]
        var closingCounter: UInt64 = 0
        var breaker: CircuitBreaker<ContinuousClock.Instant>
        /// Why the last session could not be set up (shown while the breaker is open).
        var lastSessionFailure: String?

        /// The longest-waiting caller, taken off the list (resume it outside the lock).
        mutating func takeWaiter() -> CheckedContinuation<Void, Never>? {
            waiters.isEmpty ? nil : waiters.removeFirst()
        }
    }

    /// The upstream this pool talks to.
    public let upstream: SMTPUpstream
    private let group: any EventLoopGroup
    private let state: Mutex<State>
    private let logger: Logger

    /// A pool for `upstream`, logging through `logger` (pass the application's: the default logs
    /// nothing, never through swift-log's global handler). Throws when a rate limit is invalid.
    public init(
        upstream: SMTPUpstream,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "bulkhead.smtp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(RateLimitError) {
        self.upstream = upstream
        self.group = group
        self.state = Mutex(State(limiter: try SlidingWindowRateLimiter(limits: upstream.rateLimits),
                                 breaker: CircuitBreaker(policy: upstream.breaker)))
        var logger = logger
        logger[metadataKey: "upstream"] = "\(upstream.host):\(upstream.port)"
        self.logger = logger
    }

    /// Number of connections currently open (idle or in use).
    public var openConnections: Int { state.withLock { $0.open } }

    /// Waits for the rate limit, takes a connection and sends the message.
    public func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        if let stop = await waitForRateLimit() { return .postponed(.note(stop), retryAfter: .zero) }
        var lease: Lease
        switch await acquire() {
        case let .success(acquired): lease = acquired
        case .failure(.shutDown):
            return .postponed(.note("the SMTP pool is shut down; nothing was sent"), retryAfter: .zero)
        case let .failure(.breakerOpen(until)):
            let wait = ContinuousClock.now.duration(to: until)
            let last = state.withLock { $0.lastSessionFailure }.map { " (last: \($0))" } ?? ""
            return .postponed(.note("upstream \(upstream.host):\(upstream.port) is taken as down after failed connections\(last); nothing sent"),
                              retryAfter: max(.zero, wait))
        case let .failure(.session(error)):
            // A connection-level failure says nothing about this message: it is not charged an attempt.
            let opened = state.withLock { state in
                state.lastSessionFailure = error.description
                return state.breaker.failed(at: .now)
            }
            if let opened {
                logger.warning("SMTP upstream taken as down; its circuit breaker is open",
                               metadata: ["reason": "\(error)", "seconds": "\(ContinuousClock.now.duration(to: opened).components.seconds)"])
            } else {
                logger.warning("SMTP session failed", metadata: ["reason": "\(error)"])
            }
            return .postponed(.note(error.description),
                              retryAfter: opened.map { max(.zero, ContinuousClock.now.duration(to: $0)) } ?? .zero)
        }
        let outcome = await lease.connection.send(envelope, message)
        lease.sent += 1
        release(lease)
        logger.debug("delivery", metadata: ["recipient": "\(envelope.recipient)", "outcome": "\(outcome)"])
        return outcome
    }

    /// Closes every idle connection politely (QUIT); connections in use close when released.
    public func shutdown() async {
        let (idleLeases, waiters) = state.withLock { state in
            state.isShutDown = true
            let idle = state.idle
            state.idle = []
            state.open -= idle.count
            let waiters = state.waiters
            state.waiters = []
            return (idle, waiters)
        }
        for waiter in waiters { waiter.resume() }
        for lease in idleLeases { await lease.connection.quit() }
        for task in state.withLock({ Array($0.closing.values) }) { await task.value }
    }

    /// Waits until the rate limits allow a send. Returns why not to send when the pool shuts down or
    /// the task is cancelled meanwhile (checked at least every second, so an abort takes effect fast).
    private func waitForRateLimit() async -> String? {
        while true {
            if state.withLock({ $0.isShutDown }) { return "the SMTP pool is shut down; nothing was sent" }
            if Task.isCancelled { return "delivery cancelled; nothing was sent" }
            switch state.withLock({ $0.limiter.acquire(at: .now) }) {
            case .granted: return nil
            case let .retry(at: instant):
                let slice = ContinuousClock.now.advanced(by: .seconds(1))
                try? await Task.sleep(until: min(instant, slice), clock: .continuous)
            }
        }
    }

    private enum Acquisition {
        case lease(Lease)
        case connect
        case wait
        case shutDown
        case breakerOpen(until: ContinuousClock.Instant)
    }

    /// Why no connection could be had.
    private enum AcquisitionError: Error {
        case session(SMTPSessionError)
        case breakerOpen(until: ContinuousClock.Instant)
        case shutDown
    }

    /// An idle connection, a new one if fewer than `maxConnections` are open (and the circuit breaker
    /// lets it be tried), or a wait for one.
    private func acquire() async -> Result<Lease, AcquisitionError> {
        let maximum = upstream.maxConnections
        while true {
            let step = state.withLock { state -> Acquisition in
                if state.isShutDown { return .shutDown }
                while let lease = state.idle.popLast() {
                    if lease.connection.isActive { return .lease(lease) }
                    state.open -= 1
                }
                if state.open < maximum {
                    if case let .open(until) = state.breaker.permit(at: .now) { return .breakerOpen(until: until) }
                    state.open += 1
                    return .connect
                }
                return .wait
            }
            switch step {
            case let .lease(lease):
                return .success(lease)
            case .shutDown:
                return .failure(.shutDown)
            case let .breakerOpen(until):
                return .failure(.breakerOpen(until: until))
            case .connect:
                do {
                    let connection = try await SMTPConnection.connect(to: upstream, group: group)
                    state.withLock { $0.breaker.succeeded() }
                    logger.debug("SMTP connection opened", metadata: ["open": "\(openConnections)"])
                    return .success(Lease(connection: connection, sent: 0))
                } catch {
                    let waiter = state.withLock { state in
                        state.open -= 1
                        return state.takeWaiter()
                    }
                    waiter?.resume()
                    return .failure(.session(error))
                }
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    // Look again under the lock: a release between the first look and now must not be missed.
                    let resumeNow = state.withLock { state in
                        if state.isShutDown || !state.idle.isEmpty || state.open < maximum { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Returns a connection to the idle list, or closes it (spent, closed or pool shut down).
    private func release(_ lease: Lease) {
        let reusable = lease.connection.isActive && lease.sent < upstream.maxMessagesPerConnection
        let waiter = state.withLock { state in
            if !state.isShutDown && reusable {
                state.idle.append(lease)
            } else {
                state.open -= 1
                state.closingCounter += 1
                let id = state.closingCounter
                let connection = lease.connection
                state.closing[id] = Task {
                    await connection.quit()
                    self.closed(id)
                }
            }
            return state.takeWaiter()
        }
        waiter?.resume()
    }

    private func closed(_ id: UInt64) {
        state.withLock { _ = $0.closing.removeValue(forKey: id) }
    }
}
