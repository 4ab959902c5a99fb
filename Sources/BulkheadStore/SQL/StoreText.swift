import Foundation

/// The one rule for text the store keeps, the same on both backends: no NUL (U+0000). PostgreSQL
/// cannot store it in `text` or `jsonb` (errors 22021 and 22P05), so SQLite refuses it too rather
/// than accept data one backend would lose. SMTP reply text is cleaned instead (see
/// ``SMTPReplyRecord``): an outcome must never be lost because a server's reply held a NUL.
///
/// ```swift
/// try StoreText.refuseNUL("Ann")       // fine
/// try StoreText.refuseNUL("A\u{0}nn")  // throws StoreError.invalidData
/// StoreText.holdsNUL("A\u{0}nn")       // true: an import refuses the row before the store sees it
/// ```
public enum StoreText {
    static func refuseNUL(_ text: String) throws(StoreError) {
        if holdsNUL(text) { throw nulError }
    }

    /// True when `text` holds U+0000, which the store refuses (memchr over the UTF-8 where it is
    /// contiguous: imports check every field of a million rows).
    public static func holdsNUL(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        } ?? text.utf8.contains(0)
    }

    /// Refuses JSON text holding a `\u0000` escape (one preceded by an odd run of backslashes: an
    /// even run is an escaped backslash followed by literal text).
    static func refuseEscapedNUL(json: String) throws(StoreError) {
        let bytes = Array(json.utf8)
        let pattern = Array("u0000".utf8)
        var index = 1
        while index + pattern.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "u"), bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                var backslashes = 0
                var before = index - 1
                while before >= 0, bytes[before] == UInt8(ascii: "\\") {
                    backslashes += 1
                    before -= 1
                }
                if backslashes % 2 == 1 { throw nulError }
            }
            index += 1
        }
    }

    /// Refuses a statement whose text binds hold NUL (checked by both backends before running it).
    static func check(_ statement: SQLStatement) throws(StoreError) {
        for bind in statement.binds {
            switch bind {
            case .text(let text): try refuseNUL(text)
            case .textArray(let texts): for text in texts { try refuseNUL(text) }
            case .null, .int, .intArray, .bytes: break
            }
        }
    }

    static let nulError = StoreError.invalidData("text holds a NUL character (U+0000), which the store does not keep")
}
