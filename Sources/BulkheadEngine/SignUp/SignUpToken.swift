import Crypto
public import Foundation

/// A verified (or freshly issued) confirmation link of a public sign-up: which list, which subscriber,
/// when it was issued (it is valid for ``SignUpTokenIssuer/lifetime`` from then).
///
/// ```swift
/// let issuer = SignUpTokenIssuer(sharing: environment.tokens)
/// let token = try issuer.issue(listID: 3, subscriberID: 17, at: clock.date)
/// let claim = try issuer.verify(token.text, now: clock.date)   // list 3, subscriber 17
/// ```
public struct SignUpToken: Sendable, Hashable {
    /// The list signed up for.
    public let listID: Int64
    /// The subscriber who signed up.
    public let subscriberID: Int64
    /// When the link was issued (whole seconds).
    public let issuedAt: Date
    /// The token as it goes in the link (lowercase base32).
    public let text: String
}

/// Why a confirmation token could not be issued or verified.
public enum SignUpTokenError: Error, Sendable, Hashable {
    /// Not a token: wrong alphabet or length, unknown version, bad number encoding.
    case malformed
    /// The authentication code does not match: tampered with, or made with another secret.
    case invalidSignature
    /// Older than ``SignUpTokenIssuer/lifetime`` (or issued in the future).
    case expired
    /// An id or time outside what a token carries.
    case outOfRange
}

/// Issues and verifies ``SignUpToken``s: base32 of `version ‖ list id ‖ subscriber id ‖ issued at
/// (Unix seconds) ‖ MAC`, numbers as LEB128 varints, the MAC the first 128 bits of HMAC-SHA256
/// (swift-crypto) under the unsubscribe tokens' secret with its own label, so that neither kind of
/// token can pass for the other.
public struct SignUpTokenIssuer: Sendable {
    /// How long a confirmation link is valid.
    public static let lifetime: TimeInterval = 7 * 86_400
    /// The longest token text.
    public static let maximumTokenLength = 64

    private static let version: UInt8 = 1
    private static let macLength = 16
    private static let numberLimit: UInt64 = 1 << 49
    private static let label = Array("bulkhead sign-up confirmation v1\u{0}".utf8)

    private let key: SymmetricKey

    /// An issuer with the same secret as `unsubscribeTokens`.
    public init(sharing unsubscribeTokens: UnsubscribeTokenIssuer) {
        key = unsubscribeTokens.key
    }

    /// The confirmation token for subscriber `subscriberID` of list `listID`, issued at `date`.
    public func issue(listID: Int64, subscriberID: Int64, at date: Date) throws(SignUpTokenError) -> SignUpToken {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let numbers = [listID, subscriberID, Int64(seconds)]
        guard numbers.allSatisfy({ $0 >= 0 && UInt64($0) < Self.numberLimit }) else { throw .outOfRange }
        var payload: [UInt8] = [Self.version]
        for number in numbers { Self.appendVarint(UInt64(number), to: &payload) }
        payload += mac(payload)
        return SignUpToken(
            listID: listID, subscriberID: subscriberID, issuedAt: Date(timeIntervalSince1970: seconds), text: LowercaseBase32.encode(payload))
    }

    /// Checks `text` (MAC compared in constant time, then the age at `now`) and returns what it names.
    public func verify(_ text: String, now: Date) throws(SignUpTokenError) -> SignUpToken {
        guard text.utf8.count <= Self.maximumTokenLength, let bytes = LowercaseBase32.decode(text),
            bytes.count >= 1 + 3 + Self.macLength, bytes[0] == Self.version
        else { throw .malformed }
        let payload = Array(bytes[..<(bytes.count - Self.macLength)])
        let expected = mac(payload)
        var difference: UInt8 = 0
        for (x, y) in zip(expected, bytes[(bytes.count - Self.macLength)...]) { difference |= x ^ y }
        guard difference == 0 else { throw .invalidSignature }
        var offset = 1
        var numbers: [Int64] = []
        for _ in 0..<3 {
            guard let number = Self.readVarint(payload, at: &offset) else { throw .malformed }
            numbers.append(number)
        }
        guard offset == payload.count else { throw .malformed }
        let issuedAt = Date(timeIntervalSince1970: TimeInterval(numbers[2]))
        let age = now.timeIntervalSince(issuedAt)
        guard age >= -60, age <= Self.lifetime else { throw .expired }
        return SignUpToken(listID: numbers[0], subscriberID: numbers[1], issuedAt: issuedAt, text: LowercaseBase32.encode(bytes))
    }

    private func mac(_ payload: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.label + payload, using: key).prefix(Self.macLength))
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A canonical (shortest) varint below the limit, or nil.
    private static func readVarint(_ bytes: [UInt8], at offset: inout Int) -> Int64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 49 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                guard byte != 0 || shift == 0, value < numberLimit else { return nil }
                return Int64(value)
            }
            shift += 7
        }
        return nil
    }
}
