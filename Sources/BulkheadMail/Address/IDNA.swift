/// Conversion of whole domain names between their Unicode (U-label) and ASCII (A-label) forms,
/// as mail needs it: IDNA2008-style `xn--` labels built with RFC 3492 ``Punycode``.
///
/// Each label is lowercased (Unicode default case mapping) before encoding. ASCII labels must be
/// letters, digits, hyphens or underscores. A name may not have empty labels (so no leading,
/// trailing or doubled dot), a label may not exceed 63 octets and the name 253 octets. A domain
/// literal such as `[192.0.2.1]` is passed through unchanged. This is not a full UTS #46
/// implementation: no mapping tables, no Bidi or contextual rules.
///
/// ```swift
/// try IDNA.toASCII("Bücher.example")             // "xn--bcher-kva.example"
/// IDNA.toUnicode("xn--bcher-kva.example")        // "bücher.example"
/// ```
public enum IDNA {
    /// The longest label in octets (RFC 1035).
    public static let maximumLabelLength = 63
    /// The longest name in octets, without a trailing dot (RFC 1035 / RFC 5321).
    public static let maximumNameLength = 253

    /// The ASCII form of `domain`: non-ASCII labels become `xn--` A-labels, every label lowercased.
    public static func toASCII(_ domain: String) throws(DomainError) -> String {
        if domain.isEmpty { throw .empty }
        if isDomainLiteral(domain) { return domain }
        if let plain = plainASCII(domain) { return plain }
        return try fullASCII(domain)
    }

    /// ``toASCII(_:)`` label by label, for any name (the fast path's reference in tests).
    static func fullASCII(_ domain: String) throws(DomainError) -> String {
        var output = ""
        output.reserveCapacity(domain.utf8.count + 8)
        var index = 0
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            if index > 0 { output.append(".") }
            try appendASCII(label: label, index: index, to: &output)
            index += 1
        }
        if output.utf8.count > maximumNameLength { throw .nameTooLong(octets: output.utf8.count) }
        return output
    }

    /// The Unicode form of `domain`: each `xn--` label that decodes is replaced by its U-label.
    /// Labels that do not decode are kept as they are; nothing else changes.
    public static func toUnicode(_ domain: String) -> String {
        guard domain.utf8.count >= 4, !isDomainLiteral(domain) else { return domain }
        var output = ""
        output.reserveCapacity(domain.utf8.count)
        var first = true
        for label in domain.split(separator: ".", omittingEmptySubsequences: false) {
            if !first { output.append(".") }
            first = false
            if hasACEPrefix(label), let decoded = try? Punycode.decode(String(label.dropFirst(4))) {
                output.append(decoded)
            } else {
                output.append(contentsOf: label)
            }
        }
        return output
    }

    /// The fast path of ``toASCII(_:)`` for the common name: ASCII letters, digits, `-` and `_` in
    /// non-empty labels of at most 63 octets, at most 253 in all, no label starting with `xn--`. Returns
    /// the name lowercased, or nil for anything else (which the full path then accepts or refuses with
    /// its reason).
    static func plainASCII(_ domain: String) -> String? {
        var domain = domain
        guard domain.utf8.count <= maximumNameLength else { return nil }
        let (plain, lowered) = domain.withUTF8 { bytes -> (Bool, [UInt8]?) in
            var lowered: [UInt8]?
            var labelStart = 0
            for index in bytes.indices {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") {
                    guard index > labelStart else { return (false, nil) }
                    labelStart = index + 1
                    continue
                }
                let lower = HeaderField.asciiLower(byte)
                guard isLDH(lower), index - labelStart < maximumLabelLength else { return (false, nil) }
                // An `xn--` label must decode: the full path checks it.
                if index == labelStart, lower == UInt8(ascii: "x"), index + 3 < bytes.count,
                    HeaderField.asciiLower(bytes[index + 1]) == UInt8(ascii: "n"), bytes[index + 2] == UInt8(ascii: "-"),
                    bytes[index + 3] == UInt8(ascii: "-")
                {
                    return (false, nil)
                }
                if lower != byte {
                    if lowered == nil { lowered = Array(bytes) }
                    lowered?[index] = lower
                }
            }
            return (labelStart < bytes.count, lowered)
        }
        guard plain else { return nil }
        return lowered.map { String(decoding: $0, as: UTF8.self) } ?? domain
    }

    /// True for `[...]`, an RFC 5321 address literal.
    static func isDomainLiteral(_ domain: String) -> Bool {
        domain.utf8.first == UInt8(ascii: "[") && domain.utf8.last == UInt8(ascii: "]")
    }

    private static func hasACEPrefix(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard bytes.count >= 4 else { return false }
        var iterator = bytes.makeIterator()
        for expected in "xn--".utf8 {
            guard let byte = iterator.next(), HeaderField.asciiLower(byte) == expected else { return false }
        }
        return true
    }

    private static func appendASCII(label: Substring, index: Int, to output: inout String) throws(DomainError) {
        if label.isEmpty { throw .emptyLabel(index: index) }
        let isASCII = AddressSyntax.isASCII(label)
        let lowered = isASCII ? asciiLowercased(label) : label.lowercased()
        for scalar in lowered.unicodeScalars where scalar.isASCII {
            guard isLDH(UInt8(scalar.value)) else { throw .invalidCharacter(Character(scalar), labelIndex: index) }
        }
        let encoded: String
        if isASCII {
            if hasACEPrefix(lowered[...]) {
                // An A-label given as such must decode, or it is not a label at all.
                guard (try? Punycode.decode(String(lowered.dropFirst(4)))) != nil else {
                    throw .invalidALabel(String(label), labelIndex: index)
                }
            }
            encoded = lowered
        } else {
            // Any scalar needs at least one output character, so a label this long cannot fit.
            if lowered.unicodeScalars.count > maximumLabelLength {
                throw .labelTooLong(labelIndex: index, octets: lowered.utf8.count)
            }
            do {
                encoded = try "xn--" + Punycode.encode(lowered)
            } catch {
                throw .invalidALabel(String(label), labelIndex: index)
            }
        }
        if encoded.utf8.count > maximumLabelLength {
            throw .labelTooLong(labelIndex: index, octets: encoded.utf8.count)
        }
        output.append(encoded)
    }

    @inline(__always) private static func isLDH(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func asciiLowercased(_ text: Substring) -> String {
        if !text.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) { return String(text) }
        return String(decoding: text.utf8.map(HeaderField.asciiLower), as: UTF8.self)
    }
}

/// Why a domain name has no valid ASCII (A-label) form.
public enum DomainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The domain is empty.
    case empty
    /// Label number `index` (from 0) is empty: a leading, trailing or doubled dot.
    case emptyLabel(index: Int)
    /// Label number `labelIndex` is longer than 63 octets in its ASCII form.
    case labelTooLong(labelIndex: Int, octets: Int)
    /// The whole ASCII name is longer than 253 octets.
    case nameTooLong(octets: Int)
    /// An ASCII character other than a letter, digit, hyphen or underscore.
    case invalidCharacter(Character, labelIndex: Int)
    /// An `xn--` label that is not valid Punycode, or a label that cannot be encoded.
    case invalidALabel(String, labelIndex: Int)

    public var description: String {
        switch self {
        case .empty: "empty domain"
        case .emptyLabel(let index): "label \(index) is empty"
        case .labelTooLong(let index, let octets): "label \(index) is \(octets) octets long (maximum \(IDNA.maximumLabelLength))"
        case .nameTooLong(let octets): "domain is \(octets) octets long (maximum \(IDNA.maximumNameLength))"
        case .invalidCharacter(let character, let index): "label \(index) holds invalid character \(character.debugDescription)"
        case .invalidALabel(let label, let index): "label \(index) \(label.debugDescription) is not a valid A-label"
        }
    }
}
