import BulkheadStore
import Logging
import Synchronization
import Testing

@testable import BulkheadSMTP

/// A connector whose connects wait until the test opens the gate (or make it fail).
final class GatedConnector: Sendable {
    private struct State {
        var waiting: [CheckedContinuation<SMTPSessionError?, Never>] = []
        var made: [FakeConnection] = []
    }

    private let state = Mutex(State())

    /// The most connections seen open at once.
    final class Peak: Sendable {
        let value = Mutex(0)
    }

    var waitingConnects: Int { state.withLock { $0.waiting.count } }
    var connections: [FakeConnection] { state.withLock { $0.made } }

    func connect() async throws(SMTPSessionError) -> any SMTPPooledConnection {
        let failure = await withCheckedContinuation { continuation in state.withLock { $0.waiting.append(continuation) } }
        if let failure { throw failure }
        return state.withLock { state in
            let connection = FakeConnection(name: "c\(state.made.count + 1)", holdSends: false)
            state.made.append(connection)
            return connection
        }
    }

    /// Lets the oldest waiting connect succeed, or fail with `failure`.
    func open(failing failure: SMTPSessionError? = nil) {
        state.withLock { $0.waiting.isEmpty ? nil : $0.waiting.removeFirst() }?.resume(returning: failure)
    }
}

/// The pool's async side against racing callers, cancellation and shutdown.
@Suite("SMTP connection pool races")
struct SMTPConnectionPoolRaceTests {
    static let envelope = SMTPConnectionPoolClockTests.envelope
    static let message = SMTPConnectionPoolClockTests.message
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A connection that comes up after `shutdown()` carries no message: nothing may be sent once the
    /// pool is shut down, and the late connection is closed.
    @Test func aConnectionThatOpensAfterShutdownSendsNothingAndIsClosed() async throws {
        let clock = ManualClock()
        let connector = GatedConnector()
        let pool = try SMTPConnectionPool(upstream: SMTPConnectionPoolClockTests.upstream { _ in }, clock: clock, logger: Self.logger) {
            () async throws(SMTPSessionError) -> any SMTPPooledConnection in
            try await connector.connect()
        }
        let delivery = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await SMTPConnectionPoolClockTests.eventually { connector.waitingConnects == 1 })
        let shutdown = Task { await pool.shutdown() }
        await Task.yield()
        connector.open()
        await shutdown.value
        #expect(await delivery.value == .postponed(.note("the SMTP pool is shut down; nothing was sent"), retryAfter: .zero))
        let connection = try #require(connector.connections.first)
        #expect(connection.sent.isEmpty, "a message was sent after shutdown")
        #expect(connection.quits == 1, "shutdown returned before the late connection was closed")
        #expect(pool.openConnections == 0)
    }

    /// A connect that fails during shutdown leaves nothing open, and shutdown completes.
    @Test func aConnectThatFailsDuringShutdownLeavesNothingOpen() async throws {
        let clock = ManualClock()
        let connector = GatedConnector()
        let pool = try SMTPConnectionPool(
            upstream: SMTPConnectionPoolClockTests.upstream { $0.maxConnections = 2 }, clock: clock, logger: Self.logger
        ) { () async throws(SMTPSessionError) -> any SMTPPooledConnection in
            try await connector.connect()
        }
        let deliveries = (0..<2).map { _ in Task { await pool.deliver(Self.envelope, Self.message) } }
        #expect(await SMTPConnectionPoolClockTests.eventually { connector.waitingConnects == 2 })
        let shutdown = Task { await pool.shutdown() }
        await Task.yield()
        connector.open(failing: .connectFailed("refused"))
        connector.open(failing: .connectFailed("refused"))
        await shutdown.value
        for delivery in deliveries {
            guard case .postponed = await delivery.value else {
                Issue.record("a failed connect was not postponed")
                continue
            }
        }
        #expect(pool.openConnections == 0)
        #expect(connector.connections.isEmpty)
    }

    /// A caller cancelled while it waits for a connection stops waiting and sends nothing (as it does
    /// while it waits for the rate limit).
    @Test func aCallerCancelledWhileWaitingForAConnectionSendsNothing() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(holdSends: true)
        let pool = try SMTPConnectionPoolClockTests.pool(SMTPConnectionPoolClockTests.upstream { _ in }, clock: clock, connector: connector)
        let first = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await SMTPConnectionPoolClockTests.eventually { connector.connections.first?.isHoldingASend == true })
        let second = Task { await pool.deliver(Self.envelope, Self.message) }
        try await Task.sleep(for: .milliseconds(50))  // the second caller is queued behind the held send
        // in a while, let the held sends go: a caller still waiting then gets the connection and sends
        let releaser = Self.releaseSends(connector, after: .seconds(3))
        second.cancel()
        let outcome = await second.value
        #expect(outcome == .postponed(.note("delivery cancelled; nothing was sent"), retryAfter: .zero))
        connector.connections.first?.releaseSend()
        #expect(await first.value == .sent(.note("250 ok from c1")))
        releaser.cancel()
        #expect(connector.connections.first?.sent.count == 1, "the cancelled caller sent its message")
        await pool.shutdown()
    }

    /// Lets every held send go, from `delay` on until cancelled.
    static func releaseSends(_ connector: FakeConnector, after delay: Duration = .zero) -> Task<Void, Never> {
        Task {
            try? await Task.sleep(for: delay)
            while !Task.isCancelled {
                for connection in connector.connections { connection.releaseSend() }
                await Task.yield()
            }
        }
    }

    /// A cancelled caller that was already queued does not hold up those behind it, and a caller
    /// cancelled before it asks never queues.
    @Test func cancelledCallersLeaveTheQueueAndTheOthersAreServedInTurn() async throws {
        let clock = ManualClock()
        let connector = FakeConnector(holdSends: true)
        let pool = try SMTPConnectionPoolClockTests.pool(SMTPConnectionPoolClockTests.upstream { _ in }, clock: clock, connector: connector)
        let first = Task { await pool.deliver(Self.envelope, Self.message) }
        #expect(await SMTPConnectionPoolClockTests.eventually { connector.connections.first?.isHoldingASend == true })
        let queued = (0..<6).map { _ in Task { await pool.deliver(Self.envelope, Self.message) } }
        try await Task.sleep(for: .milliseconds(50))
        for index in stride(from: 0, to: queued.count, by: 2) { queued[index].cancel() }
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await pool.deliver(Self.envelope, Self.message)
        }
        let releaser = Self.releaseSends(connector, after: .seconds(1))
        #expect(await early.value == .postponed(.note("delivery cancelled; nothing was sent"), retryAfter: .zero))
        for index in stride(from: 0, to: queued.count, by: 2) {
            #expect(await queued[index].value == .postponed(.note("delivery cancelled; nothing was sent"), retryAfter: .zero))
        }
        #expect(await first.value == .sent(.note("250 ok from c1")))
        for index in stride(from: 1, to: queued.count, by: 2) {
            #expect(await queued[index].value == .sent(.note("250 ok from c1")))
        }
        releaser.cancel()
        let connection = try #require(connector.connections.first)
        #expect(connection.sent.count == 4)
        await pool.shutdown()
        #expect(connection.quits == 1)
    }

    /// Many callers at once on few connections, with idle expiry racing the sends: every caller gets
    /// an outcome (no waiter lost, none resumed twice), never more than `maxConnections` are open, and
    /// every connection is closed once by the end.
    @Test func manyConcurrentCallersAreAllServedOnAtMostMaxConnections() async throws {
        let clock = ManualClock()
        let connector = FakeConnector()
        let pool = try SMTPConnectionPoolClockTests.pool(
            SMTPConnectionPoolClockTests.upstream {
                $0.maxConnections = 3
                $0.maxMessagesPerConnection = 7
                $0.idleTimeout = .milliseconds(5)
            }, clock: clock, connector: connector)
        let peak = GatedConnector.Peak()
        let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    let outcome = await pool.deliver(Self.envelope, Self.message)
                    peak.value.withLock { $0 = max($0, pool.openConnections) }
                    return outcome
                }
            }
            group.addTask {
                for _ in 0..<200 {
                    clock.advance(by: .milliseconds(1))
                    await Task.yield()
                }
                return .sent(.note("clock"))
            }
            return await group.reduce(into: [DeliveryOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.count == 301)
        #expect(outcomes.allSatisfy { if case .sent = $0 { true } else { false } })
        #expect(peak.value.withLock { $0 } <= 3)
        await pool.shutdown()
        #expect(connector.connections.allSatisfy { $0.quits == 1 })
        #expect(connector.connections.map(\.sent.count).reduce(0, +) == 300)
        #expect(pool.openConnections == 0)
    }
}
