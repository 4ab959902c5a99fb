/// An IP network written in CIDR form (`127.0.0.1/32`, `10.0.0.0/8`, `::1/128`, `2001:db8::/32`), and
/// whether a client address is inside it: who may relay without authenticating (`relay.allow_networks`).
/// An address without a prefix length is a single host. IPv4-mapped IPv6 clients (`::ffff:127.0.0.1`)
/// match IPv4 networks.
///
/// ```swift
/// let network = try IPNetwork(parsing: "192.168.0.0/16")
/// network.contains("192.168.4.20")   // true
/// network.contains("192.169.0.1")    // false
/// ```
public struct IPNetwork: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Why a network cannot be read.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "\(text.debugDescription): \(reason)" }
    }

    /// The network's address bytes (4 or 16), host bits cleared.
    public let bytes: [UInt8]
    /// The prefix length.
    public let prefixLength: Int

    /// 127.0.0.1/32.
    public static let loopbackV4 = IPNetwork(bytes: [127, 0, 0, 1], prefixLength: 32)

    private init(bytes: [UInt8], prefixLength: Int) {
        self.bytes = bytes
        self.prefixLength = prefixLength
    }

    /// Reads `ADDRESS/LENGTH` or a bare address. Host bits set in the address are refused
    /// (`10.0.0.1/8` is probably a mistake for `10.0.0.1/32` or `10.0.0.0/8`).
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.address(String(parts[0])) else {
            throw ParseError(text: text, reason: "not an IPv4 or IPv6 address")
        }
        let maximum = address.count * 8
        var length = maximum
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...maximum).contains(given), parts[1].allSatisfy(\.isASCII) else {
                throw ParseError(text: text, reason: "the prefix length must be 0 to \(maximum)")
            }
            length = given
        }
        let masked = Self.mask(address, length)
        guard masked == address else {
            throw ParseError(text: text, reason: "host bits are set (did you mean \(Self.format(masked))/\(length)?)")
        }
        self.init(bytes: masked, prefixLength: length)
    }

    /// True when the client address `text` (as a listener reports it) is in this network.
    public func contains(_ text: String) -> Bool {
        guard var address = Self.address(text) else { return false }
        if bytes.count == 4, address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF {
            address = Array(address[12...])
        }
        guard address.count == bytes.count else { return false }
        return Self.mask(address, prefixLength) == bytes
    }

    public var description: String { "\(Self.format(bytes))/\(prefixLength)" }

    /// Decodes `ADDRESS/LENGTH`; a network that does not parse is a `DecodingError.dataCorrupted` saying why.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try IPNetwork(parsing: try container.decode(String.self))
        } catch let error as ParseError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func mask(_ address: [UInt8], _ length: Int) -> [UInt8] {
        address.enumerated().map { index, byte in
            let bits = max(0, min(8, length - index * 8))
            return bits == 8 ? byte : byte & UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    /// The 4 or 16 bytes of an IPv4 or IPv6 literal (an IPv6 zone `%eth0` is refused), or nil.
    static func address(_ text: String) -> [UInt8]? {
        text.contains(":") ? ipv6(Substring(text)) : ipv4(Substring(text))
    }

    private static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = UInt8(part),
                part.count == 1 || part.first != "0"
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    private static func ipv6(_ text: Substring) -> [UInt8]? {
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring, allowIPv4: Bool) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes: [UInt8] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4, index == pieces.count - 1, piece.contains(".") {
                    guard let v4 = ipv4(piece) else { return nil }
                    bytes += v4
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit), let value = UInt16(piece, radix: 16) else { return nil }
                    bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
                }
            }
            return bytes
        }
        if halves.count == 1 {
            guard let bytes = groups(halves[0], allowIPv4: true), bytes.count == 16 else { return nil }
            return bytes
        }
        guard let head = groups(halves[0], allowIPv4: false), let tail = groups(halves[1], allowIPv4: true), head.count + tail.count <= 14
        else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    private static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":")
    }
}
