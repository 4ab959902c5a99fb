/// Text decoding for the charsets mail declares (`charset=` parameters, RFC 2047 encoded-words):
/// UTF-8, US-ASCII, ISO-8859-1…11 and 13…16, Windows-1250…1258.
///
/// Names are matched case-insensitively, `_` counting as `-`, with the common aliases
/// (`latin1`, `cp1252`, `utf8`, `ascii`, `ANSI_X3.4-1968`, …). The single-byte tables come from
/// Python's codecs (scripts/gen-charsets.py): a byte a charset leaves undefined (0x81 in
/// Windows-1252, for instance) is an error, and ISO-8859-1 bytes 0x80…0x9F are C1 controls.
///
/// ```swift
/// try Charset.decode([0x63, 0x61, 0x66, 0xE9], charset: "ISO-8859-1")  // "café"
/// Charset.decodeLossy([0x61, 0xFF], charset: "utf-8")                   // "a\u{FFFD}"
/// ```
public enum Charset {
    /// A resolved charset.
    enum Kind: Hashable {
        case utf8
        case ascii
        case singleByte(Int)
    }

    private static let utf8Names: Set<String> = ["utf-8", "utf8", "unicode-1-1-utf-8", "csutf8", "x-unicode20utf8"]
    private static let asciiNames: Set<String> = [
        "us-ascii", "ascii", "ansi-x3.4-1968", "ansi-x3.4-1986", "iso646-us", "iso-646.irv:1991", "us", "iso-ir-6",
        "cp367", "ibm367", "csascii",
    ]

    /// The charset `name` stands for, or nil when it is not supported.
    static func kind(_ name: String) -> Kind? {
        var normalized = ""
        normalized.reserveCapacity(name.utf8.count)
        for scalar in name.unicodeScalars {
            guard scalar.isASCII else { return nil }
            switch scalar {
            case "_": normalized.unicodeScalars.append("-")
            case "A"..."Z": normalized.unicodeScalars.append(Unicode.Scalar(scalar.value | 0x20) ?? scalar)
            case " ", "\t", "\"": continue
            default: normalized.unicodeScalars.append(scalar)
            }
        }
        if utf8Names.contains(normalized) { return .utf8 }
        if asciiNames.contains(normalized) { return .ascii }
        if let index = CharsetTables.aliases[normalized] { return .singleByte(index) }
        return nil
    }

    /// True when ``decode(_:charset:)`` knows the charset `name` (or one of its aliases).
    public static func isSupported(_ name: String) -> Bool {
        kind(name) != nil
    }

    /// The canonical names of every supported charset (aliases not included).
    public static var supportedNames: [String] {
        ["utf-8", "us-ascii"] + CharsetTables.names
    }

    /// Decodes `bytes` in charset `name`, strictly: invalid UTF-8, a byte above 127 in US-ASCII, or a
    /// byte the charset does not define is an error giving its offset.
    public static func decode(_ bytes: some Collection<UInt8>, charset name: String) throws(CharsetError) -> String {
        guard let kind = kind(name) else { throw .unsupported(name) }
        switch kind {
        case .utf8:
            if let offset = invalidUTF8Offset(bytes) { throw .invalidBytes(charset: name, offset: offset) }
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            var offset = 0
            for byte in bytes {
                if byte >= 0x80 { throw .invalidBytes(charset: name, offset: offset) }
                offset += 1
            }
            return String(decoding: bytes, as: UTF8.self)
        case .singleByte(let index):
            let (text, failure) = decodeSingleByte(bytes, table: CharsetTables.high[index])
            if let failure { throw .invalidBytes(charset: name, offset: failure) }
            return text
        }
    }

    /// Decodes `bytes` in charset `name`, replacing each invalid sequence (or undefined byte) with
    /// U+FFFD. An unknown charset is still an error.
    public static func decodeLossy(_ bytes: some Collection<UInt8>, charset name: String) throws(CharsetError) -> String {
        guard let kind = kind(name) else { throw .unsupported(name) }
        return decodeLossy(bytes, kind: kind)
    }

    /// Lossy decoding in an already resolved charset.
    static func decodeLossy(_ bytes: some Collection<UInt8>, kind: Kind) -> String {
        switch kind {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            var scalars = String.UnicodeScalarView()
            for byte in bytes { scalars.append(byte < 0x80 ? Unicode.Scalar(byte) : "\u{FFFD}") }
            return String(scalars)
        case .singleByte(let index):
            return decodeSingleByte(bytes, table: CharsetTables.high[index]).text
        }
    }

    /// Decodes through a high-half table; undefined bytes become U+FFFD, the first one's offset is returned.
    private static func decodeSingleByte(
        _ bytes: some Collection<UInt8>, table: [UInt16]
    ) -> (text: String, firstUndefined: Int?) {
        var scalars = String.UnicodeScalarView()
        var firstUndefined: Int?
        var offset = 0
        for byte in bytes {
            if byte < 0x80 {
                scalars.append(Unicode.Scalar(byte))
            } else {
                let value = table[Int(byte - 0x80)]
                if value == 0xFFFF {
                    if firstUndefined == nil { firstUndefined = offset }
                    scalars.append("\u{FFFD}")
                } else {
                    scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                }
            }
            offset += 1
        }
        return (String(scalars), firstUndefined)
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence
    /// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    static func invalidUTF8Offset(_ bytes: some Collection<UInt8>) -> Int? {
        var offset = 0
        var iterator = bytes.makeIterator()
        while let lead = iterator.next() {
            let start = offset
            offset += 1
            if lead < 0x80 { continue }
            let count: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: count = 1
            case 0xE0:
                count = 2
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 2
            case 0xED:
                count = 2
                high = 0x9F
            case 0xF0:
                count = 3
                low = 0x90
            case 0xF1...0xF3: count = 3
            case 0xF4:
                count = 3
                high = 0x8F
            default: return start
            }
            for position in 0..<count {
                guard let byte = iterator.next() else { return start }
                let (min, max): (UInt8, UInt8) = position == 0 ? (low, high) : (0x80, 0xBF)
                if byte < min || byte > max { return start }
                offset += 1
            }
        }
        return nil
    }
}

/// Why bytes could not be decoded as text.
public enum CharsetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The charset is not one ``Charset`` knows.
    case unsupported(String)
    /// The bytes are not valid in the charset; `offset` is that of the first bad sequence.
    case invalidBytes(charset: String, offset: Int)

    public var description: String {
        switch self {
        case .unsupported(let name): "unsupported charset \(name.debugDescription)"
        case .invalidBytes(let charset, let offset): "offset \(offset): invalid \(charset) byte sequence"
        }
    }
}
