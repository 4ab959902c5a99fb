public import BulkheadMail
public import BulkheadSMTP

/// Why a campaign message factory could not be set up, or could not make one recipient's message.
public enum CampaignMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The recipient's address is not a single `local@domain`.
    case invalidRecipientAddress(String, reason: String)
    /// The recipient's address cannot go in an SMTP envelope (control characters, over-long local part, bad domain).
    case invalidEnvelopeAddress(String, MailboxError)
    /// The SMTP envelope refused the return path or the recipient (controls, spaces, angle brackets).
    case invalidEnvelope(EnvelopeError)
    /// The unsubscribe base URL is refused (not HTTPS, no host, query or fragment…).
    case invalidUnsubscribeBase(String, reason: String)
    /// A configured domain (return path, mailto) has no valid ASCII form.
    case invalidDomain(String, reason: String)
    /// A VERP token is empty, too long, or holds something other than lowercase letters and digits.
    case invalidVERPToken(String)
    /// The VERP local part is not a plain dot-atom without `+`, or the whole local part would exceed 64 octets.
    case invalidVERPLocalPart(String)
    /// An unsubscribe token given to the factory holds something other than lowercase letters and digits.
    case invalidUnsubscribeToken(String)
    /// The List-Id identifier is not `dot-atom-text` (e.g. `news.example.com`).
    case invalidListID(String)
    /// The List-Id description holds control characters.
    case invalidListDescription(String)
    /// A template failed to compile, or rendered a subject with a line break for this recipient.
    case template(CampaignTemplateError)
    /// The message builder refused an input (it names which).
    case build(MessageBuildError)
    /// The DKIM signer's header lists do not include this field, which RFC 8058 requires signed.
    case unsignedUnsubscribeHeader(String)
    /// DKIM signing failed.
    case signing(DKIMSignerError)
    /// The built header section does not have exactly one `To` mailbox equal to the recipient, or has
    /// Cc/Bcc/Resent recipients: the message is dropped. Should be unreachable; checked on every message.
    case recipientExposure(reason: String)

    /// A one-line explanation for logs and CLI output.
    public var description: String {
        switch self {
        case .invalidRecipientAddress(let address, let reason): return "recipient \"\(address)\": \(reason)"
        case .invalidEnvelopeAddress(let address, let error): return "recipient \"\(address)\" cannot be an envelope address: \(error)"
        case .invalidEnvelope(let error): return "SMTP envelope: \(error)"
        case .invalidUnsubscribeBase(let base, let reason): return "unsubscribe base \"\(base)\": \(reason)"
        case .invalidDomain(let domain, let reason): return "domain \"\(domain)\": \(reason)"
        case .invalidVERPToken(let token):
            return "VERP token \"\(token)\": 1 to \(VERPAddress.maximumTokenLength) lowercase letters and digits expected"
        case .invalidVERPLocalPart(let local):
            return "VERP local part \"\(local)\": a plain dot-atom without + and at most 64 octets with the token expected"
        case .invalidUnsubscribeToken(let token): return "unsubscribe token \"\(token.prefix(80))\": lowercase letters and digits expected"
        case .invalidListID(let id): return "List-Id \"\(id)\": dot-atom text such as news.example.com expected"
        case .invalidListDescription(let text): return "List-Id description \(text.debugDescription): control characters are not allowed"
        case .template(let error): return error.description
        case .build(let error): return "building the message: \(error)"
        case .unsignedUnsubscribeHeader(let name): return "the DKIM signer must sign \(name) (RFC 8058 §4)"
        case .signing(let error): return "DKIM signing: \(error)"
        case .recipientExposure(let reason): return "message dropped, recipient check failed: \(reason)"
        }
    }
}
