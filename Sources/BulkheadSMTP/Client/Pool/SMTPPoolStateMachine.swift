import BulkheadStore
import DequeModule

/// One connection handed to one caller for one message.
struct SMTPPoolLease<Connection: Sendable>: Sendable {
    /// The pool's number for the connection (1, 2, … in the order they were granted).
    let id: Int
    let connection: Connection
    /// When the connection was set up (its lifetime counts from here).
    let openedAt: WallTime
    /// Messages sent on the connection before this lease.
    let messagesSent: Int
}

extension SMTPPoolLease: Equatable where Connection: Equatable {}

/// Why the pool gives a caller no connection.
enum SMTPPoolRefusal: Sendable, Hashable {
    /// The pool is shut down.
    case shutDown
    /// The upstream's circuit breaker is open until then; `lastFailure` says why the last session failed.
    case breakerOpen(until: WallTime, lastFailure: String?)
    /// No connection became free within the upstream's `connectionWaitTimeout`.
    case waitTimedOut(waited: Duration)
    /// The caller gave up waiting (its task was cancelled).
    case cancelled
}

/// What a caller that asked for a connection gets.
enum SMTPPoolGrant<Connection: Sendable>: Sendable {
    /// Use this connection, then return it with `released(_:reusable:at:)`.
    case lease(SMTPPoolLease<Connection>)
    /// A slot is reserved for a new connection: open it, then report `connected(_:_:at:)` or
    /// `connectFailed(reason:at:)`.
    case connect(id: Int)
    /// No connection: postpone the message.
    case refused(SMTPPoolRefusal)
}

extension SMTPPoolGrant: Equatable where Connection: Equatable {}

/// The bookkeeping of one upstream's connection pool as a pure state machine: events go in (a
/// connection asked for, opened, not opened, returned, found closed; a timer fired; shutdown), actions
/// come out (hand a waiter a connection or a slot to open one, close a connection, arm or disarm the
/// one timer, report shutdown complete). It is given the time with every event, never reads a clock
/// and does no I/O; ``SMTPConnectionPool`` runs it behind one lock and performs its actions outside it.
///
/// The rules:
/// - At most `maxConnections` connections are open or being opened. An idle connection is reused
///   before a new one is opened, the most recently returned first (so the others can expire).
/// - A caller that finds neither waits; waiters are served first come, first served: a returned
///   connection goes straight to the longest waiter, a freed slot lets it open a new one.
/// - A new connection is tried only when the circuit breaker allows it; when it does not, the caller
///   is refused (its message postponed), not queued. A failed connect frees the slot for the next waiter.
/// - With PIPELINING a connection whose message has its body out goes to a waiting caller at once
///   (``pipelineOpened(_:at:)``): a connection carries at most two messages, the second's commands
///   behind the first's body.
/// - A connection is closed after `maxMessagesPerConnection` messages, when it comes back broken,
///   once past `connectionLifetime`, or after `idleTimeout` unused. A waiter is refused after
///   `connectionWaitTimeout`. Both expire when the timer fires (and an expired idle connection is never leased).
/// - Every send first asks the rate limiter for a permit.
/// - A waiter whose caller gives up (is cancelled) leaves the queue, refused.
/// - Shutdown refuses waiters and further requests, closes the idle connections and completes once every
///   close under way has finished and every connection being opened has failed or been closed (one that
///   opens after shutdown carries no message); connections in use close when they come back.
///
/// ```swift
/// var pool = try SMTPPoolStateMachine<Connection, Waiter>(upstream: upstream)
/// let actions = pool.leaseRequested(waiter, at: clock.now)   // [.grant(waiter, .connect(id: 1))]
/// ```
struct SMTPPoolStateMachine<Connection: Sendable, Waiter: Sendable>: Sendable {
    typealias Lease = SMTPPoolLease<Connection>
    typealias Grant = SMTPPoolGrant<Connection>

    /// What the pool's runner must do, in order.
    enum Action: Sendable {
        /// Resume `waiter` with `grant`.
        case grant(Waiter, Grant)
        /// Close the connection politely (QUIT), then report `closeCompleted()`.
        case close(Connection)
        /// Call `timerFired(id, at:)` at `at` (replaces any earlier timer).
        case armTimer(id: Int, at: WallTime)
        /// Disarm the timer.
        case cancelTimer
        /// Shutdown is complete: every close it waited for has finished.
        case shutdownCompleted
    }

    /// The answer to ``sendPermitRequested(at:)``.
    enum SendPermit: Sendable, Hashable {
        /// Send now (the send is counted).
        case granted
        /// The rate limits allow no send before then.
        case retry(at: WallTime)
        /// The pool is shut down.
        case shutDown
    }

    private struct IdleConnection: Sendable {
        var lease: Lease
        var since: WallTime
    }

    private struct Waiting: Sendable {
        var waiter: Waiter
        var since: WallTime
        var deadline: WallTime?
    }

    private enum Lifecycle: Sendable {
        case running
        /// Shutdown requested; waiting for closes under way.
        case draining
        case shutDown
    }

    private let maxConnections: Int
    private let maxMessagesPerConnection: Int
    private let idleTimeout: Duration?
    private let connectionLifetime: Duration?
    private let waitTimeout: Duration?
    private var limiter: SlidingWindowRateLimiter<WallTime>
    private var breaker: CircuitBreaker<WallTime>
    /// Why the last session could not be set up (shown while the breaker is open).
    private var lastSessionFailure: String?
    /// Idle connections, the most recently returned last.
    private var idle: [IdleConnection] = []
    private var waiters: Deque<Waiting> = []
    private var leased = 0
    private var connecting = 0
    private var closing = 0
    private var lastConnectionID = 0
    private var timer: (id: Int, at: WallTime)?
    private var lastTimerID = 0
    private var lifecycle: Lifecycle = .running

    /// A pool for `upstream`'s limits. Throws when a rate limit is invalid.
    init(upstream: SMTPUpstream) throws(RateLimitError) {
        maxConnections = upstream.maxConnections
        maxMessagesPerConnection = upstream.maxMessagesPerConnection
        idleTimeout = upstream.idleTimeout
        connectionLifetime = upstream.connectionLifetime
        waitTimeout = upstream.connectionWaitTimeout
        limiter = try SlidingWindowRateLimiter(limits: upstream.rateLimits)
        breaker = CircuitBreaker(policy: upstream.breaker)
    }

    /// Connections open, being opened or in use (not those being closed).
    var openConnections: Int { idle.count + leased + connecting }

    /// Callers waiting for a connection.
    var waitingCount: Int { waiters.count }

    /// True once shutdown was requested.
    var isShuttingDown: Bool {
        switch lifecycle {
        case .running: false
        case .draining, .shutDown: true
        }
    }

    /// The timer the runner should have armed, if any.
    var armedTimerID: Int? { timer?.id }

    // MARK: events

    /// A message is about to be sent at `now`: the rate limits decide whether it may go now.
    mutating func sendPermitRequested(at now: WallTime) -> SendPermit {
        switch lifecycle {
        case .draining, .shutDown:
            return .shutDown
        case .running:
            switch limiter.acquire(at: now) {
            case .granted: return .granted
            case .retry(at: let instant): return .retry(at: instant)
            }
        }
    }

    /// `waiter` asks for a connection at `now`: it gets an idle one, a slot to open one, a refusal,
    /// or a place at the end of the queue.
    mutating func leaseRequested(_ waiter: Waiter, at now: WallTime) -> [Action] {
        switch lifecycle {
        case .draining, .shutDown:
            return [.grant(waiter, .refused(.shutDown))]
        case .running:
            var actions: [Action] = []
            if waiters.isEmpty, let grant = available(at: now, closes: &actions) {
                return actions + [.grant(waiter, grant)]
            }
            waiters.append(Waiting(waiter: waiter, since: now, deadline: waitTimeout.map { now.advanced(by: $0) }))
            return actions + rearm()
        }
    }

    /// The connection granted as `.connect(id:)` is set up: it is the caller's lease, and the
    /// upstream counts as up. When the pool was shut down meanwhile there is no lease: the connection
    /// is closed (the actions) and the caller sends nothing.
    mutating func connected(_ id: Int, _ connection: Connection, at now: WallTime) -> (lease: Lease?, actions: [Action]) {
        connecting -= 1
        breaker.succeeded()
        switch lifecycle {
        case .running:
            leased += 1
            return (Lease(id: id, connection: connection, openedAt: now, messagesSent: 0), [])
        case .draining, .shutDown:
            closing += 1
            return (nil, [.close(connection)])
        }
    }

    /// Opening a granted connection failed at `now`. The breaker counts the failure; the slot goes to
    /// the next waiter. Returns the end of the open period when this failure opened the breaker.
    mutating func connectFailed(reason: String, at now: WallTime) -> (breakerOpenUntil: WallTime?, actions: [Action]) {
        connecting -= 1
        lastSessionFailure = reason
        let opened = breaker.failed(at: now)
        return (opened, serveWaiters(at: now) + finishDraining())
    }

    /// The caller of `waiter` gave up (its task was cancelled): if it is still waiting, it leaves the
    /// queue and is refused; if it was served already, nothing changes.
    mutating func waiterCancelled(where isTheWaiter: (Waiter) -> Bool) -> [Action] {
        guard let index = waiters.firstIndex(where: { isTheWaiter($0.waiter) }) else { return [] }
        return [.grant(waiters.remove(at: index).waiter, .refused(.cancelled))]
    }

    /// The caller found its leased connection closed (by the server) before using it: the connection
    /// is dropped and `waiter` (that caller again) gets the next idle connection or the freed slot at once.
    mutating func leasedConnectionClosed(replacementFor waiter: Waiter, at now: WallTime) -> [Action] {
        leased -= 1
        switch lifecycle {
        case .draining, .shutDown:
            return [.grant(waiter, .refused(.shutDown))]
        case .running:
            var actions: [Action] = []
            let grant = takeIdle(at: now, closes: &actions).map(Grant.lease) ?? newConnection(at: now)
            return actions + [.grant(waiter, grant)]
        }
    }

    /// `lease` comes back after its message at `now`; `reusable` is false when the connection broke.
    /// The connection goes to the longest waiter, becomes idle, or is closed (spent, too old, broken,
    /// or the pool shut down), which frees its slot for a waiter.
    mutating func released(_ lease: Lease, reusable: Bool, at now: WallTime) -> [Action] {
        leased -= 1
        let returned = Lease(
            id: lease.id, connection: lease.connection, openedAt: lease.openedAt,
            messagesSent: lease.messagesSent + 1)
        let keep =
            switch lifecycle {
            case .running: reusable && returned.messagesSent < maxMessagesPerConnection && !isPastLifetime(returned, at: now)
            case .draining, .shutDown: false
            }
        guard keep else {
            closing += 1
            return [.close(returned.connection)] + serveWaiters(at: now)
        }
        if let next = waiters.popFirst() {
            leased += 1
            return [.grant(next.waiter, .lease(returned))]
        }
        idle.append(IdleConnection(lease: returned, since: now))
        return rearm()
    }

    /// `lease`'s message has its body out, and the connection would take a next message behind it
    /// (PIPELINING), at `now`. When a caller is waiting for a connection, the lease comes back at once
    /// (as by ``released(_:reusable:at:)``) and that caller gets it, its message pipelined behind the
    /// body: connections are the bottleneck then, and a connection serves two messages per round trip.
    /// Otherwise nothing changes (nil): the lease comes back with its outcome, and the caller's next
    /// message takes a connection with nothing in flight, which answers sooner. Nor does a connection
    /// that is spent (`maxMessagesPerConnection`) or past its lifetime come back early: it is to close,
    /// and closing it now would open a new one beside it while its message still waits for its reply.
    mutating func pipelineOpened(_ lease: Lease, at now: WallTime) -> [Action]? {
        guard case .running = lifecycle, !waiters.isEmpty else { return nil }
        let afterThis = Lease(id: lease.id, connection: lease.connection, openedAt: lease.openedAt, messagesSent: lease.messagesSent + 1)
        guard afterThis.messagesSent < maxMessagesPerConnection, !isPastLifetime(afterThis, at: now) else { return nil }
        return released(lease, reusable: true, at: now)
    }

    /// A close asked for by `.close` has finished.
    mutating func closeCompleted() -> [Action] {
        closing -= 1
        return finishDraining()
    }

    /// The timer `id` fired at `now`: idle connections past their idle timeout or lifetime are closed,
    /// waiters past their deadline refused, and the timer armed for the next deadline. A stale timer
    /// (replaced or disarmed since) changes nothing.
    mutating func timerFired(_ id: Int, at now: WallTime) -> [Action] {
        guard timer?.id == id else { return [] }
        timer = nil
        var actions: [Action] = []
        let expired = idle.filter { isExpired($0, at: now) }
        idle.removeAll { entry in expired.contains { $0.lease.id == entry.lease.id } }
        closing += expired.count
        actions += expired.map { .close($0.lease.connection) }
        waiters.removeAll { waiting in
            guard let deadline = waiting.deadline, deadline <= now else { return false }
            actions.append(.grant(waiting.waiter, .refused(.waitTimedOut(waited: waiting.since.duration(to: now)))))
            return true
        }
        return actions + rearm()
    }

    /// Stop: no more sends or connections; waiters are refused, idle connections closed, the timer
    /// disarmed. `.shutdownCompleted` comes once every close under way has finished and every
    /// connection being opened has failed or been closed (at once when there is none; again for every
    /// later call).
    mutating func shutdownRequested() -> [Action] {
        switch lifecycle {
        case .shutDown:
            return [.shutdownCompleted]
        case .draining:
            return []
        case .running:
            var actions: [Action] = waiters.map { .grant($0.waiter, .refused(.shutDown)) }
            waiters.removeAll()
            actions += idle.map { .close($0.lease.connection) }
            closing += idle.count
            idle.removeAll()
            if timer != nil {
                timer = nil
                actions.append(.cancelTimer)
            }
            lifecycle = .draining
            return actions + finishDraining()
        }
    }

    // MARK: helpers

    /// Completes a shutdown once nothing is being closed or opened.
    private mutating func finishDraining() -> [Action] {
        guard case .draining = lifecycle, closing == 0, connecting == 0 else { return [] }
        lifecycle = .shutDown
        return [.shutdownCompleted]
    }

    /// An idle connection, else a new one if a slot is free; nil when the caller must wait.
    /// Expired idle connections met on the way are closed.
    private mutating func available(at now: WallTime, closes actions: inout [Action]) -> Grant? {
        if let lease = takeIdle(at: now, closes: &actions) { return .lease(lease) }
        guard openConnections < maxConnections else { return nil }
        return newConnection(at: now)
    }

    private mutating func takeIdle(at now: WallTime, closes actions: inout [Action]) -> Lease? {
        while let entry = idle.popLast() {
            if isExpired(entry, at: now) {
                closing += 1
                actions.append(.close(entry.lease.connection))
                continue
            }
            leased += 1
            return entry.lease
        }
        return nil
    }

    /// A slot for a new connection if the breaker allows one (the caller has checked there is a slot).
    private mutating func newConnection(at now: WallTime) -> Grant {
        switch breaker.permit(at: now) {
        case .allowed:
            connecting += 1
            lastConnectionID += 1
            return .connect(id: lastConnectionID)
        case .open(let until):
            return .refused(.breakerOpen(until: until, lastFailure: lastSessionFailure))
        }
    }

    /// Gives free slots (and idle connections) to the waiters, longest waiting first.
    private mutating func serveWaiters(at now: WallTime) -> [Action] {
        var actions: [Action] = []
        while let head = waiters.first, let grant = available(at: now, closes: &actions) {
            waiters.removeFirst()
            actions.append(.grant(head.waiter, grant))
        }
        return actions
    }

    private func isPastLifetime(_ lease: Lease, at now: WallTime) -> Bool {
        guard let connectionLifetime else { return false }
        return lease.openedAt.advanced(by: connectionLifetime) <= now
    }

    private func isExpired(_ entry: IdleConnection, at now: WallTime) -> Bool {
        expiry(of: entry).map { $0 <= now } ?? false
    }

    /// When an idle connection is to be closed: after its idle timeout or at the end of its lifetime.
    private func expiry(of entry: IdleConnection) -> WallTime? {
        let idleEnd = idleTimeout.map { entry.since.advanced(by: $0) }
        let lifeEnd = connectionLifetime.map { entry.lease.openedAt.advanced(by: $0) }
        return [idleEnd, lifeEnd].compactMap { $0 }.min()
    }

    /// Arms the timer for the next deadline unless it is armed for that or an earlier one.
    private mutating func rearm() -> [Action] {
        // every waiter waits as long, so the first in the queue has the earliest deadline
        guard let next = (idle.compactMap(expiry(of:)) + [waiters.first?.deadline].compactMap { $0 }).min() else { return [] }
        if let timer, timer.at <= next { return [] }
        lastTimerID += 1
        timer = (lastTimerID, next)
        return [.armTimer(id: lastTimerID, at: next)]
    }
}

extension SMTPPoolStateMachine.Action: Equatable where Connection: Equatable, Waiter: Equatable {}
