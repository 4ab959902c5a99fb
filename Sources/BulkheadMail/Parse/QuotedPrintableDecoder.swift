/// Decoding of quoted-printable (RFC 2045 §6.7), tolerant as the RFC advises: `=XX` (either case of
/// hex digit) becomes the octet, `=` at the end of a line is a soft line break, white space at the
/// end of a line is dropped, and an `=` not followed by two hex digits is kept literally.
/// Hard line breaks are kept exactly as they are in the input (CRLF or LF).
///
/// ```swift
/// QuotedPrintableDecoder.decode(Array("caf=C3=A9 =\r\nnoir".utf8))   // Array("café noir".utf8)
/// ```
public enum QuotedPrintableDecoder {
    /// The decoded octets.
    public static func decode(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { decode($0) }.output
    }

    static let hexValues: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "0123456789ABCDEF".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
            table[Int(ByteSearch.lower(byte))] = UInt8(value)
        }
        return table
    }()

    /// The decoder core; also returns the offset of the first invalid `=` escape, if any.
    static func decode(_ input: UnsafeBufferPointer<UInt8>) -> (output: [UInt8], firstInvalid: Int?) {
        var firstInvalid: Int?
        let count = input.count
        let output = hexValues.withUnsafeBufferPointer { hex in
            [UInt8](unsafeUninitializedCapacity: count) { out, written in
                var o = 0
                var i = 0
                /// True when `input[j...]` starts with a line break or is the end of the input.
                func atLineEnd(_ j: Int) -> Bool {
                    j == count || input[j] == 0x0A || (input[j] == 0x0D && (j + 1 == count || input[j + 1] == 0x0A))
                }
                while i < count {
                    // Tight loop over ordinary octets, the bulk of any quoted-printable body.
                    while i < count {
                        let byte = input[i]
                        if byte == UInt8(ascii: "=") || byte == 0x20 || byte == 0x09 { break }
                        out[o] = byte
                        o &+= 1
                        i &+= 1
                    }
                    if i >= count { break }
                    let byte = input[i]
                    if byte == UInt8(ascii: "=") {
                        var j = i + 1
                        while j < count && ByteSearch.isWSP(input[j]) { j += 1 }
                        if i + 2 < count, hex[Int(input[i + 1])] != 0xFF, hex[Int(input[i + 2])] != 0xFF {
                            out[o] = hex[Int(input[i + 1])] << 4 | hex[Int(input[i + 2])]
                            o += 1
                            i += 3
                        } else if atLineEnd(j) {
                            // Soft line break: drop "=", trailing white space and the line break.
                            i = j == count ? j : (input[j] == 0x0D ? j + 2 : j + 1)
                            if i > count { i = count }
                        } else {
                            if firstInvalid == nil { firstInvalid = i }
                            out[o] = byte
                            o += 1
                            i += 1
                        }
                    } else if ByteSearch.isWSP(byte) {
                        var j = i + 1
                        while j < count && ByteSearch.isWSP(input[j]) { j += 1 }
                        if !atLineEnd(j) {
                            while i < j {
                                out[o] = input[i]
                                o += 1
                                i += 1
                            }
                        }
                        i = j
                    } else {
                        out[o] = byte
                        o += 1
                        i += 1
                    }
                }
                written = o
            }
        }
        return (output, firstInvalid)
    }
}
