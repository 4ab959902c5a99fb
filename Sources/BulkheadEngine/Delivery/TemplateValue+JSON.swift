import BulkheadStore

extension TemplateValue {
    /// A stored attribute as a template value.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case let .bool(value): self = .bool(value)
        case let .number(value): self = .number(value)
        case let .string(value): self = .string(value)
        case let .array(values): self = .array(values.map(TemplateValue.init))
        case let .object(members): self = .object(members.mapValues(TemplateValue.init))
        }
    }
}
