/// The message identifiers of a `Message-ID`, `In-Reply-To` or `References` value (RFC 5322 §3.6.4),
/// each as written between its angle brackets, brackets included.
///
/// Lenient as readers must be: comments and white space between identifiers are skipped, obsolete
/// forms are accepted; an identifier is kept only when it is printable ASCII without white space or
/// brackets, so it can be written again in a header as is. Anything else is left out.
///
/// ```swift
/// MessageIDList.parse("<a.1@example.org> (first)\r\n <b.2@example.org>")   // ["<a.1@example.org>", "<b.2@example.org>"]
/// MessageIDList.parse("no identifier here")                                // []
/// ```
public enum MessageIDList {
    /// The longest identifier kept, in octets with its brackets (a longer one is left out).
    public static let maximumIdentifierLength = 250

    /// The identifiers in `value` without their angle brackets, in order: as stores key them.
    ///
    /// ```swift
    /// MessageIDList.bare("<a.1@example.org> <b.2@example.org>")   // ["a.1@example.org", "b.2@example.org"]
    /// ```
    public static func bare(_ value: String) -> [String] {
        parse(value).map { String($0.dropFirst().dropLast()) }
    }

    /// The first identifier of the `Message-ID` field(s) of `headers`, without brackets; nil when none.
    public static func messageID(of headers: HeaderList) -> String? {
        bare(headers.values(for: "Message-ID").joined(separator: " ")).first
    }

    /// The identifiers in `value`, in order.
    public static func parse(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        var identifiers: [String] = []
        var index = 0
        var depth = 0
        while index < bytes.count {
            let byte = bytes[index]
            if depth > 0 {
                if byte == UInt8(ascii: "\\") {
                    index += 1
                } else if byte == UInt8(ascii: "(") {
                    depth += 1
                } else if byte == UInt8(ascii: ")") {
                    depth -= 1
                }
                index += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "("):
                depth = 1
                index += 1
            case UInt8(ascii: "<"):
                let start = index
                index += 1
                while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
                if index < bytes.count, bytes[index] == UInt8(ascii: ">"), index > start + 1, index + 1 - start <= maximumIdentifierLength {
                    identifiers.append(String(decoding: bytes[start...index], as: UTF8.self))
                    index += 1
                }
            default:
                index += 1
            }
        }
        return identifiers
    }

    /// Printable ASCII other than the brackets.
    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
    }
}
