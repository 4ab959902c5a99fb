/// The report on one recipient: one per-recipient field block of a DSN (RFC 3464 §2.3).
public struct RecipientStatus: Sendable, Hashable {
    /// `Final-Recipient`: the address the reporting MTA tried to deliver to.
    public var finalRecipient: DSNTypedValue
    /// `Original-Recipient`: the address the sender gave (from `ORCPT`), when the MTA knew it.
    public var originalRecipient: DSNTypedValue?
    /// `Action`.
    public var action: DSNAction
    /// `Status`.
    public var status: EnhancedStatusCode
    /// `Diagnostic-Code`: e.g. type `smtp` and the remote server's reply text.
    public var diagnosticCode: DSNTypedValue?
    /// `Remote-MTA`: the server that gave the diagnostic.
    public var remoteMTA: DSNTypedValue?
    /// `Last-Attempt-Date`, as written (an RFC 5322 date-time).
    public var lastAttemptDate: String?
    /// `Will-Retry-Until`, as written (an RFC 5322 date-time); present on delay warnings.
    public var willRetryUntil: String?
    /// Every field of the block in order, extension fields (`X-...`) included.
    public var fields: HeaderList
    /// What the report's human-readable part says about this recipient: the line naming the
    /// address and the more indented lines under it. Exim writes the reason only there (a retry
    /// timeout gives `Status: 5.0.0`, no `Diagnostic-Code`, and "retry timeout exceeded" under the
    /// address). Set by ``DeliveryStatusReport/parse(_:)``; nil when the part does not name the address.
    ///
    /// ```swift
    /// let report = try DeliveryStatusReport.parse(try MIMEParser().parse(bytes))
    /// report.recipients[0].explanation   // "  bob@example.com\n    retry timeout exceeded"
    /// ```
    public var explanation: String?

    /// What the outcome means for the address list (see ``BounceClass`` for the rule table): the
    /// action, the status made specific by the `Diagnostic-Code`, and the retry-timeout texts of the
    /// diagnostic, the `Status:` field and ``explanation``.
    public var bounceClass: BounceClass {
        BounceClass(action: action, status: status, diagnostic: diagnosticCode?.value, explanation: statusExplanation)
    }

    /// The status that decides ``bounceClass``: ``status``, or, when it is generic, a more specific
    /// code of the same class from the `Diagnostic-Code`, else from ``explanation``
    /// (``EnhancedStatusCode/refined(byDiagnostic:)``).
    ///
    /// ```swift
    /// // Status: 5.0.0, Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>: User unknown
    /// recipient.specificStatus   // 5.1.1
    /// ```
    public var specificStatus: EnhancedStatusCode {
        status.specific(diagnostic: diagnosticCode?.value, explanation: statusExplanation)
    }

    /// The `Status:` field as written (an MTA may add a comment) and ``explanation``.
    private var statusExplanation: String {
        [fields["Status"], explanation].compactMap { $0 }.joined(separator: "\n")
    }

    /// The final recipient's address (`finalRecipient.value`).
    public var address: String { finalRecipient.value }

    /// Interprets one per-recipient block; `index` (0-based) only labels errors.
    public init(fields: HeaderList, index: Int = 0) throws(DSNParseError) {
        guard let finalText = fields["Final-Recipient"] else {
            throw .missingField(name: "Final-Recipient", recipient: index)
        }
        guard let actionText = fields["Action"] else { throw .missingField(name: "Action", recipient: index) }
        guard let statusText = fields["Status"] else { throw .missingField(name: "Status", recipient: index) }
        self.finalRecipient = try RecipientStatus.address(finalText, field: "Final-Recipient", index: index)
        self.originalRecipient = try fields["Original-Recipient"].map { (text) throws(DSNParseError) in
            try RecipientStatus.address(text, field: "Original-Recipient", index: index)
        }
        guard let action = DSNAction(fieldValue: actionText) else {
            throw .unknownAction(value: actionText, recipient: index)
        }
        self.action = action
        do {
            self.status = try EnhancedStatusCode(parsing: statusText)
        } catch {
            throw .malformedStatusCode(value: statusText, recipient: index, reason: error)
        }
        self.diagnosticCode = try fields["Diagnostic-Code"].map { (text) throws(DSNParseError) in
            try RecipientStatus.typed(text, field: "Diagnostic-Code", index: index)
        }
        self.remoteMTA = try fields["Remote-MTA"].map { (text) throws(DSNParseError) in
            try RecipientStatus.typed(text, field: "Remote-MTA", index: index)
        }
        self.lastAttemptDate = fields["Last-Attempt-Date"]?.dsnTrimmingWhitespace()
        self.willRetryUntil = fields["Will-Retry-Until"]?.dsnTrimmingWhitespace()
        self.fields = fields
    }

    private static func address(_ text: String, field: String, index: Int) throws(DSNParseError) -> DSNTypedValue {
        do {
            return try DSNTypedValue(address: text)
        } catch {
            throw .malformedTypedField(name: field, recipient: index, reason: error)
        }
    }

    static func typed(_ text: String, field: String, index: Int?) throws(DSNParseError) -> DSNTypedValue {
        do {
            return try DSNTypedValue(parsing: text)
        } catch {
            throw .malformedTypedField(name: field, recipient: index, reason: error)
        }
    }
}
