/// The rules for a post to a hosted list: the relay's exposure rule (external people visible in
/// To/Cc), unreadable To/Cc fields, test mail (judged against the list's members: a "test" to 840,000
/// people is held) and sensitive content (`guardrails.dlp`). The audience-size rule does not apply: the
/// list is the audience, its posting policy governs. Any `error` or `approval` finding holds the post
/// (``RelayRules/holds(_:)``).
///
/// ```swift
/// let findings = ListPostRules.check(message, members: 840_000, thresholds: RelayThresholds())
/// if RelayRules.holds(findings) { hold(post, findings) }
/// ```
public enum ListPostRules {
    /// Every finding about a post to a list of `members` members, most severe first.
    public static func check(_ message: RelayMessage, members: Int, thresholds: RelayThresholds) -> [Finding] {
        let parts = [("subject", message.subject), ("text body", message.text)] + (message.html.map { [("HTML body", $0)] } ?? [])
        let testMail = TestMailRules.findings(
            parts: parts, recipients: members, threshold: thresholds.campaign.testMailFrom,
            fix: "if it is meant for the whole list, a moderator releases it: bulkhead hold release ID")
        let sensitive = SensitiveContentRules(mode: thresholds.campaign.dlp).check(parts: parts, attachmentNames: message.attachmentNames)
        let findings =
            RelayExposureRule(holdFrom: thresholds.exposureHoldRecipients).check(message) + RelayRules.unreadable(message) + testMail
            + sensitive
        return findings.mostSevereFirst()
    }
}
