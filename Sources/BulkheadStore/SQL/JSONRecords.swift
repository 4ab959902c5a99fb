/// A batch of records passed to SQL as ONE bound JSON array of objects and read back as a table `v`
/// (`json_each` on SQLite, `jsonb_to_recordset` on PostgreSQL): one statement per batch instead of
/// one round trip per row.
struct JSONRecords {
    enum ColumnType: String {
        case bigint
        case text
    }

    let columns: [(name: String, type: ColumnType)]
    /// Each column's `"name":` (after a `,` from the second on), encoded once.
    private let keys: [[UInt8]]
    private var json: [UInt8] = [UInt8(ascii: "[")]
    private(set) var count = 0

    init(columns: [(name: String, type: ColumnType)]) {
        self.columns = columns
        keys = columns.enumerated().map { index, column in
            var key: [UInt8] = index > 0 ? [UInt8(ascii: ",")] : []
            JSONBytes.appendString(column.name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
    }

    /// Appends one record; `values` are in `columns` order (`.int`, `.text` or `.null`). Text holding
    /// NUL is refused (see ``StoreText``).
    mutating func append(_ values: [SQLValue]) throws(StoreError) {
        for case .text(let text) in values { try StoreText.refuseNUL(text) }
        if count > 0 { json.append(UInt8(ascii: ",")) }
        json.append(UInt8(ascii: "{"))
        for (key, value) in zip(keys, values) {
            json.append(contentsOf: key)
            switch value {
            case .int(let int): json.append(contentsOf: String(int).utf8)
            case .text(let text): JSONBytes.appendString(text, to: &json)
            case .null, .textArray, .intArray, .bytes: json.append(contentsOf: "null".utf8)
            }
        }
        json.append(UInt8(ascii: "}"))
        count += 1
    }

    /// The bound value.
    var bind: SQLValue { .text(String(decoding: json + [UInt8(ascii: "]")], as: UTF8.self)) }

    /// The table expression `… AS v` with the records' columns, reading the bind at its single `?`.
    func source(_ dialect: SQLDialect) -> String {
        switch dialect {
        case .sqlite:
            let fields = columns.map { "json_extract(value, '$.\($0.name)') AS \($0.name)" }.joined(separator: ", ")
            return "(SELECT \(fields) FROM json_each(?)) AS v"
        case .postgres:
            let fields = columns.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ")
            return "jsonb_to_recordset(?::jsonb) AS v(\(fields))"
        }
    }
}
