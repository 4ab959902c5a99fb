/// A streaming base64 encoder (RFC 2045 §6.8) that breaks its output into lines of at most
/// 76 characters separated by CRLF, with no CRLF after the last line.
///
/// Feed it any number of chunks; it keeps at most two pending input bytes between calls, so
/// memory stays bounded however large the input.
///
/// ```swift
/// var encoder = Base64Encoder()
/// var output: [UInt8] = []
/// encoder.encode(Array("Hello".utf8), into: &output)
/// encoder.finish(into: &output)   // output == Array("SGVsbG8=".utf8)
/// ```
public struct Base64Encoder: Sendable {
    /// The longest output line, in characters (RFC 2045 allows at most 76).
    public static let lineLength = 76

    private var pending0: UInt8 = 0
    private var pending1: UInt8 = 0
    private var pendingCount = 0
    private var column = 0
    private let lineLimit: Int

    /// Makes an encoder; `lineBreaks: false` gives one unbroken line (for RFC 2047 words).
    public init(lineBreaks: Bool = true) {
        lineLimit = lineBreaks ? Base64Encoder.lineLength : Int.max
    }

    /// Encodes `bytes` in one go: `Base64Encoder.encode(Array("Hi".utf8)) == Array("SGk=".utf8)`.
    public static func encode(_ bytes: [UInt8], lineBreaks: Bool = true) -> [UInt8] {
        var encoder = Base64Encoder(lineBreaks: lineBreaks)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 3 * 4 + bytes.count / 57 * 2 + 8)
        encoder.encode(bytes, into: &output)
        encoder.finish(into: &output)
        return output
    }

    /// Encodes `bytes` as one unbroken line of text (SMTP AUTH, DKIM `p=`, secrets):
    /// `Base64Encoder.line(Array("Hi".utf8)) == "SGk="`.
    public static func line(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: encode(Array(bytes), lineBreaks: false), as: UTF8.self)
    }

    /// Encodes the next chunk of input, appending complete output characters to `output`.
    public mutating func encode(_ bytes: [UInt8], into output: inout [UInt8]) {
        bytes.withUnsafeBytes { encode($0, into: &output) }
    }

    /// Encodes the next chunk of input, appending complete output characters to `output`.
    public mutating func encode(_ bytes: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let count = bytes.count
        if count == 0 { return }
        // Complete a triple started by an earlier chunk.
        while pendingCount > 0 && index < count {
            if pendingCount == 1 {
                pending1 = bytes[index]
                pendingCount = 2
            } else {
                emit(pending0, pending1, bytes[index], into: &output)
                pendingCount = 0
            }
            index += 1
        }
        let whole = (count - index) / 3
        if whole > 0 {
            output.reserveCapacity(output.count + whole * 4 + (whole / 19 + 2) * 2)
            Base64Encoder.table.withUnsafeBufferPointer { table in
                var i = index
                let end = index + whole * 3
                while i < end {
                    if column == lineLimit {
                        output.append(0x0D)
                        output.append(0x0A)
                        column = 0
                    }
                    let b0 = bytes[i]
                    let b1 = bytes[i + 1]
                    let b2 = bytes[i + 2]
                    output.append(table[Int(b0 >> 2)])
                    output.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
                    output.append(table[Int((b1 & 0x0F) << 2 | b2 >> 6)])
                    output.append(table[Int(b2 & 0x3F)])
                    column += 4
                    i += 3
                }
            }
            index += whole * 3
        }
        // Keep the remainder (0, 1 or 2 bytes) for the next call.
        while index < count {
            if pendingCount == 0 { pending0 = bytes[index] } else { pending1 = bytes[index] }
            pendingCount += 1
            index += 1
        }
    }

    /// Writes the last one or two pending bytes with `=` padding. Call once, after the last chunk.
    public mutating func finish(into output: inout [UInt8]) {
        guard pendingCount > 0 else { return }
        if column == lineLimit {
            output.append(0x0D)
            output.append(0x0A)
            column = 0
        }
        let table = Base64Encoder.table
        let b0 = pending0
        let b1: UInt8 = pendingCount == 2 ? pending1 : 0
        output.append(table[Int(b0 >> 2)])
        output.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
        output.append(pendingCount == 2 ? table[Int((b1 & 0x0F) << 2)] : UInt8(ascii: "="))
        output.append(UInt8(ascii: "="))
        column += 4
        pendingCount = 0
    }

    private mutating func emit(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, into output: inout [UInt8]) {
        if column == lineLimit {
            output.append(0x0D)
            output.append(0x0A)
            column = 0
        }
        let table = Base64Encoder.table
        output.append(table[Int(b0 >> 2)])
        output.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
        output.append(table[Int((b1 & 0x0F) << 2 | b2 >> 6)])
        output.append(table[Int(b2 & 0x3F)])
        column += 4
    }

    static let table: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
}
