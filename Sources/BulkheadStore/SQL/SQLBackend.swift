import Foundation

/// One open transaction of a backend.
protocol SQLTransaction: Sendable {
    /// Runs a statement and returns its rows (SELECT, or a write with RETURNING).
    func rows(_ statement: SQLStatement) async throws -> [SQLRow]
    /// Runs a write without RETURNING and returns how many rows it changed.
    func changes(_ statement: SQLStatement) async throws -> Int
}

/// What a database backend provides to ``SQLMailStore``.
protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }
    /// Runs one read-only statement outside any explicit transaction.
    func read(_ statement: SQLStatement) async throws -> [SQLRow]
    /// Runs `body` in one write transaction: committed when it returns, rolled back when it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLTransaction) async throws -> T) async throws -> T
    /// Runs `statements` in order in one transaction and returns each one's rows. For a hot path
    /// whose statements need no decision in between: SQLite runs them in one visit to its writer
    /// connection, with no hop between statements.
    func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]]
}

extension SQLTransaction {
    func one(_ statement: SQLStatement) async throws -> SQLRow? {
        try await rows(statement).first
    }
}

extension SQLBackend {
    /// One statement after the other in ``transaction(_:)-(body)``.
    func transaction(_ statements: [SQLStatement]) async throws -> [[SQLRow]] {
        try await transaction { tx in
            var results: [[SQLRow]] = []
            for statement in statements { results.append(try await tx.rows(statement)) }
            return results
        }
    }

    func one(_ statement: SQLStatement) async throws -> SQLRow? {
        try await read(statement).first
    }
}

/// A FIFO lock for async code: one holder at a time, waiters resumed in order.
actor AsyncLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
