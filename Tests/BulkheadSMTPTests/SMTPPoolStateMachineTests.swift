import BulkheadStore
import Testing

@testable import BulkheadSMTP

/// The connection pool's bookkeeping as a pure state machine: explicit instants, named connections
/// and waiters, no sockets.
@Suite("SMTP pool state machine")
struct SMTPPoolStateMachineTests {
    typealias Machine = SMTPPoolStateMachine<String, String>
    typealias Lease = SMTPPoolLease<String>

    static let t0 = ManualClock().now

    /// `seconds` after `t0`.
    static func at(_ seconds: Int64) -> WallTime { t0.advanced(by: .seconds(seconds)) }

    static func upstream(
        maxConnections: Int = 1, perConnection: Int = 100, idle: Duration? = nil, lifetime: Duration? = nil,
        wait: Duration? = nil, breaker: CircuitBreakerPolicy = CircuitBreakerPolicy(), limits: [RateLimit] = []
    ) -> SMTPUpstream {
        var upstream = SMTPUpstream(host: "127.0.0.1", port: 25, session: SMTPSessionConfiguration(heloName: "bulkhead.test"))
        upstream.maxConnections = maxConnections
        upstream.maxMessagesPerConnection = perConnection
        upstream.idleTimeout = idle
        upstream.connectionLifetime = lifetime
        upstream.connectionWaitTimeout = wait
        upstream.breaker = breaker
        upstream.rateLimits = limits
        return upstream
    }

    /// Asks for a connection for `waiter`, expects the slot to open connection `id`, opens it as `name`.
    static func open(_ machine: inout Machine, _ name: String, id: Int, for waiter: String, at time: WallTime = t0) -> Lease {
        #expect(machine.leaseRequested(waiter, at: time) == [.grant(waiter, .connect(id: id))])
        return connected(&machine, id, name, at: time)
    }

    /// Reports connection `id` set up as `name` while the pool runs: the caller's lease, nothing to do.
    static func connected(_ machine: inout Machine, _ id: Int, _ name: String, at time: WallTime) -> Lease {
        let (lease, actions) = machine.connected(id, name, at: time)
        #expect(actions == [])
        return lease ?? Self.lease(name, id: id, sent: -1)
    }

    static func lease(_ name: String, id: Int, openedAt: WallTime = t0, sent: Int) -> Lease {
        Lease(id: id, connection: name, openedAt: openedAt, messagesSent: sent)
    }

    @Test func anIdleConnectionIsReusedBeforeANewOneIsOpened() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2))
        let first = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(first == Self.lease("c1", id: 1, sent: 0))
        #expect(pool.openConnections == 1)
        #expect(pool.released(first, reusable: true, at: Self.at(1)) == [])
        #expect(pool.leaseRequested("B", at: Self.at(2)) == [.grant("B", .lease(Self.lease("c1", id: 1, sent: 1)))])
        #expect(pool.openConnections == 1)
    }

    @Test func aConnectionWhoseBodyIsOutGoesToAWaitingCallerOnly() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1))
        let first = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.pipelineOpened(first, at: Self.at(1)) == nil, "nobody waits: the lease comes back with its outcome")
        #expect(pool.leaseRequested("B", at: Self.at(2)) == [])
        #expect(pool.pipelineOpened(first, at: Self.at(3)) == [.grant("B", .lease(Self.lease("c1", id: 1, sent: 1)))])
        #expect(pool.openConnections == 1)
        _ = pool.shutdownRequested()
        #expect(pool.pipelineOpened(Self.lease("c1", id: 1, sent: 1), at: Self.at(4)) == nil, "not while shutting down")
    }

    /// A connection that closes after this message never comes back early: the waiter would open a
    /// second connection beside it while its message still waits for its reply.
    @Test func aSpentOrOldConnectionWaitsForItsOutcome() throws {
        var spent = try Machine(upstream: Self.upstream(maxConnections: 1, perConnection: 2))
        let first = Self.open(&spent, "c1", id: 1, for: "A")
        #expect(spent.leaseRequested("B", at: Self.at(1)) == [])
        let second = try #require(
            spent.pipelineOpened(first, at: Self.at(1)).flatMap { actions -> Lease? in
                guard case .grant("B", .lease(let lease))? = actions.first else { return nil }
                return lease
            })
        #expect(second.messagesSent == 1)
        #expect(spent.leaseRequested("C", at: Self.at(2)) == [])
        #expect(spent.pipelineOpened(second, at: Self.at(2)) == nil, "the second message spends it")
        #expect(spent.openConnections == 1)

        var old = try Machine(upstream: Self.upstream(maxConnections: 1, lifetime: .seconds(60)))
        let lease = Self.open(&old, "c1", id: 1, for: "A")
        #expect(old.leaseRequested("B", at: Self.at(60)) == [])
        #expect(old.pipelineOpened(lease, at: Self.at(60)) == nil, "past its lifetime")
    }

    @Test func theMostRecentlyReturnedIdleConnectionIsLeasedFirst() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        let c2 = Self.open(&pool, "c2", id: 2, for: "B")
        #expect(pool.released(c2, reusable: true, at: Self.at(1)) == [])
        #expect(pool.released(c1, reusable: true, at: Self.at(2)) == [])
        #expect(pool.leaseRequested("C", at: Self.at(3)) == [.grant("C", .lease(Self.lease("c1", id: 1, sent: 1)))])
    }

    @Test func atMostMaxConnectionsThenWaitersAreServedFirstComeFirstServed() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        let c2 = Self.open(&pool, "c2", id: 2, for: "B")
        for waiter in ["C", "D", "E"] { #expect(pool.leaseRequested(waiter, at: Self.at(1)) == []) }
        #expect(pool.openConnections == 2)
        // each returned connection goes straight to the longest waiter
        let forC = Self.lease("c2", id: 2, sent: 1)
        #expect(pool.released(c2, reusable: true, at: Self.at(2)) == [.grant("C", .lease(forC))])
        let forD = Self.lease("c1", id: 1, sent: 1)
        #expect(pool.released(c1, reusable: true, at: Self.at(3)) == [.grant("D", .lease(forD))])
        #expect(pool.released(forC, reusable: true, at: Self.at(4)) == [.grant("E", .lease(Self.lease("c2", id: 2, sent: 2)))])
        #expect(pool.released(forD, reusable: true, at: Self.at(5)) == [], "no one waits: idle")
        #expect(pool.openConnections == 2)
    }

    @Test func aSpentOrBrokenConnectionIsClosedAndItsSlotGoesToTheNextWaiter() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, perConnection: 2))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.leaseRequested("B", at: Self.at(1)) == [])
        let again = Self.lease("c1", id: 1, sent: 1)
        #expect(pool.released(c1, reusable: true, at: Self.at(1)) == [.grant("B", .lease(again))])
        #expect(pool.leaseRequested("C", at: Self.at(2)) == [])
        // the second message was the last one for this connection
        #expect(pool.released(again, reusable: true, at: Self.at(2)) == [.close("c1"), .grant("C", .connect(id: 2))])
        let c2 = Self.connected(&pool, 2, "c2", at: Self.at(3))
        #expect(pool.leaseRequested("D", at: Self.at(3)) == [])
        #expect(pool.released(c2, reusable: false, at: Self.at(4)) == [.close("c2"), .grant("D", .connect(id: 3))])
        #expect(pool.openConnections == 1)
    }

    @Test func aFailedConnectHandsTheNextWaiterAFreshAttempt() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1))
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .connect(id: 1))])
        #expect(pool.leaseRequested("B", at: Self.t0) == [])
        #expect(pool.leaseRequested("C", at: Self.t0) == [])
        let first = pool.connectFailed(reason: "could not connect: refused", at: Self.at(1))
        #expect(first.breakerOpenUntil == nil)
        #expect(first.actions == [.grant("B", .connect(id: 2))])
        let second = pool.connectFailed(reason: "could not connect: refused", at: Self.at(2))
        #expect(second.actions == [.grant("C", .connect(id: 3))])
        _ = pool.connectFailed(reason: "could not connect: refused", at: Self.at(3))
        #expect(pool.openConnections == 0)
    }

    @Test func theBreakerOpensAfterFailuresInARowAndRefusesWaitersAndNewCallers() throws {
        let breaker = CircuitBreakerPolicy(failures: 2, openFor: .seconds(30))
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, breaker: breaker))
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .connect(id: 1))])
        #expect(pool.leaseRequested("B", at: Self.t0) == [])
        #expect(pool.leaseRequested("C", at: Self.t0) == [])
        #expect(pool.leaseRequested("D", at: Self.t0) == [])
        #expect(pool.connectFailed(reason: "421 busy", at: Self.t0).actions == [.grant("B", .connect(id: 2))])
        let opened = pool.connectFailed(reason: "421 busy", at: Self.at(1))
        let refusal = SMTPPoolRefusal.breakerOpen(until: Self.at(31), lastFailure: "421 busy")
        #expect(opened.breakerOpenUntil == Self.at(31))
        #expect(
            opened.actions == [.grant("C", .refused(refusal)), .grant("D", .refused(refusal))], "nobody waits for a connection that will not be tried"
        )
        #expect(pool.leaseRequested("E", at: Self.at(10)) == [.grant("E", .refused(refusal))])
        #expect(pool.openConnections == 0)
    }

    @Test func afterTheOpenPeriodOneProbeGoesThroughAndItsSuccessClosesTheBreaker() throws {
        let breaker = CircuitBreakerPolicy(failures: 1, openFor: .seconds(30))
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2, breaker: breaker))
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .connect(id: 1))])
        #expect(pool.connectFailed(reason: "refused", at: Self.t0).breakerOpenUntil == Self.at(30))
        #expect(pool.leaseRequested("B", at: Self.at(30)) == [.grant("B", .connect(id: 2))], "the probe")
        #expect(
            pool.leaseRequested("C", at: Self.at(30)) == [.grant("C", .refused(.breakerOpen(until: Self.at(31), lastFailure: "refused")))],
            "the others wait briefly for the probe")
        _ = pool.connected(2, "c2", at: Self.at(30))
        #expect(pool.leaseRequested("C", at: Self.at(31)) == [.grant("C", .connect(id: 3))])
    }

    @Test func aLeasedConnectionFoundClosedIsReplacedAtOnceAheadOfTheWaiters() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.released(c1, reusable: true, at: Self.at(1)) == [])
        let stale = Self.lease("c1", id: 1, sent: 1)
        #expect(pool.leaseRequested("B", at: Self.at(2)) == [.grant("B", .lease(stale))])
        #expect(pool.leaseRequested("C", at: Self.at(2)) == [])
        // B finds c1 closed by the server: the freed slot is B's, not C's
        #expect(pool.leasedConnectionClosed(replacementFor: "B", at: Self.at(3)) == [.grant("B", .connect(id: 2))])
        #expect(pool.openConnections == 1)
    }

    @Test func idleConnectionsExpireAfterTheIdleTimeout() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2, idle: .seconds(60)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        let c2 = Self.open(&pool, "c2", id: 2, for: "B")
        #expect(pool.released(c1, reusable: true, at: Self.t0) == [.armTimer(id: 1, at: Self.at(60))])
        #expect(pool.released(c2, reusable: true, at: Self.at(30)) == [], "the timer already fires earlier")
        #expect(pool.timerFired(1, at: Self.at(60)) == [.close("c1"), .armTimer(id: 2, at: Self.at(90))])
        #expect(pool.openConnections == 1)
        let kept = Self.lease("c2", id: 2, sent: 1)
        #expect(pool.leaseRequested("C", at: Self.at(70)) == [.grant("C", .lease(kept))])
        #expect(pool.timerFired(2, at: Self.at(90)) == [], "c2 is in use")
        #expect(pool.released(kept, reusable: true, at: Self.at(95)) == [.armTimer(id: 3, at: Self.at(155))])
    }

    @Test func anExpiredIdleConnectionIsClosedNotLeasedEvenBeforeTheTimerFires() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, idle: .seconds(60)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.released(c1, reusable: true, at: Self.t0) == [.armTimer(id: 1, at: Self.at(60))])
        #expect(pool.leaseRequested("B", at: Self.at(61)) == [.close("c1"), .grant("B", .connect(id: 2))])
        #expect(pool.timerFired(1, at: Self.at(61)) == [])
    }

    @Test func aConnectionPastItsLifetimeIsClosedWhenReturnedOrWhileIdle() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, lifetime: .seconds(100)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.released(c1, reusable: true, at: Self.at(50)) == [.armTimer(id: 1, at: Self.at(100))])
        let again = Self.lease("c1", id: 1, sent: 1)
        #expect(pool.leaseRequested("B", at: Self.at(60)) == [.grant("B", .lease(again))])
        #expect(pool.released(again, reusable: true, at: Self.at(100)) == [.close("c1")])
        #expect(pool.timerFired(1, at: Self.at(100)) == [])
        let c2 = Self.open(&pool, "c2", id: 2, for: "C", at: Self.at(100))
        #expect(pool.released(c2, reusable: true, at: Self.at(150)) == [.armTimer(id: 2, at: Self.at(200))])
        #expect(pool.timerFired(2, at: Self.at(200)) == [.close("c2")])
        #expect(pool.openConnections == 0)
    }

    @Test func aStaleTimerChangesNothing() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, idle: .seconds(60)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.released(c1, reusable: true, at: Self.t0) == [.armTimer(id: 1, at: Self.at(60))])
        let again = Self.lease("c1", id: 1, sent: 1)
        #expect(pool.leaseRequested("B", at: Self.at(10)) == [.grant("B", .lease(again))])
        #expect(pool.released(again, reusable: true, at: Self.at(20)) == [])
        #expect(pool.armedTimerID == 1)
        #expect(pool.timerFired(1, at: Self.at(60)) == [.armTimer(id: 2, at: Self.at(80))], "used since: not expired yet")
        #expect(pool.timerFired(1, at: Self.at(80)) == [])
        #expect(pool.timerFired(2, at: Self.at(80)) == [.close("c1")])
        #expect(pool.armedTimerID == nil)
    }

    @Test func waitersAreRefusedAtTheirDeadline() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, wait: .seconds(10)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.leaseRequested("B", at: Self.t0) == [.armTimer(id: 1, at: Self.at(10))])
        #expect(pool.leaseRequested("C", at: Self.at(5)) == [])
        #expect(
            pool.timerFired(1, at: Self.at(10)) == [
                .grant("B", .refused(.waitTimedOut(waited: .seconds(10)))), .armTimer(id: 2, at: Self.at(15)),
            ])
        #expect(pool.released(c1, reusable: true, at: Self.at(12)) == [.grant("C", .lease(Self.lease("c1", id: 1, sent: 1)))])
        #expect(pool.timerFired(2, at: Self.at(15)) == [])
    }

    @Test func shutdownRefusesWaitersAndCompletesOnceEveryCloseIsDone() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        let c2 = Self.open(&pool, "c2", id: 2, for: "B")
        #expect(pool.leaseRequested("C", at: Self.t0) == [])
        #expect(pool.leaseRequested("D", at: Self.t0) == [])
        #expect(pool.released(c1, reusable: false, at: Self.at(1)) == [.close("c1"), .grant("C", .connect(id: 3))])
        // c1 is closing, c2 in use, C connecting, D waiting
        #expect(pool.shutdownRequested() == [.grant("D", .refused(.shutDown))])
        #expect(pool.sendPermitRequested(at: Self.at(2)) == .shutDown)
        #expect(pool.leaseRequested("E", at: Self.at(2)) == [.grant("E", .refused(.shutDown))])
        #expect(pool.shutdownRequested() == [], "a second call waits as well")
        // a connection opened after shutdown carries no message: it is closed, and shutdown waits for it
        let (c3, closeC3) = pool.connected(3, "c3", at: Self.at(3))
        #expect(c3 == nil && closeC3 == [.close("c3")])
        #expect(pool.closeCompleted() == [])
        #expect(pool.closeCompleted() == [.shutdownCompleted])
        // one in use closes when it comes back
        #expect(pool.released(c2, reusable: true, at: Self.at(5)) == [.close("c2")])
        #expect(pool.closeCompleted() == [])
        #expect(pool.shutdownRequested() == [.shutdownCompleted])
        #expect(pool.openConnections == 0)
    }

    @Test func shutdownClosesIdleConnectionsAndDisarmsTheTimer() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, idle: .seconds(60)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.released(c1, reusable: true, at: Self.t0) == [.armTimer(id: 1, at: Self.at(60))])
        #expect(pool.shutdownRequested() == [.close("c1"), .cancelTimer])
        #expect(pool.armedTimerID == nil)
        #expect(pool.timerFired(1, at: Self.at(60)) == [])
        #expect(pool.closeCompleted() == [.shutdownCompleted])
    }

    @Test func shutdownWithNothingToCloseCompletesAtOnce() throws {
        var pool = try Machine(upstream: Self.upstream())
        #expect(pool.shutdownRequested() == [.shutdownCompleted])
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .refused(.shutDown))])
    }

    @Test func everySendAsksTheRateLimiterFirst() throws {
        var pool = try Machine(upstream: Self.upstream(limits: [RateLimit(count: 2, per: .seconds(1))]))
        #expect(pool.sendPermitRequested(at: Self.t0) == .granted)
        #expect(pool.sendPermitRequested(at: Self.t0) == .granted)
        #expect(pool.sendPermitRequested(at: Self.t0) == .retry(at: Self.at(1)))
        #expect(pool.sendPermitRequested(at: Self.at(1)) == .granted)
        #expect(throws: RateLimitError(limit: RateLimit(count: 0, per: .seconds(1)))) {
            try Machine(upstream: Self.upstream(limits: [RateLimit(count: 0, per: .seconds(1))]))
        }
    }

    /// As before the pool was a state machine: the rate limit is taken before a connection, so a send
    /// the open breaker then refuses has used its slot.
    @Test func aSendRefusedByTheOpenBreakerHasUsedItsRateLimitSlot() throws {
        let breaker = CircuitBreakerPolicy(failures: 1, openFor: .seconds(60))
        var pool = try Machine(upstream: Self.upstream(breaker: breaker, limits: [RateLimit(count: 2, per: .seconds(60))]))
        #expect(pool.sendPermitRequested(at: Self.t0) == .granted)
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .connect(id: 1))])
        #expect(pool.connectFailed(reason: "refused", at: Self.t0).breakerOpenUntil == Self.at(60))
        #expect(pool.sendPermitRequested(at: Self.at(1)) == .granted)
        #expect(pool.leaseRequested("B", at: Self.at(1)) == [.grant("B", .refused(.breakerOpen(until: Self.at(60), lastFailure: "refused")))])
        #expect(pool.sendPermitRequested(at: Self.at(2)) == .retry(at: Self.at(60)))
        #expect(pool.sendPermitRequested(at: Self.at(60)) == .granted)
        #expect(pool.leaseRequested("C", at: Self.at(60)) == [.grant("C", .connect(id: 2))], "the probe")
    }

    /// Shutdown waits for a connection being opened: its failure completes the shutdown.
    @Test func shutdownWaitsForAConnectionBeingOpened() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 2))
        #expect(pool.leaseRequested("A", at: Self.t0) == [.grant("A", .connect(id: 1))])
        #expect(pool.leaseRequested("B", at: Self.t0) == [.grant("B", .connect(id: 2))])
        #expect(pool.shutdownRequested() == [])
        #expect(pool.connectFailed(reason: "refused", at: Self.at(1)).actions == [])
        let (lease, actions) = pool.connected(2, "c2", at: Self.at(1))
        #expect(lease == nil && actions == [.close("c2")])
        #expect(pool.closeCompleted() == [.shutdownCompleted])
        #expect(pool.openConnections == 0)
    }

    /// A waiter whose caller gives up leaves the queue, refused; the others keep their turn. A caller
    /// already served is not refused again.
    @Test func aCancelledWaiterLeavesTheQueue() throws {
        var pool = try Machine(upstream: Self.upstream(maxConnections: 1, wait: .seconds(10)))
        let c1 = Self.open(&pool, "c1", id: 1, for: "A")
        #expect(pool.leaseRequested("B", at: Self.t0) == [.armTimer(id: 1, at: Self.at(10))])
        #expect(pool.leaseRequested("C", at: Self.at(1)) == [])
        #expect(pool.waiterCancelled { $0 == "B" } == [.grant("B", .refused(.cancelled))])
        #expect(pool.waiterCancelled { $0 == "B" } == [])
        #expect(pool.waiterCancelled { $0 == "A" } == [], "A holds a connection, it is not waiting")
        #expect(pool.released(c1, reusable: true, at: Self.at(2)) == [.grant("C", .lease(Self.lease("c1", id: 1, sent: 1)))])
        #expect(pool.waiterCancelled { $0 == "C" } == [])
        #expect(pool.timerFired(1, at: Self.at(10)) == [])
    }
}
