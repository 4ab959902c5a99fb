import BulkheadStore
import Logging
import Synchronization
import Testing

@testable import BulkheadSMTP

/// A connection that sends nothing anywhere: it records what it was asked to do. `holdSends` makes
/// each send wait until the test lets it go. With `pipelining`, `bodyOut()` says the oldest held
/// send's body is going out (a real connection's `pipelineOpen`).
final class FakeConnection: SMTPPooledConnection {
    private struct Held {
        var continuation: CheckedContinuation<Void, Never>
        var pipelineOpen: (@Sendable () -> Void)?
    }

    private struct State {
        var active = true
        var sent: [String] = []
        var quits = 0
        var held: [Held] = []
    }

    let name: String
    private let holdSends: Bool
    private let pipelining: Bool
    private let state = Mutex(State())

    init(name: String, holdSends: Bool, pipelining: Bool = false) {
        self.name = name
        self.holdSends = holdSends
        self.pipelining = pipelining
    }

    var isActive: Bool { state.withLock { $0.active } }
    var sent: [String] { state.withLock { $0.sent } }
    var quits: Int { state.withLock { $0.quits } }
    var isHoldingASend: Bool { state.withLock { !$0.held.isEmpty } }
    var heldSends: Int { state.withLock { $0.held.count } }

    func send(_ envelope: Envelope, _ message: [UInt8], pipelineOpen: (@Sendable () -> Void)?) async -> DeliveryOutcome {
        if holdSends {
            await withCheckedContinuation { continuation in
                state.withLock { $0.held.append(Held(continuation: continuation, pipelineOpen: pipelining ? pipelineOpen : nil)) }
            }
        }
        state.withLock { $0.sent.append(envelope.recipient) }
        return .sent(.note("250 ok from \(name)"))
    }

    /// Lets the oldest held send go on.
    func releaseSend() {
        state.withLock { $0.held.isEmpty ? nil : $0.held.removeFirst() }?.continuation.resume()
    }

    /// The oldest held send's body is going out: its `pipelineOpen` is called (once).
    func bodyOut() {
        state.withLock { state -> (@Sendable () -> Void)? in
            guard !state.held.isEmpty else { return nil }
            defer { state.held[0].pipelineOpen = nil }
            return state.held[0].pipelineOpen
        }?()
    }

    func quit() async {
        state.withLock { state in
            state.quits += 1
            state.active = false
        }
    }
}

/// Hands out fake connections (c1, c2, …), or fails with the next scripted error.
final class FakeConnector: Sendable {
    private let holdSends: Bool
    private let failures: Mutex<[SMTPSessionError]>
    private let made = Mutex<[FakeConnection]>([])
    private let attemptCount = Mutex(0)

    private let pipelining: Bool

    init(holdSends: Bool = false, pipelining: Bool = false, failures: [SMTPSessionError] = []) {
        self.holdSends = holdSends
        self.pipelining = pipelining
        self.failures = Mutex(failures)
    }

    var connections: [FakeConnection] { made.withLock { $0 } }
    var attempts: Int { attemptCount.withLock { $0 } }

    func connect() async throws(SMTPSessionError) -> any SMTPPooledConnection {
        attemptCount.withLock { $0 += 1 }
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        return made.withLock { made in
            let connection = FakeConnection(name: "c\(made.count + 1)", holdSends: holdSends, pipelining: pipelining)
            made.append(connection)
            return connection
        }
    }
}

/// The pool's async side on a manual clock: waits and expiries happen when the test moves time, no
/// sockets, no sleeping.
@Suite("SMTP connection pool on a manual clock")
struct SMTPConnectionPoolClockTests {
    static let envelope = try! Envelope(mailFrom: "bounce@sender.test", recipient: "ada@rcpt.test")
    static let message = Array("Subject: hi\r\n\r\nhello\r\n".utf8)

    static func upstream(_ configure: (inout SMTPUpstream) -> Void) -> SMTPUpstream {
        var upstream = SMTPUpstream(host: "127.0.0.1", port: 25, session: SMTPSessionConfiguration(heloName: "bulkhead.test"))
        upstream.maxConnections = 1
        upstream.idleTimeout = nil
        configure(&upstream)
        return upstream
    }

    static func pool(_ upstream: SMTPUpstream, clock: ManualClock, connector: FakeConnector) throws -> SMTPConnectionPool {
        try SMTPConnectionPool(upstream: upstream, clock: clock, logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) {
            () async throws(SMTPSessionError) -> any SMTPPooledConnection in
            try await connector.connect()
        }
    }

    /// Yields until `condition` holds (work the pool started in tasks has run), at most a while.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<100_000 {
            if condition() { return true }
            await Task.yield()
        }
        return condition()
    }

    @Test func anIdleConnectionIsClosedWhenItsIdleTimeoutPassesOnTheClock() async throws {
        let clock = ManualClock()
        let connector = FakeConnector()
        let pool = try Self.pool(Self.upstream { $0.idleTimeout = .seconds(60) }, clock: clock, connector: connector)
        #expect(await pool.deliver(Self.envelope, Self.message) == .sent(.note("250 ok from c1")))
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(59))
        #expect(pool.openConnections == 1)
        clock.advance(by: .seconds(1))
        let first = try #require(connector.connections.first)
        #expect(await Self.eventually { first.quits == 1 })
        #expect(pool.openConnections == 0)
        #expect(await pool.deliver(Self.envelope, Self.message) == .sent(.note("250 ok from c2")))
        #expect(connector.attempts == 2)
        await pool.shutdown()
        #expect(connector.connections.map(\.quits) == [1, 1])
        #expect(clock.sleepers == 0, "shutdown disarms the expiry timer")
    }

    @Test func aRateLimitedSendWaitsForThePoolsClock() async throws {
        let clock = ManualClock()
        let connector = FakeConnector()
        let pool = try Self.pool(
            Self.upstream { $0.rateLimits = [RateLimit(count: 1, per: .seconds(10))] },
            clock: clock, connector: connector)
        #expect(await pool.deliver(Self.envelope, Self.message) == .sent(.note("250 ok from c1")))
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(10))
        #expect(await second.value == .sent(.note("250 ok from c1")))
        #expect(connector.connections.first?.sent.count == 2)
        await pool.shutdown()
    }

    /// Shared limits (counted by the engine in the store) are asked with the connection in hand: a
    /// refusal makes the send wait that long on the pool's clock, then ask again; nothing is sent before a grant.
    @Test func aSharedLimitsRefusalWaitsOnThePoolsClockThenAsksAgain() async throws {
        let clock = ManualClock()
        let connector = FakeConnector()
        let permits = ScriptedPermits([.seconds(3), nil])
        let pool = try Self.pool(Self.upstream { $0.sharedPermits = permits }, clock: clock, connector: connector)
        let send = Task { await pool.deliver(Self.envelope, Self.message) }
        await clock.waitForSleepers(1)
        #expect(connector.connections.first?.sent.count ?? 0 == 0, "no message before the shared permit")
        clock.advance(by: .seconds(3))
        #expect(await send.value == .sent(.note("250 ok from c1")))
        #expect(permits.asked == 2)
        await pool.shutdown()
    }

    @Test func aRefusedConnectionOpensTheBreakerForExactlyItsOpenPeriod() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(failures: [.connectFailed("refused")])
        let pool = try Self.pool(
            Self.upstream { $0.breaker = CircuitBreakerPolicy(failures: 1, openFor: .seconds(30)) },
            clock: clock, connector: connector)
        #expect(await pool.deliver(Self.envelope, Self.message) == .postponed(.note("could not connect: refused"), retryAfter: .seconds(30)))
        clock.advance(by: .seconds(10))
        #expect(
            await pool.deliver(Self.envelope, Self.message)
                == .postponed(
                    .note("upstream 127.0.0.1:25 is taken as down after failed connections (last: could not connect: refused); nothing sent"),
                    retryAfter: .seconds(20)))
        #expect(connector.attempts == 1)
        clock.advance(by: .seconds(20))
        #expect(await pool.deliver(Self.envelope, Self.message) == .sent(.note("250 ok from c1")), "the probe")
        await pool.shutdown()
    }

    @Test func aWaiterGivesUpWhenNoConnectionFreesUpInTime() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(holdSends: true)
        let pool = try Self.pool(Self.upstream { $0.connectionWaitTimeout = .seconds(5) }, clock: clock, connector: connector)
        let first = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { connector.connections.first?.isHoldingASend == true })
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        #expect(
            await second.value
                == .postponed(
                    .note("no connection to 127.0.0.1:25 became free within 5.0 seconds; nothing was sent"),
                    retryAfter: .zero))
        connector.connections.first?.releaseSend()
        #expect(await first.value == .sent(.note("250 ok from c1")))
        await pool.shutdown()
        #expect(connector.connections.map(\.quits) == [1])
    }

    /// With PIPELINING, when every connection is busy and a caller waits, a connection comes back as
    /// soon as its message's body is out: the waiting message goes on it at once, behind that body. A
    /// connection carries two messages at most, and comes back once per message.
    @Test func aConnectionWhoseBodyIsOutCarriesTheNextWaitingMessageButNoThird() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(holdSends: true, pipelining: true)
        let pool = try Self.pool(Self.upstream { $0.connectionWaitTimeout = .seconds(5) }, clock: clock, connector: connector)
        let first = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { connector.connections.first?.heldSends == 1 })
        let c1 = try #require(connector.connections.first)
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { pool.waitingCallers == 1 })
        c1.bodyOut()
        #expect(await Self.eventually { c1.heldSends == 2 }, "behind the first, without waiting for its outcome")
        let third = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { pool.waitingCallers == 1 })
        c1.releaseSend()
        #expect(await first.value == .sent(.note("250 ok from c1")))
        for _ in 0..<1_000 { await Task.yield() }
        #expect(c1.heldSends == 1, "the first's outcome does not give the connection back a second time")
        c1.bodyOut()  // the second's body
        #expect(await Self.eventually { c1.heldSends == 2 })
        // Let both go (a pool that broke the rules above may hold the third back until later).
        for _ in 0..<4 {
            c1.releaseSend()
            _ = await Self.eventually { c1.heldSends > 0 }
        }
        #expect(await second.value == .sent(.note("250 ok from c1")))
        #expect(await third.value == .sent(.note("250 ok from c1")))
        #expect(connector.connections.count == 1 && pool.openConnections == 1)
        await pool.shutdown()
        #expect(c1.quits == 1 && c1.sent.count == 3)
    }

    @Test func withNobodyWaitingAConnectionComesBackWithItsOutcome() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(holdSends: true, pipelining: true)
        let pool = try Self.pool(Self.upstream { $0.connectionWaitTimeout = .seconds(5) }, clock: clock, connector: connector)
        let first = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { connector.connections.first?.heldSends == 1 })
        let c1 = try #require(connector.connections.first)
        c1.bodyOut()
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await Self.eventually { pool.waitingCallers == 1 })
        #expect(c1.heldSends == 1, "the second waits for the first's outcome")
        c1.releaseSend()
        #expect(await first.value == .sent(.note("250 ok from c1")))
        #expect(await Self.eventually { c1.heldSends == 1 })
        c1.releaseSend()
        #expect(await second.value == .sent(.note("250 ok from c1")))
        await pool.shutdown()
    }
}

/// Shared permits that answer from a script (nil: granted), then grant.
final class ScriptedPermits: SharedSendPermits {
    private let answers: Mutex<(left: [Duration?], asked: Int)>

    init(_ answers: [Duration?]) { self.answers = Mutex((answers, 0)) }

    var asked: Int { answers.withLock { $0.asked } }

    func takePermit() async -> Duration? {
        answers.withLock { state in
            state.asked += 1
            return state.left.isEmpty ? nil : state.left.removeFirst()
        }
    }
}
