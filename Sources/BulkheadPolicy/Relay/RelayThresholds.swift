/// The relay's thresholds; each counts "from N up" (≥ N).
///
/// ```swift
/// var thresholds = RelayThresholds()
/// thresholds.exposureHoldRecipients  // 10
/// thresholds.campaign.approvalFrom   // 500
/// ```
public struct RelayThresholds: Sendable, Hashable {
    /// Distinct external recipients visible in To/Cc together from which the message is held
    /// (`relay.exposure_hold_recipients`; GNU Mailman holds at 10).
    public var exposureHoldRecipients: Int
    /// Distinct envelope recipients from which the relay waits `relay.bulk_undo_seconds` before it
    /// relays, so the sender can still take the message back (`relay.bulk_undo_from_recipients`).
    public var bulkUndoFromRecipients: Int
    /// The campaign thresholds, applied to the envelope recipients: `warnFrom`
    /// (`guardrails.warn_recipients`), `approvalFrom` (`guardrails.approval_recipients`), `confirmFrom`
    /// (`guardrails.confirm_recipients`; the relay has no typed confirmation, so from there it needs
    /// approval too) and `testMailFrom` (`guardrails.test_mail_error_recipients`). `dlp` is read by the list-post rules only.
    public var campaign: GuardrailThresholds

    /// The defaults: 10 and 25, and the campaign defaults (25, 500, 1,000 and 10).
    public init(exposureHoldRecipients: Int = 10, bulkUndoFromRecipients: Int = 25, campaign: GuardrailThresholds = GuardrailThresholds()) {
        self.exposureHoldRecipients = exposureHoldRecipients
        self.bulkUndoFromRecipients = bulkUndoFromRecipients
        self.campaign = campaign
    }
}
