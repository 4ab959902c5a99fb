/// Eight bytes at a time: finds given bytes in a 64-bit word without a branch per byte, for the
/// scans that every message goes through (DKIM canonicalisation, SMTP dot-stuffing).
///
/// ```swift
/// let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
/// let tabs = ByteWords.zeroBytes(word ^ ByteWords.repeated(0x09))
/// // tabs == 0: none of the eight bytes is a tab; else the first is at tabs.trailingZeroBitCount / 8
/// ```
public enum ByteWords {
    /// 0x80 in each byte of `word` that is zero, 0 in every other byte. Exact: no borrow or carry
    /// crosses from one byte into the next.
    @inlinable @inline(__always)
    public static func zeroBytes(_ word: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low) &+ low) | word | low)
    }

    /// `byte` in each of the eight bytes of a word.
    @inlinable @inline(__always)
    public static func repeated(_ byte: UInt8) -> UInt64 {
        UInt64(byte) &* 0x0101_0101_0101_0101
    }
}
