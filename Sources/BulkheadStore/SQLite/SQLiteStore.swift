public import Foundation
import GRDB

/// The embedded store: one SQLite file through GRDB, in WAL mode.
///
/// **Single-writer model.** SQLite allows one writer at a time. Inside one process, GRDB's
/// `DatabasePool` has exactly one writer connection, and this store runs each ``MailStore`` method as
/// one `BEGIN IMMEDIATE` transaction on it, as one `write { db in … }` closure (GRDB queues them;
/// reads run concurrently on reader connections and see the last committed state). Across processes sharing the
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
            // Another process sharing the file may apply the same version between GRDB's check and our
            // CREATE TABLE (each version commits on its own). Then our attempt fails, and the next one
            // sees that version recorded and goes on from there: each retry finds at least one more
            // version done, so as many tries as versions always end.
            var attempt = 0
            while true {
                do {
                    try migrator.migrate(pool)
                    break
                } catch {
                    attempt += 1
                    if try pool.read({ try migrator.hasCompletedMigrations($0) }) { break }
                    if attempt > Schema.migrations(.sqlite).count { throw error }
                }
            }
        } catch {
            throw SQLiteBackend.storeError(error)
        }
        self.path = path
        self.pool = pool
        super.init(backend: SQLiteBackend(pool: pool), clock: configuration.clock)
    }
}

/// GRDB's `DatabasePool` as an ``SQLBackend``: every transaction is one `write { db in … }`
/// closure on the pool's single writer connection (GRDB's own transaction model).
struct SQLiteBackend: SQLBackend {
    let pool: DatabasePool

    var dialect: SQLDialect { .sqlite }

    func read<T: Sendable>(_ statement: SQLStatement, each transform: @escaping @Sendable (SQLRow) throws -> T) async throws -> [T] {
        do {
            return try await pool.read { db in try SQLiteStatementRun.rows(db, statement).map(transform) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// `BEGIN IMMEDIATE` (GRDB's kind for a write transaction), `body`, then `COMMIT`, or
    /// `ROLLBACK` when `body` throws or the calling task is cancelled, all in one closure: the write
    /// lock is held for the time SQLite needs, and no other write can interleave.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T {
        do {
            return try await pool.write { db in try body(Transaction(db: db)) }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// The writer connection inside one `write` closure.
    struct Transaction: SQLTransaction {
        let db: Database

        func rows(_ statement: SQLStatement) throws -> [SQLRow] {
            try SQLiteStatementRun.rows(db, statement)
        }

        func changes(_ statement: SQLStatement) throws -> Int {
            try SQLiteStatementRun.changes(db, statement)
        }
    }

    static func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.resultCode == .SQLITE_CONSTRAINT {
            return StoreError.constraintViolation(error.message ?? "constraint failed")
        }
        if error.resultCode == .SQLITE_FULL {
            return StoreError.storageFull(error.message ?? "database or disk is full")
        }
        return StoreError.database(error.description)
    }
}
