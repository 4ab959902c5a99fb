import Crypto
import Foundation

/// A verified (or freshly issued) per-recipient unsubscribe token: which campaign, which address.
///
/// The token text is lowercase base32 of `version ‖ campaign id ‖ normalised address ‖ HMAC-SHA256`,
/// so the unsubscribe handler learns the campaign and the address from the token alone, and
/// nobody without the secret can make one (or change the address in one).
///
/// ```swift
/// let issuer = try UnsubscribeTokenIssuer(secret: Array(secretText.utf8))   // ≥ 32 bytes
/// let token = try issuer.issue(campaignID: 42, address: "Zoe@Example.org")
/// let claim = try issuer.verify(token.text)   // campaignID 42, address "Zoe@example.org"
/// ```
public struct UnsubscribeToken: Sendable, Hashable {
    /// The campaign the message belonged to.
    public let campaignID: Int64
    /// The recipient's normalised address (domain lowercased, local part as is).
    public let address: String
    /// The token as it goes in URLs and in the mailto local part (lowercase base32).
    public let text: String
}

/// Why an unsubscribe token could not be issued or verified.
public enum UnsubscribeTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configured secret is shorter than ``UnsubscribeTokenIssuer/minimumSecretLength`` bytes.
    case secretTooShort(bytes: Int)
    /// The address is not `local@domain`, is longer than 254 octets, or holds control characters.
    case invalidAddress(String)
    /// The token text is not a token: wrong alphabet, too short, unknown version, bad address bytes.
    case malformed(reason: String)
    /// The token's authentication code does not match: tampered with, or made with another secret.
    case invalidSignature

    /// A one-line explanation for logs and CLI output.
    public var description: String {
        switch self {
        case let .secretTooShort(bytes):
            return "unsubscribe secret is \(bytes) bytes; at least \(UnsubscribeTokenIssuer.minimumSecretLength) are required"
        case let .invalidAddress(address): return "cannot issue an unsubscribe token for \"\(address)\": not local@domain"
        case let .malformed(reason): return "malformed unsubscribe token: \(reason)"
        case .invalidSignature: return "unsubscribe token signature does not verify (tampered or foreign token)"
        }
    }
}

/// Issues and verifies ``UnsubscribeToken``s with HMAC-SHA256 under one secret.
public struct UnsubscribeTokenIssuer: Sendable {
    /// The shortest secret accepted, in bytes.
    public static let minimumSecretLength = 32
    /// The longest token text accepted by ``verify(_:)`` (an address is at most 254 octets).
    public static let maximumTokenLength = 512

    private static let version: UInt8 = 1
    private static let macLength = SHA256.byteCount
    /// Domain separation: these MACs cannot be confused with other HMACs under the same secret.
    private static let label = Array("bulkhead unsubscribe v1\u{0}".utf8)

    private let key: SymmetricKey

    /// An issuer with `secret` (at least 32 bytes, e.g. from the configuration's environment override).
    public init(secret: [UInt8]) throws(UnsubscribeTokenError) {
        guard secret.count >= Self.minimumSecretLength else { throw .secretTooShort(bytes: secret.count) }
        key = SymmetricKey(data: secret)
    }

    /// The token for `address` (normalised first: white space trimmed, domain lowercased) in `campaignID`.
    public func issue(campaignID: Int64, address: String) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        guard let normalized = Self.normalize(address) else { throw .invalidAddress(address) }
        var payload: [UInt8] = [Self.version]
        payload.reserveCapacity(1 + 8 + normalized.utf8.count + Self.macLength)
        withUnsafeBytes(of: campaignID.bigEndian) { payload.append(contentsOf: $0) }
        payload.append(contentsOf: normalized.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: Self.label + payload, using: key)
        payload.append(contentsOf: mac)
        return UnsubscribeToken(campaignID: campaignID, address: normalized, text: LowercaseBase32.encode(payload))
    }

    /// Checks `text` (either case) and returns what it names; the MAC is compared in constant time.
    public func verify(_ text: String) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        guard text.utf8.count <= Self.maximumTokenLength else { throw .malformed(reason: "longer than \(Self.maximumTokenLength) characters") }
        guard let bytes = LowercaseBase32.decode(text) else { throw .malformed(reason: "not base32") }
        guard bytes.count >= 1 + 8 + 3 + Self.macLength else { throw .malformed(reason: "too short") }
        guard bytes[0] == Self.version else { throw .malformed(reason: "unknown version \(bytes[0])") }
        let payload = bytes[..<(bytes.count - Self.macLength)]
        let mac = Array(bytes[(bytes.count - Self.macLength)...])
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.label + payload, using: key) else {
            throw .invalidSignature
        }
        var campaignID: Int64 = 0
        for byte in payload[1..<9] { campaignID = (campaignID << 8) | Int64(byte) }
        guard let address = String(validating: payload[9...], as: UTF8.self), Self.normalize(address) == address else {
            throw .malformed(reason: "address is not normalised UTF-8")
        }
        return UnsubscribeToken(campaignID: campaignID, address: address, text: LowercaseBase32.encode(bytes))
    }

    /// `local@domain` with white space around removed and the domain lowercased; nil when there is
    /// no `@`, an empty side, more than 254 octets, or a control character inside (a space can only
    /// occur in a quoted local part, `"two words"@example.org`).
    static func normalize(_ address: String) -> String? {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        guard let at = trimmed.lastIndex(of: "@") else { return nil }
        let local = trimmed[..<at]
        let domain = trimmed[trimmed.index(after: at)...].lowercased()
        guard !local.isEmpty, !domain.isEmpty, trimmed.utf8.count <= 254 else { return nil }
        if trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return nil }
        return local + "@" + domain
    }
}
