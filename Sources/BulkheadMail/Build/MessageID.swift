/// A `Message-ID` (RFC 5322 §3.6.4): `<left@right>`, both sides `dot-atom-text`.
///
/// ```swift
/// let id = try MessageID(left: "offer.42", right: "mail.example.com")
/// id.headerValue   // "<offer.42@mail.example.com>"
/// var rng = SystemRandomNumberGenerator()
/// let fresh = try MessageID.random(domain: "mail.example.com", using: &rng)
/// ```
public struct MessageID: Sendable, Hashable {
    /// The part before `@`.
    public let left: String
    /// The part after `@`, usually the sender's domain.
    public let right: String

    /// Makes an identifier, refusing CR/LF/NUL and anything that is not `dot-atom-text`.
    public init(left: String, right: String) throws(MessageBuildError) {
        try MessageID.checkDotAtom(left, field: "Message-ID left part")
        try MessageID.checkDotAtom(right, field: "Message-ID domain")
        self.left = left
        self.right = right
    }

    /// A fresh identifier: 128 random bits (26 base-32 characters) `@domain`.
    public static func random(domain: String, using generator: inout some RandomNumberGenerator) throws(MessageBuildError) -> MessageID {
        try checkDotAtom(domain, field: "Message-ID domain")
        var left: [UInt8] = []
        left.reserveCapacity(26)
        appendRandomLeft(using: &generator, to: &left)
        return MessageID(checkedLeft: String(decoding: left, as: UTF8.self), right: domain)
    }

    private init(checkedLeft: String, right: String) {
        self.left = checkedLeft
        self.right = right
    }

    /// `<left@right>`, the text of the header field.
    public var headerValue: String { "<\(left)@\(right)>" }

    /// Appends 128 random bits as 26 base-32 digits (the left part of a fresh Message-ID).
    static func appendRandomLeft(using generator: inout some RandomNumberGenerator, to output: inout [UInt8]) {
        appendBase32(generator.next(), count: 13, to: &output)
        appendBase32(generator.next(), count: 13, to: &output)
    }

    /// Appends the low `count * 5` bits of `value` as lowercase base-32 digits.
    static func appendBase32(_ value: UInt64, count: Int, to output: inout [UInt8]) {
        var bits = value
        for _ in 0..<count {
            output.append(base32Digits[Int(bits & 31)])
            bits >>= 5
        }
    }

    static let base32Digits: [UInt8] = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// RFC 5322 `atext` (letters, digits and ``!#$%&'*+-/=?^_`{|}~``).
    static func isAtext(_ byte: UInt8) -> Bool {
        byte < 128 && atextTable[Int(byte)]
    }

    private static let atextTable: [Bool] = (0..<128).map { (code: Int) -> Bool in
        let byte = UInt8(code)
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }

    /// Throws unless `text` is `dot-atom-text`: atext runs separated by single dots.
    static func checkDotAtom(_ text: String, field: String) throws(MessageBuildError) {
        try MessageBuilder.checkNoLineBreaks(text, field: field)
        var previousWasDot = true
        for byte in text.utf8 {
            if byte == UInt8(ascii: ".") {
                if previousWasDot { throw MessageBuildError.invalidIdentifier(field: field, value: text) }
                previousWasDot = true
            } else if isAtext(byte) {
                previousWasDot = false
            } else {
                throw MessageBuildError.invalidIdentifier(field: field, value: text)
            }
        }
        if previousWasDot { throw MessageBuildError.invalidIdentifier(field: field, value: text) }
    }
}
