/// What a ``DKIMSigner`` signs and how.
public struct DKIMSignerConfiguration: Sendable, Hashable {
    /// The fields signed when present, in this order (each occurrence is signed).
    public static let defaultSignedHeaders = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Message-ID", "MIME-Version", "Content-Type",
        "Content-Transfer-Encoding", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Help",
        "List-Post", "Feedback-ID", "In-Reply-To", "References",
    ]
    /// The fields listed once more than they occur (over-signed), so that none can be added later.
    public static let defaultOverSignedHeaders = ["From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post"]

    /// `d=`: the signing domain (ASCII; an IDN must be given as A-labels).
    public var domain: String
    /// `s=`: the selector.
    public var selector: String
    /// Header canonicalisation (default relaxed).
    public var headerCanonicalization: DKIMCanonicalization = .relaxed
    /// Body canonicalisation (default relaxed).
    public var bodyCanonicalization: DKIMCanonicalization = .relaxed
    /// The header fields to sign; must include From.
    public var signedHeaders: [String] = DKIMSignerConfiguration.defaultSignedHeaders
    /// The header fields to over-sign (listed in `h=` once more than they occur, even when absent).
    public var overSignedHeaders: [String] = DKIMSignerConfiguration.defaultOverSignedHeaders
    /// Whether to add `t=` (the signing time). Default true.
    public var includeTimestamp = true
    /// When set, `x=` is `t=` plus this many seconds (needs `includeTimestamp`).
    public var expiresAfterSeconds: Int?

    /// A configuration with the default header list and relaxed/relaxed canonicalisation.
    public init(domain: String, selector: String) {
        self.domain = domain
        self.selector = selector
    }
}

/// Why a signer could not be made or could not sign a message.
public enum DKIMSignerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `d=` is not a valid domain name.
    case invalidDomain(String)
    /// `s=` is not a valid selector.
    case invalidSelector(String)
    /// A signed or over-signed header name is not a valid field name.
    case invalidHeaderName(String)
    /// The signed header list does not include From (RFC 6376 §5.4).
    case fromNotInSignedHeaders
    /// `x=` was asked for without `t=`, or with a lifetime that is not positive.
    case invalidExpiry
    /// The message has no From field.
    case missingFrom
    /// The message has more than one From field (refused: it confuses what is signed).
    case multipleFrom(count: Int)
    /// The message could not be split into header fields and body.
    case malformedMessage(DKIMMessageError)
    /// The crypto library failed to sign.
    case signingFailed(String)

    public var description: String {
        switch self {
        case .invalidDomain(let domain): return "invalid DKIM domain d=\(domain)"
        case .invalidSelector(let selector): return "invalid DKIM selector s=\(selector)"
        case .invalidHeaderName(let name): return "invalid header name to sign: \(name)"
        case .fromNotInSignedHeaders: return "the signed header list must include From"
        case .invalidExpiry: return "x= needs t= and a positive lifetime"
        case .missingFrom: return "the message has no From field"
        case .multipleFrom(let count): return "the message has \(count) From fields; exactly one is required"
        case .malformedMessage(let error): return "malformed message: \(error)"
        case .signingFailed(let detail): return "signing failed: \(detail)"
        }
    }
}

enum DKIMNames {
    /// A domain or selector: dot-separated labels of letters, digits, hyphens and (selector)
    /// underscores, 1-63 bytes each, 253 in all.
    static func isValidDomain(_ text: String, allowUnderscore: Bool = false) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63 else { return false }
            guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else { return false }
            for b in label {
                let ok =
                    (b >= 0x30 && b <= 0x39) || DKIMTagList.isAlpha(b) || b == UInt8(ascii: "-")
                    || (allowUnderscore && b == UInt8(ascii: "_"))
                if !ok { return false }
            }
        }
        return true
    }

    static func isValidFieldName(_ name: String) -> Bool {
        !name.utf8.isEmpty && name.utf8.count <= 998 && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }
    }

    static func lowercased(_ name: String) -> [UInt8] {
        name.utf8.map { ($0 >= 0x41 && $0 <= 0x5A) ? $0 | 0x20 : $0 }
    }
}
