/// What the campaign rules look at before a send: the message as one real recipient would get it and
/// how many people would get it. (Issue 9 in progress: identity, transport, per-recipient fields and
/// attachments join it with the rules that need them.)
///
/// ```swift
/// let plan = SendPlan(subject: "Spring offer for Ann", text: "Hello Ann…", html: nil, eligibleRecipients: 1_200)
/// let findings = CampaignRules().check(plan)
/// ```
public struct SendPlan: Sendable, Hashable {
    /// The subject, rendered for one recipient.
    public var subject: String
    /// The text body, rendered for one recipient.
    public var text: String
    /// The HTML body, rendered for one recipient, if any.
    public var html: String?
    /// How many recipients the send would go to now.
    public var eligibleRecipients: Int
    /// The attachments.
    public var attachments: [PlannedAttachment]
    /// Commercial (the default) or transactional.
    public var kind: CampaignKind = .commercial
    /// Where the messages would go.
    public var transport: PlannedTransport = .capture
    /// The From address's domain.
    public var fromDomain: String?
    /// The configured postal address (nil when none).
    public var postalAddress: String?
    /// The sample recipient's unsubscribe link (nil when the message has none).
    public var unsubscribeURL: String?
    /// The sample message's `List-Unsubscribe` and `List-Unsubscribe-Post` values.
    public var listUnsubscribe: String?
    public var listUnsubscribePost: String?
    /// The DKIM signature's domain (`d=`) and signed header names, nil when unsigned.
    public var dkimDomain: String?
    public var dkimSignedHeaders: [String] = []

    /// Describes a send.
    public init(subject: String, text: String, html: String?, eligibleRecipients: Int, attachments: [PlannedAttachment] = []) {
        self.subject = subject
        self.text = text
        self.html = html
        self.eligibleRecipients = eligibleRecipients
        self.attachments = attachments
    }
}

/// Commercial mail must carry an opt-out and a postal address; transactional mail (receipts, the
/// follow-up to an incident) is exempt from those rules.
public enum CampaignKind: String, Sendable, Hashable, Codable {
    case commercial, transactional
}

/// Where a planned send's messages go: the capture mailbox (nothing leaves the machine) or an upstream.
public enum PlannedTransport: String, Sendable, Hashable, Codable {
    case capture, upstream
}

/// One attachment of a planned send: its file name and, when it is text, its content to scan.
public struct PlannedAttachment: Sendable, Hashable {
    /// The file name shown to recipients.
    public var name: String
    /// The content, when the attachment is text (nil for binary files: only the name is judged).
    public var text: String?

    /// Describes an attachment.
    public init(name: String, text: String?) {
        self.name = name
        self.text = text
    }
}

/// The thresholds of the campaign rules; each counts "from N up" (≥ N).
public struct GuardrailThresholds: Sendable, Hashable {
    /// A `warning` from this many recipients (and the undo window applies).
    public var warnFrom: Int
    /// A second person's approval from this many recipients.
    public var approvalFrom: Int
    /// The exact count typed (`--confirm N`) from this many recipients.
    public var confirmFrom: Int
    /// Mail that looks like a test is refused from this many recipients.
    public var testMailFrom: Int
    /// What sensitive content needs (`guardrails.dlp`).
    public var dlp: DLPMode

    /// The defaults: 25, 500, 1,000 and 10; sensitive content needs approval.
    public init(warnFrom: Int = 25, approvalFrom: Int = 500, confirmFrom: Int = 1_000, testMailFrom: Int = 10, dlp: DLPMode = .approval) {
        self.warnFrom = warnFrom
        self.approvalFrom = approvalFrom
        self.confirmFrom = confirmFrom
        self.testMailFrom = testMailFrom
        self.dlp = dlp
    }
}
