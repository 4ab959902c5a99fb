import Foundation

/// JSON written byte by byte where the store writes a lot of it (a batch of imported rows): strings
/// are copied as UTF-8 with only `"`, `\` and control characters escaped, which is what a JSON reader
/// needs. ``JSONText`` (Foundation's encoder) remains the one way to write any other JSON value.
///
/// ```swift
/// var bytes: [UInt8] = []
/// JSONBytes.appendString("Ann \"A\"", to: &bytes)   // "Ann \"A\""
/// ```
enum JSONBytes {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A JSON array of strings (text the store keeps was checked for NUL before).
    static func stringArray(_ items: [String]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(24 * items.count + 2)
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(item, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal.
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    bytes.append(contentsOf: Array("\\u00".utf8))
                    bytes.append(hexDigits[Int(byte >> 4)])
                    bytes.append(hexDigits[Int(byte & 0xF)])
                }
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The JSON text of an object whose values are all strings, booleans or null (keys sorted), the
    /// common shape of imported attributes; nil for any other shape (then use ``JSONText``). A key or
    /// value holding NUL is refused, as ``JSONText`` refuses it.
    static func flatObject(_ object: [String: JSONValue]) throws(StoreError) -> String? {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(32 * object.count + 2)
        for (index, key) in object.keys.sorted().enumerated() {
            try StoreText.refuseNUL(key)
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            switch object[key] {
            case .string(let value):
                try StoreText.refuseNUL(value)
                appendString(value, to: &bytes)
            case .bool(let value): bytes.append(contentsOf: Array((value ? "true" : "false").utf8))
            case .null: bytes.append(contentsOf: Array("null".utf8))
            case .number, .array, .object, nil: return nil
            }
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
