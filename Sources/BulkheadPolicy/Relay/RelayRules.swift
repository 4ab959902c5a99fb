/// The guard relay's rules: findings about one submitted message. The caller turns them into pass,
/// hold or reject: any `error` or `approval` finding holds the message (``holds(_:)``). Pure and fast.
///
/// Rules: recipients who can see each other (To/Cc), mail that looks like a test (the
/// campaign rule's detection), the audience size over the envelope, and To/Cc
/// fields that do not parse. The per-sender breaker is ``SenderBreaker``.
///
/// ```swift
/// let thresholds = RelayThresholds()
/// let findings = RelayRules.check(message, thresholds: thresholds)
/// if RelayRules.holds(findings) { hold(message, findings) }
/// else if RelayRules.waitsForBulkUndo(message, thresholds: thresholds) { relay(message, after: bulkUndoSeconds) }
/// else { relay(message) }
/// ```
public enum RelayRules {
    /// What the holding CLI command offers for recipients who can see each other.
    static let releaseSeparately = "release as individual copies (`bulkhead hold release ID --split`) or as Bcc (`--bcc`)"

    /// Every finding about `message`, most severe first (stable within a severity).
    public static func check(_ message: RelayMessage, thresholds: RelayThresholds) -> [Finding] {
        let envelope = distinctEnvelopeRecipients(message)
        let parts = [("subject", message.subject), ("text body", message.text)] + (message.html.map { [("HTML body", $0)] } ?? [])
        let testMail = TestMailRules.findings(
            parts: parts, recipients: envelope, threshold: thresholds.campaign.testMailFrom,
            fix: "if it is meant for all of them, an approver releases it: bulkhead hold release ID")
        let findings =
            RelayExposureRule(holdFrom: thresholds.exposureHoldRecipients).check(message) + unreadable(message) + testMail
            + RelayAudienceRule(thresholds: thresholds.campaign).check(recipients: envelope)
        return findings.mostSevereFirst()
    }

    /// One finding per To/Cc field that does not parse.
    static func unreadable(_ message: RelayMessage) -> [Finding] {
        message.unreadableRecipientFields.map { problem in
            Finding(
                code: "relay.recipients-unreadable", severity: .error,
                message: "\(problem): who can see whom cannot be counted", location: "To/Cc", fix: releaseSeparately)
        }
    }

    /// True when `findings` hold the message: one of them is an `error` or needs `approval`.
    ///
    /// ```swift
    /// RelayRules.holds([Finding(code: "audience.large", severity: .warning, message: "")])  // false
    /// ```
    public static func holds(_ findings: [Finding]) -> Bool {
        findings.contains { $0.severity >= .approval }
    }

    /// True when `message` has ``RelayThresholds/bulkUndoFromRecipients`` distinct envelope recipients
    /// or more: the relay then waits `relay.bulk_undo_seconds` before it relays it.
    ///
    /// ```swift
    /// RelayRules.waitsForBulkUndo(messageTo25People, thresholds: RelayThresholds())  // true
    /// ```
    public static func waitsForBulkUndo(_ message: RelayMessage, thresholds: RelayThresholds) -> Bool {
        distinctEnvelopeRecipients(message) >= thresholds.bulkUndoFromRecipients
    }

    /// The envelope recipients, each counted once (``AddressKey``).
    static func distinctEnvelopeRecipients(_ message: RelayMessage) -> Int {
        Set(message.envelopeRecipients.map(AddressKey.init(envelope:))).count
    }
}
