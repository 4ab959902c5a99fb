/// The SMTP service extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1).
///
/// ```swift
/// let caps = SMTPCapabilities(ehloReply: reply)
/// if caps.startTLS { … }
/// ```
public struct SMTPCapabilities: Sendable, Hashable {
    /// PIPELINING (RFC 2920): commands may be sent without waiting for each reply.
    public var pipelining = false
    /// STARTTLS (RFC 3207).
    public var startTLS = false
    /// AUTH mechanisms offered (RFC 4954), upper-cased.
    public var authMechanisms: Set<String> = []
    /// SIZE (RFC 1870): present when announced; the value is the limit in octets, 0 meaning no limit.
    public var sizeLimit: Int?
    /// 8BITMIME (RFC 6152).
    public var eightBitMIME = false
    /// SMTPUTF8 (RFC 6531).
    public var smtpUTF8 = false
    /// ENHANCEDSTATUSCODES (RFC 2034).
    public var enhancedStatusCodes = false

    /// No extensions (a server that only understood HELO).
    public init() {}

    /// Parses the EHLO reply: the first line is the server's name, every further line one keyword
    /// with optional parameters. Unknown keywords are ignored; matching is case-insensitive.
    public init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            let keyword = first.uppercased()
            let parameters = words.dropFirst().map { $0.uppercased() }
            switch keyword {
            case "PIPELINING": pipelining = true
            case "STARTTLS": startTLS = true
            case "AUTH": authMechanisms.formUnion(parameters)
            case "SIZE": sizeLimit = parameters.first.flatMap { Int($0) } ?? 0
            case "8BITMIME": eightBitMIME = true
            case "SMTPUTF8": smtpUTF8 = true
            case "ENHANCEDSTATUSCODES": enhancedStatusCodes = true
            default:
                // old servers announce "AUTH=LOGIN PLAIN"
                if keyword.hasPrefix("AUTH=") {
                    authMechanisms.insert(String(keyword.dropFirst(5)))
                    authMechanisms.formUnion(parameters)
                }
            }
        }
    }
}
