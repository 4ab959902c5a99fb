import GRDB
import GRDBSQLite

/// Runs one ``SQLStatement`` on a GRDB connection with its values bound by `sqlite3_bind_*` and its
/// rows read by `sqlite3_column_*`, straight from and into ``SQLValue``: no `StatementArguments` and
/// no `DatabaseValue` per value (an import binds 15,000 values per statement; each went through an
/// existential box and a `DatabaseValue` before). GRDB still runs the statement (its cache, its
/// checks before each statement — cancellation, an aborted transaction — and its error handling,
/// so a cancelled task hears `CancellationError` and a failed statement leaves the cache).
///
/// ```swift
/// let rows = try SQLiteStatementRun.rows(db, Queries.list(id: list))
/// ```
enum SQLiteStatementRun {
    /// The rows the statement returns.
    static func rows(_ db: Database, _ statement: SQLStatement) throws -> [SQLRow] {
        let prepared = try bound(db, statement)
        defer { sqlite3_clear_bindings(prepared.sqliteStatement) }
        let handle = prepared.sqliteStatement
        let count = sqlite3_column_count(handle)
        let names = (0..<count).map { String(cString: sqlite3_column_name(handle, $0)) }
        var rows: [SQLRow] = []
        // GRDB steps the statement; each row is read in place, from the statement.
        let cursor = try Row.fetchCursor(prepared)
        while try cursor.next() != nil {
            var values: [String: SQLValue] = Dictionary(minimumCapacity: Int(count))
            for index in 0..<count {
                values[names[Int(index)]] = try value(handle, index, column: names[Int(index)])
            }
            rows.append(SQLRow(values: values))
        }
        return rows
    }

    /// How many rows the statement changed.
    static func changes(_ db: Database, _ statement: SQLStatement) throws -> Int {
        let prepared = try bound(db, statement)
        defer { sqlite3_clear_bindings(prepared.sqliteStatement) }
        try prepared.execute()
        return db.changesCount
    }

    /// The cached statement with `statement`'s values bound. GRDB resets it, clears its bindings and
    /// takes them as set (no arguments of its own); the values are then bound here, one by one.
    private static func bound(_ db: Database, _ statement: SQLStatement) throws -> Statement {
        try StoreText.check(statement)
        let prepared = try db.cachedStatement(sql: statement.sql)
        prepared.setUncheckedArguments(StatementArguments())
        let handle = prepared.sqliteStatement
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard expected == statement.binds.count else {
            throw DatabaseError(
                resultCode: .SQLITE_MISUSE, message: "wrong number of values: expected \(expected), got \(statement.binds.count)",
                sql: statement.sql)
        }
        for (offset, value) in statement.binds.enumerated() {
            let code = bind(value, to: handle, at: Int32(offset + 1))
            guard code == SQLITE_OK else {
                sqlite3_clear_bindings(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errstr(code)), sql: statement.sql)
            }
        }
        return prepared
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
                return sqlite3_bind_blob64(handle, index, base, sqlite3_uint64(buffer.count), transient)
            }
        }
    }

    private static func bindText(_ text: String, to handle: OpaquePointer, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text64(handle, index, $0, sqlite3_uint64(utf8.count), transient, UInt8(SQLITE_UTF8))
            }
        }
    }

    private static func value(_ handle: OpaquePointer, _ index: Int32, column: String) throws -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL: return .null
        case SQLITE_INTEGER: return .int(sqlite3_column_int64(handle, index))
        case SQLITE_TEXT:
            // The pointer first, then its length (SQLite's documented order).
            guard let text = sqlite3_column_text(handle, index) else { throw outOfMemory(column) }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let blob = sqlite3_column_blob(handle, index)
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0 else { return .bytes([]) }
            guard let blob else { throw outOfMemory(column) }
            return .bytes(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            // Every numeric column is an integer; a REAL can only come from outside this store.
            throw StoreError.invalidData("column \(column) holds the real number \(sqlite3_column_double(handle, index))")
        }
    }

    private static func outOfMemory(_ column: String) -> DatabaseError {
        DatabaseError(resultCode: .SQLITE_NOMEM, message: "out of memory reading column \(column)")
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the value before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
