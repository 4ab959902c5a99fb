/// Decoding of base64 (RFC 2045 §6.8) as found in message bodies: white space (space, tab, CR, LF)
/// anywhere is ignored, and padding with `=` is required.
///
/// ```swift
/// let bytes = try Base64Decoder.decode(Array("aGVsbG8=\r\n".utf8))   // Array("hello".utf8)
/// ```
public enum Base64Decoder {
    /// A base64 input that strict decoding refuses: the offset of the offending octet (the input's
    /// length for a truncated input) and the reason.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The offset of the offending octet, or the input's length when the input is truncated.
        public var offset: Int
        /// What is wrong there.
        public var reason: Base64Failure
        /// A sentence with the offset and the reason.
        public var description: String { "invalid base64 at offset \(offset): \(reason)" }
    }

    /// Decodes strictly: any octet outside the alphabet and white space, a truncated final group,
    /// misplaced padding and data after the final padding are errors.
    public static func decode(_ input: [UInt8]) throws(DecodingError) -> [UInt8] {
        let result = input.withUnsafeBufferPointer { decode($0, lenient: false) }
        if let failure = result.failure { throw DecodingError(offset: failure.offset, reason: failure.reason) }
        return result.output
    }

    /// Decodes leniently, as most mail readers do: invalid octets and stray `=` are skipped, a new group
    /// after padding starts a new run, and a truncated final group yields the octets it holds.
    public static func decodeLeniently(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { decode($0, lenient: true) }.output
    }

    static let whiteSpace: UInt8 = 0x80
    static let pad: UInt8 = 0x40
    static let invalid: UInt8 = 0xFF

    /// 0...63 for alphabet octets, `pad` for `=`, `whiteSpace` for space/tab/CR/LF, `invalid` otherwise.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        table[Int(UInt8(ascii: "="))] = pad
        for byte in [0x20, 0x09, 0x0D, 0x0A] { table[byte] = whiteSpace }
        return table
    }()

    /// Four 256-entry tables: the 6-bit value of an alphabet octet shifted to its place in a group
    /// (18, 12, 6, 0 bits), or bit 24 for any other octet.
    static let shiftedTables: [UInt32] = {
        var tables = [UInt32](repeating: 1 << 24, count: 1024)
        for position in 0..<4 {
            for byte in 0..<256 where table[byte] < 64 {
                tables[position * 256 + byte] = UInt32(table[byte]) << UInt32(18 - 6 * position)
            }
        }
        return tables
    }()

    /// The decoder core. In strict mode it stops at the first failure (the output is then partial);
    /// in lenient mode it goes on and reports only the first failure it met.
    static func decode(
        _ input: UnsafeBufferPointer<UInt8>, lenient: Bool
    ) -> (output: [UInt8], failure: (offset: Int, reason: Base64Failure)?) {
        var failure: (offset: Int, reason: Base64Failure)?
        let count = input.count
        let output = table.withUnsafeBufferPointer { table in
            shiftedTables.withUnsafeBufferPointer { shifted in
                [UInt8](unsafeUninitializedCapacity: count / 4 * 3 + 4) { out, written in
                    guard let rawOut = UnsafeMutableRawPointer(out.baseAddress) else {
                        written = 0
                        return
                    }
                    var o = 0
                    var i = 0
                    var group: UInt32 = 0
                    var inGroup = 0
                    var padded = false  // a group was closed by '='
                    var padsOwed = 0  // '=' still expected after "xx="
                    func fail(_ offset: Int, _ reason: Base64Failure) -> Bool {
                        if failure == nil { failure = (offset, reason) }
                        return lenient
                    }
                    scan: while i < count {
                        if inGroup == 0 && !padded {
                            // Fast path: whole groups of four alphabet octets, through the pre-shifted
                            // tables (bit 24 marks an octet outside the alphabet), stored as one
                            // big-endian 32-bit write of which 3 octets are kept (the capacity has slack).
                            while i &+ 4 <= count {
                                let v =
                                    shifted[Int(input[i])] | shifted[256 &+ Int(input[i &+ 1])]
                                    | shifted[512 &+ Int(input[i &+ 2])] | shifted[768 &+ Int(input[i &+ 3])]
                                if v >= 1 << 24 { break }
                                rawOut.storeBytes(of: (v << 8).bigEndian, toByteOffset: o, as: UInt32.self)
                                o &+= 3
                                i &+= 4
                            }
                            if i >= count { break scan }
                        }
                        let byte = input[i]
                        let value = table[Int(byte)]
                        if value < 64 {
                            if padded {
                                guard fail(i, padsOwed > 0 ? .badPadding : .dataAfterPadding) else { break scan }
                                padded = false
                                padsOwed = 0
                            }
                            group = group << 6 | UInt32(value)
                            inGroup += 1
                            if inGroup == 4 {
                                out[o] = UInt8(truncatingIfNeeded: group >> 16)
                                out[o &+ 1] = UInt8(truncatingIfNeeded: group >> 8)
                                out[o &+ 2] = UInt8(truncatingIfNeeded: group)
                                o &+= 3
                                inGroup = 0
                                group = 0
                            }
                        } else if value == pad {
                            if inGroup >= 2 {
                                group <<= UInt32(6 * (4 - inGroup))
                                out[o] = UInt8(truncatingIfNeeded: group >> 16)
                                o &+= 1
                                if inGroup == 3 {
                                    out[o] = UInt8(truncatingIfNeeded: group >> 8)
                                    o &+= 1
                                }
                                padsOwed = inGroup == 2 ? 1 : 0
                                padded = true
                                inGroup = 0
                                group = 0
                            } else if padded && padsOwed > 0 {
                                padsOwed -= 1
                            } else {
                                guard fail(i, .badPadding) else { break scan }
                            }
                        } else if value == invalid {
                            guard fail(i, .invalidCharacter(byte)) else { break scan }
                        }
                        i &+= 1
                    }
                    if i >= count {
                        if inGroup != 0 {
                            if fail(count, .truncated), inGroup >= 2 {
                                group <<= UInt32(6 * (4 - inGroup))
                                out[o] = UInt8(truncatingIfNeeded: group >> 16)
                                o &+= 1
                                if inGroup == 3 {
                                    out[o] = UInt8(truncatingIfNeeded: group >> 8)
                                    o &+= 1
                                }
                            }
                        } else if padded && padsOwed > 0 {
                            _ = fail(count, .truncated)
                        }
                    }
                    written = o
                }
            }
        }
        return (output, failure)
    }
}
