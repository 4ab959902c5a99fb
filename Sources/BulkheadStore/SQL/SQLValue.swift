import Foundation

/// A value bound to or read from SQL, the common ground of both backends.
enum SQLValue: Sendable, Hashable {
    case null
    case int(Int64)
    case text(String)
    /// Bound as a `text[]` on PostgreSQL and as a JSON array (for `json_each`) on SQLite.
    case textArray([String])
    /// Bound as a `bigint[]` on PostgreSQL and as a JSON array on SQLite.
    case intArray([Int64])
    /// Octets: a BLOB on SQLite, a BYTEA on PostgreSQL.
    case bytes([UInt8])

    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    init(_ date: Date?) { self = date.map { .int(SQLTime.milliseconds($0)) } ?? .null }
}

/// Times are stored as whole milliseconds since 1970 (BIGINT) in both backends.
enum SQLTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The instant as it will read back from the database.
    static func truncated(_ date: Date) -> Date { Self.date(milliseconds(date)) }
}

/// One result row: column name → value.
struct SQLRow: Sendable {
    var values: [String: SQLValue]

    func value(_ column: String) throws(StoreError) -> SQLValue {
        guard let value = values[column] else { throw .invalidData("missing column \(column)") }
        return value
    }

    func int(_ column: String) throws(StoreError) -> Int64 {
        guard let value = try optionalInt(column) else { throw .invalidData("column \(column) is NULL") }
        return value
    }

    func optionalInt(_ column: String) throws(StoreError) -> Int64? {
        switch try value(column) {
        case .null: return nil
        case .int(let value): return value
        default: throw .invalidData("column \(column) is not an integer")
        }
    }

    func text(_ column: String) throws(StoreError) -> String {
        guard let value = try optionalText(column) else { throw .invalidData("column \(column) is NULL") }
        return value
    }

    func optionalText(_ column: String) throws(StoreError) -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let value): return value
        // A BLOB in a TEXT column (written by another tool) reads as its UTF-8 text.
        case .bytes(let value): return String(decoding: value, as: UTF8.self)
        default: throw .invalidData("column \(column) is not text")
        }
    }

    func bytes(_ column: String) throws(StoreError) -> [UInt8] {
        switch try value(column) {
        case .bytes(let value): return value
        default: throw .invalidData("column \(column) is not octets")
        }
    }

    func date(_ column: String) throws(StoreError) -> Date { SQLTime.date(try int(column)) }

    func optionalDate(_ column: String) throws(StoreError) -> Date? { try optionalInt(column).map(SQLTime.date) }

    func enumValue<T: RawRepresentable<String>>(_ type: T.Type, _ column: String) throws(StoreError) -> T {
        let raw = try text(column)
        guard let value = T(rawValue: raw) else { throw .invalidData("column \(column) holds unknown value \(raw)") }
        return value
    }

    func json<T: Decodable>(_ type: T.Type, _ column: String) throws(StoreError) -> T {
        try JSONText.decode(type, from: try text(column), column: column)
    }

    /// A column holding a JSON object, read by ``PlainJSONReader`` when it can (the usual case) and
    /// by `JSONDecoder` otherwise.
    func jsonObject(_ column: String) throws(StoreError) -> [String: JSONValue] {
        let text = try text(column)
        if let object = PlainJSONReader.object(text) { return object }
        return try JSONText.decode([String: JSONValue].self, from: text, column: column)
    }
}

/// One SQL statement with `?` placeholders and its bound values.
struct SQLStatement: Sendable {
    var sql: String
    var binds: [SQLValue]

    init(_ sql: String, _ binds: [SQLValue] = []) {
        self.sql = sql
        self.binds = binds
    }
}
