public import BulkheadMail

/// An e-mail address in the one form the store keys on: surrounding white space removed and the
/// whole address lowercased. RFC 5321 allows a case-sensitive local part, but mailbox providers treat
/// `Ann.Lee@` and `ann.lee@` as one person; keying them apart would mail that person twice (and let an
/// unsubscribe or a suppression of one spelling miss the other), which is the worse error.
///
/// ```swift
/// let address = try NormalizedAddress("  Ann.Lee@Example.COM ")
/// address.value // "ann.lee@example.com"
/// ```
public struct NormalizedAddress: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The normalised text `local@domain`.
    public let value: String

    /// The lowercased local part (before the last `@`).
    public var localPart: Substring {
        value[..<(value.lastIndex(of: "@") ?? value.endIndex)]
    }

    /// The lowercased domain (after the last `@`).
    public var domain: Substring {
        guard let at = value.lastIndex(of: "@") else { return "" }
        return value[value.index(after: at)...]
    }

    /// Normalises `raw`, throwing ``StoreError/invalidAddress(_:reason:)`` when it is not `local@domain`,
    /// holds control characters or white space, or exceeds the RFC 5321 lengths (64 octets local part,
    /// 254 octets in all).
    public init(_ raw: String) throws(StoreError) {
        let trimmed = raw.trimmingWhitespace()
        guard let at = trimmed.lastIndex(of: "@") else {
            throw .invalidAddress(raw, reason: "no @")
        }
        let local = trimmed[..<at].lowercased()
        let domain = trimmed[trimmed.index(after: at)...].lowercased()
        guard !local.isEmpty else { throw .invalidAddress(raw, reason: "empty local part") }
        guard !domain.isEmpty else { throw .invalidAddress(raw, reason: "empty domain") }
        if let bad = trimmed.unicodeScalars.first(where: { $0.value < 0x21 || $0.value == 0x7F }) {
            throw .invalidAddress(raw, reason: "contains U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        guard !domain.contains("@") else { throw .invalidAddress(raw, reason: "@ in domain") }
        guard local.utf8.count <= 64 else { throw .invalidAddress(raw, reason: "local part longer than 64 octets") }
        let value = local + "@" + domain
        guard value.utf8.count <= 254 else { throw .invalidAddress(raw, reason: "longer than 254 octets") }
        self.value = value
    }

    /// Normalises a parsed mailbox's address (the display name is not part of it).
    public init(_ mailbox: Mailbox) throws(StoreError) {
        try self.init(mailbox.localPart + "@" + mailbox.domain)
    }

    /// Wraps text that is known to be normalised already (read back from the database).
    init(storedValue: String) { self.value = storedValue }

    /// The normalised text.
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

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = firstIndex(where: { !isSpace($0) }),
              let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return self[first...last]
    }
}
