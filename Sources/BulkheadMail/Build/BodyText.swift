#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Text of a body part with its line endings made CRLF, and what the transfer-encoding choice needs.
struct NormalizedText {
    /// The UTF-8 bytes, every CR, LF and CRLF written as CRLF.
    var bytes: [UInt8]
    /// How many bytes are 0x80 or above.
    var nonASCIICount: Int
    /// True when a NUL byte occurs (not allowed in 7bit).
    var hasNUL: Bool
    /// The longest line in octets, CRLF excluded.
    var longestLine: Int
    /// True when some line starts with `--` (it could look like a boundary delimiter).
    var hasDashDashLine: Bool

    /// The transfer encoding RFC 2045 calls for: 7bit for short-lined ASCII, quoted-printable for
    /// mostly-ASCII text, base64 when more than one byte in six is non-ASCII.
    var transferEncoding: TransferEncoding {
        if nonASCIICount == 0 && !hasNUL && longestLine <= HeaderField.maximumLineLength { return .sevenBit }
        return nonASCIICount * 6 <= bytes.count ? .quotedPrintable : .base64
    }

    init(_ text: String) {
        var text = text
        self = text.withUTF8 { NormalizedText(utf8: $0) }
    }

    /// One scan: copies `input`, turning bare CR, bare LF and CRLF into CRLF, and gathers the
    /// statistics. Runs of bytes in 0x0E...0x7F are found eight at a time and copied in one go;
    /// only the eight-byte words holding a control byte or a non-ASCII byte go byte by byte.
    init(utf8 input: UnsafeBufferPointer<UInt8>) {
        let count = input.count
        var nonASCII = 0
        var nul = false
        var longest = 0
        var dashDash = count >= 2 && input[0] == UInt8(ascii: "-") && input[1] == UInt8(ascii: "-")
        var column = 0
        var written = 0
        let result = [UInt8](unsafeUninitializedCapacity: count * 2 + 2) { buffer, initialized in
            guard let out = buffer.baseAddress, let source = input.baseAddress else {
                initialized = 0
                return
            }
            let raw = UnsafeRawPointer(source)
            var index = 0
            while index < count {
                // Fast run: whole words of plain bytes, copied at once.
                var runEnd = index
                while runEnd + 8 <= count && NormalizedText.isPlainWord(raw.loadUnaligned(fromByteOffset: runEnd, as: UInt64.self)) {
                    runEnd += 8
                }
                if runEnd > index {
                    (out + written).update(from: source + index, count: runEnd - index)
                    written += runEnd - index
                    column += runEnd - index
                    index = runEnd
                }
                // Slow part: up to eight bytes, or up to a line break.
                let end = min(index + 8, count)
                while index < end {
                    let byte = source[index]
                    if byte == 0x0D || byte == 0x0A {
                        out[written] = 0x0D
                        out[written + 1] = 0x0A
                        written += 2
                        if column > longest { longest = column }
                        column = 0
                        index += (byte == 0x0D && index + 1 < count && source[index + 1] == 0x0A) ? 2 : 1
                        if index + 1 < count && source[index] == UInt8(ascii: "-") && source[index + 1] == UInt8(ascii: "-") {
                            dashDash = true
                        }
                        break
                    }
                    if byte >= 0x80 { nonASCII += 1 } else if byte == 0 { nul = true }
                    out[written] = byte
                    written += 1
                    column += 1
                    index += 1
                }
            }
            initialized = written
        }
        if column > longest { longest = column }
        bytes = result
        nonASCIICount = nonASCII
        hasNUL = nul
        longestLine = longest
        hasDashDashLine = dashDash
    }

    /// True when every byte of `word` is in 0x0E...0x7F (no CR, LF, NUL, other low control, or
    /// non-ASCII byte): subtracting 0x0E from each byte then borrows nowhere and sets no high bit.
    @inline(__always) static func isPlainWord(_ word: UInt64) -> Bool {
        (word | (word &- 0x0E0E_0E0E_0E0E_0E0E)) & 0x8080_8080_8080_8080 == 0
    }
}

/// The Content-Transfer-Encoding of a leaf part.
enum TransferEncoding {
    case sevenBit
    case quotedPrintable
    case base64

    var name: StaticString {
        switch self {
        case .sevenBit: "7bit"
        case .quotedPrintable: "quoted-printable"
        case .base64: "base64"
        }
    }
}

/// What a caller's binary attachment allows: 7bit when it is already a clean CRLF text, else base64.
struct BinaryScan {
    var isSevenBitClean = true
    var hasDashDashLine = false

    init(_ bytes: [UInt8]) {
        var column = 0
        var atLineStart = true
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte == 0x0D {
                guard index + 1 < count, bytes[index + 1] == 0x0A else {
                    isSevenBitClean = false
                    return
                }
                column = 0
                atLineStart = true
                index += 2
                continue
            }
            if byte == 0x0A || byte == 0 || byte >= 0x80 {
                isSevenBitClean = false
                return
            }
            if atLineStart && byte == UInt8(ascii: "-") && index + 1 < count && bytes[index + 1] == UInt8(ascii: "-") {
                hasDashDashLine = true
            }
            atLineStart = false
            column += 1
            if column > HeaderField.maximumLineLength {
                isSevenBitClean = false
                return
            }
            index += 1
        }
    }
}

/// True when some line of `body` starts with `--` followed by `prefix` (a boundary stem).
func bodyHasDelimiterLine(_ body: [UInt8], prefix: [UInt8]) -> Bool {
    body.withUnsafeBufferPointer { bytes in
        guard let base = bytes.baseAddress else { return false }
        let count = bytes.count
        var lineStart = 0
        while lineStart < count {
            if lineStart + 2 + prefix.count <= count && base[lineStart] == UInt8(ascii: "-") && base[lineStart + 1] == UInt8(ascii: "-")
                && prefix.elementsEqual(bytes[(lineStart + 2)..<(lineStart + 2 + prefix.count)])
            {
                return true
            }
            // The next line: found with memchr, not byte by byte.
            guard let newline = memchr(base + lineStart, 0x0A, count - lineStart) else { return false }
            lineStart = UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1
        }
        return false
    }
}
