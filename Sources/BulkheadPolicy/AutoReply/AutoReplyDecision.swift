/// What an auto-responder does with one received message: answer its envelope sender, or not,
/// and why not.
///
/// ```swift
/// switch AutoReplyRule.decide(headers: headers, envelopeSender: "ann@example.org", responderAddress: "support@shop.example") {
/// case .reply(let to): send(reply, to: to)          // "ann@example.org"
/// case .skip(let reason): log(reason.code)          // "auto-submitted", "list-message", …
/// }
/// ```
public enum AutoReplyDecision: Sendable, Hashable {
    /// Answer, to this address only: the envelope sender (angle brackets and white space removed).
    case reply(to: String)
    /// Do not answer.
    case skip(AutoReplySkip)
}

/// Why an auto-responder does not answer a message (RFC 3834 §2 and the loops it exists to
/// prevent). Each reason has a stable ``code`` for logs, counts and the JSON of commands.
///
/// ```swift
/// AutoReplySkip.listMessage.code          // "list-message"
/// AutoReplySkip(rawValue: "role-sender")  // .roleSender (a code read back)
/// ```
public enum AutoReplySkip: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The envelope sender is null (`<>`): a bounce or another notice; the reply could go nowhere
    /// (RFC 3834 §2 MUST NOT).
    case nullSender = "null-sender"
    /// The message came from this responder (an address of ours is its envelope sender, From or
    /// Sender), or from any Bulkhead (it carries `X-Bulkhead-Loop`).
    case sentByUs = "sent-by-us"
    /// `Auto-Submitted` with a value other than `no`: an automatic message (RFC 3834 §2).
    case autoSubmitted = "auto-submitted"
    /// Microsoft's `X-Auto-Response-Suppress` asks for no out-of-office or automatic reply
    /// (`All`, `OOF` or `AutoReply`).
    case autoResponseSuppressed = "x-auto-response-suppress"
    /// A report (`multipart/report`: delivery status, read receipt, complaint), never a person's
    /// message (RFC 3834 §2: a responder may refuse what a response would not suit).
    case report = "report"
    /// `Precedence: bulk`, `list` or `junk`: mass or list mail (RFC 3834 §2).
    case precedence = "precedence"
    /// A mailing-list message: a `List-*` field (RFC 2369, RFC 2919) or ezmlm's `Mailing-List` (RFC 3834 §2).
    case listMessage = "list-message"
    /// The envelope sender is an address software answers from: `MAILER-DAEMON`, `postmaster`,
    /// no-reply addresses, list robots (`listserv`, `majordomo`, `mailman`), `owner-*`, `*-owner`,
    /// `*-request`, `bounce*`, `*-bounces` (RFC 3834 §2).
    case roleSender = "role-sender"
    /// The envelope sender is not an address a reply can be sent to.
    case invalidSender = "invalid-sender"
    /// The responder's address (or an alias) is not in To, Cc, Bcc, Resent-To, Resent-Cc or
    /// Resent-Bcc: the message reached it as a Bcc, through a list or a forward (RFC 3834 §2).
    case notExplicitRecipient = "not-explicit-recipient"
    /// The message's header section cannot be read, so none of the rules can be checked: no reply.
    case unreadable = "unreadable"

    /// The stable identifier of the reason.
    public var code: String { rawValue }

    /// One sentence for a person.
    public var description: String {
        switch self {
        case .nullSender: "the envelope sender is null (<>), so a reply could go nowhere"
        case .sentByUs: "the message came from this responder or another Bulkhead (X-Bulkhead-Loop)"
        case .autoSubmitted: "the message is automatic (Auto-Submitted other than no)"
        case .autoResponseSuppressed: "the sender asked for no automatic reply (X-Auto-Response-Suppress)"
        case .report: "the message is a report (multipart/report), not a person's message"
        case .precedence: "the message is bulk, list or junk mail (Precedence)"
        case .listMessage: "the message came through a mailing list (List-* fields)"
        case .roleSender: "the envelope sender is a robot or role address (MAILER-DAEMON, no-reply, list, bounce)"
        case .invalidSender: "the envelope sender is not a valid address"
        case .notExplicitRecipient: "the responder's address is not in To, Cc, Bcc or Resent-To/Cc/Bcc"
        case .unreadable: "the message's header section cannot be read"
        }
    }
}
