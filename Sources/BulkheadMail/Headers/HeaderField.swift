/// One header field of an RFC 5322 message: a name and its value, unfolded.
///
/// The value is the text after the colon as it stands on the wire once unfolded: it may hold
/// RFC 2047 encoded-words or raw UTF-8 (RFC 6532), but never a CR, an LF or a NUL. That rule is
/// checked here, so a value given by a caller can never inject a header or end the header section.
///
/// ```swift
/// let subject = try HeaderField(name: "Subject", value: "Spring offer")
/// // try HeaderField(name: "Subject", value: "hi\r\nBcc: everyone@example.com") throws
/// ```
public struct HeaderField: Sendable, Hashable {
    /// The field name as given (case preserved); compare it with ``HeaderField/hasName(_:)``.
    public let name: String
    /// The unfolded value, without the leading white space after the colon.
    public let value: String

    /// Makes a field, refusing a name that is not RFC 5322 `ftext` and a value holding CR, LF or NUL.
    public init(name: String, value: String) throws(HeaderError) {
        try HeaderField.validate(name: name)
        if let offset = HeaderField.forbiddenByteOffset(in: value) {
            throw HeaderError.forbiddenCharacterInValue(name: name, offset: offset)
        }
        self.name = name
        self.value = value
    }

    /// Makes a field from parts a parser has already checked.
    init(uncheckedName name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// True when this field's name equals `other`, compared case-insensitively (ASCII).
    public func hasName(_ other: String) -> Bool {
        HeaderField.namesEqual(name, other)
    }

    static func namesEqual(_ a: String, _ b: String) -> Bool {
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                if asciiLower(x) != asciiLower(y) { return false }
            default: return false
            }
        }
    }

    @inline(__always) static func asciiLower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// RFC 5322 §3.6.8: a field name is one or more printable US-ASCII characters except colon.
    static func validate(name: String) throws(HeaderError) {
        if name.utf8.isEmpty { throw HeaderError.invalidName(name, reason: "empty") }
        if name.utf8.count > 998 { throw HeaderError.invalidName(String(name.prefix(40)), reason: "longer than 998 octets") }
        for (offset, byte) in name.utf8.enumerated() where byte < 33 || byte > 126 || byte == UInt8(ascii: ":") {
            throw HeaderError.invalidName(name, reason: "octet \(byte) at offset \(offset) is not allowed in a field name")
        }
    }

    /// The UTF-8 offset of the first CR, LF or NUL in `value`, if any.
    static func forbiddenByteOffset(in value: String) -> Int? {
        var offset = 0
        for byte in value.utf8 {
            if byte == 0x0D || byte == 0x0A || byte == 0x00 { return offset }
            offset += 1
        }
        return nil
    }
}

/// Why a header field was refused.
public enum HeaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field name is empty, too long, or holds a character outside printable US-ASCII, or a colon.
    case invalidName(String, reason: String)
    /// A CR, LF or NUL in a value: the header-injection attempt this type exists to stop.
    case forbiddenCharacterInValue(name: String, offset: Int)

    public var description: String {
        switch self {
        case .invalidName(let name, let reason):
            return "invalid header field name \"\(name)\": \(reason)"
        case .forbiddenCharacterInValue(let name, let offset):
            return "header \(name): CR, LF or NUL at offset \(offset) of the value (header injection refused)"
        }
    }
}
