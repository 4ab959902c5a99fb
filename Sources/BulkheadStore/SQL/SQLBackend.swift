/// The statements of one open transaction. A transaction body is one synchronous closure over it
/// (GRDB's model): it runs from BEGIN to COMMIT without suspending, so nothing else can interleave with
/// it on the connection, and a body that throws is rolled back.
protocol SQLTransaction {
    /// Runs a statement and returns its rows (SELECT, or a write with RETURNING).
    func rows(_ statement: SQLStatement) throws -> [SQLRow]
    /// Runs a write without RETURNING and returns how many rows it changed.
    func changes(_ statement: SQLStatement) throws -> Int
}

/// What a database backend provides to ``SQLMailStore``: reads, and transactions run as one unit.
///
/// Each backend runs a body its own way: SQLite as one `DatabasePool.write { db in … }` on GRDB's
/// writer (`BEGIN IMMEDIATE`), PostgreSQL on one pooled connection, on a thread of the store's own
/// thread pool that waits for each statement's reply.
protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one read-only statement outside any explicit transaction, and `transform` on each row
    /// where the rows are read (SQLite: on the reader's thread, so that decoding a page overlaps with
    /// what the caller does with the previous one).
    func read<T: Sendable>(_ statement: SQLStatement, each transform: @escaping @Sendable (SQLRow) throws -> T) async throws -> [T]
    /// Runs `body` as one write transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLTransaction) throws -> T) async throws -> T
}

extension SQLTransaction {
    func one(_ statement: SQLStatement) throws -> SQLRow? {
        try rows(statement).first
    }
}

extension SQLBackend {
    /// Runs one read-only statement outside any explicit transaction.
    func read(_ statement: SQLStatement) async throws -> [SQLRow] {
        try await read(statement) { $0 }
    }

    func one(_ statement: SQLStatement) async throws -> SQLRow? {
        try await read(statement).first
    }
}
