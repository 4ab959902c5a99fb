import Testing

@testable import BulkheadMail

@Suite struct ByteWordsTests {
    /// The flags byte by byte: 0x80 where the byte is zero.
    private static func reference(_ word: UInt64) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { flags, index in
            (word >> (8 * UInt64(index))) & 0xFF == 0 ? flags | (0x80 << (8 * UInt64(index))) : flags
        }
    }

    /// Exact in every byte, also next to the values where a borrow or carry would spill over (a zero
    /// byte beside 0x01, 0x80 or 0xFF is where the common shortcut gives a false flag).
    @Test func zeroBytesFlagsExactlyTheZeroBytes() {
        let values: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0x81, 0xFE, 0xFF, 0x09, 0x0A, 0x20]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var word: UInt64 = 0
            for index in 0..<8 {
                let byte = Bool.random(using: &generator) ? values.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
                word |= UInt64(byte) << (8 * UInt64(index))
            }
            #expect(ByteWords.zeroBytes(word) == Self.reference(word), "\(String(word, radix: 16))")
        }
        #expect(ByteWords.zeroBytes(0) == 0x8080_8080_8080_8080)
        #expect(ByteWords.zeroBytes(0x0100_0000_0000_0001) == 0x0080_8080_8080_8000)
        #expect(ByteWords.repeated(0x09) == 0x0909_0909_0909_0909)
    }
}
