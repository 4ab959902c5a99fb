/// The header section of a message: fields in order, names compared case-insensitively.
///
/// Order is kept exactly (it matters to DKIM and to trace fields); lookups return the first match.
///
/// ```swift
/// var headers = HeaderList()
/// try headers.append(name: "From", value: "Shop <shop@example.com>")
/// try headers.append(name: "Subject", value: "Spring offer")
/// headers["subject"]           // "Spring offer"
/// headers.values(for: "Received") // []
/// ```
public struct HeaderList: Sendable, Hashable, RandomAccessCollection {
    public private(set) var fields: [HeaderField]

    public init(_ fields: [HeaderField] = []) {
        self.fields = fields
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// The value of the first field called `name`, or nil.
    public subscript(name: String) -> String? {
        fields.first { $0.hasName(name) }?.value
    }

    /// The values of every field called `name`, in order.
    public func values(for name: String) -> [String] {
        fields.compactMap { $0.hasName(name) ? $0.value : nil }
    }

    /// True if at least one field is called `name`.
    public func contains(_ name: String) -> Bool {
        fields.contains { $0.hasName(name) }
    }

    /// Appends a field at the end.
    public mutating func append(_ field: HeaderField) {
        fields.append(field)
    }

    /// Appends a new field, checked as ``HeaderField/init(name:value:)`` checks it.
    public mutating func append(name: String, value: String) throws(HeaderError) {
        fields.append(try HeaderField(name: name, value: value))
    }

    /// Replaces every field called `name` by one field with `value`, at the place of the first
    /// (or at the end when there was none).
    public mutating func set(name: String, value: String) throws(HeaderError) {
        let field = try HeaderField(name: name, value: value)
        if let first = fields.firstIndex(where: { $0.hasName(name) }) {
            fields[first] = field
            var index = fields.index(after: first)
            while index < fields.endIndex {
                if fields[index].hasName(name) { fields.remove(at: index) } else { index += 1 }
            }
        } else {
            fields.append(field)
        }
    }

    /// Removes every field called `name`.
    public mutating func removeAll(named name: String) {
        fields.removeAll { $0.hasName(name) }
    }
}
