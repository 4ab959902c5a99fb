/// Parsing of `Content-Type` / `Content-Disposition` style values (RFC 2045 §5.1, RFC 2183):
/// a token (or `type/subtype`) then `; name=value` parameters, with comments, quoted strings and
/// RFC 2231 continuations (`name*0=`, `name*1*=`) and charsets (`name*=utf-8'en'%E2%82%AC`).
enum ParameterizedValue {
    /// The lowercased main token, the lowercased subtype (nil when there is no `/`) and the
    /// parameters (names lowercased, values decoded). Nil when the value has no valid main token.
    static func parse(_ value: String) -> (main: String, subtype: String?, parameters: [String: String])? {
        let bytes = Array(value.utf8)
        var cursor = Cursor(bytes: bytes)
        cursor.skipCFWS()
        guard let main = cursor.token() else { return nil }
        var subtype: [UInt8]?
        cursor.skipCFWS()
        if cursor.peek == UInt8(ascii: "/") {
            cursor.index += 1
            cursor.skipCFWS()
            guard let sub = cursor.token() else { return nil }
            subtype = sub
        }
        var raw: [(name: [UInt8], value: [UInt8])] = []
        while true {
            cursor.skipCFWS()
            guard let byte = cursor.peek else { break }
            guard byte == UInt8(ascii: ";") else {
                cursor.skip(to: UInt8(ascii: ";"))
                continue
            }
            cursor.index += 1
            cursor.skipCFWS()
            guard let name = cursor.token() else {
                cursor.skip(to: UInt8(ascii: ";"))
                continue
            }
            cursor.skipCFWS()
            guard cursor.peek == UInt8(ascii: "=") else {
                cursor.skip(to: UInt8(ascii: ";"))
                continue
            }
            cursor.index += 1
            cursor.skipCFWS()
            raw.append((name.map(ByteSearch.lower), cursor.parameterValue()))
        }
        return (
            String(decoding: main.map(ByteSearch.lower), as: UTF8.self),
            subtype.map { String(decoding: $0.map(ByteSearch.lower), as: UTF8.self) },
            assemble(raw)
        )
    }

    /// Joins RFC 2231 sections and decodes charsets; a plain parameter is used only when no RFC 2231
    /// form of the same name is present. The first occurrence of a duplicated name wins.
    static func assemble(_ raw: [(name: [UInt8], value: [UInt8])]) -> [String: String] {
        struct Segment {
            var section: Int
            var extended: Bool
            var value: [UInt8]
        }
        var plain: [String: [UInt8]] = [:]
        var extended: [String: [Segment]] = [:]
        for (name, value) in raw {
            var base = name[...]
            var isExtended = false
            if base.last == UInt8(ascii: "*") {
                isExtended = true
                base = base.dropLast()
            }
            var section: Int?
            if let star = base.lastIndex(of: UInt8(ascii: "*")) {
                let digits = base[(star + 1)...]
                if !digits.isEmpty, digits.count <= 4, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                    section = Int(String(decoding: digits, as: UTF8.self))
                    base = base[..<star]
                }
            }
            let key = String(decoding: base, as: UTF8.self)
            if section == nil && !isExtended {
                if plain[key] == nil { plain[key] = value }
            } else {
                let segment = Segment(section: section ?? 0, extended: isExtended, value: value)
                if !(extended[key]?.contains { $0.section == segment.section } ?? false) {
                    extended[key, default: []].append(segment)
                }
            }
        }
        var result: [String: String] = [:]
        for (key, value) in plain { result[key] = HeaderText.string(value) }
        for (key, segments) in extended {
            let sorted = segments.sorted { $0.section < $1.section }
            var bytes: [UInt8] = []
            var charset: String?
            var expected = 0
            for segment in sorted {
                guard segment.section == expected else { break }
                expected += 1
                var value = segment.value[...]
                if segment.extended && segment.section == 0 {
                    // charset'language'value
                    if let first = value.firstIndex(of: UInt8(ascii: "'")),
                        let second = value[(first + 1)...].firstIndex(of: UInt8(ascii: "'"))
                    {
                        let name = String(decoding: value[..<first], as: UTF8.self)
                        if !name.isEmpty { charset = name }
                        value = value[(second + 1)...]
                    }
                }
                if segment.extended { bytes += percentDecoded(value) } else { bytes += value }
            }
            guard expected > 0 else { continue }
            result[key] = charset.map { TextDecoding.decodeLossy(bytes, charset: $0) } ?? HeaderText.string(bytes)
        }
        return result
    }

    /// `%XX` becomes the octet; a `%` not followed by two hex digits is kept.
    static func percentDecoded(_ value: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        var index = value.startIndex
        while index < value.endIndex {
            let byte = value[index]
            if byte == UInt8(ascii: "%"), index + 2 < value.endIndex,
                let high = hexValue(value[index + 1]), let low = hexValue(value[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        let value = QuotedPrintableDecoder.hexValues[Int(byte)]
        return value == 0xFF ? nil : value
    }

    struct Cursor {
        let bytes: [UInt8]
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        /// Skips white space, line breaks and (nested) comments.
        mutating func skipCFWS() {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A {
                    index += 1
                } else if byte == UInt8(ascii: "(") {
                    var depth = 0
                    while index < bytes.count {
                        let c = bytes[index]
                        if c == UInt8(ascii: "\\") {
                            index += 2
                            continue
                        }
                        if c == UInt8(ascii: "(") { depth += 1 }
                        if c == UInt8(ascii: ")") { depth -= 1 }
                        index += 1
                        if depth == 0 { break }
                    }
                    index = min(index, bytes.count)
                } else {
                    return
                }
            }
        }

        /// An RFC 2045 token: octets other than controls, space and tspecials (`*` is allowed, for
        /// RFC 2231 names). Nil when empty.
        mutating func token() -> [UInt8]? {
            let start = index
            while index < bytes.count, Cursor.isTokenByte(bytes[index]) { index += 1 }
            return index > start ? Array(bytes[start..<index]) : nil
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            if byte <= 0x20 || byte == 0x7F { return false }
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "@"),
                UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "\\"), UInt8(ascii: "\""),
                UInt8(ascii: "/"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "?"), UInt8(ascii: "="):
                return false
            default:
                return true
            }
        }

        /// A quoted string (quoted pairs undone; an unterminated one runs to the end) or, leniently,
        /// everything up to the next `;`, `(` or `"` with trailing white space trimmed.
        mutating func parameterValue() -> [UInt8] {
            var out: [UInt8] = []
            if peek == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        index += 1
                        break
                    }
                    if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        out.append(bytes[index + 1])
                        index += 2
                        continue
                    }
                    if byte != 0x0D && byte != 0x0A { out.append(byte) }
                    index += 1
                }
                return out
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ";") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "\"") { break }
                out.append(byte)
                index += 1
            }
            while let last = out.last, last == 0x20 || last == 0x09 { out.removeLast() }
            return out
        }

        mutating func skip(to byte: UInt8) {
            while index < bytes.count && bytes[index] != byte { index += 1 }
        }
    }
}
