import BulkheadMail

/// Variable envelope return paths: `bounces+<token>@domain` as the envelope sender, so a bounce's
/// recipient names the ledger entry it is about.
///
/// Tokens are lowercase letters and digits only (e.g. the store's hex tokens), so an MTA that
/// lowercases local parts cannot change them; ``parse(_:localPart:domain:)`` reads either case.
///
/// ```swift
/// let path = try VERPAddress.make(token: "4f1c0a9e", domain: "bounce.example.com")
/// // "bounces+4f1c0a9e@bounce.example.com"
/// VERPAddress.parse("BOUNCES+4F1C0A9E@Bounce.Example.com")   // "4f1c0a9e"
/// ```
public enum VERPAddress {
    /// The longest token accepted (the whole local part must stay within 64 octets).
    public static let maximumTokenLength = 48

    /// `<localPart>+<token>@<domain>` with the domain in A-label form.
    public static func make(token: String, localPart: String = "bounces", domain: String) throws(CampaignMessageError) -> String {
        guard isToken(token) else { throw .invalidVERPToken(token) }
        guard !localPart.isEmpty, localPart.utf8.allSatisfy(isLocalPartByte),
            !localPart.hasPrefix("."), !localPart.hasSuffix("."), !localPart.contains("..")
        else { throw .invalidVERPLocalPart(localPart) }
        guard localPart.utf8.count + 1 + token.utf8.count <= Mailbox.maximumLocalPartLength else {
            throw .invalidVERPLocalPart(localPart + "+" + token)
        }
        let asciiDomain: String
        do {
            asciiDomain = try IDNA.toASCII(domain)
        } catch {
            throw .invalidDomain(domain, reason: error.description)
        }
        return localPart + "+" + token + "@" + asciiDomain
    }

    /// The token of a VERP address (lowercased), or nil when `address` is not `<localPart>+token@…`
    /// (local part compared case-insensitively; angle brackets and white space around are ignored).
    /// When `domain` is given, the address's domain must equal it (case-insensitively).
    public static func parse(_ address: String, localPart: String = "bounces", domain: String? = nil) -> String? {
        var text = Substring(address.trimmingASCIIWhitespace())
        if text.hasPrefix("<") && text.hasSuffix(">") && text.count >= 2 { text = text.dropFirst().dropLast() }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let local = text[..<at].lowercased()
        let prefix = localPart.lowercased() + "+"
        guard local.hasPrefix(prefix) else { return nil }
        let token = String(local.dropFirst(prefix.count))
        guard isToken(token) else { return nil }
        if let domain {
            let found = text[text.index(after: at)...].lowercased()
            let expected = ((try? IDNA.toASCII(domain)) ?? domain).lowercased()
            guard found == expected || found == domain.lowercased() else { return nil }
        }
        return token
    }

    /// 1 to `maximumLength` lowercase ASCII letters and digits.
    static func isToken(_ token: String, maximumLength: Int = maximumTokenLength) -> Bool {
        let bytes = token.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }
    }

    /// Letters, digits, `.`, `-` and `_`: a plain dot-atom local part without `+`.
    private static func isLocalPartByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs, CRs and LFs.
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
