import BulkheadStore
import Foundation

/// Attributes as compact JSON with sorted keys.
enum SubscriberJSON {
    static func text(_ attributes: [String: JSONValue]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(attributes), as: UTF8.self)
    }
}
