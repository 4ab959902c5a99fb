public import BulkheadMail

/// The domains the relay receives mail for (`inbound.domains`): a recipient at any other domain is
/// external. Names are compared in their ASCII form, lowercased, and exactly: `Bücher.example` and
/// `xn--bcher-kva.example` are one domain, `mail.example.com` is not `example.com`.
///
/// ```swift
/// let local = try LocalDomains(["Example.com", "bücher.example"])
/// local.contains("EXAMPLE.COM")           // true
/// local.contains("xn--bcher-kva.example") // true
/// local.contains("mail.example.com")      // false
/// ```
public struct LocalDomains: Sendable, Hashable {
    /// The domains, in ASCII form.
    public let asciiNames: Set<String>

    /// The domains `names`; throws for a name with no ASCII form (empty, an empty label, too long).
    public init(_ names: some Sequence<String>) throws(DomainError) {
        var ascii: Set<String> = []
        for name in names { ascii.insert(try IDNA.toASCII(name)) }
        asciiNames = ascii
    }

    /// True when `domain` is one of the local domains.
    public func contains(_ domain: String) -> Bool {
        asciiNames.contains(AddressKey.asciiDomain(domain))
    }
}
