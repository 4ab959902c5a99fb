/// RFC 2047 encoded-words: how non-ASCII text travels in header fields of mail that is not
/// sent as SMTPUTF8 (`=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=`).
///
/// ```swift
/// EncodedWords.encode("Hello, wörld!")            // "=?UTF-8?Q?Hello,_w=C3=B6rld!?="
/// EncodedWords.encode("Grüße aus Köln")           // "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=" (shorter than Q)
/// EncodedWords.decode("=?utf-8?q?Gr=C3=BC=C3=9Fe?= from Köln") // "Grüße from Köln"
/// ```
public enum EncodedWords {
    /// Where the encoded-words will stand; it decides which characters may stay literal in the
    /// Q encoding.
    public enum Context: Sendable, Hashable {
        /// Unstructured text such as `Subject`: every printable ASCII character except `=`, `?`
        /// and `_` stays literal.
        case text
        /// A `phrase` (a display name): only letters, digits and `! * + - /` stay literal
        /// (RFC 2047 §5(3)).
        case phrase
    }

    /// The longest encoded-word, in characters (RFC 2047 §2).
    public static let maximumWordLength = 75

    /// Encodes all of `text` as UTF-8 encoded-words separated by single spaces.
    ///
    /// The Q or B encoding is chosen, whichever gives the shorter result for the whole text.
    /// Every word is at most ``maximumWordLength`` characters and holds whole UTF-8 sequences
    /// only; when the text needs several words, they are split after a space where possible. The spaces between the words are folding points and vanish on decoding, so
    /// ``decode(_:)`` gives `text` back exactly. Empty text gives an empty string.
    public static func encode(_ text: String, context: Context = .text) -> String {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return "" }
        let literal = context == .text ? textLiteral : phraseLiteral
        var qLength = 0
        for byte in bytes { qLength += isQSingle(byte, literal) ? 1 : 3 }
        let bLength = (bytes.count + 2) / 3 * 4
        return qLength <= bLength
            ? encodeQ(bytes, literal, estimatedLength: qLength)
            : encodeB(bytes, estimatedLength: bLength)
    }

    /// Encodes `text` as for ``encode(_:context:)`` when it needs it, or returns it unchanged:
    /// it needs it when it holds a non-ASCII or control character, or `=?` (which a reader
    /// would take as the start of an encoded-word).
    public static func encodeIfNeeded(_ text: String, context: Context = .text) -> String {
        needsEncoding(text) ? encode(text, context: context) : text
    }

    /// True when `text` cannot stand as itself in a header: it holds a byte outside printable
    /// ASCII (other than space and tab) or the sequence `=?`.
    public static func needsEncoding(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte >= 0x7F || (byte < 0x20 && byte != 0x09) { return true }
            if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    private static let prefixQ = Array("=?UTF-8?Q?".utf8)
    private static let prefixB = Array("=?UTF-8?B?".utf8)
    private static let suffix = Array("?=".utf8)
    /// Encoded text per word: 75 minus the 10-character prefix and 2-character suffix.
    private static let payloadLength = 63

    private static let textLiteral: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in UInt8(0x21)...UInt8(0x7E) where !"=?_".utf8.contains(byte) { table[Int(byte)] = true }
        return table
    }()

    private static let phraseLiteral: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in "!*+-/".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// True when the byte takes one character in Q: a literal or the space written as `_`.
    @inline(__always) private static func isQSingle(_ byte: UInt8, _ literal: [Bool]) -> Bool {
        byte == 0x20 || (byte < 0x80 && literal[Int(byte)])
    }

    /// The length in bytes of the UTF-8 sequence that starts with `lead` (text is valid UTF-8).
    @inline(__always) static func sequenceLength(_ lead: UInt8) -> Int {
        lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    /// Splits `bytes` into chunks of whole UTF-8 sequences whose cost is at most `limit`. When a
    /// chunk must end, it ends after its last space if it has one, so words of the text are not cut
    /// (decoders that wrongly keep the white space between encoded-words then show a doubled
    /// space, not a space inside a word). Linear: each byte is costed once.
    private static func chunks(_ bytes: [UInt8], limit: Int, cost: (UInt8) -> Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var chunkStart = 0
        var used = 0
        var lastBreak = 0
        var costAtBreak = 0
        var index = 0
        while index < bytes.count {
            let end = min(index + sequenceLength(bytes[index]), bytes.count)
            var sequenceCost = 0
            for byte in bytes[index..<end] { sequenceCost += cost(byte) }
            if used + sequenceCost > limit && index > chunkStart && lastBreak > chunkStart {
                result.append(chunkStart..<lastBreak)
                used -= costAtBreak
                chunkStart = lastBreak
            }
            if used + sequenceCost > limit && index > chunkStart {
                result.append(chunkStart..<index)
                used = 0
                chunkStart = index
            }
            used += sequenceCost
            index = end
            if bytes[index - 1] == 0x20 {
                lastBreak = index
                costAtBreak = used
            }
        }
        result.append(chunkStart..<bytes.count)
        return result
    }

    private static func encodeQ(_ bytes: [UInt8], _ literal: [Bool], estimatedLength: Int) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(estimatedLength + (estimatedLength / payloadLength + 1) * 13)
        for chunk in chunks(bytes, limit: payloadLength, cost: { isQSingle($0, literal) ? 1 : 3 }) {
            if !output.isEmpty { output.append(0x20) }
            output.append(contentsOf: prefixQ)
            for byte in bytes[chunk] {
                if byte == 0x20 {
                    output.append(UInt8(ascii: "_"))
                } else if byte < 0x80 && literal[Int(byte)] {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(QuotedPrintableEncoder.hexDigit(byte >> 4))
                    output.append(QuotedPrintableEncoder.hexDigit(byte & 0x0F))
                }
            }
            output.append(contentsOf: suffix)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func encodeB(_ bytes: [UInt8], estimatedLength: Int) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(estimatedLength + (estimatedLength / payloadLength + 1) * 13)
        // 63 characters of base64 carry at most 15 groups of 3 bytes.
        for chunk in chunks(bytes, limit: payloadLength / 4 * 3, cost: { _ in 1 }) {
            appendBWord(bytes[chunk], to: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func appendBWord(_ chunk: ArraySlice<UInt8>, to output: inout [UInt8]) {
        if !output.isEmpty { output.append(0x20) }
        output.append(contentsOf: prefixB)
        Base64.encode(chunk, into: &output)
        output.append(contentsOf: suffix)
    }
}

extension EncodedWords {
    /// Decodes the encoded-words in a header value and returns the text.
    ///
    /// Tolerant of real-world mail: `q`/`b` in lower case, missing base64 padding, encoded-words
    /// touching other text, an RFC 2231 language suffix (`UTF-8*en`). White space between two
    /// encoded-words is removed (RFC 2047 §6.2); adjacent words in the same charset are joined
    /// before decoding, so a character split across words still decodes. A malformed word, or
    /// one in an unknown charset, is left as it stands. Bytes invalid in their charset become U+FFFD.
    public static func decode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard bytes.count >= 8, let firstStart = firstWordStart(bytes) else { return value }
        var result = ""
        result.reserveCapacity(bytes.count)
        var literalStart = 0
        var pendingCharset: Charset.Kind? = nil
        var pendingBytes: [UInt8] = []
        var index = firstStart
        func flush() {
            if let charset = pendingCharset {
                result.append(decodeText(pendingBytes, charset: charset))
                pendingCharset = nil
                pendingBytes.removeAll(keepingCapacity: true)
            }
        }
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?"),
                let word = parseWord(bytes, at: index)
            else {
                index += 1
                continue
            }
            let between = bytes[literalStart..<index]
            if pendingCharset == nil || !between.allSatisfy(isWhiteSpace) {
                flush()
                result.append(String(decoding: between, as: UTF8.self))
            }
            if let charset = pendingCharset, charset != word.charset { flush() }
            pendingCharset = word.charset
            pendingBytes.append(contentsOf: word.decoded)
            index = word.end
            literalStart = index
        }
        flush()
        result.append(String(decoding: bytes[literalStart...], as: UTF8.self))
        return result
    }

    private struct Word {
        var charset: Charset.Kind
        var decoded: [UInt8]
        var end: Int
    }

    private static func firstWordStart(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: "?") { return index }
            index += 1
        }
        return nil
    }

    @inline(__always) static func isWhiteSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }

    /// `token` characters of RFC 2047 §2 (printable ASCII except space and especials), plus `*`.
    @inline(__always) private static func isTokenByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && !"()<>@,;:\"/[]?.=".utf8.contains(byte)
    }

    /// Reads `=?charset?X?text?=` at `start`; nil when it is not a well-formed word in a known charset.
    private static func parseWord(_ bytes: [UInt8], at start: Int) -> Word? {
        var index = start + 2
        let charsetStart = index
        while index < bytes.count, isTokenByte(bytes[index]) { index += 1 }
        guard index > charsetStart, index + 2 < bytes.count, bytes[index] == UInt8(ascii: "?"),
            bytes[index + 2] == UInt8(ascii: "?")
        else { return nil }
        var name = bytes[charsetStart..<index]
        if let star = name.firstIndex(of: UInt8(ascii: "*")) { name = name[..<star] }
        guard !name.isEmpty, let charset = Charset.kind(String(decoding: name, as: UTF8.self)) else { return nil }
        let encoding = HeaderField.asciiLower(bytes[index + 1])
        index += 3
        let textStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "?"), !isWhiteSpace(bytes[index]) { index += 1 }
        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: "=") else {
            return nil
        }
        let text = bytes[textStart..<index]
        let decoded: [UInt8]
        switch encoding {
        case UInt8(ascii: "q"): decoded = decodeQ(text)
        case UInt8(ascii: "b"):
            guard let value = Base64.decodeLenient(text) else { return nil }
            decoded = value
        default: return nil
        }
        return Word(charset: charset, decoded: decoded, end: index + 2)
    }

    private static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = text.startIndex
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: "_") {
                output.append(0x20)
            } else if byte == UInt8(ascii: "="), index + 2 < text.endIndex,
                let high = hexValue(text[index + 1]), let low = hexValue(text[index + 2])
            {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return output
    }

    @inline(__always) static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    private static func decodeText(_ bytes: [UInt8], charset: Charset.Kind) -> String {
        Charset.decodeLossy(bytes, kind: charset)
    }
}
