public import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode.
///
/// **Single-writer model.** SQLite allows one writer at a time. Inside one process, GRDB's
/// `DatabasePool` has exactly one writer connection, and this store runs each ``MailStore`` method as
/// one `BEGIN IMMEDIATE` transaction on it, one after another (an async lock orders them; reads run
/// concurrently on reader connections and see the last committed state). Across processes sharing the
/// file, `BEGIN IMMEDIATE` takes SQLite's write lock up front and waits up to `busyTimeout` for it, so
/// claims from several processes are serialised by the file lock and never hand out the same entry.
///
/// ```swift
/// let store = try SQLiteStore(path: "/var/lib/bulkhead/bulkhead.sqlite")
/// let news = try await store.createList(name: "news", description: "")
/// ```
public final class SQLiteStore: SQLMailStore, @unchecked Sendable {
    /// Settings of a ``SQLiteStore``.
    public struct Configuration: Sendable {
        /// How long a write waits for another process's write lock before failing.
        public var busyTimeout: TimeInterval
        /// The clock used for stored times and due checks.
        public var clock: any BulkheadClock

        /// Describes the settings.
        public init(busyTimeout: TimeInterval = 10, clock: any BulkheadClock = SystemClock()) {
            self.busyTimeout = busyTimeout
            self.clock = clock
        }
    }

    /// The database file.
    public let path: String

    /// The writer connection's `PRAGMA synchronous` level (2 = FULL: every commit is fsynced).
    public func writerSynchronousLevel() async throws -> Int {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        // Transactions span several async hops to the writer connection (see SQLiteBackend).
        config.allowsUnsafeTransactions = true
        config.foreignKeysEnabled = true
        let pool: DatabasePool
        do {
            try PrivateFiles.createFileIfMissing(atPath: path)  // mode 0600, which SQLite gives -wal and -shm too
            pool = try DatabasePool(path: path, configuration: config)
            // A claim must survive an OS crash or power loss too, not only a process crash: fsync every
            // commit. Set here, after opening: DatabasePool sets NORMAL when it turns WAL on, after any
            // `prepareDatabase` hook has run. Only the writer connection writes.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            var migrator = DatabaseMigrator()
            for migration in Schema.migrations(.sqlite) {
                migrator.registerMigration("v\(migration.version)") { db in
                    for statement in migration.statements { try db.execute(sql: statement) }
                }
            }
            do {
                try migrator.migrate(pool)
            } catch {
                // Another process sharing the file may have applied the same version between GRDB's
                // check and our CREATE TABLE: that is success if every migration is now recorded.
                guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else { throw error }
            }
        } catch {
            throw SQLiteBackend.storeError(error)
        }
        self.path = path
        self.pool = pool
        super.init(backend: SQLiteBackend(pool: pool), clock: configuration.clock)
    }
}

/// GRDB's `DatabasePool` as an ``SQLBackend``.
struct SQLiteBackend: SQLBackend {
    let pool: DatabasePool
    let writeLock = AsyncLock()

    var dialect: SQLDialect { .sqlite }

    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        do {
            return try await pool.read { db in try Self.fetch(db, statement) }
        } catch {
            throw Self.storeError(error)
        }
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T {
        await writeLock.lock()
        do {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        } catch {
            await writeLock.unlock()
            throw Self.storeError(error)
        }
        do {
            let value = try await body(Transaction(pool: pool))
            try await finish("COMMIT")
            await writeLock.unlock()
            return value
        } catch {
            try? await finish("ROLLBACK")
            await writeLock.unlock()
            throw Self.storeError(error)
        }
    }

    /// All statements in one closure on the writer connection: BEGIN IMMEDIATE … COMMIT without
    /// leaving it, so the write lock is held for the time SQLite needs, not for several hops.
    func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        await writeLock.lock()
        do {
            let results = try await pool.writeWithoutTransaction { db in
                var results: [[SQLRow]] = []
                try db.inTransaction(.immediate) {
                    for statement in statements { results.append(try Self.fetch(db, statement)) }
                    return .commit
                }
                return results
            }
            await writeLock.unlock()
            return results
        } catch {
            await writeLock.unlock()
            throw Self.storeError(error)
        }
    }

    /// COMMIT or ROLLBACK in a task that cannot be cancelled, so a cancelled caller never leaves the
    /// writer connection inside a transaction.
    private func finish(_ sql: String) async throws {
        let pool = pool
        try await Task.detached {
            try await pool.writeWithoutTransaction { db in
                if db.isInsideTransaction { try db.execute(sql: sql) }
            }
        }.value
    }

    struct Transaction: SQLTransaction {
        let pool: DatabasePool

        func rows(_ statement: SQLStatement) async throws -> [SQLRow] {
            try await pool.writeWithoutTransaction { db in try SQLiteBackend.fetch(db, statement) }
        }

        func changes(_ statement: SQLStatement) async throws -> Int {
            try await pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: statement.sql).execute(arguments: SQLiteBackend.arguments(statement.binds))
                return db.changesCount
            }
        }
    }

    static func fetch(_ db: Database, _ statement: SQLStatement) throws -> [SQLRow] {
        try StoreText.check(statement)
        let prepared = try db.cachedStatement(sql: statement.sql)
        return try Row.fetchAll(prepared, arguments: arguments(statement.binds)).map { row in
            var values: [String: SQLValue] = [:]
            for (column, value) in row {
                values[column] = switch value.storage {
                case .null: .null
                case let .int64(int): .int(int)
                case let .double(double):
                    // Every numeric column is an integer; a REAL can only come from outside this store.
                    throw StoreError.invalidData("column \(column) holds the real number \(double)")
                case let .string(string): .text(string)
                case let .blob(data): .text(String(decoding: data, as: UTF8.self))
                }
            }
            return SQLRow(values: values)
        }
    }

    static func arguments(_ binds: [SQLValue]) -> StatementArguments {
        StatementArguments(binds.map { bind -> (any DatabaseValueConvertible)? in
            switch bind {
            case .null: nil
            case let .int(value): value
            case let .text(value): value
            case let .textArray(values): jsonArray(values.map(jsonString))
            case let .intArray(values): jsonArray(values.map(String.init))
            }
        })
    }

    private static func jsonArray(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    private static func jsonString(_ value: String) -> String {
        (try? JSONText.encode(value)) ?? "\"\""
    }

    static func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.resultCode == .SQLITE_CONSTRAINT {
            return StoreError.constraintViolation(error.message ?? "constraint failed")
        }
        return StoreError.database(error.description)
    }
}
