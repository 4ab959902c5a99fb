public import BulkheadStore
public import Logging
public import NIOCore
public import NIOPosix
import Synchronization

/// What the pool needs of a connection: ``SMTPConnection``, or a stand-in in tests.
protocol SMTPPooledConnection: Sendable {
    /// True while the connection is open.
    var isActive: Bool { get }
    /// Sends one message; every failure is an outcome. `pipelineOpen` is called (at most once, before
    /// the outcome) when a message sent now would be pipelined behind this one.
    func send(_ envelope: Envelope, _ message: [UInt8], pipelineOpen: (@Sendable () -> Void)?) async -> DeliveryOutcome
    /// Says QUIT after any queued messages and waits until the connection is closed.
    func quit() async
}

extension SMTPConnection: SMTPPooledConnection {}

/// Delivers messages to one upstream over a pool of reused connections: at most
/// `maxConnections` open at once, each used for up to `maxMessagesPerConnection` messages (and closed
/// after `idleTimeout` unused), the upstream's rate limits enforced across the pool, waiting callers
/// served in order. If a session cannot be set up (server down, TLS required but not offered, AUTH
/// refused…) the message is `postponed` with that reason: nothing was sent, and it says nothing about
/// this message, so no attempt is charged; after `upstream.breaker.failures` such failures in a row
/// the circuit breaker opens and no connection is tried until its open period ends (see
/// ``CircuitBreaker``). `shutdown()` stops new sends at once (postponed, nothing sent); messages
/// already on a connection complete. Logs name the upstream, never a recipient above debug level.
///
/// A connection comes back to the pool when its message is done, or earlier, with PIPELINING, when
/// every connection is busy and a caller waits: as soon as the message's body is going out. That
/// caller then sends on it at once, its commands pipelined behind the body (one round trip per
/// message, not two), while the first caller waits for its reply. So a connection carries at most
/// two messages at a time, and `maxConnections` still bounds the connections.
///
/// The decisions are made by a pure state machine (`SMTPPoolStateMachine`) behind one lock; this class
/// performs its actions outside the lock: it resumes waiting callers, opens connections in the
/// caller's task, closes connections, and sleeps on `clock` for rate limits and expiry. Taking and
/// returning a connection costs no hop between executors; only the send itself goes to the
/// connection's event loop.
///
/// ```swift
/// let pool = try SMTPConnectionPool(upstream: upstream)
/// let outcome = await pool.deliver(envelope, messageBytes)
/// await pool.shutdown()
/// ```
public final class SMTPConnectionPool: MessageTransport, Sendable {
    private typealias Connection = any SMTPPooledConnection
    private typealias Grant = SMTPPoolGrant<Connection>
    private typealias Machine = SMTPPoolStateMachine<Connection, Waiter>
    typealias Connector = @Sendable () async throws(SMTPSessionError) -> any SMTPPooledConnection

    /// A caller waiting for a grant; the number tells it apart when it is cancelled.
    private struct Waiter: Sendable {
        let id: Int
        let continuation: CheckedContinuation<Grant, Never>
    }

    private struct State: Sendable {
        var machine: Machine
        /// The number of the last caller that asked for a connection.
        var lastWaiterID = 0
        /// The sleeping task that reports the machine's timer, and its id.
        var timer: (id: Int, task: Task<Void, Never>)?
        /// Callers of `shutdown()` waiting for it to complete.
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The upstream this pool talks to.
    public let upstream: SMTPUpstream
    private let connect: Connector
    private let clock: any BulkheadClock
    private let state: Mutex<State>
    /// The machine's count of waiting callers after the latest locked step: read without the lock
    /// where a stale value costs only a missed chance (see `send`).
    private let waiting = Atomic(0)
    private let logger: Logger

    /// A pool for `upstream`, timing its waits and expiries on `clock`, logging through `logger` (pass
    /// the application's: the default logs nothing, never through swift-log's global handler).
    /// Throws when a rate limit is invalid.
    public convenience init(
        upstream: SMTPUpstream,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        clock: any BulkheadClock = SystemClock(),
        logger: Logger = Logger(label: "bulkhead.smtp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(RateLimitError) {
        try self.init(upstream: upstream, clock: clock, logger: logger) { () async throws(SMTPSessionError) -> any SMTPPooledConnection in
            try await SMTPConnection.connect(to: upstream, group: group)
        }
    }

    /// A pool that opens its connections with `connect` (tests pass a stand-in).
    init(upstream: SMTPUpstream, clock: any BulkheadClock, logger: Logger, connect: @escaping Connector) throws(RateLimitError) {
        self.upstream = upstream
        self.connect = connect
        self.clock = clock
        self.state = Mutex(State(machine: try Machine(upstream: upstream)))
        var logger = logger
        logger[metadataKey: "upstream"] = "\(upstream.host):\(upstream.port)"
        self.logger = logger
    }

    /// Number of connections currently open (idle or in use).
    public var openConnections: Int { withMachine { $0.machine.openConnections } }

    /// Callers waiting for a connection.
    var waitingCallers: Int { withMachine { $0.machine.waitingCount } }

    /// Waits for the rate limit, takes a connection and sends the message.
    public func deliver(_ envelope: Envelope, _ message: [UInt8]) async -> DeliveryOutcome {
        await deliver(envelope, message, lastLook: nil)
    }

    /// Waits for the rate limits, takes a connection, asks `lastLook` (after every wait, right before
    /// the message goes out) and sends the message only when it answers true.
    public func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: @escaping LastLook) async -> DeliveryOutcome {
        await deliver(envelope, message, lastLook: Optional(lastLook))
    }

    private func deliver(_ envelope: Envelope, _ message: [UInt8], lastLook: LastLook?) async -> DeliveryOutcome {
        if let stop = await waitForSendPermit() { return .postponed(.note(stop), retryAfter: .zero) }
        let clock = clock
        var grant = await grant { machine, waiter in machine.leaseRequested(waiter, at: clock.now) }
        while true {
            switch grant {
            case .lease(let lease):
                guard lease.connection.isActive else {
                    grant = await self.grant { machine, waiter in machine.leasedConnectionClosed(replacementFor: waiter, at: clock.now) }
                    continue
                }
                return await send(envelope, message, on: lease, lastLook: lastLook)
            case .connect(let id):
                let connection: Connection
                do {
                    connection = try await connect()
                } catch {
                    return connectFailed(error)
                }
                let (opened, actions) = withMachine { $0.machine.connected(id, connection, at: clock.now) }
                run(actions)
                guard let lease = opened else {
                    return .postponed(.note("the SMTP pool is shut down; nothing was sent"), retryAfter: .zero)
                }
                logger.debug("SMTP connection opened", metadata: ["connection": "\(id)", "open": "\(openConnections)"])
                return await send(envelope, message, on: lease, lastLook: lastLook)
            case .refused(.shutDown):
                return .postponed(.note("the SMTP pool is shut down; nothing was sent"), retryAfter: .zero)
            case .refused(.breakerOpen(let until, let lastFailure)):
                let last = lastFailure.map { " (last: \($0))" } ?? ""
                return .postponed(
                    .note("upstream \(upstream.host):\(upstream.port) is taken as down after failed connections\(last); nothing sent"),
                    retryAfter: max(.zero, clock.now.duration(to: until)))
            case .refused(.waitTimedOut(let waited)):
                return .postponed(
                    .note("no connection to \(upstream.host):\(upstream.port) became free within \(waited); nothing was sent"),
                    retryAfter: .zero)
            case .refused(.cancelled):
                return .postponed(.note("delivery cancelled; nothing was sent"), retryAfter: .zero)
            }
        }
    }

    /// Asks the machine for a connection with `request` and waits for the grant. A caller cancelled
    /// while it waits leaves the queue at once, refused (`.cancelled`).
    private func grant(_ request: @escaping @Sendable (inout Machine, Waiter) -> [Machine.Action]) async -> Grant {
        let id = withMachine { state in
            state.lastWaiterID += 1
            return state.lastWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Grant, Never>) in
                run(
                    withMachine { state in
                        var actions = request(&state.machine, Waiter(id: id, continuation: continuation))
                        // Cancelled before it was queued: the handler below found nothing to take out.
                        if Task.isCancelled { actions += state.machine.waiterCancelled { $0.id == id } }
                        return actions
                    })
            }
        } onCancel: {
            run(withMachine { $0.machine.waiterCancelled { $0.id == id } })
        }
    }

    /// Stops new sends, closes every idle connection politely (QUIT) and returns once those closes
    /// (and any under way) are done; connections in use close when their message is done.
    public func shutdown() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            run(
                withMachine { state in
                    state.shutdownWaiters.append(waiter)
                    return state.machine.shutdownRequested()
                })
        }
    }

    private func send(
        _ envelope: Envelope, _ message: [UInt8], on lease: SMTPPoolLease<Connection>, lastLook: LastLook?
    ) async -> DeliveryOutcome {
        if let stop = await waitForSharedPermit() {
            run(withMachine { $0.machine.released(lease, reusable: lease.connection.isActive, at: clock.now) })
            return .postponed(.note(stop), retryAfter: .zero)
        }
        if let lastLook, await !lastLook() {
            run(withMachine { $0.machine.released(lease, reusable: lease.connection.isActive, at: clock.now) })
            return .postponed(.note(DeliveryOutcome.withdrawnNote), retryAfter: .zero)
        }
        // The lease goes back once: when the body is going out and a caller waits for a connection
        // (its message is pipelined behind this one), or else when the outcome is known.
        let returned = Atomic(false)
        let pipelineOpen = { @Sendable [self] in
            // Mostly nobody waits: then the lock is not taken at all. A caller that starts waiting
            // just now gets the connection with this message's outcome instead.
            guard waiting.load(ordering: .relaxed) > 0 else { return }
            let actions = withMachine { state -> [Machine.Action]? in
                guard !returned.load(ordering: .acquiring), lease.connection.isActive,
                    let actions = state.machine.pipelineOpened(lease, at: clock.now)
                else { return nil }
                returned.store(true, ordering: .releasing)
                return actions
            }
            if let actions { run(actions) }
        }
        let outcome = await lease.connection.send(envelope, message, pipelineOpen: pipelineOpen)
        let reusable = lease.connection.isActive
        if let actions = withMachine({ state -> [Machine.Action]? in
            guard !returned.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
            return state.machine.released(lease, reusable: reusable, at: clock.now)
        }) {
            run(actions)
        }
        logger.debug("delivery", metadata: ["recipient": "\(envelope.recipient)", "outcome": "\(outcome)"])
        return outcome
    }

    /// A connection-level failure says nothing about this message: it is not charged an attempt.
    private func connectFailed(_ error: SMTPSessionError) -> DeliveryOutcome {
        let (now, opened, actions) = withMachine { state in
            let now = clock.now
            let (opened, actions) = state.machine.connectFailed(reason: error.description, at: now)
            return (now, opened, actions)
        }
        run(actions)
        if let opened {
            logger.warning(
                "SMTP upstream taken as down; its circuit breaker is open",
                metadata: ["reason": "\(error)", "seconds": "\(now.duration(to: opened).components.seconds)"])
        } else {
            logger.warning("SMTP session failed", metadata: ["reason": "\(error)"])
        }
        return .postponed(.note(error.description), retryAfter: opened.map { max(.zero, now.duration(to: $0)) } ?? .zero)
    }

    /// Waits until the pool's own rate limits allow a send. Returns why not to send when the pool shuts down or
    /// the task is cancelled meanwhile (checked at least every second, so an abort takes effect fast).
    private func waitForSendPermit() async -> String? {
        while true {
            if Task.isCancelled { return "delivery cancelled; nothing was sent" }
            switch withMachine({ $0.machine.sendPermitRequested(at: clock.now) }) {
            case .granted:
                return nil
            case .shutDown:
                return "the SMTP pool is shut down; nothing was sent"
            case .retry(at: let instant):
                try? await clock.sleep(until: min(instant, clock.now.advanced(by: .seconds(1))), tolerance: nil)
            }
        }
    }

    /// Waits for a permit of the shared limits (counted in the store by every worker), if any, with the
    /// connection in hand: the message starts right after, so the time between the permit and the
    /// message on the wire stays short. Returns why not to send when cancelled or shut down meanwhile.
    private func waitForSharedPermit() async -> String? {
        guard let shared = upstream.sharedPermits else { return nil }
        while let wait = await shared.takePermit() {
            if Task.isCancelled { return "delivery cancelled; nothing was sent" }
            if withMachine({ $0.machine.isShuttingDown }) { return "the SMTP pool is shut down; nothing was sent" }
            try? await clock.sleep(until: clock.now.advanced(by: min(wait, .seconds(1))), tolerance: nil)
        }
        return nil
    }

    /// Runs `body` on the state under the lock, and mirrors the count of waiting callers.
    private func withMachine<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { state in
            let result = body(&state)
            waiting.store(state.machine.waitingCount, ordering: .relaxed)
            return result
        }
    }

    /// Performs the machine's actions; called outside the lock.
    private func run(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .grant(let waiter, let grant):
                waiter.continuation.resume(returning: grant)
            case .close(let connection):
                Task {
                    await connection.quit()
                    self.run(self.withMachine { $0.machine.closeCompleted() })
                }
            case .armTimer(let id, let instant):
                armTimer(id, at: instant)
            case .cancelTimer:
                withMachine { $0.timer.take() }?.task.cancel()
            case .shutdownCompleted:
                let waiters = withMachine { state in
                    defer { state.shutdownWaiters = [] }
                    return state.shutdownWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    /// Starts a task that sleeps until `instant` and reports timer `id`; it replaces the running one
    /// unless the machine has moved on to another timer meanwhile (then it is cancelled at once).
    private func armTimer(_ id: Int, at instant: WallTime) {
        let task = Task {
            do {
                try await clock.sleep(until: instant, tolerance: nil)
            } catch {
                return
            }
            self.run(self.withMachine { $0.machine.timerFired(id, at: self.clock.now) })
        }
        let replaced = withMachine { state -> Task<Void, Never>? in
            guard state.machine.armedTimerID == id else { return task }
            defer { state.timer = (id, task) }
            return state.timer?.task
        }
        replaced?.cancel()
    }
}
