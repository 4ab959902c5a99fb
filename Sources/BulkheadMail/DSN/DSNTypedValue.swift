/// A DSN field value of the form `type; value` (RFC 3464 §2.1.2): an address (`rfc822;
/// bob@example.com`), an MTA name (`dns; mx.example.com`) or a diagnostic (`smtp; 550 5.1.1 ...`).
///
/// The type is lowercased (types are case-insensitive). For addresses of type `utf-8` (RFC 6533 §3)
/// the value is decoded: each `\x{HEX}` escape of the 7-bit `utf-8-addr-xtext` form becomes its
/// Unicode character. Other values are kept as written, trimmed: RFC 3464 `generic-address` is plain
/// text, and an MTA decodes the `xtext` of an SMTP `ORCPT=` parameter before writing the DSN, so a
/// `+` in an `rfc822` address is a literal plus (`alice+tag@example.com`).
///
/// ```swift
/// let recipient = try DSNTypedValue(address: "utf-8; j\\x{F6}rg@example.com")
/// recipient.type   // "utf-8"
/// recipient.value  // "jörg@example.com"
/// ```
public struct DSNTypedValue: Sendable, Hashable {
    /// The type before the semicolon, lowercased: `rfc822`, `utf-8`, `dns`, `smtp`, `x-postfix`...
    public var type: String
    /// The value after the semicolon, trimmed (and decoded for `utf-8` addresses).
    public var value: String

    /// Makes a typed value from parts already known to be right.
    public init(type: String, value: String) {
        self.type = type
        self.value = value
    }

    /// Parses `type; value` without decoding the value (MTA names, diagnostic codes).
    public init(parsing text: String) throws(DSNTypedValueError) {
        let (type, value) = try DSNTypedValue.split(text)
        self.init(type: type, value: value)
    }

    /// Parses `address-type; address`, decoding a `utf-8` address (RFC 6533 `utf-8-addr-xtext`
    /// or `utf-8-addr-unitext`). A single pair of enclosing angle brackets is removed, as some MTAs
    /// write `rfc822; <bob@example.com>`.
    public init(address text: String) throws(DSNTypedValueError) {
        var (type, value) = try DSNTypedValue.split(text)
        if value.utf8.count >= 2, value.utf8.first == UInt8(ascii: "<"), value.utf8.last == UInt8(ascii: ">") {
            value = String(decoding: value.utf8.dropFirst().dropLast(), as: UTF8.self)
        }
        if value.isEmpty { throw .emptyValue(text) }
        if type == "utf-8" { value = try DSNTypedValue.decodeEmbeddedUnicode(value) }
        self.init(type: type, value: value)
    }

    static func split(_ text: String) throws(DSNTypedValueError) -> (String, String) {
        let bytes = Array(text.utf8)
        guard let semicolon = bytes.firstIndex(of: UInt8(ascii: ";")) else { throw .missingSemicolon(text) }
        let type = String(decoding: bytes[..<semicolon], as: UTF8.self).dsnTrimmingWhitespace().dsnLowercasedASCII()
        guard !type.isEmpty else { throw .emptyType(text) }
        for byte in type.utf8 where byte <= 0x20 || byte >= 0x7F {
            throw .invalidType(text)
        }
        let value = String(decoding: bytes[(semicolon + 1)...], as: UTF8.self).dsnTrimmingWhitespace()
        return (type, value)
    }

    /// Replaces each RFC 6533 `EmbeddedUnicodeChar` (`\x{` 2 to 6 hex digits `}`) by its character.
    /// A backslash that does not start a well-formed escape, a surrogate, a code point above
    /// U+10FFFF, or a code point of three or more digits written with a leading zero is refused.
    static func decodeEmbeddedUnicode(_ text: String) throws(DSNTypedValueError) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"), bytes[index + 2] == UInt8(ascii: "{") else {
                throw .badUnicodeEscape(text, offset: index)
            }
            var cursor = index + 3
            var scalarValue: UInt32 = 0
            var digits = 0
            while cursor < bytes.count, let nibble = DSNTypedValue.hexValue(bytes[cursor]) {
                digits += 1
                if digits > 6 { throw .badUnicodeEscape(text, offset: index) }
                scalarValue = scalarValue << 4 | UInt32(nibble)
                cursor += 1
            }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "}"), digits >= 2,
                bytes[index + 3] != UInt8(ascii: "0") || digits == 2,
                let scalar = Unicode.Scalar(scalarValue)
            else {
                throw .badUnicodeEscape(text, offset: index)
            }
            output.append(contentsOf: String(Character(scalar)).utf8)
            index = cursor + 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

/// Why a `type; value` DSN field value was refused.
public enum DSNTypedValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No `;` between the type and the value.
    case missingSemicolon(String)
    /// Nothing before the `;`.
    case emptyType(String)
    /// A type holding white space, control or non-ASCII characters.
    case invalidType(String)
    /// An address with nothing after the `;`.
    case emptyValue(String)
    /// A `\` in a `utf-8` address that does not start a valid `\x{HEX}` escape (UTF-8 offset).
    case badUnicodeEscape(String, offset: Int)

    /// A readable explanation, naming the field or value concerned.
    public var description: String {
        switch self {
        case .missingSemicolon(let text): "no \";\" between type and value in \"\(text)\""
        case .emptyType(let text): "empty type before \";\" in \"\(text)\""
        case .invalidType(let text): "type holds white space or a non-ASCII character in \"\(text)\""
        case .emptyValue(let text): "empty address after \";\" in \"\(text)\""
        case .badUnicodeEscape(let text, let offset): "malformed \\x{HEX} escape at offset \(offset) in \"\(text)\""
        }
    }
}
