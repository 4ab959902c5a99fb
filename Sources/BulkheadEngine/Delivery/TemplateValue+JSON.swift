import BulkheadStore

extension TemplateValue {
    /// A stored attribute as a template value.
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let value): self = .number(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map(TemplateValue.init))
        case .object(let members): self = .object(members.mapValues(TemplateValue.init))
        }
    }
}
