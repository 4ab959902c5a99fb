public import BulkheadMail
import Foundation

/// An e-mail address in the one canonical form the store keys on, so that one mailbox is one key
/// however it was spelt:
/// - the text is parsed as an RFC 5322 addr-spec (comments and surrounding white space dropped);
/// - the local part is NFC-normalised and lowercased, and written as a dot-atom when it is one,
///   otherwise as a quoted string (`"victim(x)"@…` stays quoted: its parentheses are literal);
/// - the domain is written in ASCII (A-labels, lowercased): `bücher.de` and `xn--bcher-kva.de` are one.
///
/// RFC 5321 allows a case-sensitive local part, but mailbox providers treat `Ann.Lee@` and `ann.lee@`
/// as one person; keying them apart would mail that person twice (and let an unsubscribe or a
/// suppression of one spelling miss the other), which is the worse error.
///
/// Mail goes to ``mailbox``, which is read back from this canonical text and checked to give the very
/// same key: display text is never re-parsed on the way to the envelope.
///
/// ```swift
/// let address = try NormalizedAddress("  Ann.Lee@Bücher.DE ")
/// address.value // "ann.lee@xn--bcher-kva.de"
/// try NormalizedAddress("\"Victim(X)\"@example.com").value // "\"victim(x)\"@example.com"
/// ```
public struct NormalizedAddress: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The canonical addr-spec text `local@domain`.
    public let value: String

    /// The local part as it stands in ``value`` (quoted when it must be).
    public var localPart: Substring {
        value[..<(value.lastIndex(of: "@") ?? value.endIndex)]
    }

    /// The ASCII domain (after the last `@`).
    public var domain: Substring {
        guard let at = value.lastIndex(of: "@") else { return "" }
        return value[value.index(after: at)...]
    }

    /// Parses and normalises `raw`, throwing ``StoreError/invalidAddress(_:reason:)`` when it is not an
    /// addr-spec, holds control characters, or exceeds the RFC 5321 lengths (64 octets local part,
    /// 254 octets in all).
    public init(_ raw: String) throws(StoreError) {
        let mailbox: Mailbox
        do {
            mailbox = try Mailbox(parsingAddrSpec: raw)
        } catch {
            throw .invalidAddress(raw, reason: Self.reason(error))
        }
        try self.init(mailbox, raw: raw)
    }

    /// Normalises a parsed mailbox's address (the display name is not part of it).
    public init(_ mailbox: Mailbox) throws(StoreError) {
        try self.init(mailbox, raw: mailbox.address)
    }

    private init(_ mailbox: Mailbox, raw: String) throws(StoreError) {
        let local = Self.nfc(mailbox.localPart).lowercased()
        guard !local.isEmpty else { throw .invalidAddress(raw, reason: "empty local part") }
        if let bad = local.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidAddress(raw, reason: "contains U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        guard local.utf8.count <= Mailbox.maximumLocalPartLength else {
            throw .invalidAddress(raw, reason: "local part longer than 64 octets")
        }
        let domain: String
        do {
            domain = try IDNA.toASCII(Self.nfc(mailbox.domain)).lowercased()
        } catch {
            throw .invalidAddress(raw, reason: error.description)
        }
        let value = Mailbox(localPart: local, domain: domain).address
        guard value.utf8.count <= 254 else { throw .invalidAddress(raw, reason: "longer than 254 octets") }
        self.value = value
    }

    /// The NFC form of `text`; ASCII text is its own NFC form, so it is returned without a look at
    /// Foundation's tables (the read-back of every stored address takes this path).
    private static func nfc(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 } ? text : text.precomposedStringWithCanonicalMapping
    }

    /// Wraps text that is known to be normalised already (read back from the database).
    init(storedValue: String) { self.value = storedValue }

    /// The mailbox mail for this address goes to (no display name), read back from the canonical
    /// text. Throws when the stored text is not canonical (for instance written by an older version
    /// that dropped the quotes of a local part): it would name another mailbox, so nothing is sent.
    public var mailbox: Mailbox {
        get throws(StoreError) {
            if let plain = Self.plainMailbox(value) { return plain }
            return try fullReadBack()
        }
    }

    /// The read-back by parsing and normalising again (``mailbox`` for text outside the plain form).
    func fullReadBack() throws(StoreError) -> Mailbox {
        let parsed: Mailbox
        do {
            parsed = try Mailbox(parsingAddrSpec: value)
        } catch {
            throw .invalidAddress(value, reason: "stored address does not parse: \(Self.reason(error))")
        }
        guard let again = try? NormalizedAddress(parsed), again == self else {
            throw .invalidAddress(value, reason: "stored address is not in canonical form")
        }
        return parsed
    }

    /// The mailbox of text that is plainly canonical, or nil: a local part of lowercase ASCII letters,
    /// digits, `+`, `-` and `_` in dot-separated runs, and a domain of at least two labels of lowercase
    /// letters, digits and inner hyphens, none an A-label (`xn--`), within RFC 5321's lengths. Parsing
    /// and normalising such text gives it back unchanged, so its read-back needs neither; anything
    /// else takes ``fullReadBack()`` (`NormalizedAddressTests` holds both to the same answers).
    static func plainMailbox(_ value: String) -> Mailbox? {
        let bytes = value.utf8
        guard bytes.count <= 254, let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        let local = bytes[..<at]
        let domain = bytes[bytes.index(after: at)...]
        guard (1...Mailbox.maximumLocalPartLength).contains(local.count), isPlainLocalPart(local), isPlainDomain(domain) else { return nil }
        return Mailbox(localPart: String(Substring(local)), domain: String(Substring(domain)))
    }

    private static func isPlainLocalPart(_ bytes: Substring.UTF8View) -> Bool {
        var previousDot = true  // no leading dot
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                if previousDot { return false }
                previousDot = true
            } else if isLowerAlphanumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") {
                previousDot = false
            } else {
                return false
            }
        }
        return !previousDot  // no trailing dot
    }

    private static func isPlainDomain(_ bytes: Substring.UTF8View) -> Bool {
        guard bytes.count <= IDNA.maximumNameLength else { return false }
        var labels = 0
        var start = bytes.startIndex
        while true {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ".")) ?? bytes.endIndex
            guard isPlainLabel(bytes[start..<end]) else { return false }
            labels += 1
            guard end != bytes.endIndex else { return labels >= 2 }
            start = bytes.index(after: end)
        }
    }

    private static func isPlainLabel(_ label: Substring.UTF8View) -> Bool {
        let hyphen = UInt8(ascii: "-")
        guard (1...IDNA.maximumLabelLength).contains(label.count), label.first != hyphen, label.last != hyphen,
            !label.starts(with: "xn--".utf8)
        else { return false }
        return label.allSatisfy { isLowerAlphanumeric($0) || $0 == hyphen }
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func reason(_ error: AddressParseError) -> String {
        switch error.reason {
        case .missingAt: "no @"
        case .emptyLocalPart: "empty local part"
        case .invalidDomain(.empty): "empty domain"
        default: error.description
        }
    }

    /// The canonical text.
    public var description: String { value }

    /// Orders by text.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// Decodes and re-validates the text.
    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
