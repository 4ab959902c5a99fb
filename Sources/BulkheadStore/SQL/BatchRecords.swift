/// A batch of records read by ONE statement as a table `v`: one statement per batch instead of one
/// round trip per row. On PostgreSQL the records are one bound JSON array of objects read with
/// `jsonb_to_recordset`; on SQLite they are a `VALUES` list of bound parameters (about a third less
/// work for SQLite than parsing JSON), or a JSON array read with `json_each` when the batch has more
/// values than ``sqliteMaximumValues``.
///
/// ```swift
/// var records = BatchRecords(columns: [("id", .bigint), ("name", .text)], dialect: .sqlite)
/// try records.append([.int(7), .text("Ann")])
/// let statement = SQLStatement("UPDATE t SET name = v.name FROM \(records.source) WHERE t.id = v.id", records.binds)
/// ```
/// The records' placeholders must be the statement's last ones.
struct BatchRecords: Sendable {
    enum ColumnType: String {
        case bigint
        case text
    }

    /// SQLite's default limit on a statement's parameters is 32,766; a batch stays well under it.
    static let sqliteMaximumValues = 30_000

    let columns: [(name: String, type: ColumnType)]
    let dialect: SQLDialect
    /// The values in row order (SQLite).
    private var values: [SQLValue] = []
    /// The JSON array without its closing bracket (PostgreSQL).
    private var json: [UInt8] = [UInt8(ascii: "[")]
    private(set) var count = 0

    /// Records of `columns`, room made for `capacity` of them.
    init(columns: [(name: String, type: ColumnType)], dialect: SQLDialect, capacity: Int = 0) {
        self.columns = columns
        self.dialect = dialect
        switch dialect {
        case .sqlite: values.reserveCapacity(capacity * columns.count)
        case .postgres: json.reserveCapacity(capacity * 64)
        }
    }

    /// Appends one record; `values` are in `columns` order (`.int`, `.text` or `.null`). Text holding
    /// NUL is refused (see ``StoreText``).
    mutating func append(_ record: [SQLValue]) throws(StoreError) {
        precondition(record.count == columns.count, "a record has one value per column")
        for case .text(let text) in record { try StoreText.refuseNUL(text) }
        switch dialect {
        case .sqlite: for value in record { values.append(Self.scalar(value)) }
        case .postgres: Self.appendJSON(record, columns: columns, first: count == 0, to: &json)
        }
        count += 1
    }

    private var sqliteUsesJSON: Bool { values.count > Self.sqliteMaximumValues }

    /// The bound values, in the order of ``source``'s placeholders.
    var binds: [SQLValue] {
        switch dialect {
        case .postgres:
            return [.text(String(decoding: json + [UInt8(ascii: "]")], as: UTF8.self))]
        case .sqlite:
            guard sqliteUsesJSON else { return values }
            var bytes: [UInt8] = [UInt8(ascii: "[")]
            for start in stride(from: 0, to: values.count, by: columns.count) {
                Self.appendJSON(Array(values[start..<start + columns.count]), columns: columns, first: start == 0, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
            return [.text(String(decoding: bytes, as: UTF8.self))]
        }
    }

    /// The table expression `… AS v` with the records' columns, reading ``binds``.
    var source: String {
        switch dialect {
        case .postgres:
            let fields = columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ")
            return "jsonb_to_recordset(?::jsonb) AS v(\(fields))"
        case .sqlite where sqliteUsesJSON:
            let fields = columns.map { "json_extract(value, '$.\($0.name)') AS \($0.name)" }.joined(separator: ", ")
            return "(SELECT \(fields) FROM json_each(?)) AS v"
        case .sqlite:
            let fields = columns.indices.map { "column\($0 + 1) AS \(columns[$0].name)" }.joined(separator: ", ")
            let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
            let rows = Array(repeating: row, count: count).joined(separator: ",")
            return "(SELECT \(fields) FROM (VALUES \(rows))) AS v"
        }
    }

    /// Records hold only integers, text and NULL.
    private static func scalar(_ value: SQLValue) -> SQLValue {
        switch value {
        case .int, .text, .null: value
        case .textArray, .intArray, .bytes: .null
        }
    }

    private static func appendJSON(
        _ record: [SQLValue], columns: [(name: String, type: ColumnType)], first: Bool, to json: inout [UInt8]
    ) {
        json.append(contentsOf: first ? [UInt8(ascii: "{")] : [UInt8(ascii: ","), UInt8(ascii: "{")])
        for (index, (column, value)) in zip(columns, record).enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONBytes.appendString(column.name, to: &json)
            json.append(UInt8(ascii: ":"))
            switch value {
            case .int(let int): json.append(contentsOf: String(int).utf8)
            case .text(let text): JSONBytes.appendString(text, to: &json)
            case .null, .textArray, .intArray, .bytes: json.append(contentsOf: "null".utf8)
            }
        }
        json.append(UInt8(ascii: "}"))
    }
}
