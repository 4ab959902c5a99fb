import Foundation
import Testing

@testable import BulkheadStore

/// The byte-level JSON of imported rows reads back as exactly what was written.
@Suite("JSON written byte by byte")
struct JSONBytesTests {
    static let hostile = [
        "", "plain", "quote \" and backslash \\ and \\\" both", "line\nfeed\rreturn\ttab", "\u{1}\u{8}\u{c}\u{1f}\u{7f}",
        "ünïcödé ✓ 👩‍👩‍👧", "/slash/ </script>", "\u{2028}\u{2029}", "{\"nested\": [1, 2]}",
    ]

    @Test func stringsReadBackUnchanged() throws {
        for text in Self.hostile {
            var bytes: [UInt8] = []
            JSONBytes.appendString(text, to: &bytes)
            #expect(try JSONDecoder().decode(String.self, from: Data(bytes)) == text, "\(text.debugDescription)")
        }
    }

    @Test func aFlatObjectReadsBackAsTheSameValuesWithSortedKeys() throws {
        var object: [String: JSONValue] = ["b": .bool(true), "a": .null, "c\"\\": .string("x")]
        for (index, text) in Self.hostile.enumerated() { object["k\(index)"] = .string(text) }
        let text = try #require(try JSONBytes.flatObject(object))
        #expect(try JSONText.decode([String: JSONValue].self, from: text, column: "attributes") == object)
        #expect(text.hasPrefix("{\"a\":null,\"b\":true,\"c\\\"\\\\\":\"x\""))
        #expect(try JSONBytes.flatObject([:]) == "{}")
    }

    @Test func otherShapesAreLeftToFoundationAndNULIsRefused() throws {
        #expect(try JSONBytes.flatObject(["n": .number(3)]) == nil)
        #expect(try JSONBytes.flatObject(["a": .array([])]) == nil)
        #expect(try JSONBytes.flatObject(["o": .object([:])]) == nil)
        #expect(throws: StoreError.self) { try JSONBytes.flatObject(["a": .string("x\u{0}y")]) }
        #expect(throws: StoreError.self) { try JSONBytes.flatObject(["x\u{0}": .null]) }
        #expect(StoreText.holdsNUL("abc\u{0}") && !StoreText.holdsNUL("abc") && !StoreText.holdsNUL(""))
    }
}
