import BulkheadTestSupport
import Foundation
import PropertyBased
import Synchronization
import Testing

@testable import BulkheadStore

/// The fast reader of stored JSON objects gives `JSONDecoder`'s answer whenever it answers, and
/// leaves everything else (escapes, bad syntax, duplicate keys) to the decoder.
@Suite struct PlainJSONReaderTests {
    private static func decoded(_ text: String) -> [String: JSONValue]? {
        try? JSONDecoder().decode([String: JSONValue].self, from: Data(text.utf8))
    }

    @Test func storedObjectsReadAsTheDecoderReadsThem() async throws {
        let keys = scalarText("abz_.é 09", length: 0...6)
        let texts = scalarText("abc XYZ é😀\"\\\n/\u{0}\u{1F}", length: 0...8)
        let input = zip(keys, texts, Gen.int(in: -1_000_000...1_000_000), Gen.int(in: 0...3))
        let read = Mutex(0)
        await propertyCheck(count: 1_000, input: input) { (key: String, text: String, number: Int, shape: Int) async throws in
            let value: JSONValue =
                switch shape {
                case 0: .string(text)
                case 1: .number(Double(number) / 8)
                case 2: .array([.string(text), .bool(number % 2 == 0), .null])
                default: .object(["k" + key: .string(text), "n": .number(Double(number))])
                }
            let stored = try JSONText.encode(["k" + key: value, "z": .string(text)])
            let expected = try #require(Self.decoded(stored))
            guard let fast = PlainJSONReader.object(stored) else {
                #expect(stored.contains("\\"), "only escapes send stored JSON to the decoder: \(stored)")
                return
            }
            read.withLock { $0 += 1 }
            #expect(fast == expected, "\(stored)")
        }
        #expect(read.withLock { $0 } > 100)
    }

    @Test func textTheDecoderRefusesIsNeverRead() async throws {
        let texts = scalarText(#"{}[]":,0123456789.-+eE truefalsn\ aé"#, length: 0...14)
        await propertyCheck(count: 3_000, input: texts) { (text: String) async throws in
            guard let fast = PlainJSONReader.object(text) else { return }
            #expect(fast == Self.decoded(text), "\(text.debugDescription)")
        }
    }

    @Test(arguments: [
        #"{}"#, #" { "a" : [1, -0.5, 2e3, true, false, null, {"b": []}] } "#, #"{"city":"Town 7","vip":true}"#,
        #"{"big": 12345678901234567890, "tiny": 1E-300}"#,
    ])
    func plainObjectsAreRead(_ text: String) throws {
        let fast = try #require(PlainJSONReader.object(text))
        #expect(fast == Self.decoded(text))
    }

    @Test(arguments: [
        #"{"q": "\""}"#, #"{"a": 1, "a": 2}"#, #"{"a": 1e999}"#, #"{"a": 01}"#, #"{"a": 1.}"#, #"{"a": .5}"#, #"{"a": 1,}"#,
        #"[1]"#, #"{"a": 1} x"#, #"{"a" 1}"#, #"{"a": tru}"#, "{\"a\": \"\u{1}\"}", String(repeating: "[", count: 70),
    ])
    func everythingElseGoesToTheDecoder(_ text: String) {
        #expect(PlainJSONReader.object(text) == nil)
    }

    @Test func deepNestingIsLeftToTheDecoder() {
        let deep = "{\"a\":" + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        #expect(PlainJSONReader.object(deep) == nil)
        let shallow = "{\"a\":" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}"
        #expect(PlainJSONReader.object(shallow) != nil)
    }
}
