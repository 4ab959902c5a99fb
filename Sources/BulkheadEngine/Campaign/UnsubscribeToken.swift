import Crypto
import Foundation

/// A verified (or freshly issued) per-recipient unsubscribe token: which campaign (or, for a copy of
/// a hosted list's post, which list), which subscriber.
///
/// The token text is lowercase base32 of `version ‖ campaign or list id ‖ subscriber id ‖ MAC`
/// (version 2 names a campaign, version 3 a list), the ids as
/// LEB128 varints and the MAC the first 128 bits of HMAC-SHA256 over a label and the rest. The
/// unsubscribe handler learns the campaign and the subscriber from the token alone (the address is
/// looked up, so no address travels in URLs), nobody without the secret can make one or change the
/// ids in one, and the token stays short: at most ``UnsubscribeTokenIssuer/maximumTokenLength``
/// characters, so `unsubscribe+TOKEN` fits RFC 5321's 64-octet local part.
///
/// ```swift
/// let issuer = try UnsubscribeTokenIssuer(secret: Array(secretText.utf8))   // ≥ 32 bytes
/// let token = try issuer.issue(campaignID: 42, subscriberID: 1_234)
/// let claim = try issuer.verify(token.text)   // scope .campaign(42), subscriberID 1234
/// ```
public struct UnsubscribeToken: Sendable, Hashable {
    /// What the message belonged to.
    public enum Scope: Sendable, Hashable {
        /// A campaign (the subscriber leaves the campaign's list).
        case campaign(Int64)
        /// A post to a hosted list (the subscriber leaves that list).
        case list(Int64)
    }

    public let scope: Scope
    /// The subscriber the message went to.
    public let subscriberID: Int64
    /// The token as it goes in URLs and in the mailto local part (lowercase base32).
    public let text: String
}

/// Why an unsubscribe token could not be issued or verified.
public enum UnsubscribeTokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configured secret is shorter than ``UnsubscribeTokenIssuer/minimumSecretLength`` bytes.
    case secretTooShort(bytes: Int)
    /// A campaign or subscriber id outside `0..<2^49` (store ids are positive and far smaller).
    case identifierOutOfRange(Int64)
    /// The token text is not a token: wrong alphabet, wrong length, unknown version, bad id encoding.
    case malformed(reason: String)
    /// The token's authentication code does not match: tampered with, or made with another secret.
    case invalidSignature

    /// A one-line explanation for logs and CLI output.
    public var description: String {
        switch self {
        case .secretTooShort(let bytes):
            return "unsubscribe secret is \(bytes) bytes; at least \(UnsubscribeTokenIssuer.minimumSecretLength) are required"
        case .identifierOutOfRange(let id): return "cannot issue an unsubscribe token for id \(id): ids must be in 0..<2^49"
        case .malformed(let reason): return "malformed unsubscribe token: \(reason)"
        case .invalidSignature: return "unsubscribe token signature does not verify (tampered or foreign token)"
        }
    }
}

/// Issues and verifies ``UnsubscribeToken``s with HMAC-SHA256 under one secret.
public struct UnsubscribeTokenIssuer: Sendable {
    /// The shortest secret accepted, in bytes.
    public static let minimumSecretLength = 32
    /// The longest token text: version, two 7-byte varints and the 16-byte MAC, in base32. With the
    /// `unsubscribe+` prefix that is 62 octets, within RFC 5321's 64-octet local part.
    public static let maximumTokenLength = 50

    private static let campaignVersion: UInt8 = 2
    private static let listVersion: UInt8 = 3
    private static let macLength = 16
    private static let identifierLimit: Int64 = 1 << 49
    /// Domain separation: these MACs cannot be confused with other HMACs under the same secret.
    private static let label = Array("bulkhead unsubscribe v2\u{0}".utf8)

    /// The secret, shared with ``SignUpTokenIssuer`` (its MACs carry another label).
    let key: SymmetricKey
    /// HMAC-SHA256 keyed with the secret and fed the label: each MAC starts from a copy (one token per
    /// message: the key's pads and the label are not hashed again for each).
    private let labelled: HMAC<SHA256>

    /// An issuer with `secret` (at least 32 bytes, e.g. from the configuration's environment override).
    public init(secret: [UInt8]) throws(UnsubscribeTokenError) {
        guard secret.count >= Self.minimumSecretLength else { throw .secretTooShort(bytes: secret.count) }
        key = SymmetricKey(data: secret)
        var labelled = HMAC<SHA256>(key: key)
        labelled.update(data: Self.label)
        self.labelled = labelled
    }

    /// The token for subscriber `subscriberID` in campaign `campaignID`.
    public func issue(campaignID: Int64, subscriberID: Int64) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        try issue(.campaign(campaignID), subscriberID: subscriberID)
    }

    /// The token for subscriber `subscriberID` of hosted list `listID` (in each copy of a post).
    public func issue(listID: Int64, subscriberID: Int64) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        try issue(.list(listID), subscriberID: subscriberID)
    }

    private func issue(_ scope: UnsubscribeToken.Scope, subscriberID: Int64) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        let (version, scopeID): (UInt8, Int64) =
            switch scope {
            case .campaign(let id): (Self.campaignVersion, id)
            case .list(let id): (Self.listVersion, id)
            }
        for id in [scopeID, subscriberID] where id < 0 || id >= Self.identifierLimit {
            throw .identifierOutOfRange(id)
        }
        var payload: [UInt8] = [version]
        Self.appendVarint(UInt64(scopeID), to: &payload)
        Self.appendVarint(UInt64(subscriberID), to: &payload)
        payload += mac(payload)
        return UnsubscribeToken(scope: scope, subscriberID: subscriberID, text: LowercaseBase32.encode(payload))
    }

    /// Checks `text` (either case) and returns what it names; the MAC is compared in constant time.
    public func verify(_ text: String) throws(UnsubscribeTokenError) -> UnsubscribeToken {
        guard text.utf8.count <= Self.maximumTokenLength else { throw .malformed(reason: "longer than \(Self.maximumTokenLength) characters") }
        guard let bytes = LowercaseBase32.decode(text) else { throw .malformed(reason: "not base32") }
        guard bytes.count >= 1 + 2 + Self.macLength else { throw .malformed(reason: "too short") }
        guard bytes[0] == Self.campaignVersion || bytes[0] == Self.listVersion else {
            throw .malformed(reason: "unknown version \(bytes[0])")
        }
        let payload = Array(bytes[..<(bytes.count - Self.macLength)])
        guard Self.constantTimeEqual(mac(payload), bytes[(bytes.count - Self.macLength)...]) else { throw .invalidSignature }
        var offset = 1
        guard let scopeID = Self.readVarint(payload, at: &offset), let subscriberID = Self.readVarint(payload, at: &offset),
            offset == payload.count
        else { throw .malformed(reason: "bad id encoding") }
        let scope: UnsubscribeToken.Scope = bytes[0] == Self.listVersion ? .list(scopeID) : .campaign(scopeID)
        return UnsubscribeToken(scope: scope, subscriberID: subscriberID, text: LowercaseBase32.encode(bytes))
    }

    /// The first 128 bits of HMAC-SHA256(label ‖ payload).
    private func mac(_ payload: [UInt8]) -> [UInt8] {
        var hmac = labelled
        hmac.update(data: payload)
        return Array(hmac.finalize().prefix(Self.macLength))
    }

    /// Equal length and bytes, in time that does not depend on where they differ.
    private static func constantTimeEqual(_ a: [UInt8], _ b: ArraySlice<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A canonical (shortest) varint below the id limit, or nil.
    private static func readVarint(_ bytes: [UInt8], at offset: inout Int) -> Int64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 49 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // no superfluous trailing zero group (the encoding of each value is unique)
                guard byte != 0 || shift == 0, value < UInt64(identifierLimit) else { return nil }
                return Int64(value)
            }
            shift += 7
        }
        return nil
    }
}
