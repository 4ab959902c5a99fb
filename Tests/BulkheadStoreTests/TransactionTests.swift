import Foundation
import GRDB
import Synchronization
import Testing

@testable import BulkheadStore

/// The transaction model under hostile use: more callers than connections, failing and cancelled
/// bodies, a closing store, a second writer holding the lock, and what `changes` counts.
@Suite("Store transactions")
struct TransactionTests {
    static func secret(_ name: String) -> SQLStatement {
        SQLStatement("INSERT INTO store_secrets (name, value, created_at) VALUES (?, 'v', 0)", [.text(name)])
    }

    static func secretNames(_ store: SQLMailStore) async throws -> [String] {
        try await store.backend.read(SQLStatement("SELECT name FROM store_secrets ORDER BY name")).map { try $0.text("name") }
    }

    /// A statement that keeps the database busy for about `seconds` (inside a body).
    static func slow(_ backend: StoreBackend, seconds: Double) -> SQLStatement {
        switch backend {
        case .postgres: SQLStatement("SELECT pg_sleep(\(seconds))::text AS slept")
        case .sqlite:
            SQLStatement(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(Int(seconds * 4_000_000)))
                SELECT count(*) AS c FROM n
                """)
        }
    }

    /// A PostgreSQL store on a fresh schema with its own pool size and startup timeout.
    static func postgres(schema: String, maximumConnections: Int, startupTimeout: Duration = .seconds(180)) async throws -> PostgresStore {
        var configuration = try PostgresStore.Configuration(url: try TestDatabase.postgresURL())
        configuration.schema = schema
        configuration.maximumConnections = maximumConnections
        configuration.startupTimeout = startupTimeout
        return try await PostgresStore.connect(configuration)
    }

    static func freshSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// `body`'s value, or nil when it takes longer than `limit` (the body is then left running).
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        let result = Mutex<Result<T, any Error>?>(nil)
        let task = Task {
            let value: Result<T, any Error>
            do { value = .success(try await body()) } catch { value = .failure(error) }
            result.withLock { $0 = value }
        }
        let deadline = ContinuousClock.now.advanced(by: limit)
        while ContinuousClock.now < deadline {
            if let value = result.withLock({ $0 }) { return try value.get() }
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = task
        return try result.withLock { $0 }?.get()
    }

    // MARK: Both backends

    @Test(arguments: StoreBackend.allCases)
    func aRefusedWriteIsAConstraintViolationAndLeavesNothing(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            _ = try await store.backend.transaction { tx in try tx.changes(Self.secret("a")) }
            await #expect(throws: StoreError.self) {
                try await store.backend.transaction { tx in
                    _ = try tx.changes(Self.secret("b"))
                    return try tx.changes(Self.secret("a"))
                }
            }
            do {
                _ = try await store.backend.transaction { tx in try tx.changes(Self.secret("a")) }
                Issue.record("a duplicate key was accepted")
            } catch let error as StoreError {
                guard case .constraintViolation = error else {
                    Issue.record("a duplicate key is \(error), not a constraint violation")
                    return
                }
            }
            #expect(try await Self.secretNames(store) == ["a"], "the refused transaction's first insert is rolled back")
            // the connection that saw the failure is usable again
            _ = try await store.backend.transaction { tx in try tx.changes(Self.secret("c")) }
            #expect(try await Self.secretNames(store) == ["a", "c"])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func changesCountsTheRowsEachKindOfWriteChanged(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let counts = try await store.backend.transaction { tx -> [Int] in
                var counts: [Int] = []
                counts.append(
                    try tx.changes(
                        SQLStatement("INSERT INTO store_secrets (name, value, created_at) VALUES ('a', 'v', 0), ('b', 'v', 0), ('c', 'w', 0)")))
                counts.append(
                    try tx.changes(
                        SQLStatement(
                            "INSERT INTO store_secrets (name, value, created_at) VALUES ('a', 'v', 0), ('d', 'v', 0) ON CONFLICT (name) DO NOTHING"
                        )))
                counts.append(try tx.changes(SQLStatement("UPDATE store_secrets SET value = 'x' WHERE value = 'v'")))
                counts.append(try tx.changes(SQLStatement("UPDATE store_secrets SET value = 'x' WHERE name = 'none'")))
                counts.append(try tx.changes(SQLStatement("DELETE FROM store_secrets WHERE name IN ('a', 'b') RETURNING name")))
                counts.append(
                    try tx.changes(
                        SQLStatement("INSERT INTO store_upgrades (name, done_at) SELECT name, created_at FROM store_secrets WHERE name <> 'zz'"))
                )
                counts.append(try tx.changes(SQLStatement("UPDATE store_secrets SET value = 'y' WHERE name = 'c' RETURNING name, value")))
                return counts
            }
            #expect(counts == [3, 1, 3, 0, 2, 2, 1])
        }
    }

    /// A body cancelled while it runs is either committed whole or not at all, and a cancelled caller
    /// hears `CancellationError` (not a database error).
    @Test(arguments: StoreBackend.allCases)
    func aTransactionCancelledWhileItRunsIsAllOrNothing(backend: StoreBackend) async throws {
        try await TestDatabase.withStore(backend) { store, _ in
            let slow = Self.slow(backend, seconds: 1)
            let running = Task {
                try await store.backend.transaction { tx in
                    _ = try tx.changes(Self.secret("first"))
                    _ = try tx.rows(slow)
                    return try tx.changes(Self.secret("second"))
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            running.cancel()
            let result = await running.result
            let names = try await Self.secretNames(store)
            switch result {
            case .success: #expect(names == ["first", "second"])
            case .failure(let error):
                #expect(error is CancellationError, "a cancelled transaction throws \(error)")
                #expect(names == [])
            }
            _ = try await store.backend.transaction { tx in try tx.changes(Self.secret("after")) }
            #expect(try await Self.secretNames(store).contains("after"))
        }
    }

    // MARK: PostgreSQL

    @Test func moreTransactionsThanConnectionsAllComplete() async throws {
        let store = try await Self.postgres(schema: Self.freshSchema(), maximumConnections: 2)
        // The bound catches a deadlock, not slowness: the parallel suite (with the fault tests' own
        // servers and workers) can starve this for well over a minute on two cores.
        let done = try await Self.within(.seconds(240)) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        _ = try await store.backend.transaction { tx in
                            _ = try tx.rows(SQLStatement("SELECT pg_sleep(0.01)::text AS s"))
                            return try tx.changes(Self.secret("s\(index)"))
                        }
                        _ = try await store.allLists()
                    }
                }
                try await group.waitForAll()
            }
            return true
        }
        #expect(done == true, "40 transactions on 2 connections did not finish within 4 minutes")
        #expect(try await Self.secretNames(store).count == 40)
        await store.close()
    }

    /// With every connection busy, a caller waiting for one can be cancelled: it throws
    /// `CancellationError` at once, and its body never runs.
    @Test func aTransactionWaitingForAConnectionCanBeCancelled() async throws {
        let store = try await Self.postgres(schema: Self.freshSchema(), maximumConnections: 1)
        // The holder keeps the only connection for 20 s; a cancelled waiter returns well before (the
        // bound is 10 s: a loaded CI machine took 3.7 s once).
        let holder = Task { try await store.backend.transaction { tx in try tx.rows(Self.slow(.postgres, seconds: 20)) } }
        try await Task.sleep(for: .milliseconds(300))
        let waiting = Task { try await store.backend.transaction { tx in try tx.changes(Self.secret("waiter")) } }
        try await Task.sleep(for: .milliseconds(200))
        let cancelledAt = ContinuousClock.now
        waiting.cancel()
        let result = await waiting.result
        #expect(ContinuousClock.now - cancelledAt < .seconds(10), "the cancelled caller waited for the connection")
        if case .failure(let error) = result {
            #expect(error is CancellationError, "a cancelled caller hears \(error)")
        } else {
            Issue.record("a caller cancelled while waiting for a connection ran its body")
        }
        _ = try await holder.value
        #expect(try await Self.secretNames(store) == [])
        await store.close()
    }

    /// `close()` while transactions run returns, and a transaction after it fails at once.
    @Test func closingWhileTransactionsRunEndsThemAndRefusesLaterOnes() async throws {
        let store = try await Self.postgres(schema: Self.freshSchema(), maximumConnections: 2)
        let running = (0..<6).map { index in
            Task {
                try await store.backend.transaction { tx in
                    _ = try tx.rows(Self.slow(.postgres, seconds: 0.5))
                    return try tx.changes(Self.secret("r\(index)"))
                }
            }
        }
        try await Task.sleep(for: .milliseconds(200))
        // Bounds for a loaded machine (CI once ran bcrypt 20 times slower than an idle one): the test is
        // about ending at all, not about speed.
        let closed = try await Self.within(.seconds(60)) {
            await store.close()
            return true
        }
        #expect(closed == true, "close() did not return")
        for task in running { _ = await task.result }
        let after = try await Self.within(.seconds(60)) {
            await #expect(throws: (any Error).self) {
                try await store.backend.transaction { tx in try tx.changes(Self.secret("late")) }
            }
            return true
        }
        #expect(after == true, "a transaction after close() hangs")
    }

    /// `startupTimeout` holds while another worker keeps the migration lock: connect gives up in time.
    @Test func connectGivesUpAtItsStartupTimeoutWhileAnotherWorkerHoldsTheMigrationLock() async throws {
        let schema = Self.freshSchema()
        let holder = try await Self.postgres(schema: schema, maximumConnections: 1)
        let holding = Task {
            try await holder.backend.transaction { tx in
                _ = try tx.rows(
                    SQLStatement(
                        "SELECT pg_advisory_xact_lock(?::int, hashtext(?))::text AS l",
                        [.int(PostgresBackend.migrationLockKey), .text(schema)]))
                return try tx.rows(Self.slow(.postgres, seconds: 60))
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) {
            let second = try await Self.postgres(schema: schema, maximumConnections: 1, startupTimeout: .seconds(1))
            await second.close()
        }
        // Waiting for the lock would take the holder's 60 s; the bound leaves room for the suite's load
        // (a fresh-clone run took 15.8 s to connect, time out and close with its 1 s timeout).
        #expect(ContinuousClock.now - started < .seconds(45), "connect waited \(ContinuousClock.now - started) with a 1 s timeout")
        await holder.close()  // ends the holder's transaction (its connection closes)
        _ = await holding.result
    }

    // MARK: SQLite across processes

    /// Another process holding SQLite's write lock: a write waits up to `busyTimeout` for it, then fails;
    /// released in time, the write goes through.
    @Test func aSQLiteWriteWaitsForAnotherWritersLockUpToTheBusyTimeout() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: path, configuration: .init(busyTimeout: 0.5))
        var otherProcess = GRDB.Configuration()
        otherProcess.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: path, configuration: otherProcess)
        try await other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        let started = ContinuousClock.now
        await #expect(throws: StoreError.self) { try await store.createList(name: "busy", description: "") }
        #expect(ContinuousClock.now - started >= .milliseconds(450), "the write did not wait for the busy timeout")
        let patient = try SQLiteStore(path: path, configuration: .init(busyTimeout: 30))
        let second = Task { try await patient.createList(name: "waited", description: "") }
        try await Task.sleep(for: .milliseconds(200))
        try await other.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
        _ = try await second.value
        #expect(try await store.allLists().map(\.name) == ["waited"])
    }
}
