import Foundation

/// A value a campaign template can show: the shape of JSON (subscriber attributes are stored as JSON).
///
/// ```swift
/// let attributes: [String: TemplateValue] = ["city": "Lyon", "plan": ["tier": "gold", "seats": 3]]
/// // {{attributes.city}} → Lyon, {{attributes.plan.seats}} → 3
/// ```
public enum TemplateValue: Sendable, Hashable {
    /// JSON `null`: renders as nothing and is false in a section.
    case null
    /// A boolean: renders as `true`/`false`, drives `{{#x}}` sections.
    case bool(Bool)
    /// A number: integral values render without a fraction (`3`, not `3.0`).
    case number(Double)
    /// Text.
    case string(String)
    /// A list: `{{#list}}…{{/list}}` repeats for each element.
    case array([TemplateValue])
    /// An object: its members are reached with dots (`{{attributes.plan.tier}}`).
    case object([String: TemplateValue])

    /// `number` as a whole number when it is one (and exact in a Double): templates show `3`, not `3.0`.
    static func integral(_ number: Double) -> Int64? {
        number.rounded() == number && abs(number) < 9.0e15 ? Int64(number) : nil
    }

    /// The value as the plain Swift types swift-mustache looks into (dictionaries, arrays, strings).
    var mustacheValue: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .number(let value):
            if let whole = Self.integral(value) { return whole }
            return value
        case .string(let value): return value
        case .array(let values): return values.map(\.mustacheValue)
        case .object(let members): return members.mapValues(\.mustacheValue)
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integral number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A list.
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    /// An object.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    /// `null`.
    public init(nilLiteral: ()) { self = .null }
}
