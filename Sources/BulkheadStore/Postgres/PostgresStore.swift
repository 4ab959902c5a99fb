import Foundation
public import Logging
import NIOPosix
import PostgresNIO

/// The store for several worker processes on several machines: PostgreSQL through postgres-nio's
/// `PostgresClient` (a connection pool).
///
/// **Lifecycle.** The store owns its client: ``connect(_:logger:)`` starts `client.run()` in a task
/// the store keeps, applies pending migrations, and returns; ``close()`` cancels that task and waits
/// for the pool to shut down. Call ``close()`` once when done.
///
/// **Transactions.** A transaction body is one synchronous closure (as on SQLite): it runs on one
/// pooled connection, on a thread of the store's own thread pool (one thread per connection) that
/// waits for each statement's reply, between `BEGIN` and `COMMIT` (or `ROLLBACK` when it throws).
///
/// **Concurrency.** Claims lock candidate rows with `FOR UPDATE SKIP LOCKED`, so any number of
/// workers in any number of processes claim disjoint entries without waiting on each other.
/// Migrations run in one transaction under a transaction-scoped advisory lock, so workers starting at
/// the same moment apply each version exactly once.
///
/// ```swift
/// let store = try await PostgresStore.connect(.init(url: "postgres://bulkhead@db.internal/bulkhead"))
/// defer { Task { await store.close() } }
/// let lists = try await store.allLists()
/// ```
public final class PostgresStore: SQLMailStore, @unchecked Sendable {
    /// Settings of a ``PostgresStore``.
    public struct Configuration: Sendable {
        /// Whether to use TLS.
        public enum TLSMode: String, Sendable {
            /// Plain TCP (loopback or a trusted network only).
            case disable
            /// TLS when the server offers it.
            case prefer
            /// TLS, verified, or no connection.
            case require
        }

        /// The server's host name or IP address.
        public var host: String
        /// The server's port.
        public var port: Int
        /// The role to log in as.
        public var username: String
        /// The password (nil for trust or peer authentication).
        public var password: String?
        /// The database.
        public var database: String
        /// The schema the tables live in (`search_path`; created if missing); nil for the server's default
        /// (`public`). Lowercase letters, digits and `_` only.
        public var schema: String?
        /// TLS use.
        public var tls: TLSMode
        /// The most connections the pool opens.
        public var maximumConnections: Int
        /// How long ``PostgresStore/connect(_:logger:)`` waits for the server and the migrations before it
        /// gives up (the pool itself keeps retrying unreachable servers forever).
        public var startupTimeout: Duration
        /// The clock used for stored times and due checks.
        public var clock: any BulkheadClock

        /// Describes the settings field by field.
        public init(
            host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
            schema: String? = nil, tls: TLSMode = .disable, maximumConnections: Int = 10,
            startupTimeout: Duration = .seconds(30), clock: any BulkheadClock = SystemClock()
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.schema = schema
            self.tls = tls
            self.maximumConnections = maximumConnections
            self.startupTimeout = startupTimeout
            self.clock = clock
        }

        /// Parses `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`
        /// (`postgresql://` also accepted; the database defaults to the user name).
        public init(url: String) throws(StoreError) {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql"
            else { throw .invalidConfiguration("not a postgres:// URL: \(url)") }
            guard let host = components.host, !host.isEmpty else { throw .invalidConfiguration("no host in \(url)") }
            guard let user = components.user, !user.isEmpty else { throw .invalidConfiguration("no user in \(url)") }
            let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            var tls = TLSMode.disable
            if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
                guard let parsed = TLSMode(rawValue: mode) else {
                    throw .invalidConfiguration("sslmode must be disable, prefer or require, not \(mode)")
                }
                tls = parsed
            }
            self.init(
                host: host, port: components.port ?? 5432, username: user, password: components.password,
                database: path.isEmpty ? user : path, tls: tls)
        }
    }

    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let threads: NIOThreadPool

    private init(
        client: PostgresClient, runTask: Task<Void, Never>, threads: NIOThreadPool, backend: PostgresBackend,
        clock: any BulkheadClock
    ) {
        self.client = client
        self.runTask = runTask
        self.threads = threads
        super.init(backend: backend, clock: clock)
    }

    /// Starts the connection pool, applies pending migrations and returns the store.
    public static func connect(_ configuration: Configuration, logger: Logger = Logger(label: "bulkhead.store.postgres")) async throws
        -> PostgresStore
    {
        let tls: PostgresClient.Configuration.TLS =
            switch configuration.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var config = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port,
            username: configuration.username, password: configuration.password,
            database: configuration.database, tls: tls)
        config.options.maximumConnections = max(1, configuration.maximumConnections)
        if let schema = configuration.schema {
            guard let first = schema.unicodeScalars.first, ("a"..."z").contains(first) || first == "_",
                schema.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
                schema.utf8.count <= 63
            else { throw StoreError.invalidConfiguration("schema name \(schema.debugDescription) must match [a-z_][a-z0-9_]*") }
            config.options.additionalStartupParameters = [("search_path", schema)]
        }
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        let runTask = Task { await client.run() }
        // One thread per connection: each runs one transaction body at a time.
        let threads = NIOThreadPool(numberOfThreads: max(1, configuration.maximumConnections))
        threads.start()
        let backend = PostgresBackend(client: client, threads: threads, logger: logger)
        do {
            let schema = configuration.schema
            let timeout = configuration.startupTimeout
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await backend.migrate(schema: schema)
                    return true
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return false
                }
                let migrated = try await group.next() ?? false
                group.cancelAll()
                guard migrated else {
                    // The migration may be waiting on the server (for another worker's migration lock):
                    // closing the connections ends that wait, so the group, and this call, end in time.
                    runTask.cancel()
                    throw StoreError.database(
                        """
                        no PostgreSQL session at \(configuration.host):\(configuration.port) within \(timeout)
                        """)
                }
            }
        } catch {
            runTask.cancel()
            await runTask.value
            try? await threads.shutdownGracefully()
            throw error
        }
        return PostgresStore(client: client, runTask: runTask, threads: threads, backend: backend, clock: configuration.clock)
    }

    /// Closes every connection and stops the pool's task. The store cannot be used afterwards.
    public func close() async {
        runTask.cancel()
        await runTask.value
        try? await threads.shutdownGracefully()
    }

    /// A store dropped without ``close()`` still stops its pool and its threads (without waiting).
    deinit {
        runTask.cancel()
        threads.shutdownGracefully { _ in }
    }
}

/// postgres-nio's `PostgresClient` as an ``SQLBackend``.
struct PostgresBackend: SQLBackend {
    let client: PostgresClient
    /// The threads transaction bodies run on (one per connection).
    let threads: NIOThreadPool
    let logger: Logger

    /// The advisory lock key that serialises migrations ("bulkhead" in ASCII, as a number).
    /// The first key of the advisory locks that order migrations and one-time upgrades; the second is
    /// the schema's name hashed by the server, so stores in different schemas never wait for each other.
    static let migrationLockKey: Int64 = 0x6275_6C6B

    var dialect: SQLDialect { .postgres }

    func read<T: Sendable>(_ statement: SQLStatement, each transform: @escaping @Sendable (SQLRow) throws -> T) async throws -> [T] {
        do {
            return try await Self.collect(try await client.query(try Self.query(statement), logger: logger)).map(transform)
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` on one pooled connection, on a thread of ``threads`` (see ``PostgresStore``). A
    /// caller cancelled while it waits for a connection throws `CancellationError`; once the body has
    /// started it runs to its end (COMMIT or ROLLBACK).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        let logger = logger
        let threads = threads
        do {
            return try await client.withConnection { connection in
                try await Self.onConnection {
                    try await threads.runIfActive {
                        let tx = Transaction(connection: connection, logger: logger)
                        _ = try tx.run(SQLStatement("BEGIN"))
                        do {
                            let value = try body(tx)
                            _ = try tx.run(SQLStatement("COMMIT"))
                            return value
                        } catch {
                            _ = try? tx.run(SQLStatement("ROLLBACK"))
                            throw error
                        }
                    }
                }
            }
        } catch let error as OnConnection {
            throw Self.storeError(error.error)
        } catch {
            // Not from the body: leasing the connection failed (postgres-nio's pool says a cancelled
            // wait with its own error).
            throw Task.isCancelled ? CancellationError() : Self.storeError(error)
        }
    }

    /// An error thrown once a connection was leased (tells it apart from a failed lease).
    struct OnConnection: Error {
        let error: any Error
    }

    private static func onConnection<T>(_ work: () async throws -> T) async throws(OnConnection) -> T {
        do {
            return try await work()
        } catch {
            throw OnConnection(error: error)
        }
    }

    /// Applies the versions missing from `schema_migrations`, all in one transaction under an advisory lock.
    func migrate(schema: String?) async throws {
        try await transaction { tx in
            _ = try tx.rows(
                SQLStatement(
                    "SELECT pg_advisory_xact_lock(?::int, hashtext(?))",
                    [.int(Self.migrationLockKey), .text(schema ?? "public")]))
            if let schema {  // validated by `connect`
                _ = try tx.changes(SQLStatement("CREATE SCHEMA IF NOT EXISTS \(schema)"))
            }
            _ = try tx.changes(
                SQLStatement(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"))
            var applied = Set<Int64>()
            for row in try tx.rows(SQLStatement("SELECT version FROM schema_migrations")) {
                applied.insert(try row.int("version"))
            }
            for migration in Schema.migrations(.postgres) where !applied.contains(Int64(migration.version)) {
                for statement in migration.statements {
                    _ = try tx.changes(SQLStatement(statement))
                }
                _ = try tx.changes(
                    SQLStatement(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                        [.int(Int64(migration.version)), SQLValue(Date())]))
            }
        }
    }

    /// One connection inside a transaction, used from a thread of the pool (never an event loop):
    /// each statement waits for its reply.
    struct Transaction: SQLTransaction {
        let connection: PostgresConnection
        let logger: Logger

        func rows(_ statement: SQLStatement) throws -> [SQLRow] {
            try PostgresBackend.rows(try run(statement).rows)
        }

        func changes(_ statement: SQLStatement) throws -> Int {
            try run(statement).metadata.rows ?? 0
        }

        func run(_ statement: SQLStatement) throws -> PostgresQueryResult {
            let reply = connection.query(try PostgresBackend.query(statement), logger: logger)
            // A statement written to a connection that has just closed (the store closing, the server
            // gone) is never answered: give up once the connection is closed instead of waiting for ever
            // (which kept this thread, and so `close()`, waiting for ever).
            let answered = DispatchSemaphore(value: 0)
            reply.whenComplete { _ in answered.signal() }
            while answered.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
                if connection.isClosed { throw StoreError.database("the PostgreSQL connection closed during a transaction") }
            }
            return try reply.wait()
        }
    }

    static func query(_ statement: SQLStatement) throws(StoreError) -> PostgresQuery {
        try StoreText.check(statement)
        var bindings = PostgresBindings(capacity: statement.binds.count)
        for bind in statement.binds {
            switch bind {
            case .null: bindings.appendNull()
            case .int(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .textArray(let values): bindings.append(values)
            case .intArray(let values): bindings.append(values)
            case .bytes(let values): bindings.append(ByteBuffer(bytes: values))
            }
        }
        return PostgresQuery(unsafeSQL: SQLDialect.postgres.render(statement.sql), binds: bindings)
    }

    static func collect(_ sequence: PostgresRowSequence) async throws -> [SQLRow] {
        var rows: [SQLRow] = []
        for try await row in sequence { rows.append(try self.row(row)) }
        return rows
    }

    static func rows(_ rows: [PostgresRow]) throws -> [SQLRow] {
        try rows.map(row)
    }

    private static func row(_ row: PostgresRow) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for cell in row {
            values[cell.columnName] = try value(of: cell)
        }
        return SQLRow(values: values)
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int8, .int4, .int2: return .int(try cell.decode(Int64.self))
        case .text, .varchar, .name, .bpchar: return .text(try cell.decode(String.self))
        case .bytea: return .bytes(Array(try cell.decode(ByteBuffer.self).readableBytesView))
        case .void: return .null
        default: throw StoreError.invalidData("column \(cell.columnName) has unexpected type \(cell.dataType)")
        }
    }

    static func storeError(_ error: any Error) -> any Error {
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "\(error)"
            // Class 23 (integrity constraints) and P0001 (RAISE EXCEPTION in our audit trigger).
            if state.hasPrefix("23") || state == "P0001" { return StoreError.constraintViolation(message) }
            // 53100 disk_full (class 53: insufficient resources).
            if state == "53100" { return StoreError.storageFull("\(state): \(message)") }
            return StoreError.database("\(state): \(message)")
        }
        if error is StoreError || error is CancellationError { return error }
        return StoreError.database(String(reflecting: error))
    }
}
