public import BulkheadMail

/// One copy of a released message, ready for one recipient's SMTP transaction.
public struct RelayCopy: Sendable, Hashable {
    /// The message octets (CRLF lines).
    public let bytes: [UInt8]
    /// Whether and how it was signed.
    public let signing: RelayCopySigning

    public init(bytes: [UInt8], signing: RelayCopySigning) {
        self.bytes = bytes
        self.signing = signing
    }
}

/// How a relay copy is (or, for ``RelayCopyWriter/alignment(of:)``, would be) DKIM-signed.
///
/// ```swift
/// switch try writer.alignment(of: held) {
/// case .signed: break
/// default: print("warning: DMARC-aligned delivery is not possible")
/// }
/// ```
public enum RelayCopySigning: Sendable, Hashable, CustomStringConvertible {
    /// The message as submitted: not rewritten, so not re-signed (the sender's own signatures stay valid).
    case unchanged
    /// Re-signed with the configured key `d=domain`, `s=selector`, whose domain aligns with From's.
    case signed(domain: String, selector: String)
    /// Sent unsigned: no configured key's domain is the From domain (ASCII, lowercased) or a parent of it.
    case notAligned(fromDomain: String)
    /// Sent unsigned: the message has no From field, more than one, or one that is not a single mailbox.
    case noFromDomain

    /// True when receivers can find an aligned DKIM signature (or, for ``unchanged``, the sender's own).
    public var isDMARCAligned: Bool {
        switch self {
        case .unchanged, .signed: return true
        case .notAligned, .noFromDomain: return false
        }
    }

    public var description: String {
        switch self {
        case .unchanged:
            return "sent as submitted (not re-signed)"
        case .signed(let domain, let selector):
            return "re-signed with DKIM d=\(domain) s=\(selector)"
        case .notAligned(let fromDomain):
            return "sent unsigned: no configured DKIM key is for \(fromDomain) or a parent domain, "
                + "so DMARC-aligned delivery is not possible"
        case .noFromDomain:
            return "sent unsigned: the message has no single From mailbox, so DMARC-aligned delivery is not possible"
        }
    }
}

/// Why a relay copy could not be made.
public enum RelayCopyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The held message's header section cannot be rewritten (not CRLF, malformed, over a limit).
    case message(MessageCopyError)
    /// The recipient is not an address `local@domain`.
    case invalidRecipient(String, AddressParseError)
    /// The aligned key failed to sign.
    case signing(DKIMSignerError)

    public var description: String {
        switch self {
        case .message(let error): return "the held message cannot be copied: \(error)"
        case .invalidRecipient(let recipient, let error): return "recipient \"\(recipient)\": \(error)"
        case .signing(let error): return "DKIM signing failed: \(error)"
        }
    }
}
