import GRDB
import GRDBSQLite

/// Runs one ``SQLStatement`` on a GRDB connection through SQLite's own interface: its values are
/// bound with `sqlite3_bind_*` and its rows read with `sqlite3_column_*`, straight from and into
/// ``SQLValue``, without GRDB's `StatementArguments` and `Row` in between (an import binds 15,000
/// values per statement; each went through an existential box and a `DatabaseValue` before).
/// The statement comes from GRDB's per-connection cache, is reset before and after, and an
/// SQLite error is thrown as GRDB's `DatabaseError`, so ``SQLiteBackend/storeError(_:)`` maps it
/// as before (a full disk, a constraint).
///
/// ```swift
/// let rows = try SQLiteStatementRun.rows(db, Queries.list(id: list))
/// ```
enum SQLiteStatementRun {
    /// The rows the statement returns.
    static func rows(_ db: Database, _ statement: SQLStatement) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        try run(db, statement) { handle in
            let count = sqlite3_column_count(handle)
            let names = (0..<count).map { String(cString: sqlite3_column_name(handle, $0)) }
            while try step(db, handle, statement) {
                var values: [String: SQLValue] = Dictionary(minimumCapacity: Int(count))
                for index in 0..<count {
                    values[names[Int(index)]] = try value(handle, index, column: names[Int(index)])
                }
                rows.append(SQLRow(values: values))
            }
        }
        return rows
    }

    /// How many rows the statement changed.
    static func changes(_ db: Database, _ statement: SQLStatement) throws -> Int {
        try run(db, statement) { handle in
            while try step(db, handle, statement) {}
        }
        return Int(sqlite3_changes(db.sqliteConnection))
    }

    /// Prepares (or takes from the cache), binds, runs `body`, and resets the statement whatever happens.
    private static func run(_ db: Database, _ statement: SQLStatement, _ body: (OpaquePointer) throws -> Void) throws {
        try StoreText.check(statement)
        let handle = try db.cachedStatement(sql: statement.sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == statement.binds.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE, message: "wrong number of values: expected \(expected), got \(statement.binds.count)",
                sql: statement.sql)
        }
        for (offset, bind) in statement.binds.enumerated() {
            let code = Self.bind(bind, to: handle, at: Int32(offset + 1))
            guard code == SQLITE_OK else { throw error(db, code, statement) }
        }
        try body(handle)
    }

    /// One step: true while a row is there, false when done.
    private static func step(_ db: Database, _ handle: OpaquePointer, _ statement: SQLStatement) throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code: throw error(db, code, statement)
        }
    }

    private static func bind(_ value: SQLValue, to handle: OpaquePointer, at index: Int32) -> Int32 {
        switch value {
        case .null: sqlite3_bind_null(handle, index)
        case .int(let int): sqlite3_bind_int64(handle, index, int)
        case .text(let text): bindText(text, to: handle, at: index)
        case .textArray(let items): bindText(JSONBytes.stringArray(items), to: handle, at: index)
        case .intArray(let items): bindText("[" + items.map(String.init).joined(separator: ",") + "]", to: handle, at: index)
        case .bytes(let bytes):
            bytes.withUnsafeBytes { buffer in
                // An empty blob is a blob, not NULL (a null pointer would bind NULL).
                guard let base = buffer.baseAddress else { return sqlite3_bind_zeroblob(handle, index, 0) }
                return sqlite3_bind_blob(handle, index, base, Int32(buffer.count), transient)
            }
        }
    }

    private static func bindText(_ text: String, to handle: OpaquePointer, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(handle, index, $0, Int32(utf8.count), transient)
            }
        }
    }

    private static func value(_ handle: OpaquePointer, _ index: Int32, column: String) throws -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, index))
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let blob = sqlite3_column_blob(handle, index), count > 0 else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            // Every numeric column is an integer; a REAL can only come from outside this store.
            throw StoreError.invalidData("column \(column) holds the real number \(sqlite3_column_double(handle, index))")
        }
    }

    private static func error(_ db: Database, _ code: Int32, _ statement: SQLStatement) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the value before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
