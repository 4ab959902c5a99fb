/// The quoted-printable encoder of RFC 2045 §6.7, for text whose line breaks are CRLF.
///
/// A CRLF pair is kept as a hard line break; every other byte outside printable ASCII (a lone CR
/// or LF included), and `=`, becomes `=XX`; a space or tab just before a line break or at the end
/// is encoded; output lines are at most 76 characters (soft breaks `=` CRLF). A `.` or a `From `
/// at the start of a line is encoded too, so no relay or mbox writer can alter the line.
///
/// ```swift
/// let encoded = QuotedPrintableEncoder.encode(Array("café = 1\r\n".utf8))
/// // Array("caf=C3=A9 =3D 1\r\n".utf8)
/// ```
public enum QuotedPrintableEncoder {
    /// The longest output line, the soft-break `=` included (RFC 2045 allows 76).
    public static let lineLength = 76

    /// Encodes `bytes` and returns the encoded text.
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 4 + 8)
        bytes.withUnsafeBufferPointer { encode($0, into: &output) }
        return output
    }

    /// Encodes `bytes`, appending the encoded text to `output`.
    public static func encode(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        let count = bytes.count
        // Worst case: every octet as "=XX", plus a soft break ("=" CRLF) per 72 output octets.
        let capacity = count * 3 + (count * 3) / 72 * 3 + 8
        let encoded = [UInt8](unsafeUninitializedCapacity: capacity) { out, written in
            var o = 0
            var column = 0
            var index = 0
            while index < count {
                let byte = bytes[index]
                if byte == 0x0D && index + 1 < count && bytes[index + 1] == 0x0A {
                    out[o] = 0x0D
                    out[o + 1] = 0x0A
                    o += 2
                    column = 0
                    index += 2
                    continue
                }
                var literal = isLiteral(byte, at: index, in: bytes, lineStart: column == 0)
                // Keep room for the soft-break "=" within the line length.
                if column + (literal ? 1 : 3) > lineLength - 1 {
                    out[o] = UInt8(ascii: "=")
                    out[o + 1] = 0x0D
                    out[o + 2] = 0x0A
                    o += 3
                    column = 0
                    literal = isLiteral(byte, at: index, in: bytes, lineStart: true)
                }
                if literal {
                    out[o] = byte
                    o += 1
                    column += 1
                } else {
                    out[o] = UInt8(ascii: "=")
                    out[o + 1] = hexDigit(byte >> 4)
                    out[o + 2] = hexDigit(byte & 0x0F)
                    o += 3
                    column += 3
                }
                index += 1
            }
            written = o
        }
        output.append(contentsOf: encoded)
    }

    @inline(__always) static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x37 + nibble
    }

    private static func isLiteral(_ byte: UInt8, at index: Int, in bytes: UnsafeBufferPointer<UInt8>, lineStart: Bool) -> Bool {
        switch byte {
        case 0x20, 0x09:
            let next = index + 1
            if next == bytes.count { return false }
            return !(bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A)
        case UInt8(ascii: "="):
            return false
        case UInt8(ascii: "."):
            return !lineStart
        case UInt8(ascii: "F"):
            guard lineStart, index + 4 < bytes.count else { return true }
            return
                !(bytes[index + 1] == UInt8(ascii: "r") && bytes[index + 2] == UInt8(ascii: "o")
                && bytes[index + 3] == UInt8(ascii: "m") && bytes[index + 4] == 0x20)
        case 33...126:
            return true
        default:
            return false
        }
    }

}
